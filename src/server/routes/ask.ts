/**
 * POST /api/ask {question, history?}: the cited answer as JSON, or as Server-Sent Events when the
 * client accepts `text/event-stream` (`meta`, then a `delta` per segment, then `done`).
 */
import type { RequestHandler } from 'express';
import { segmentsText } from '../../answer/citations.js';
import { queueFor, type RouteContext } from '../context.js';
import { replyJson, requestSignal } from '../middleware.js';
import { streamSse } from '../sse.js';
import { parseAsk } from '../validate.js';

export function ask(ctx: RouteContext): RequestHandler {
  return async (req, res) => {
    const { question, history } = parseAsk(req.body);
    const answerer = ctx.answerer();
    const signal = requestSignal(res);
    if (!req.get('accept')?.includes('text/event-stream')) {
      const work = () => answerer.answer(question, history, { signal });
      const answer = await queueFor(ctx, question).run(work, signal);
      replyJson(res, answer);
      return;
    }
    // Wait for a slot before the 200 goes out, so a full queue is still a plain 503.
    await queueFor(ctx, question).run(
      () =>
        streamSse(res, async (send) => {
          for await (const event of answerer.events(question, history, { signal })) {
            signal.throwIfAborted();
            if (event.type === 'meta') {
              send('meta', { mode: event.mode, direct: event.direct, language: event.language });
            } else if (event.type === 'delta') {
              send('delta', { segment: event.segment, citation: event.citation, text: segmentsText([event.segment]) });
            } else {
              send('done', event.answer);
            }
          }
        }),
      signal,
    );
  };
}
