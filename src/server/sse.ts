/** Server-Sent Events on an Express response. */
import type { Response } from 'express';

export function startSse(res: Response): (event: string | undefined, data: unknown) => void {
  res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.flushHeaders();
  return (event, data) => {
    res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  };
}

/** Split an answer into pieces to stream: one sentence (with its markers) or list line at a time. */
export function answerPieces(text: string): string[] {
  return text.match(/[^。！？!?\n]*(?:[。！？!?]+[”’」』）)]*(?:\[\d+\])*|\n|$)/g)?.filter((p) => p.length > 0) ?? [text];
}
