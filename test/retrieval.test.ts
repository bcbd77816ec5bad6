/** Retrieval behaviours of the answerer over tiny corpora the tests write. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { Answerer } from '../src/answer/answer.js';
import { type ScoredQuote, scoreSentences } from '../src/answer/compose.js';
import { routeQuestion } from '../src/answer/router.js';
import { ingest } from '../src/index/ingest.js';
import { KnowledgeBase } from '../src/index/knowledge-base.js';
import { genresMentioned, genresOf } from '../src/lexicon/genres.js';
import { DEFAULT_TUNING, withSetting } from '../src/tuning.js';
import { tempDir, testConfig } from './helpers.js';

const SHARED = '各地要加快发展现代化产业体系，推动传统产业转型升级，培育壮大新兴产业。';

/** A knowledge base built from these texts, one file each (file name → text). */
async function knowledgeBaseOf(files: Record<string, string>): Promise<KnowledgeBase> {
  const corpus = path.join(tempDir(), 'corpus');
  mkdirSync(corpus);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(corpus, name), text);
  const config = testConfig(corpus);
  await ingest(config);
  return KnowledgeBase.load(config);
}

/** Documents that differ only by their first line (title or kind), each followed by SHARED. */
const headed = (heads: string[]) => Object.fromEntries(heads.map((head, i) => [`${i}.txt`, `${head}\n\n${SHARED}\n`]));

describe('a document named by its title', () => {
  let kb: KnowledgeBase;
  before(async () => {
    // Two documents with the same paragraph: only the title tells them apart.
    kb = await knowledgeBaseOf({
      'a.txt': `二〇二四年新年贺词\n\n${SHARED}\n\n大家好，新年快乐。\n`,
      'b.txt': `江西省政府工作报告\n\n${SHARED}\n\n全省经济运行稳中向好。\n`,
    });
  });

  it('ranks that document first when the question names it', async () => {
    const { results } = await new Answerer(kb).retrieve('新年贺词里怎么说发展现代化产业体系？');
    assert.equal(results[0].doc.meta.title, '二〇二四年新年贺词');
  });

  it('multiplies the scores of the named document by retrieval.namedDocumentBoost', async () => {
    // 贺词 also names the document by its kind: only the title boost varies here.
    const kindOnly = withSetting(DEFAULT_TUNING, 'retrieval.genreBoost', 1);
    const plain = new Answerer(kb, withSetting(kindOnly, 'retrieval.namedDocumentBoost', 1));
    const boosted = new Answerer(kb, kindOnly);
    const question = '新年贺词里怎么说发展现代化产业体系？';
    const score = async (a: Answerer) => {
      const { results } = await a.retrieve(question);
      const named = results.find((r) => r.doc.meta.title === '二〇二四年新年贺词')!;
      const other = results.find((r) => r.doc.meta.title === '江西省政府工作报告')!;
      return named.score / other.score;
    };
    assert.ok((await score(boosted)) > (await score(plain)) * 1.4);
  });
});

describe('a document named by its kind', () => {
  let kb: KnowledgeBase;
  const kinds = [
    '在纪念某同志诞辰座谈会上的讲话',
    '坚决扛牢关键任务\n(中共某某部党组)',
    '江西省政府工作报告',
    '湖南省政府工作报告',
  ];
  before(async () => {
    // Four documents with the same paragraph: only their kind tells them apart.
    kb = await knowledgeBaseOf(headed(kinds));
  });

  it('reads kinds from titles, and an organisation byline under no kind of title as an article', () => {
    assert.deepEqual([...genresOf('在纪念毛泽东同志诞辰130周年座谈会上的讲话', false)].sort(), ['meeting', 'speech']);
    assert.deepEqual([...genresOf('二〇二四年新年贺词', false)], ['greeting']);
    assert.deepEqual([...genresOf('坚决扛牢实现新型工业化这个关键任务', true)], ['article']);
    assert.deepEqual([...genresOf('坚决扛牢实现新型工业化这个关键任务', false)], []);
    assert.deepEqual([...genresMentioned('What does the MIIT article say about chips?')], ['article']);
    assert.deepEqual([...genresOf('国务院办公厅关于做好疫情防控工作的通知', true)], ['notice']);
    assert.deepEqual([...genresMentioned('通知要求各地做好哪些工作？')], ['notice']);
    assert.deepEqual([...genresMentioned('方案里要对多少个行业稳增长？')], []);
    assert.deepEqual([...genresMentioned('这次会议强调了什么？')], ['meeting']);
    assert.deepEqual([...genresMentioned('会上提出了什么要求？')], ['meeting']);
    // The end of another meeting's name points at no meeting report.
    assert.deepEqual([...genresMentioned('中央经济工作会议是几号开幕的？')], []);
  });

  for (const [question, title] of [
    ['讲话里怎么说发展现代化产业体系？', kinds[0]],
    ['文章里怎么说发展现代化产业体系？', '坚决扛牢关键任务'],
  ]) {
    it(`ranks ${title} first for ${question}`, async () => {
      const { results } = await new Answerer(kb).retrieve(question);
      assert.equal(results[0].doc.meta.title, title);
      const plain = new Answerer(kb, withSetting(DEFAULT_TUNING, 'retrieval.genreBoost', 1));
      const unboosted = (await plain.retrieve(question)).results.find((r) => r.doc.meta.title === title)!;
      assert.equal(results[0].score, unboosted.score * DEFAULT_TUNING.retrieval.genreBoost);
    });
  }

  it('boosts no document when more than retrieval.genreMaxShare of them are of the kind (报告 among reports)', () => {
    const one = new Answerer(kb, withSetting(DEFAULT_TUNING, 'retrieval.genreMaxShare', 0.5));
    assert.equal(one.documentBoosts('报告里怎么说发展现代化产业体系？', 'zh').size, 2);
    const none = new Answerer(kb, withSetting(DEFAULT_TUNING, 'retrieval.genreMaxShare', 0.49));
    assert.equal(none.documentBoosts('报告里怎么说发展现代化产业体系？', 'zh').size, 0);
  });
});

describe('places kept for the document a question points at', () => {
  let kb: KnowledgeBase;
  before(async () => {
    // One speech that barely matches, among six reports that match the question far better.
    kb = await knowledgeBaseOf({
      'speech.txt': '在某座谈会上的讲话\n\n现代化建设要久久为功，一张蓝图绘到底。\n',
      ...headed(['江西', '湖南', '湖北', '河南', '河北', '山西'].map((p) => `${p}省政府工作报告`)),
    });
  });

  const question = '讲话里怎么说发展现代化产业体系？';
  const speechIn = (results: { doc: { meta: { title: string } } }[]) =>
    results.some((r) => r.doc.meta.title === '在某座谈会上的讲话');

  it('keeps retrieval.namedDocumentSlots places in the top k for its best paragraphs', async () => {
    const { results } = await new Answerer(kb).retrieve(question, question, { k: 5 });
    assert.equal(results.length, 5);
    assert.ok(speechIn(results));
    assert.ok(speechIn(results.slice(-1)), 'it takes the place of the weakest result');
  });

  it('answers from the pointed document, or declines, but never quotes the reports', async () => {
    const answer = await new Answerer(kb).answer(question);
    assert.ok(
      answer.citations.every((c) => c.docTitle === '在某座谈会上的讲话'),
      `cited ${answer.citations.map((c) => c.docTitle).join(', ')}`,
    );
    const unpointed = await new Answerer(kb).answer('怎么发展现代化产业体系？');
    assert.ok(
      unpointed.citations.some((c) => c.docTitle.endsWith('省政府工作报告')),
      'without the pointer the reports answer',
    );
  });

  it('ranks by score alone without slots', async () => {
    const plain = new Answerer(kb, withSetting(DEFAULT_TUNING, 'retrieval.namedDocumentSlots', 0));
    const { results } = await plain.retrieve(question, question, { k: 5 });
    assert.ok(!speechIn(results));
  });
});

describe('a document named by its title, among titles that differ by year', () => {
  let answerer: Answerer;
  before(async () => {
    const kb = await knowledgeBaseOf(
      headed(['2024年江西省政府工作报告', '2024年湖南省政府工作报告', '2023年江西省政府工作报告']),
    );
    answerer = new Answerer(kb);
  });

  it('takes the year to pick one of the documents a name fits', () => {
    assert.equal(
      answerer.namedDocument('2024年江西省政府工作报告讲了什么？', 'zh')?.doc.meta.title,
      '2024年江西省政府工作报告',
    );
  });

  it('names no document by a date alone', () => {
    assert.equal(answerer.namedDocument('2024年新中国成立多少周年？', 'zh'), undefined);
  });

  it('names none of the documents a name fits equally well', () => {
    assert.equal(answerer.namedDocument('江西省政府工作报告讲了什么？', 'zh'), undefined);
  });
});

describe('a document named by a run of its title', () => {
  let answerer: Answerer;
  before(async () => {
    answerer = new Answerer(await knowledgeBaseOf(headed(['中共中央政治局召开专题民主生活会', '二〇二四年新年贺词'])));
  });

  it('names the document whose title shares a phrase with the question', () => {
    assert.equal(
      answerer.namedDocument('政治局民主生活会讲了什么？', 'zh')?.doc.meta.title,
      '中共中央政治局召开专题民主生活会',
    );
  });

  it('names none from two-character words scattered through its title (中央…召开)', () => {
    const scattered = answerer.namedDocument('中央经济工作会议在哪里召开？', 'zh');
    assert.ok(scattered === undefined || scattered.hits < DEFAULT_TUNING.retrieval.namedDocumentHits);
    assert.equal(answerer.documentBoosts('中央经济工作会议在哪里召开？', 'zh').size, 0);
  });
});

describe('a document named through synonyms (CC-CEDICT)', () => {
  let answerer: Answerer;
  before(async () => {
    answerer = new Answerer(
      await knowledgeBaseOf(headed(['二〇二四年新年贺词', '在纪念毛泽东同志诞辰130周年座谈会上的讲话'])),
    );
  });

  it("names a document through the synonyms of the question's words (缅怀毛主席 → 纪念毛泽东…)", () => {
    assert.equal(
      answerer.namedDocument('怎样缅怀毛主席才最有意义？', 'zh')?.doc.meta.title,
      '在纪念毛泽东同志诞辰130周年座谈会上的讲话',
    );
  });
});

describe('a paragraph that states the role a question asks about', () => {
  let kb: KnowledgeBase;
  before(async () => {
    kb = await knowledgeBaseOf({
      'a.txt': '某部门文章\n\n推进新型工业化要发挥企业和创新的作用。\n\n创新是推进新型工业化的根本动力。\n',
    });
  });
  const question = '创新在推进新型工业化中起什么作用？';
  const top = async (answerer: Answerer) => (await answerer.retrieve(question, question, { k: 1 })).results[0];

  it('ranks it first by retrieval.roleBoost', async () => {
    assert.equal((await top(new Answerer(kb))).paragraph.text, '创新是推进新型工业化的根本动力。');
  });

  it('ranks by the words alone without the boost', async () => {
    const plain = new Answerer(kb, withSetting(DEFAULT_TUNING, 'retrieval.roleBoost', 1));
    assert.notEqual((await top(plain)).paragraph.text, '创新是推进新型工业化的根本动力。');
  });

  it("gives the sentence defining the role's subject the definition bonus when the answer is composed", async () => {
    const { results, profile: found } = await new Answerer(kb).retrieve(question, question);
    // As at scale, where 创新 is common: the subject is not among the question's two most specific words.
    const profile = { ...found, words: found.words.map((w) => (w.word === '创新' ? { ...w, weight: 0.01 } : w)) };
    const route = routeQuestion(question);
    const scoreOf = (scored: ScoredQuote[]) =>
      scored.find((q) => q.paragraph.text.slice(q.start, q.end) === '创新是推进新型工业化的根本动力。')!.score;
    const withRole = scoreOf(scoreSentences(results, profile, route, DEFAULT_TUNING.sentences));
    const without = scoreOf(scoreSentences(results, profile, { type: route.type }, DEFAULT_TUNING.sentences));
    assert.ok(
      Math.abs(withRole - without - DEFAULT_TUNING.sentences.definitionBonus) < 1e-9,
      `${withRole} vs ${without}`,
    );
  });
});
