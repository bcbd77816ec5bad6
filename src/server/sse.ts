/** Server-Sent Events on an Express response. */
import type { Response } from 'express';
import { errorBody, toHttpError } from './errors.js';

export type SendEvent = (event: string | undefined, data: unknown) => void;

export function startSse(res: Response): SendEvent {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  return (event, data) => {
    res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  };
}

/**
 * Stream `events` after the headers are sent; a failure becomes an `error` event with the same
 * code and message as the JSON path would give (never the internal message).
 */
export async function streamSse(res: Response, events: (send: SendEvent) => Promise<void>): Promise<void> {
  const send = startSse(res);
  try {
    await events(send);
  } catch (err) {
    const http = toHttpError(err);
    if (!res.writableEnded) send('error', errorBody(http.code, http.message));
  }
  res.end();
}
