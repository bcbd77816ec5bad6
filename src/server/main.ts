/**
 * npm start: build the index when missing or stale, then serve the API and the page.
 * SIGTERM/SIGINT stop accepting connections, let in-flight requests finish, exit 0.
 */
import cluster from 'node:cluster';
import { loadConfig, parseArgs } from '../config.js';
import { openKnowledgeBase } from '../index/open.js';
import { terms } from '../text/tokens.js';
import { runCli } from '../cli/run.js';
import { createApp } from './app.js';
import { Library } from './library.js';
import { LiveAnswerer } from './live.js';

/** Worker processes (WORKERS, default 1): each loads the index and shares the port, so all cores answer. */
const WORKERS = Math.max(1, Number(process.env.WORKERS ?? 1) || 1);

runCli(async (argv) => {
  const config = loadConfig(parseArgs(argv).settings);
  if (cluster.isPrimary && WORKERS > 1) {
    await openKnowledgeBase(config); // build once, before the workers load it
    for (let i = 0; i < WORKERS; i++) cluster.fork();
    const stop = () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
    return;
  }
  const kb = await openKnowledgeBase(config);
  const live = new LiveAnswerer(kb, config);
  await live.start();
  const app = createApp(() => live.current, {
    apiKey: process.env.API_KEY || undefined,
    rateLimitPerMinute: config.rateLimitPerMinute,
    requestTimeoutMs: config.requestTimeoutMs,
    uploads: {
      library: new Library({ config, current: () => live.current.kb, reload: () => live.check() }),
      host: config.host,
      maxFileBytes: config.uploadMaxMb * 2 ** 20,
    },
  });
  const server = app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const { kind, model, dims } = kb.embedder.info;
    // Load jieba's dictionary now rather than on the first question.
    setImmediate(() => terms('预热'));
    if (cluster.isWorker && cluster.worker?.id !== 1) return;
    console.log(`policy-qa ready at http://${config.host}:${port}/ — ${kb.documents.length} documents, ${kb.passages.length} passages, ${kind} embedder ${model} (${dims} dims)${kind === 'builtin' ? ' [degraded: no pretrained model]' : ''}`);
  });
  const stop = (signal: string) => {
    console.log(`${signal}: finishing in-flight requests…`);
    live.stop();
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
});
