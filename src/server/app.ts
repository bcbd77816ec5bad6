/**
 * The HTTP app: wires middleware and routes (one file each in routes/, the way Express's
 * route-separation example does) and leaves error mapping to errors.ts.
 */

import path from 'node:path';
import express, { type RequestHandler, type Router } from 'express';
import type { Store } from 'express-rate-limit';
import type { Answerer } from '../answer/answer.js';
import { answerQueues } from './admission.js';
import type { RouteContext } from './context.js';
import { errorHandler, HttpError } from './errors.js';
import type { Library } from './library.js';
import { answerRateLimit, deadline, hostAllowList, jsonBody, requireApiKey, securityHeaders } from './middleware.js';
import { ask } from './routes/ask.js';
import { documents } from './routes/documents.js';
import { embeddings } from './routes/embeddings.js';
import { health } from './routes/health.js';
import { chatCompletions, models } from './routes/openai.js';
import { passage } from './routes/passages.js';
import { summarize } from './routes/summarize.js';
import { uploadRoutes } from './routes/uploads.js';
import { LIMITS } from './validate.js';

export interface AppOptions {
  /** When set, /api/* and /v1/* need `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Host names served besides the loopback ones when there is no API key (`*` = any). */
  allowedHosts?: string[];
  webDir?: string;
  /** Asks per minute per client (0 or unset = no limit). */
  rateLimitPerMinute?: number;
  /** Where the rate limiter counts (default: this process's memory). */
  rateLimitStore?: Store;
  /** Answer with 503 (and abort the work) when a request, queued or working, takes longer than this. */
  requestTimeoutMs?: number;
  /** The queues in front of the answering work (default: `answerQueues(4, 64)`). */
  queues?: Pick<RouteContext, 'asks' | 'summaries'>;
  /** Upload and delete documents (POST/DELETE /api/documents); absent, the library is fixed. */
  uploads?: { library: Library; host: string; maxFileBytes: number };
}

type Handlers = Partial<Record<'get' | 'post', RequestHandler>>;

const parseJson = jsonBody(LIMITS.bodyBytes);

/**
 * Mount `handlers` on `at` (a POST takes a JSON body); OPTIONS lists the methods, any other
 * method gets a 405 with `Allow`.
 */
function route(router: Router, at: string, handlers: Handlers): void {
  const methods = Object.keys(handlers).map((m) => m.toUpperCase());
  const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
  if (handlers.get) router.get(at, handlers.get);
  if (handlers.post) router.post(at, ...parseJson, handlers.post);
  router.options(at, (_req, res) => {
    res.set('Allow', allow).status(204).end();
  });
  router.all(at, (req) => {
    const message = `${req.method} is not allowed on ${at}; use ${methods.join(' or ')}.`;
    throw new HttpError(405, 'method_not_allowed', message, { Allow: allow });
  });
}

export function createApp(getAnswerer: () => Answerer, options: AppOptions = {}): express.Express {
  const ctx: RouteContext = {
    answerer: getAnswerer,
    library: options.uploads?.library,
    ...(options.queues ?? answerQueues(4, 64)),
  };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(securityHeaders);
  if (!options.apiKey) app.use(hostAllowList(options.allowedHosts ?? []));
  app.use(deadline(options.requestTimeoutMs ?? 0));

  if (options.apiKey) app.use(['/api', '/v1'], requireApiKey(options.apiKey));
  if (options.rateLimitPerMinute) {
    const limit = answerRateLimit(options.rateLimitPerMinute, options.rateLimitStore);
    app.use(['/api/ask', '/api/summarize', '/v1/chat/completions', '/v1/embeddings'], limit);
  }

  const api = express.Router();
  if (options.uploads) {
    // Multipart uploads and deletes: before the read-only documents route, which answers 405 to them.
    const { library, host, maxFileBytes } = options.uploads;
    api.use(uploadRoutes(library, { host, maxFileBytes, apiKey: options.apiKey }));
    for (const [at, allow] of [
      ['/api/documents', 'GET, HEAD, POST, OPTIONS'],
      ['/api/documents/:id', 'DELETE, OPTIONS'],
    ]) {
      api.options(at, (_req, res) => {
        res.set('Allow', allow).status(204).end();
      });
    }
  }
  route(api, '/api/health', { get: health(ctx) });
  route(api, '/api/documents', { get: documents(ctx) });
  route(api, '/api/passages/:id', { get: passage(ctx) });
  route(api, '/api/ask', { post: ask(ctx) });
  route(api, '/api/summarize', { post: summarize(ctx) });
  route(api, '/v1/models', { get: models });
  route(api, '/v1/chat/completions', { post: chatCompletions(ctx) });
  route(api, '/v1/embeddings', { post: embeddings(ctx) });
  app.use(api);
  const webDir = options.webDir ?? path.resolve('web');
  app.use(express.static(webDir, { index: 'index.html', dotfiles: 'ignore', fallthrough: true }));

  app.use((req) => {
    throw new HttpError(404, 'not_found', `Nothing at ${req.method} ${req.path}.`);
  });
  app.use(errorHandler);
  return app;
}
