/**
 * How long a new build takes to become visible through a streaming read replica: ingest into the
 * primary, then poll the replica's current build id. Also checks that a server loads and answers
 * from the replica (servers only read).
 *   DATABASE_URL=postgres://…primary… DATABASE_READ_URL=postgres://…replica… npx tsx test/bench/replica-lag.ts
 */
import { appendFileSync, cpSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Answerer } from '../../src/answer/answer.js';
import { loadConfig } from '../../src/config.js';
import { percentile } from '../../src/eval/stats.js';
import { ingest } from '../../src/index/ingest.js';
import { currentBuildId, KnowledgeBase } from '../../src/index/knowledge-base.js';
import { closePools } from '../../src/index/store/postgres.js';

const primary = process.env.DATABASE_URL;
const replica = process.env.DATABASE_READ_URL;
if (!primary || !replica) throw new Error('set DATABASE_URL (primary) and DATABASE_READ_URL (its streaming replica)');
const corpus = path.join(mkdtempSync(path.join(os.tmpdir(), 'policy-qa-lag-')), 'corpus');
cpSync(path.resolve(import.meta.dirname, '..', '..', 'corpus'), corpus, { recursive: true });
const writer = loadConfig({ CORPUS_DIR: corpus, DATABASE_URL: primary, EMBEDDINGS: 'builtin' }, {});
const reader = loadConfig({ DATABASE_URL: replica, EMBEDDINGS: 'builtin' }, {});
const lags: number[] = [];
for (let run = 0; run < 5; run++) {
  appendFileSync(path.join(corpus, 'extra.md'), `# 附加文件\n\n第${run}次追加的段落，用于测量副本延迟。\n\n`);
  await ingest(writer);
  const built = await currentBuildId(writer);
  const committed = performance.now();
  while ((await currentBuildId(reader)) !== built) await new Promise((r) => setTimeout(r, 2));
  lags.push(performance.now() - committed);
}
const kb = await KnowledgeBase.load(reader);
const answer = await new Answerer(kb).answer('毛泽东思想活的灵魂是什么', []);
console.log(
  JSON.stringify({
    runs: lags.length,
    lagMs: { p50: percentile(lags, 50), max: Math.max(...lags) },
    replicaServes: { build: kb.buildId, documents: kb.documents.length, answered: !answer.abstained },
  }),
);
await closePools();
