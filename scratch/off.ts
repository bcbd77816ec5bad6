import { readFileSync } from 'node:fs';
import { Answerer } from '../src/answer/answer.js';
import { loadConfig } from '../src/config.js';
import { openKnowledgeBase } from '../src/index/open.js';
const kb = await openKnowledgeBase(loadConfig({ EMBEDDINGS: 'builtin' }));
const a = new Answerer(kb);
const qs = readFileSync('test/gold/offtopic.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const counts: Record<string, number> = {};
for (const q of qs) {
  const r = await a.answer(q.q);
  counts[`${q.kind}/${q.lang}/${r.mode}`] = (counts[`${q.kind}/${q.lang}/${r.mode}`] ?? 0) + 1;
  if (r.mode === 'answer' || r.mode === 'list') {
    const f = await a.policyFeatures(q.q);
    console.log(q.kind, q.lang, q.q, '|', r.answer.slice(0, 40).replace(/\n/g, ' '), JSON.stringify(Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Math.round(v * 100) / 100]))));
  }
}
console.log(counts);
