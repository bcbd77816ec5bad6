/**
 * Mixed load (issue 13, item 5): keep-alive clients, half asking and half summarising, against a
 * real server process, while a probe opens a fresh connection every 250 ms with a quick question.
 * Reports the asks' latency, the probe's wait and how many requests were turned away (503).
 * Every summary target and question is requested once before the load starts (warm-up).
 *
 * Standalone: node --import tsx test/bench/mixed-load.ts [--workers 2] [--connections 64] [--seconds 20]
 */

import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { percentile } from '../../src/eval/stats.js';
import { startBenchServer } from './server.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PROBE_QUESTION = JSON.stringify({ question: '毛泽东思想活的灵魂是什么？' });

export interface MixedLoadOptions {
  corpusDir: string;
  indexDir: string;
  questions: string[];
  workers: number;
  connections: number;
  seconds: number;
}

export interface MixedLoadResult {
  ask: { p50: number; p99: number; max: number; ok: number; rejected: number; errors: number };
  summary: { p50: number; p99: number; max: number; ok: number; rejected: number; errors: number };
  fresh: { p50: number; p99: number; max: number; n: number; failed: number };
  /** Each probe's wait, in order. */
  freshSeries: number[];
}

/** One request on a new TCP connection (no agent); resolves with the time to the end of the response. */
function freshAsk(url: string): Promise<number> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/api/ask`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve(performance.now() - t) : reject(new Error(`status ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(PROBE_QUESTION);
  });
}

function summarise(r: autocannon.Result) {
  const rejected = r.statusCodeStats?.['503']?.count ?? 0;
  return {
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    ok: r['2xx'],
    rejected,
    errors: r.errors + r.non2xx - rejected,
  };
}

export async function mixedLoad(options: MixedLoadOptions): Promise<MixedLoadResult> {
  const { corpusDir, indexDir, workers } = options;
  const env = { CORPUS_DIR: corpusDir, INDEX_DIR: indexDir, EMBEDDINGS: 'builtin', WORKERS: String(workers) };
  const server = await startBenchServer(env);
  try {
    const tree = (await (await fetch(`${server.url}/api/documents`)).json()) as {
      documents: Array<{ id: string; sections: Array<{ id: string }> }>;
    };
    const targets = tree.documents.flatMap((d) => [{ docId: d.id }, ...d.sections.map((s) => ({ sectionId: s.id }))]);
    // Warm up (JIT, lazy tables, and whatever the server caches): every target and question once.
    const once = (urlPath: string, body: unknown) =>
      fetch(server.url + urlPath, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.arrayBuffer());
    for (const target of targets) await once('/api/summarize', target);
    for (const question of options.questions) await once('/api/ask', { question });
    const half = Math.max(1, Math.floor(options.connections / 2));
    const load = (urlPath: string, bodies: unknown[], connections: number) =>
      autocannon({
        url: server.url,
        connections,
        duration: options.seconds,
        // In a thread of its own, so the load generator never delays the probe's own timing.
        workers: 1,
        requests: bodies.map((b) => ({
          method: 'POST',
          path: urlPath,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(b),
        })),
      });
    const fresh: number[] = [];
    let failed = 0;
    let running = true;
    const probe = (async () => {
      await new Promise((r) => setTimeout(r, 1000)); // let the load build up first
      while (running) {
        await freshAsk(server.url).then(
          (ms) => fresh.push(ms),
          () => failed++,
        );
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const [asks, summaries] = await Promise.all([
      load(
        '/api/ask',
        options.questions.map((question) => ({ question })),
        half,
      ),
      load('/api/summarize', targets, options.connections - half),
    ]);
    running = false;
    await probe;
    return {
      ask: summarise(asks),
      summary: summarise(summaries),
      freshSeries: fresh.map((ms) => Math.round(ms)),
      fresh: {
        p50: percentile(fresh, 50),
        p99: percentile(fresh, 99),
        max: Math.max(...fresh),
        n: fresh.length,
        failed,
      },
    };
  } finally {
    await server.stop();
  }
}

export function describeMixedLoad(r: MixedLoadResult): string[] {
  const part = (name: string, s: MixedLoadResult['ask']) =>
    `${name} p50 ${s.p50} / p99 ${s.p99} / max ${s.max} ms, ${s.ok} ok, ${s.rejected} turned away (503), ${s.errors} errors`;
  return [
    part('asks', r.ask),
    part('summaries', r.summary),
    `fresh connection p50 ${r.fresh.p50.toFixed(0)} / p99 ${r.fresh.p99.toFixed(0)} / max ${r.fresh.max.toFixed(0)} ms (n=${r.fresh.n}, ${r.fresh.failed} failed)`,
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const { loadGold } = await import('../../src/eval/gold.js');
  const questions = loadGold(path.join(ROOT, 'test', 'gold', 'gold.jsonl'))
    .filter((g) => !g.history)
    .map((g) => g.question);
  const result = await mixedLoad({
    corpusDir: path.join(ROOT, 'corpus'),
    indexDir: path.join(mkdtempSync(path.join(os.tmpdir(), 'policy-qa-bench-')), 'index'),
    questions,
    workers: arg('workers', 1),
    connections: arg('connections', 64),
    seconds: arg('seconds', 20),
  });
  console.log(describeMixedLoad(result).join('\n'));
  console.log('fresh connections in order:', result.freshSeries.join(' '));
}
