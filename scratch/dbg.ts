import { words, bigrams } from '../src/text/tokens.js';
import { loadConfig } from '../src/config.js';
import { openKnowledgeBase } from '../src/index/open.js';
import { profileQuery } from '../src/retrieval/expand.js';
import { DEFAULT_TUNING } from '../src/tuning.js';
const kb = await openKnowledgeBase(loadConfig({ EMBEDDINGS: 'builtin' }));
for (const q of process.argv.slice(2)) {
  console.log(q, words(q), bigrams(q), JSON.stringify(profileQuery(kb.keyword, q, kb.bridge, DEFAULT_TUNING.evidence).words));
}
