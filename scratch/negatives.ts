import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { Answerer } from '../src/answer/answer.js';
import { loadConfig } from '../src/config.js';
import { openKnowledgeBase } from '../src/index/open.js';
import { cmrc2018, covidPolicy } from '../src/eval/datasets.js';

const config = loadConfig({ EMBEDDINGS: 'builtin' });
const kb = await openKnowledgeBase(config);
const answerer = new Answerer(kb);
const work = path.resolve('eval-results');
const sets = { cmrc: cmrc2018(config.datasetsDir, work).questions, covid: covidPolicy(config.datasetsDir, work).questions };
const out: unknown[] = [];
for (const [name, qs] of Object.entries(sets)) {
  let declined = 0;
  let partial = 0;
  const t0 = performance.now();
  for (const q of qs) {
    const a = await answerer.answer(q.question);
    if (a.abstained) declined++; else if (a.mode === 'partial') partial++;
    else out.push({ set: name, q: q.question, mode: a.mode, answer: a.answer.slice(0, 80) });
  }
  console.log(name, qs.length, 'declined', (declined / qs.length).toFixed(3), 'partial', (partial / qs.length).toFixed(3), 'ms', Math.round(performance.now() - t0));
}
writeFileSync('scratch/answered-negatives.json', JSON.stringify(out, null, 1));
