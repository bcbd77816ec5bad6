/**
 * npm run bench:store -- [--corpus DIR] [--index DIR] [NAME] [--no-ingest] [--postgres-only]: the stores at scale. For the local
 * files and, when DATABASE_URL is set, PostgreSQL: ingest time and peak RSS (own process),
 * server ready time and RSS, ask latency over HTTP (gold questions), and for PostgreSQL the
 * throughput of one server and of two servers over one database (--no-ingest: serve the index
 * built by an earlier run). Prints a table and writes it
 * into BENCHMARKS.md between the store-bench markers.
 */

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { parseArgs } from '../../src/config.js';
import { loadGold } from '../../src/eval/gold.js';
import { percentile } from '../../src/eval/stats.js';
import { runScript } from './child.js';
import { writeSection } from './report.js';
import { serverArgs } from './server.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const args = parseArgs(process.argv.slice(2));
const corpusDir = path.resolve(args.settings.CORPUS_DIR ?? path.join(ROOT, 'corpus'));
const name = args.positional[0] ?? path.basename(corpusDir);
const databaseUrl = process.env.DATABASE_URL;
const indexDir = path.resolve(args.settings.INDEX_DIR ?? path.join(ROOT, 'bench-results', 'indexes', `store-${name}`));
const questions = loadGold(path.join(ROOT, 'test', 'gold', 'gold.jsonl'))
  .filter((g) => !g.history)
  .map((g) => g.question);
const rows: string[][] = [];
const row = (...cells: string[]) => {
  rows.push(cells);
  console.log(cells.join(' | '));
};
const f = (x: number, d = 0) => x.toFixed(d);

function rssMB(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
}

async function startServer(
  env: Record<string, string | undefined>,
): Promise<{ url: string; pid: number; readyMs: number; stop: () => void }> {
  const port = 4400 + Math.floor(Math.random() * 500);
  const started = performance.now();
  const c = spawn(process.execPath, serverArgs(), {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), RATE_LIMIT: '0', RELOAD_INTERVAL_MS: '0', WORKERS: '1' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return { url, pid: c.pid!, readyMs: performance.now() - started, stop: () => c.kill('SIGTERM') };
}

async function askLatency(url: string): Promise<{ p50: number; p95: number }> {
  const ms: number[] = [];
  for (const q of questions.slice(0, 5))
    await fetch(`${url}/api/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: q }),
    });
  for (const q of questions) {
    const t = performance.now();
    const res = await fetch(`${url}/api/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: q }),
    });
    await res.arrayBuffer();
    ms.push(performance.now() - t);
  }
  return { p50: percentile(ms, 50), p95: percentile(ms, 95) };
}

async function throughput(urls: string[]): Promise<{ rps: number; errors: number }> {
  const runs = await Promise.all(
    urls.map((url) =>
      autocannon({
        url: `${url}/api/ask`,
        method: 'POST',
        connections: 8,
        duration: 5,
        headers: { 'content-type': 'application/json' },
        requests: questions.map((q) => ({ method: 'POST', path: '/api/ask', body: JSON.stringify({ question: q }) })),
      }),
    ),
  );
  return {
    rps: runs.reduce((n, r) => n + r.requests.average, 0),
    errors: runs.reduce((n, r) => n + r.errors + r.non2xx, 0),
  };
}

async function measure(store: 'local' | 'postgres'): Promise<void> {
  const env = {
    CORPUS_DIR: corpusDir,
    INDEX_DIR: indexDir,
    EMBEDDINGS: 'builtin',
    DATABASE_URL: store === 'postgres' ? databaseUrl : '',
  };
  if (!args.switches.has('no-ingest')) {
    const ingest = JSON.parse((await runScript('test/bench/ingest-child.ts', env)).trim().split('\n').at(-1)!) as {
      ms: number;
      passages: number;
      documents: number;
      peakRssMB: number;
    };
    row(
      `ingest ${name} (${store})`,
      `${ingest.documents} docs / ${ingest.passages} passages`,
      `${f(ingest.ms / 1000, 1)} s`,
      `peak RSS ${f(ingest.peakRssMB)} MB`,
    );
  }
  // A PostgreSQL server needs no corpus or index on its disk.
  const serverEnv =
    store === 'postgres'
      ? {
          ...env,
          CORPUS_DIR: path.join(os.tmpdir(), 'policy-qa-no-corpus'),
          INDEX_DIR: path.join(os.tmpdir(), 'policy-qa-no-index'),
        }
      : env;
  const ready: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await startServer(serverEnv);
    ready.push(s.readyMs);
    s.stop();
    await new Promise((r) => setTimeout(r, 300));
  }
  const server = await startServer(serverEnv);
  const latency = await askLatency(server.url);
  row(
    `server ${name} (${store})`,
    `ready ${f(percentile(ready, 50))} ms (median of 3)`,
    `RSS ${f(rssMB(server.pid))} MB after ${questions.length + 5} asks`,
    `ask HTTP p50 ${f(latency.p50, 1)} / p95 ${f(latency.p95, 1)} ms`,
  );
  if (store === 'postgres') {
    const one = await throughput([server.url]);
    const second = await startServer(serverEnv);
    const two = await throughput([server.url, second.url]);
    second.stop();
    row(
      `throughput ${name} (postgres, 8 clients per server)`,
      `1 server ${f(one.rps)} asks/s (errors ${one.errors})`,
      `2 servers ${f(two.rps)} asks/s (errors ${two.errors})`,
    );
  }
  server.stop();
}

console.log(
  `store bench — ${name}: ${corpusDir} — ${os.cpus().length} cores, Node ${process.version}, load average ${os
    .loadavg()
    .map((x) => f(x, 1))
    .join(' ')}`,
);
if (!args.switches.has('postgres-only')) await measure('local');
if (databaseUrl) await measure('postgres');

const section = [
  `### Stores on \`${name}\` (\`npm run bench:store -- ${process.argv.slice(2).join(' ')}\`` +
    `${databaseUrl ? ' with DATABASE_URL' : ''}, ${new Date().toISOString().slice(0, 10)}, ` +
    `load average ${f(os.loadavg()[0], 1)} on ${os.cpus().length} cores)`,
  '',
  '| measure | result | | | |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${[...r, '', '', '', ''].slice(0, 5).join(' | ')} |`),
].join('\n');
writeSection(path.join(ROOT, 'BENCHMARKS.md'), `store-bench ${name}`, section, 'end');
console.log(`\nwrote the ${name} rows into BENCHMARKS.md`);
