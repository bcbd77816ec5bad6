/**
 * The middleware the app wires in front of its routes: security headers, the Host allow-list,
 * the API key, the JSON body, the per-request deadline and the rate limit.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type RequestHandler, type Response } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import { errorBody, HttpError, sendError } from './errors.js';

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set(SECURITY_HEADERS);
  next();
};

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** `example.org:3000` → `example.org`; `[::1]:3000` → `[::1]`. */
function hostName(host: string): string {
  return (host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]).toLowerCase();
}

/**
 * Without an API key the server trusts whoever can reach it, so a page on another site must not
 * reach it through a rebound DNS name: only the loopback names and the configured ones are
 * served. `*` accepts any host (behind a proxy that checks it).
 */
export function hostAllowList(allowed: string[]): RequestHandler {
  // A bare IPv6 address (HOST=::1) arrives in the Host header in brackets.
  const bracketed = allowed.map((h) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h).toLowerCase());
  const names = new Set([...LOOPBACK_HOSTS, ...bracketed]);
  return (req, _res, next) => {
    if (names.has('*')) return next();
    const host = req.get('host') ?? '';
    if (!names.has(hostName(host))) {
      const message = `Host "${host}" is not served; add it to ALLOWED_HOSTS or set API_KEY.`;
      throw new HttpError(403, 'host_not_allowed', message);
    }
    next();
  };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** `Authorization: Bearer <key>`, the scheme in any case, compared in constant time. */
export function requireApiKey(apiKey: string): RequestHandler {
  const expected = digest(apiKey);
  const challenge = { 'WWW-Authenticate': 'Bearer realm="policy-qa"' };
  return (req, _res, next) => {
    if (req.method === 'OPTIONS') return next();
    const given = req
      .get('authorization')
      ?.match(/^bearer\s+(.+)$/i)?.[1]
      .trim();
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      throw new HttpError(401, 'unauthorized', 'Send the API key as "Authorization: Bearer <key>".', challenge);
    }
    next();
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON bodies only, UTF-8 only (invalid bytes are refused, not replaced), at most `limit`. */
export function jsonBody(limit: string): RequestHandler[] {
  const contentType: RequestHandler = (req, _res, next) => {
    if (req.method === 'POST' && !req.is('application/json')) {
      const message = 'Send the body as JSON with "Content-Type: application/json".';
      throw new HttpError(415, 'unsupported_media_type', message);
    }
    next();
  };
  const parse = express.json({
    limit,
    strict: true,
    verify: (_req, _res, buf, encoding) => {
      if (encoding.toLowerCase().replace('-', '') !== 'utf8') return;
      try {
        utf8.decode(buf);
      } catch {
        throw new HttpError(400, 'invalid_utf8', 'The body is not valid UTF-8; send the text encoded as UTF-8.');
      }
    },
  });
  return [contentType, parse];
}

/** The request's abort signal: aborted when its deadline passes or the client goes away. */
export function requestSignal(res: Response): AbortSignal {
  return (res.locals.signal as AbortSignal | undefined) ?? new AbortController().signal;
}

/** Send `body` unless the deadline already answered the request. */
export function replyJson(res: Response, body: unknown): void {
  if (!res.headersSent) res.json(body);
}

/**
 * A request still unanswered after `limitMs` (queued or working) gets a 503 and its signal is
 * aborted, so queued work leaves the queue and running work can stop.
 */
export function deadline(limitMs: number): RequestHandler {
  return (_req, res, next) => {
    const controller = new AbortController();
    res.locals.signal = controller.signal;
    const timer =
      limitMs > 0
        ? setTimeout(() => {
            const timeout = new HttpError(503, 'timeout', `The answer took longer than ${limitMs} ms; try again.`);
            if (!res.headersSent) sendError(res, timeout);
            controller.abort(timeout);
          }, limitMs)
        : undefined;
    res.on('close', () => {
      clearTimeout(timer);
      controller.abort(new HttpError(499, 'client_closed', 'The client closed the connection.'));
    });
    next();
  };
}

/** Answers cost CPU, so only POSTs count (not OPTIONS, not a wrong method that gets a 405). */
export function answerRateLimit(perMinute: number, store?: Store): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store,
    skip: (req) => req.method !== 'POST',
    handler: (_req, res, _next, opts) => {
      const wait = res.get('Retry-After') ?? 'a few';
      const message = `More than ${opts.limit} requests a minute from this client; wait ${wait} seconds.`;
      res.status(429).json(errorBody('rate_limited', message));
    },
  });
}
