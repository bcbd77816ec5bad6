import { Answerer } from '../src/answer/answer.js';
import { loadConfig } from '../src/config.js';
import { openKnowledgeBase } from '../src/index/open.js';
const kb = await openKnowledgeBase(loadConfig({ EMBEDDINGS: 'builtin' }));
const a = new Answerer(kb);
for (const q of process.argv.slice(2)) {
  const r = await a.answer(q);
  console.log(`Q: ${q}\n  [${r.mode}] ${r.answer.replace(/\n/g, ' / ')}\n`);
}
