/**
 * How long a new build takes to become visible through a streaming read replica, through the
 * product: ingest commits a build on the primary, then we time (a) until the replica's current
 * build id is the new one and (b) until real servers started with DATABASE_READ_URL report the
 * new build in /api/health, one polling every 100 ms and one at the default RELOAD_INTERVAL_MS.
 *   bash .ci/postgres.sh sh -c 'DATABASE_URL=$TEST_DATABASE_URL DATABASE_READ_URL=$TEST_DATABASE_READ_URL \
 *     npx tsx test/bench/replica-lag.ts [runs]'
 */
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { percentile } from '../../src/eval/stats.js';
import { ingest } from '../../src/index/ingest.js';
import { currentBuildId } from '../../src/index/knowledge-base.js';
import { closePools } from '../../src/index/store/postgres.js';
import { startBenchServer } from './server.js';

const RUNS = Number(process.argv[2] ?? 7);
if (!Number.isInteger(RUNS) || RUNS < 1)
  throw new Error(`runs must be a whole number of at least 1, got "${process.argv[2]}"`);
const FAST_POLL_MS = 100;
const DEFAULT_POLL_MS = loadConfig({}, {}).reloadIntervalMs;

const { databaseUrl, databaseReadUrl } = loadConfig();
if (!databaseUrl || !databaseReadUrl)
  throw new Error('set DATABASE_URL (the primary) and DATABASE_READ_URL (a streaming replica of it); see the header');
const work = mkdtempSync(path.join(os.tmpdir(), 'policy-qa-lag-'));
process.once('exit', () => rmSync(work, { recursive: true, force: true }));
const corpus = path.join(work, 'corpus');
cpSync(path.resolve(import.meta.dirname, '..', '..', 'corpus'), corpus, { recursive: true });
// The ingest job names no replica, so ingest returns at its commit and the clock starts there.
const writer = loadConfig({ CORPUS_DIR: corpus, EMBEDDINGS: 'builtin', DATABASE_READ_URL: '' });
const reader = loadConfig({ EMBEDDINGS: 'builtin' });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(done: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await done())) await sleep(2);
  return performance.now() - started;
}

const { manifest: first } = await ingest(writer);
const built = await currentBuildId(writer);
await until(async () => (await currentBuildId(reader)) === built);
// Servers with no corpus of their own: they serve what the replica holds and never ingest.
const serverEnv = (pollMs: number) => ({
  DATABASE_URL: databaseUrl,
  DATABASE_READ_URL: databaseReadUrl,
  CORPUS_DIR: path.join(work, 'no-corpus'),
  EMBEDDINGS: 'builtin',
  RELOAD_INTERVAL_MS: String(pollMs),
});
const servers = [await startBenchServer(serverEnv(FAST_POLL_MS)), await startBenchServer(serverEnv(DEFAULT_POLL_MS))];
const builtAt = async (url: string) =>
  ((await (await fetch(`${url}/api/health`)).json()) as { builtAt: string }).builtAt;
for (const s of servers) if ((await builtAt(s.url)) !== first.createdAt) throw new Error('a server is not serving');

const lags = { replica: [] as number[], fast: [] as number[], default: [] as number[] };
for (let run = 0; run < RUNS; run++) {
  appendFileSync(path.join(corpus, 'extra.md'), `# 附加文件\n\n第${run}次追加的段落，用于测量副本延迟。\n\n`);
  const { manifest } = await ingest(writer);
  const build = await currentBuildId(writer);
  const [replica, fast, slow] = await Promise.all([
    until(async () => (await currentBuildId(reader)) === build),
    ...servers.map((s) => until(async () => (await builtAt(s.url)) === manifest.createdAt)),
  ]);
  lags.replica.push(replica);
  lags.fast.push(fast);
  lags.default.push(slow);
}
const answer = await (
  await fetch(`${servers[0].url}/api/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question: '毛泽东思想活的灵魂是什么' }),
  })
).json();
await Promise.all(servers.map((s) => s.stop()));
await closePools();

const summary = (ms: number[]) => ({ p50: Math.round(percentile(ms, 50)), max: Math.round(Math.max(...ms)) });
console.log(
  JSON.stringify({
    runs: RUNS,
    replicaBuildIdMs: summary(lags.replica),
    [`serverPolling${FAST_POLL_MS}msMs`]: summary(lags.fast),
    [`serverPolling${DEFAULT_POLL_MS}msMs`]: summary(lags.default),
    answeredFromReplica: !(answer as { abstained: boolean }).abstained,
  }),
);
