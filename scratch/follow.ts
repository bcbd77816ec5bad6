import { Answerer } from '../src/answer/answer.js';
import { loadConfig } from '../src/config.js';
import { openKnowledgeBase } from '../src/index/open.js';
const kb = await openKnowledgeBase(loadConfig({ EMBEDDINGS: 'builtin' }));
const a = new Answerer(kb);
const first = '新型工业化的重点任务有哪些？';
for (const q of ['第二点具体说了什么？', '第二点讲了什么', '展开说说第三个', '那第四点呢？', '最后一点呢']) {
  const r = await a.answer(q, [{ role: 'user', content: first }, { role: 'assistant', content: '...' }]);
  console.log(q, `[${r.mode}]`, r.answer.slice(0, 100));
}
