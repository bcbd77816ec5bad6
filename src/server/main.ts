/**
 * npm start: build the index when missing or stale, then serve the API and the page.
 * SIGTERM/SIGINT stop accepting connections, close idle ones, let in-flight requests finish and
 * exit 0; whatever is still open after SHUTDOWN_GRACE_MS is cut and the process exits 1.
 * WORKERS > 1 forks that many servers sharing the port and one rate-limit counter.
 */

import cluster from 'node:cluster';
import { ClusterMemoryStorePrimary, ClusterMemoryStoreWorker } from '@express-rate-limit/cluster-memory-store';
import { runCli } from '../cli/run.js';
import { type Config, loadConfig, parseArgs } from '../config.js';
import { openKnowledgeBase } from '../index/open.js';
import { terms } from '../text/tokens.js';
import { answerQueues } from './admission.js';
import { createApp } from './app.js';
import { Library } from './library.js';
import { listen } from './listen.js';
import { LiveAnswerer } from './live.js';
import { precomputeSummaries } from './summaries.js';

/** Fork the workers and count their requests in one place; exit non-zero if any worker failed. */
async function supervise(config: Config): Promise<void> {
  await openKnowledgeBase(config); // build once, before the workers load it
  new ClusterMemoryStorePrimary().init();
  let stopping = false;
  let exitCode = 0;
  const stop = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  cluster.on('exit', (worker, code) => {
    if (code !== 0) {
      exitCode = code ?? 1;
      // One worker failing (a port in use, a crash) stops the rest rather than serving at half strength.
      if (!stopping) console.error(`worker ${worker.id} exited with code ${code}; stopping the others`);
      stop();
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
  });
  for (let i = 0; i < config.workers; i++) cluster.fork();
}

/**
 * Background summaries wait for this long without a question: one summary holds the event loop
 * for up to tens of ms, so starting one in each gap between questions added that to their latency
 * (HTTP p95 24 -> 124 ms on the 53,000-passage corpus).
 */
const PRECOMPUTE_AFTER_QUIET_MS = 1000;

async function serve(config: Config): Promise<void> {
  const kb = await openKnowledgeBase(config);
  const live = new LiveAnswerer(kb, config);
  await live.start();
  const queues = answerQueues(config.maxConcurrent, config.maxQueued);
  const idle = () => queues.asks.quietFor() >= PRECOMPUTE_AFTER_QUIET_MS && queues.summaries.idle;
  const app = createApp(() => live.current, {
    apiKey: config.apiKey,
    allowedHosts: [config.host, ...config.allowedHosts],
    rateLimitPerMinute: config.rateLimitPerMinute,
    rateLimitStore: cluster.isWorker ? new ClusterMemoryStoreWorker() : undefined,
    requestTimeoutMs: config.requestTimeoutMs,
    queues,
    uploads: {
      library: new Library({ config, current: () => live.current.kb, reload: () => live.check() }),
      host: config.host,
      maxFileBytes: config.uploadMaxMb * 2 ** 20,
    },
  });
  const server = await listen(app, config);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // Load jieba's dictionary now rather than on the first question; then fill the summary cache when idle.
  setImmediate(() => terms('预热'));
  live.onSwitch((answerer) => void precomputeSummaries(answerer, idle, () => live.current === answerer));
  const stop = (signal: string) => {
    console.log(`${signal}: finishing in-flight requests (at most ${config.shutdownGraceMs} ms)…`);
    live.stop();
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => {
      console.error(`requests still open after ${config.shutdownGraceMs} ms; closing them`);
      process.exit(1);
    }, config.shutdownGraceMs).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  if (cluster.isWorker && cluster.worker?.id !== 1) return;
  const { kind, model, dims, source } = kb.embedder.info;
  const degraded = kind === 'builtin' ? ' [degraded: no pretrained model]' : '';
  console.log(
    `policy-qa ready at http://${config.host}:${port}/ — ${kb.documents.length} documents, ` +
      `${kb.passages.length} passages, ${kind} embedder ${model} (${dims} dims${source ? `; ${source}` : ''})${degraded}`,
  );
}

runCli(async (argv) => {
  const config = loadConfig(parseArgs(argv).settings);
  await (cluster.isPrimary && config.workers > 1 ? supervise(config) : serve(config));
});
