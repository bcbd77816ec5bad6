import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Answerer } from '../src/answer/answer.js';
import type { Answer } from '../src/answer/types.js';
import { type GoldMetrics, loadGold, runGold } from '../src/eval/gold.js';
import { ROOT, seedAnswerer } from './helpers.js';

let answerer: Answerer;
before(async () => {
  answerer = await seedAnswerer();
});

/** Every answer sentence carries a marker; every citation is used; quotes are exact source text. */
function assertTraceable(a: Answer) {
  assert.ok(a.citations.length > 0, 'the answer cites at least one source');
  const used = new Set([...a.answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])));
  assert.deepEqual(
    [...used].sort((x, y) => x - y),
    a.citations.map((c) => c.n),
    'citations are exactly the cited sources',
  );
  for (const [i, c] of a.citations.entries()) assert.equal(c.n, i + 1);
  for (const c of a.citations) {
    assert.ok(c.highlights.length > 0);
    for (const [s, e] of c.highlights) {
      assert.ok(s >= 0 && e <= c.text.length && s < e);
      assert.ok(a.answer.includes(c.text.slice(s, e)), 'the highlighted span is quoted verbatim in the answer');
    }
  }
  // Strip framing, then every sentence or list line ends with a marker.
  const body = a.answer
    .replace(/^The documents say \(quoted in Chinese\): /, '')
    .split('\n')
    .filter((l) => l && !/[：:]$/.test(l));
  assert.ok(body.length > 0, 'the answer has cited lines');
  for (const line of body) {
    for (const sentence of line.split(/(?<=\])(?=[^[])/))
      assert.match(sentence, /\[\d+\]$/, `"${sentence}" has a citation`);
  }
}

describe('gold set (regression floors; numbers in `npm run eval`)', () => {
  let metrics: GoldMetrics;
  before(async () => {
    ({ metrics } = await runGold(answerer, loadGold(path.join(ROOT, 'test', 'gold', 'gold.jsonl'))));
  });

  it('has at least 60 questions with every kind the product promises', () => {
    const items = loadGold(path.join(ROOT, 'test', 'gold', 'gold.jsonl'));
    assert.ok(items.length >= 60);
    for (const type of ['fact', 'date', 'number', 'list', 'paraphrase', 'english', 'followup', 'metadata', 'summary'])
      assert.ok(
        items.some((i) => i.type === type),
        type,
      );
    assert.ok(items.filter((i) => i.abstain).length >= 10);
  });

  it('retrieves the evidence paragraph in the top 5', () => {
    assert.ok(metrics.recall['hybrid/zh'].at5 >= 0.93, `zh recall@5 ${metrics.recall['hybrid/zh'].at5}`);
    assert.ok(metrics.recall['hybrid/en'].at5 >= 0.7, `en recall@5 ${metrics.recall['hybrid/en'].at5}`);
    assert.ok(
      metrics.recall['hybrid/zh'].at5 >= metrics.recall['keyword/zh'].at5,
      'fusion is not worse than keywords alone',
    );
  });

  it('answers contain the key strings and cite the evidence', () => {
    assert.ok(metrics.keyContainment.zh >= 0.8, `zh keys ${metrics.keyContainment.zh}`);
    assert.ok(metrics.keyContainment.en >= 0.6, `en keys ${metrics.keyContainment.en}`);
    assert.ok(metrics.citationPrecision >= 0.77, `citation precision ${metrics.citationPrecision}`);
    assert.ok(metrics.evidenceCited.zh >= 0.85, `zh evidence cited ${metrics.evidenceCited.zh}`);
  });

  it('abstains on out-of-corpus questions without abstaining much on answerable ones', () => {
    assert.ok(metrics.abstention.outOfCorpus >= 0.85, `abstention ${metrics.abstention.outOfCorpus}`);
    assert.ok(metrics.abstention.falseAbstention <= 0.09, `false abstention ${metrics.abstention.falseAbstention}`);
  });
});

describe('answers', () => {
  it('gives a short cited fact answer that leads with the answer', async () => {
    const a = await answerer.answer('毛泽东思想活的灵魂是什么？');
    assert.equal(a.mode, 'answer');
    assert.match(a.answer, /实事求是、群众路线、独立自主三个基本方面。\[1\]这是毛泽东思想活的灵魂。\[1\]/);
    assert.ok(a.answer.length <= 260);
    assertTraceable(a);
  });

  it('lists enumerated items, one cited line each, in source order', async () => {
    const a = await answerer.answer('新型工业化有哪些重点任务？');
    assert.equal(a.mode, 'list');
    const lines = a.answer.split('\n').slice(1);
    assert.equal(lines.length, 7);
    assert.match(lines[0], /^1\. 一是全力促进工业经济平稳增长。\[1\]$/);
    assert.match(lines[6], /^7\. 七是加快建设世界一流企业。\[7\]$/);
    assertTraceable(a);
  });

  it('answers "when" and "who" from the byline', async () => {
    const when = await answerer.answer('纪念毛泽东同志诞辰130周年座谈会上的讲话是哪天发表的？');
    assert.match(when.answer, /2023年12月26日/);
    assert.equal(when.citations[0].paragraph, 0);
    const who = await answerer.answer('《坚决扛牢实现新型工业化这个关键任务》的作者是谁？');
    assert.match(who.answer, /中共工业和信息化部党组/);
    assertTraceable(who);
  });

  it('answers who wrote a document it points at from the byline alone, in English too', async () => {
    for (const question of [
      'Who is the author of the MIIT article?',
      'Who wrote the article on new industrialisation?',
      '谁写了关于新型工业化的文章？',
    ]) {
      const a = await answerer.answer(question);
      assert.equal(a.mode, 'answer', question);
      assert.deepEqual(
        a.citations.map((c) => c.paragraph),
        [0],
        question,
      );
      assert.match(a.answer, /中共工业和信息化部党组\)\[1\]$/, question);
      assertTraceable(a);
    }
  });

  it('does not name the one article there is as the author of an article on something else', async () => {
    for (const question of ['谁写了关于气候变化的文章？', 'Who wrote the article about climate change?']) {
      const a = await answerer.answer(question);
      assert.doesNotMatch(a.answer, /工业和信息化部党组/, question);
    }
  });

  it('names the document for "which document" questions', async () => {
    const a = await answerer.answer('哪篇文稿里提到了C919大飞机？');
    assert.match(a.answer, /^二〇二四年新年贺词\[1\].*C919大飞机实现商飞/);
    assertTraceable(a);
  });

  it('abstains with suggestions when the documents do not answer, in the question language', async () => {
    const zh = await answerer.answer('今年高考一本录取分数线是多少？');
    assert.equal(zh.mode, 'abstain');
    assert.ok(zh.abstained);
    assert.match(zh.answer, /^资料中没有找到与该问题相关的内容/);
    assert.deepEqual(zh.citations, []);
    const en = await answerer.answer('What is the minimum wage in Shanghai in 2024?');
    assert.equal(en.mode, 'abstain');
    assert.deepEqual(en.citations, []);
    assert.match(en.answer, /^No relevant content was found/);
  });

  it('frames English answers in English and quotes the Chinese source', async () => {
    const a = await answerer.answer('By what year is China supposed to basically achieve new industrialisation?');
    assert.equal(a.language, 'en');
    assert.match(a.answer, /^The documents say \(quoted in Chinese\): .*2035年基本实现新型工业化/);
    assertTraceable(a);
  });

  it('resolves elliptical follow-ups against the previous turn', async () => {
    const history = [
      { role: 'user' as const, content: '新型工业化有哪些重点任务？' },
      { role: 'assistant' as const, content: '资料列出以下7点：…' },
    ];
    const third = await answerer.answer('那第三点呢？', history);
    assert.match(third.answer, /^三是全面提升产业科技创新能力。\[1\]/);
    assertTraceable(third);
    const year = await answerer.answer('它的目标年份是？', [
      { role: 'user', content: '工信部文章里新型工业化的总体目标是什么？' },
    ]);
    assert.match(year.answer, /2035年/);
    assert.ok(year.resolvedQuestion?.includes('总体目标'));
    const chair = await answerer.answer('谁主持的？', [
      { role: 'user', content: '中央政治局专题民主生活会是什么时候开的？' },
    ]);
    assert.ok(chair.resolvedQuestion?.includes('民主生活会'));
    assert.match(chair.answer, /习近平/);
  });

  it('answers a short question with a subject of its own as if asked first', async () => {
    const history = [{ role: 'user' as const, content: '毛泽东提出要把党的建设作为什么来推进？' }];
    for (const question of ['工业化和现代化是什么关系？', '讲话把腐败比作什么？']) {
      const alone = await answerer.answer(question);
      const after = await answerer.answer(question, history);
      assert.equal(after.resolvedQuestion, undefined, question);
      assert.equal(after.answer, alone.answer, question);
    }
  });

  it('answers small talk without pretending to cite', async () => {
    const a = await answerer.answer('你好');
    assert.equal(a.mode, 'abstain');
    assert.deepEqual(a.citations, []);
    assert.match(a.answer, /你好/);
  });
});

describe('summaries', () => {
  it('routes natural summary requests to the right document or section', async () => {
    const address = await answerer.answer('总结一下新年贺词');
    assert.equal(address.mode, 'summary');
    assert.ok(address.citations.length > 0, 'the summary cites the address');
    assert.ok(address.citations.every((c) => c.docTitle === '二〇二四年新年贺词'));
    const part = await answerer.answer('概括新型工业化文章的第二部分');
    assert.equal(part.mode, 'summary');
    assert.ok(part.citations.length > 0, 'the summary cites the second part');
    assert.ok(part.citations.every((c) => c.sectionPath[0] === '二、扎实推进新型工业化各项重点任务落实'));
    const english = await answerer.answer('Summarize the New Year address');
    assert.equal(english.mode, 'summary');
    assert.match(english.answer, /^Summary of “二〇二四年新年贺词”/);
  });

  it('covers every section, keeps source order, stays near the length budget and cites every sentence', async () => {
    const article = answerer.kb.documents.find((d) => d.meta.title.includes('新型工业化'))!;
    const s = await answerer.summarize({ docId: article.id });
    const sections = new Set(s.citations.map((c) => c.sectionPath[0] ?? '(intro)'));
    assert.ok(sections.size >= 3, `sections represented: ${[...sections].join(', ')}`);
    const order = s.citations.map((c) => c.paragraph);
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
    );
    const body = s.answer.split('\n').slice(1).join('');
    assert.ok(body.replace(/\[\d+\]/g, '').length <= 500);
    assertTraceable(s);
  });

  it('offers the document/section tree with paragraph counts', () => {
    const tree = answerer.kb.tree();
    assert.equal(tree.length, 4);
    const speech = tree.find((d) => d.title.includes('纪念毛泽东'))!;
    assert.equal(speech.sections.length, 4);
    assert.equal(
      speech.sections.reduce((n, s) => n + s.paragraphs, 0),
      speech.paragraphs,
    );
  });
});

describe('command line', () => {
  function run(script: string, args: string[], input: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
        cwd: ROOT,
        env: { ...process.env, INDEX_DIR: path.dirname(answerer.kb.dir), EMBEDDINGS: 'builtin' },
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited ${code}`))));
      child.stdin.end(input);
    });
  }

  it('ask --jsonl writes exactly one object per input line, in order', async () => {
    const out = await run(
      'src/cli/ask.ts',
      ['--jsonl'],
      '毛泽东思想活的灵魂是什么\n\nWho won the 2022 FIFA World Cup?\n',
    );
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 3);
    assert.equal(lines[0].question, '毛泽东思想活的灵魂是什么');
    assert.equal(lines[1].error.code, 'empty_question');
    assert.equal(lines[2].mode, 'abstain');
  });

  it('search --jsonl and --json print the documented shape', async () => {
    const out = await run('src/cli/search.ts', ['--jsonl', '--k', '3'], '毛泽东思想活的灵魂是什么\n\n');
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.equal(lines[0].results.length, 3);
    assert.ok(lines[0].results[0].text.includes('这是毛泽东思想活的灵魂'));
    for (const key of ['passageId', 'paragraphId', 'docId', 'docTitle', 'sectionPath', 'text', 'score', 'scores'])
      assert.ok(key in lines[0].results[0], key);
    assert.deepEqual(lines[1].results, []);
  });
});
