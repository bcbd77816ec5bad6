import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { Answerer } from '../src/answer/answer.js';
import { loadConfig } from '../src/config.js';
import { openKnowledgeBase } from '../src/index/open.js';
import { cmrc2018, covidPolicy } from '../src/eval/datasets.js';
import { loadGold } from '../src/eval/gold.js';
import { evidenceScore } from '../src/answer/policy.js';
import { coverage } from '../src/answer/evidence.js';
import { bigrams } from '../src/text/tokens.js';
import { ExtractiveComposer } from '../src/answer/composer.js';
import { routeQuestion } from '../src/answer/router.js';
import { quoteText, type Quote } from '../src/answer/citations.js';
import type { KnowledgeBase } from '../src/index/knowledge-base.js';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
const jb = Jieba.withDict(dict);

const base = loadConfig({ EMBEDDINGS: 'builtin' });
const work = path.resolve('eval-results');
const cm = cmrc2018(base.datasetsDir, work);
const cv = covidPolicy(base.datasetsDir, work);
const seed = await openKnowledgeBase(base);
const cmKb = await openKnowledgeBase({ ...base, corpusDir: cm.corpusDir, indexDir: path.join(work, 'indexes', 'cmrc2018') });
const cvKb = await openKnowledgeBase({ ...base, corpusDir: cv.corpusDir, indexDir: path.join(work, 'indexes', 'covid-policy-qa') });
const gold = loadGold(path.resolve('test/gold/gold.jsonl'));
const rows: unknown[] = [];
const present = (kb: KnowledgeBase, w: string) => kb.keyword.knows(w) || (/^[\u4e00-\u9fff]+$/.test(w) && w.length >= 2 && bigrams(w).every((b) => kb.keyword.knows(b)));
async function feat(kb: KnowledgeBase, a: Answerer, set: string, q: string, label: number, extra: object = {}) {
  const { results, profile } = await a.retrieve(q);
  const ev = evidenceScore(results, profile, a.tuning.abstain);
  const total = profile.total || 1;
  const unknown = profile.words.filter((w) => ![w.word, ...w.alternatives].some((x) => present(kb, x)));
  const ans = await a.answer(q);
  const comp = new ExtractiveComposer(kb, a.tuning.sentences);
  const plan = results.length ? comp.plan({ question: q, route: routeQuestion(q), results, profile, started: 0, retrieved: 0 }) : undefined;
  const qp = plan?.parts.find((p) => 'quote' in p) as { quote: Quote } | undefined;
  const firstQuote = qp ? quoteText(qp.quote) : '';
  rows.push({
    set, q, label, ev, n: profile.words.length,
    unk: unknown.reduce((s, w) => s + w.weight, 0) / total,
    unkMax: Math.max(0, ...unknown.map((w) => w.weight)) / total,
    unkWords: unknown.map((w) => w.word),
    wl: profile.words.map((w) => ({ w: w.word, wt: w.weight / total, unk: unknown.includes(w), top: results[0] ? (results[0].paragraph.text + results[0].doc.meta.title).includes(w.word) || w.alternatives.some((x) => results[0].paragraph.text.includes(x)) : false, q1: firstQuote.includes(w.word) || w.alternatives.some((x) => firstQuote.includes(x)) })),
    tags: jb.tag(q, true).map((t) => [t.word, t.tag]),
    words: profile.words.map((w) => w.word),
    quoteCov: firstQuote ? coverage(profile, firstQuote) : 0,
    abst: ans.abstained, en: ans.language === 'en', ...extra,
  });
}
const sa = new Answerer(seed);
for (const g of gold) if (!g.history?.length && g.type !== 'summary') await feat(seed, sa, 'gold', g.question, g.abstain ? 0 : 1, { type: g.type });
for (const q of cm.questions) await feat(seed, sa, 'cmrc>seed', q.question, 0);
for (const q of cv.questions) await feat(seed, sa, 'covid>seed', q.question, 0);
const ca = new Answerer(cmKb);
for (const q of cm.questions.filter((_, i) => i % 4 === 0)) await feat(cmKb, ca, 'cmrc>cmrc', q.question, 1);
const va = new Answerer(cvKb);
for (const q of cv.questions.filter((_, i) => i % 2 === 0)) await feat(cvKb, va, 'covid>covid', q.question, 1);
writeFileSync('scratch/features.json', JSON.stringify(rows));
console.log(rows.length);
