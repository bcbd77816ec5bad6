import { Answerer } from '../src/answer/answer.js';
import { loadConfig } from '../src/config.js';
import { openKnowledgeBase } from '../src/index/open.js';
import { routeQuestion } from '../src/answer/router.js';
const kb = await openKnowledgeBase(loadConfig({ EMBEDDINGS: 'builtin' }));
const a = new Answerer(kb);
for (const q of process.argv.slice(2)) {
  const { results, profile } = await a.retrieve(q);
  console.log(q, routeQuestion(q).type, JSON.stringify(profile.words.map((w) => [w.word, Math.round(w.weight / profile.total * 100), w.topic, w.present])));
  console.log('  top:', results.slice(0, 2).map((r) => r.paragraph.text.slice(0, 60)));
  console.log('  features', JSON.stringify(await a.policyFeatures(q)));
}
