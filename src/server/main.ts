/**
 * npm start: build the index when missing or stale, then serve the API and the page.
 * SIGTERM/SIGINT stop accepting connections, let in-flight requests finish, exit 0.
 */
import { Answerer } from '../answer/answer.js';
import { loadConfig, parseArgs } from '../config.js';
import { openKnowledgeBase } from '../index/open.js';
import { runCli } from '../cli/run.js';
import { createApp } from './app.js';

runCli(async (argv) => {
  const config = loadConfig(parseArgs(argv).settings);
  const kb = await openKnowledgeBase(config);
  const answerer = new Answerer(kb);
  const app = createApp(() => answerer, { apiKey: process.env.API_KEY || undefined });
  const server = app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const { kind, model, dims } = kb.embedder.info;
    console.log(`policy-qa ready at http://${config.host}:${port}/ — ${kb.documents.length} documents, ${kb.passages.length} passages, ${kind} embedder ${model} (${dims} dims)${kind === 'builtin' ? ' [degraded: no pretrained model]' : ''}`);
  });
  const stop = (signal: string) => {
    console.log(`${signal}: finishing in-flight requests…`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
});
