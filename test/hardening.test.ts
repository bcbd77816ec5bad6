import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseDocuments } from '../src/corpus/parse.js';
import { readCorpus } from '../src/corpus/read.js';
import { percentile } from '../src/eval/stats.js';
import { ingest } from '../src/index/ingest.js';
import { corpusCopy, testConfig } from './helpers.js';
import { type Running, startServer, startServerProcess } from './server-helpers.js';

let srv: Running;
before(async () => {
  srv = await startServer({ requestTimeoutMs: 1000 });
});
after(() => srv.close());

const ask = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${srv.url}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('parser under random input (fast-check)', () => {
  it('never throws and keeps sentence offsets inside paragraphs', () => {
    const line = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 80 }),
      fc.string({
        unit: fc.constantFrom('。', '，', '！', '？', '、', '“', '”', '（', '）', ' ', '\t'),
        maxLength: 40,
      }),
      fc.constantFrom(
        '一、标题',
        '（二）小节',
        '同志们、朋友们！',
        '# 标题',
        '---',
        '附件 1',
        '(2023 年 1 月 1 日)',
        '一是要做好工作。',
      ),
      fc.string({ unit: fc.constantFrom('中', '国', '工', '业', '化', '2', '0'), minLength: 2000, maxLength: 5000 }),
    );
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 30 }),
        fc.constantFrom('\n', '\r\n', '\r', '\n\n'),
        fc.boolean(),
        (lines, eol, markdown) => {
          const docs = parseDocuments(lines.join(eol), { source: 'random.txt', markdown });
          for (const d of docs) {
            for (const p of d.paragraphs) {
              assert.ok(p.text.length > 0);
              for (const [s, e] of p.sentences) assert.ok(0 <= s && s < e && e <= p.text.length);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('API under hostile input', () => {
  it('never answers 5xx to random JSON bodies (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ question: fc.anything(), history: fc.option(fc.anything()) }, { requiredKeys: [] }),
        async (body) => {
          const res = await ask(JSON.stringify(body));
          assert.ok(res.status < 500, `status ${res.status} for ${JSON.stringify(body).slice(0, 80)}`);
          const json = await res.json();
          if (res.status >= 400) assert.equal(typeof json.error.message, 'string');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers or rejects Unicode edge cases cleanly', async () => {
    const cases = [
      '毛泽东思想😀活的灵魂？',
      '新型\u200b工业化\u200d的特征',
      '\u202e新型工业化\u202c是什么',
      'مرحبا بالعالم',
      '𠀀𠀁𠀂',
      '\ud800孤立代理',
      '问题\u0000有空字符',
      '🙂'.repeat(500),
    ];
    for (const question of cases) {
      const res = await ask(JSON.stringify({ question }));
      assert.ok(res.status === 200 || res.status === 400, `${JSON.stringify(question)} → ${res.status}`);
      const json = await res.json();
      if (res.status === 400) assert.match(json.error.message, /Unicode|NUL|empty|long/);
    }
  });

  it('ignores unknown fields and rejects a body over the size limit', async () => {
    assert.equal(
      (await ask(JSON.stringify({ question: '新型工业化的鲜明特征是什么', extra: { a: 1 }, temperature: 2 }))).status,
      200,
    );
    const big = await ask(JSON.stringify({ question: 'x', history: [{ role: 'user', content: 'y'.repeat(70_000) }] }));
    assert.equal(big.status, 413);
  });

  it('answers 200 concurrent distinct questions, each with its own answer', async () => {
    const topics = [
      '毛泽东思想',
      '新型工业化',
      '民主集中制',
      '高质量发展',
      '改革开放',
      '一带一路',
      '数字技术',
      '绿色低碳',
      '世界一流企业',
      '人民军队',
    ];
    const questions = Array.from({ length: 200 }, (_, i) => `${topics[i % topics.length]}是什么？（第${i}问）`);
    const times: number[] = [];
    const answers = await Promise.all(
      questions.map(async (question) => {
        const t = performance.now();
        const res = await ask(JSON.stringify({ question }));
        times.push(performance.now() - t);
        assert.equal(res.status, 200);
        return res.json();
      }),
    );
    for (const [i, a] of answers.entries()) assert.equal(a.question, questions[i]);
    console.log(
      `200 concurrent asks: p50 ${percentile(times, 50).toFixed(0)} ms, p95 ${percentile(times, 95).toFixed(0)} ms`,
    );
  });

  it('times out a request whose body never arrives', async () => {
    const { port } = new URL(srv.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.write(
      'POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"question":',
    );
    const response = await new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (d) => {
        data += d;
        if (data.includes('}}')) resolve(data);
      });
    });
    socket.destroy();
    assert.match(response, /^HTTP\/1\.1 503/);
    assert.match(response, /"code":"timeout"/);
  });

  it('limits asks per client with 429 and Retry-After', async () => {
    const limited = await startServer({ rateLimitPerMinute: 3 });
    try {
      const post = () =>
        fetch(`${limited.url}/api/ask`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"question":"你好"}',
        });
      for (let i = 0; i < 3; i++) assert.equal((await post()).status, 200);
      const res = await post();
      assert.equal(res.status, 429);
      assert.ok(Number(res.headers.get('retry-after')) > 0);
      assert.equal((await res.json()).error.code, 'rate_limited');
      assert.equal((await fetch(`${limited.url}/api/health`)).status, 200, 'browsing is not limited');
    } finally {
      await limited.close();
    }
  });
});

describe('server process', () => {
  it('finishes in-flight requests on SIGTERM and exits 0', { timeout: 60_000 }, async () => {
    const config = testConfig();
    await ingest(config, { log: () => {} });
    const { proc, url, exit } = await startServerProcess({ CORPUS_DIR: config.corpusDir, INDEX_DIR: config.indexDir });
    const inflight = fetch(`${url}/api/summarize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ docId: (await (await fetch(`${url}/api/documents`)).json()).documents[0].id }),
    });
    await new Promise((r) => setTimeout(r, 5));
    proc.kill('SIGTERM');
    const res = await inflight;
    assert.equal(res.status, 200);
    assert.equal((await res.json()).mode, 'summary');
    assert.equal(await exit, 0);
  });

  it('keeps answering during a re-ingest and switches to the new index when it is complete', {
    timeout: 120_000,
  }, async () => {
    const corpus = corpusCopy();
    const config = testConfig(corpus);
    await ingest(config, { log: () => {} });
    const { proc, url, exit } = await startServerProcess({
      CORPUS_DIR: corpus,
      INDEX_DIR: config.indexDir,
      RELOAD_INTERVAL_MS: '200',
    });
    try {
      const before = (await (await fetch(`${url}/api/health`)).json()).builtAt;
      writeFileSync(
        path.join(corpus, 'extra.md'),
        '---\ntitle: 补充说明\n---\n\n## 一、说明\n\n本文件专门说明量子蜂巢计划的试点安排，试点在三个城市开展。\n',
      );
      let failures = 0;
      let served = 0;
      const reingest = ingest(config, { log: () => {} });
      let done = false;
      void reingest.then(() => (done = true));
      while (!done) {
        const res = await fetch(`${url}/api/ask`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"question":"毛泽东思想活的灵魂是什么"}',
        });
        if (res.status === 200) served++;
        else failures++;
      }
      await reingest;
      let after = before;
      for (let i = 0; i < 100 && after === before; i++) {
        await new Promise((r) => setTimeout(r, 100));
        after = (await (await fetch(`${url}/api/health`)).json()).builtAt;
      }
      assert.equal(failures, 0);
      assert.ok(served > 0);
      assert.notEqual(after, before, 'the server switched to the new build');
      const a = await (
        await fetch(`${url}/api/ask`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"question":"量子蜂巢计划在几个城市试点？"}',
        })
      ).json();
      assert.match(a.answer, /三个城市/);
    } finally {
      proc.kill('SIGTERM');
      await exit;
    }
  });
});

describe('unsafe corpus files', () => {
  it('indexes HTML and script text as plain text and skips binary files with a reason', async () => {
    const corpus = corpusCopy();
    writeFileSync(
      path.join(corpus, 'html.txt'),
      '网页内容\n\n<script>alert(1)</script>这段话里有<img src=x onerror=alert(1)>标签。\n',
    );
    writeFileSync(path.join(corpus, 'blob.txt'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00]));
    const { documents, errors } = await readCorpus(corpus);
    const html = documents.find((d) => d.meta.title === '网页内容')!;
    assert.equal(html.paragraphs[0].text, '<script>alert(1)</script>这段话里有<img src=x onerror=alert(1)>标签。');
    assert.deepEqual(
      errors.map((e) => e.file),
      ['blob.txt'],
    );
    assert.equal(documents.length, 5);
    assert.ok(readFileSync(path.join(corpus, '000_4d85f24a15212bac.txt')).length > 0);
  });

  it('strips bidirectional control characters, so quoted text cannot display reversed', async () => {
    const corpus = corpusCopy();
    writeFileSync(path.join(corpus, 'bidi.txt'), '双向文字\n\n这段话\u202e里有反转\u2066控制\u200f字符。\n');
    const { documents } = await readCorpus(corpus);
    const doc = documents.find((d) => d.meta.title === '双向文字')!;
    assert.equal(doc.paragraphs[0].text, '这段话里有反转控制字符。');
  });

  it('answers from a 200,000-character line without punctuation with a small body', async () => {
    const corpus = corpusCopy();
    const line = '长文本'.repeat(66_667);
    writeFileSync(path.join(corpus, 'long.txt'), `无标点长文\n\n${line}\n`);
    const config = testConfig(corpus);
    await ingest(config);
    const { Answerer } = await import('../src/answer/answer.js');
    const { KnowledgeBase } = await import('../src/index/knowledge-base.js');
    const srv = await startServer({}, new Answerer(await KnowledgeBase.load(config)));
    try {
      const res = await fetch(`${srv.url}/api/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: '长文本' }),
      });
      const body = await res.text();
      assert.equal(res.status, 200);
      assert.ok(body.length < 20_000, `answer body of ${body.length} characters`);
      const answer = JSON.parse(body) as { citations: Array<{ text: string }> };
      assert.ok(answer.citations.length > 0, 'the long text is quoted');
    } finally {
      await srv.close();
    }
  });
});
