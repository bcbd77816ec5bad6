import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { Answer } from '../src/answer/types.js';
import { parseSse, type Running, startServer } from './server-helpers.js';

let srv: Running;
before(async () => {
  srv = await startServer();
});
after(() => srv.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(srv.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('HTTP API', () => {
  it('GET /api/health reports the embedder and counts', async () => {
    const res = await fetch(`${srv.url}/api/health`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.status, 'ok');
    assert.equal(body.embedder.kind, 'builtin');
    assert.equal(typeof body.embedder.dims, 'number');
    assert.equal(body.documents, 4);
    assert.ok(body.passages > 70);
  });

  it('POST /api/ask answers with citations that quote the source exactly', async () => {
    const res = await post('/api/ask', { question: '毛泽东思想活的灵魂是什么？' });
    assert.equal(res.status, 200);
    const a: Answer = await res.json();
    assert.equal(a.mode, 'answer');
    assert.match(a.answer, /毛泽东思想活的灵魂/);
    assert.ok(a.citations.length >= 1);
    for (const c of a.citations) {
      assert.ok(a.answer.includes(`[${c.n}]`));
      for (const [s, e] of c.highlights) assert.ok(c.quote.includes(c.text.slice(s, e)));
    }
    assert.ok(a.timings.totalMs >= 0);
  });

  it('streams the answer as Server-Sent Events: meta, deltas, done', async () => {
    const res = await post('/api/ask', { question: '新型工业化有哪些重点任务？' }, { accept: 'text/event-stream' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = parseSse(await res.text());
    assert.equal(events[0].event, 'meta');
    const meta = JSON.parse(events[0].data);
    assert.equal(meta.mode, 'list');
    const deltas = events.filter((e) => e.event === 'delta').map((e) => JSON.parse(e.data).text as string);
    assert.ok(deltas.length > 3);
    const done = events.at(-1)!;
    assert.equal(done.event, 'done');
    const answer: Answer = JSON.parse(done.data);
    assert.equal(deltas.join(''), answer.answer);
    assert.equal(answer.citations.length, 7);
  });

  it('POST /api/summarize summarises a document and a section', async () => {
    const docs = (await (await fetch(`${srv.url}/api/documents`)).json()).documents;
    const address = docs.find((d: { title: string }) => d.title.includes('新年贺词'));
    const a: Answer = await (await post('/api/summarize', { docId: address.id })).json();
    assert.equal(a.mode, 'summary');
    assert.ok(a.citations.length >= 3 && a.citations.every((c) => c.docId === address.id));
    const article = docs.find((d: { title: string }) => d.title.includes('新型工业化'));
    const section = article.sections[1];
    const s: Answer = await (await post('/api/summarize', { sectionId: section.id })).json();
    assert.ok(s.citations.every((c) => c.sectionPath[0] === section.title));
  });

  it('GET /api/documents lists the section tree and GET /api/passages/:id one paragraph', async () => {
    const { documents } = await (await fetch(`${srv.url}/api/documents`)).json();
    assert.equal(documents.length, 4);
    const article = documents.find((d: { title: string }) => d.title.includes('新型工业化'));
    assert.equal(article.sections.length, 3);
    assert.equal(article.sections[1].paragraphs, 9);
    const a: Answer = await (await post('/api/ask', { question: '新型工业化的鲜明特征是什么？' })).json();
    const p = await (await fetch(`${srv.url}/api/passages/${encodeURIComponent(a.citations[0].paragraphId)}`)).json();
    assert.equal(p.text, a.citations[0].text);
    assert.ok(p.previousId && p.nextId);
  });

  it('answers follow-ups with the history', async () => {
    const history = [
      { role: 'user', content: '新型工业化有哪些重点任务？' },
      { role: 'assistant', content: '……' },
    ];
    const a: Answer = await (await post('/api/ask', { question: '那第三点呢？', history })).json();
    assert.match(a.answer, /三是全面提升产业科技创新能力/);
  });

  it('rejects bad input with a 4xx JSON error that says what to fix', async () => {
    const cases: Array<[unknown, number, string, Record<string, string>?]> = [
      [{}, 400, 'invalid_question'],
      [{ question: '' }, 400, 'empty_question'],
      [{ question: '   ' }, 400, 'empty_question'],
      [{ question: 42 }, 400, 'invalid_question'],
      [{ question: ['a'] }, 400, 'invalid_question'],
      [{ question: 'x'.repeat(2001) }, 400, 'question_too_long'],
      [{ question: '你好', history: 'no' }, 400, 'invalid_history'],
      [{ question: '你好', history: [{ role: 'system', content: 'x' }] }, 400, 'invalid_history'],
      ['{not json', 400, 'invalid_json'],
      [[1, 2], 400, 'invalid_body'],
      [{ question: 'a'.repeat(70_000) }, 413, 'body_too_large'],
      [{ question: '问题' }, 415, 'unsupported_media_type', { 'content-type': 'text/plain' }],
    ];
    for (const [body, status, code, headers] of cases) {
      const res = await post('/api/ask', body, headers);
      assert.equal(res.status, status, `${JSON.stringify(body).slice(0, 40)} → ${status}`);
      const json = await res.json();
      assert.equal(json.error.code, code);
      assert.ok(json.error.message.length > 10);
    }
    const unknown = await post('/api/summarize', { docId: 'nope' });
    assert.equal(unknown.status, 404);
    assert.equal((await fetch(`${srv.url}/api/passages/nope`)).status, 404);
    const missing = await fetch(`${srv.url}/api/nothing`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, 'not_found');
  });

  it('does not serve files outside web/', async () => {
    for (const path of [
      '/..%2f..%2fetc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..%5c..%5cpackage.json',
      '/../package.json',
    ]) {
      const res = await fetch(srv.url + path);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(await res.text(), /root:|"dependencies"/);
    }
  });

  it('sends security headers', async () => {
    const res = await fetch(`${srv.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'.*frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  });
});

describe('OpenAI-compatible API (official client)', () => {
  it('lists the model and answers a chat completion with citations', async () => {
    const client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: 'unused' });
    const models = await client.models.list();
    assert.equal(models.data.length, 1);
    const completion = await client.chat.completions.create({
      model: models.data[0].id,
      messages: [
        { role: 'system', content: '你是助手' },
        { role: 'user', content: '毛泽东思想活的灵魂是什么？' },
      ],
    });
    const content = completion.choices[0].message.content ?? '';
    assert.match(content, /活的灵魂.*\[1\]/);
    const citations = (completion as unknown as { citations: Answer['citations'] }).citations;
    assert.ok(citations[0].text.includes('这是毛泽东思想活的灵魂'));
  });

  it('streams chat.completion.chunk events ending with the citations', async () => {
    const client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: 'unused' });
    const stream = await client.chat.completions.create({
      model: 'x',
      stream: true,
      messages: [{ role: 'user', content: '新型工业化有哪些重点任务？' }],
    });
    let text = '';
    let last: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      last = chunk;
    }
    assert.match(text, /七是加快建设世界一流企业/);
    assert.equal((last as { choices: Array<{ finish_reason: string }> }).choices[0].finish_reason, 'stop');
    assert.equal((last as { citations: unknown[] }).citations.length, 7);
  });

  it('rejects a request without a user message', async () => {
    const res = await post('/v1/chat/completions', { messages: [{ role: 'system', content: 'x' }] });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.code, 'invalid_messages');
  });
});

describe('API key', () => {
  it('guards /api and /v1 when API_KEY is set, and the OpenAI client key works as is', async () => {
    const guarded = await startServer({ apiKey: 'secret-key' });
    try {
      assert.equal((await fetch(`${guarded.url}/api/health`)).status, 401);
      assert.equal(
        (await fetch(`${guarded.url}/api/health`, { headers: { authorization: 'Bearer secret-key' } })).status,
        200,
      );
      assert.equal((await fetch(`${guarded.url}/`)).status, 200, 'the page itself stays public');
      const client = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: 'secret-key' });
      assert.equal((await client.models.list()).data.length, 1);
    } finally {
      await guarded.close();
    }
  });
});
