/**
 * Every error the server answers with, mapped in one place: an `HttpError` is sent as is,
 * body-parser's errors get a code that says what to fix, anything else is logged and answered
 * with a generic 500 that leaks nothing internal (the JSON and the SSE paths alike).
 */
import type { NextFunction, Request, Response } from 'express';

/** Errors that become JSON `{"error": {"code", "message"}}` responses, with optional extra headers. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/** What to send less of when a body is too large, by path (default: the chat history; a Map: paths come from users). */
const SEND_LESS = new Map([['/v1/embeddings', 'send fewer texts per request']]);

export function toHttpError(err: unknown, path = ''): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as { type?: string; status?: number; message?: string; limit?: number };
  switch (e?.type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'invalid_json', 'The body is not valid JSON.');
    case 'entity.too.large':
      return new HttpError(
        413,
        'body_too_large',
        `The body is larger than ${e.limit} bytes; ${SEND_LESS.get(path) ?? 'send less history'}.`,
      );
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new HttpError(415, 'unsupported_encoding', 'Send the body as UTF-8 JSON.');
  }
  if (e?.status && e.status >= 400 && e.status < 500) {
    return new HttpError(e.status, 'bad_request', e.message ?? 'Bad request.');
  }
  console.error(err);
  return new HttpError(500, 'internal_error', 'Something went wrong while answering; the error was logged.');
}

export function sendError(res: Response, http: HttpError): void {
  res.status(http.status).set(http.headers).json(errorBody(http.code, http.message));
}

/** The app's last middleware. */
export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const http = toHttpError(err, req.path);
  if (res.headersSent) {
    res.end();
    return;
  }
  sendError(res, http);
}
