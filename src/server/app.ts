/**
 * The HTTP layer: thin routes over the Answerer. JSON API, SSE streaming, an
 * OpenAI-compatible endpoint, the static page, security headers and JSON errors.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import path from 'node:path';
import { Answerer, UnknownTargetError } from '../answer/answer.js';
import { errorBody, HttpError } from './errors.js';
import { documentList, type Library } from './library.js';
import { uploadRoutes } from './routes/uploads.js';
import { openAiRoutes } from './openai.js';
import { answerPieces, startSse } from './sse.js';
import { LIMITS, parseAsk, parseSummarize } from './validate.js';

export interface AppOptions {
  /** When set, /api/* and /v1/* need `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  webDir?: string;
  /** Asks per minute per client (0 or unset = no limit). */
  rateLimitPerMinute?: number;
  /** Answer with 503 when a request takes longer than this. */
  requestTimeoutMs?: number;
  /** Upload and delete documents (POST/DELETE /api/documents); absent, the library is fixed. */
  uploads?: { library: Library; host: string; maxFileBytes: number };
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export function createApp(getAnswerer: () => Answerer, options: AppOptions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  if (options.requestTimeoutMs) {
    const limit = options.requestTimeoutMs;
    app.use((_req, res, next) => {
      const timer = setTimeout(() => {
        if (!res.headersSent) res.status(503).json(errorBody('timeout', `The answer took longer than ${limit} ms; try again.`));
      }, limit);
      res.on('close', () => clearTimeout(timer));
      next();
    });
  }

  const api = express.Router();
  const guard = express.Router();
  guard.use((req, _res, next) => {
    if (options.apiKey && req.get('authorization') !== `Bearer ${options.apiKey}`) {
      throw new HttpError(401, 'unauthorized', 'Send the API key as "Authorization: Bearer <key>".');
    }
    next();
  });
  guard.use((req, _res, next) => {
    if (req.method === 'POST' && !req.is('application/json') && !(req.path === '/documents' && req.is('multipart/form-data'))) {
      throw new HttpError(415, 'unsupported_media_type', 'Send the body as JSON with "Content-Type: application/json".');
    }
    next();
  });
  guard.use(express.json({ limit: LIMITS.bodyBytes, strict: true }));
  app.use(['/api', '/v1'], guard);
  if (options.rateLimitPerMinute) {
    // Answers cost CPU; browsing documents does not, so only asking is limited.
    app.use(
      ['/api/ask', '/api/summarize', '/v1/chat/completions'],
      rateLimit({
        windowMs: 60_000,
        limit: options.rateLimitPerMinute,
        standardHeaders: 'draft-7',
        legacyHeaders: false,
        handler: (_req, res, _next, opts) => {
          res.status(429).json(errorBody('rate_limited', `More than ${opts.limit} requests a minute from this client; wait ${res.get('Retry-After') ?? 'a few'} seconds.`));
        },
      }),
    );
  }

  api.get('/api/health', (_req, res) => {
    const { kb } = getAnswerer();
    res.json({ status: 'ok', embedder: kb.embedder.info, documents: kb.documents.length, passages: kb.passages.length, builtAt: kb.manifest.createdAt });
  });

  api.get('/api/documents', (_req, res) => {
    res.json({ documents: documentList(getAnswerer().kb, options.uploads?.library) });
  });

  api.get('/api/passages/:id', (req, res) => {
    const { kb } = getAnswerer();
    const id = String(req.params.id);
    const p = kb.paragraph(id) ?? kb.paragraph(kb.passageById.get(id)?.paragraphId ?? '');
    if (!p) throw new HttpError(404, 'unknown_passage', `No paragraph or passage with id "${id}".`);
    const doc = kb.docById.get(p.docId)!;
    const siblings = kb.documentParagraphs(doc.id);
    const at = siblings.findIndex((s) => s.id === p.id);
    res.json({
      paragraphId: p.id,
      docId: doc.id,
      docTitle: doc.meta.title,
      sectionId: p.sectionId,
      sectionPath: p.sectionPath,
      paragraph: p.ordinal,
      text: p.text,
      sentences: p.sentences,
      pages: p.pages,
      previousId: siblings[at - 1]?.id,
      nextId: siblings[at + 1]?.id,
    });
  });

  api.post('/api/ask', async (req, res) => {
    const { question, history } = parseAsk(req.body);
    const answerer = getAnswerer();
    if (req.get('accept')?.includes('text/event-stream')) {
      const send = startSse(res);
      try {
        const answer = await answerer.answer(question, history);
        send('meta', { mode: answer.mode, abstained: answer.abstained, citations: answer.citations, suggestions: answer.suggestions, language: answer.language });
        for (const text of answerPieces(answer.answer)) send('delta', { text });
        send('done', answer);
      } catch (err) {
        send('error', errorBody('internal_error', (err as Error).message));
      }
      res.end();
      return;
    }
    res.json(await answerer.answer(question, history));
  });

  api.post('/api/summarize', async (req, res) => {
    const target = parseSummarize(req.body);
    try {
      res.json(await getAnswerer().summarize(target));
    } catch (err) {
      if (err instanceof UnknownTargetError) throw new HttpError(404, 'unknown_target', err.message);
      throw err;
    }
  });

  if (options.uploads) api.use(uploadRoutes(options.uploads.library, { ...options.uploads, apiKey: options.apiKey }));
  api.use(openAiRoutes(getAnswerer));
  app.use(api);
  app.use(express.static(options.webDir ?? path.resolve('web'), { index: 'index.html', dotfiles: 'ignore', fallthrough: true }));

  app.use((req, _res, next) => next(new HttpError(404, 'not_found', `Nothing at ${req.method} ${req.path}.`)));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    let http: HttpError;
    if (err instanceof HttpError) http = err;
    else if (e.type === 'entity.parse.failed') http = new HttpError(400, 'invalid_json', 'The body is not valid JSON.');
    else if (e.type === 'entity.too.large') http = new HttpError(413, 'body_too_large', `The body is larger than ${LIMITS.bodyBytes}.`);
    else if (e.type === 'charset.unsupported' || e.type === 'encoding.unsupported') http = new HttpError(415, 'unsupported_encoding', 'Send the body as UTF-8 JSON.');
    else if (e.status && e.status >= 400 && e.status < 500) http = new HttpError(e.status, 'bad_request', e.message ?? 'Bad request.');
    else {
      console.error(err);
      http = new HttpError(500, 'internal_error', 'Something went wrong while answering; the error was logged.');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(http.status).json(errorBody(http.code, http.message));
  });
  return app;
}
