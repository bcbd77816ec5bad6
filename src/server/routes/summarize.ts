/** POST /api/summarize {docId | sectionId}: a cited summary, computed once per build. */
import type { RequestHandler } from 'express';
import { UnknownTargetError } from '../../answer/answer.js';
import type { RouteContext } from '../context.js';
import { HttpError } from '../errors.js';
import { replyJson, requestSignal } from '../middleware.js';
import { cachedSummary, summary } from '../summaries.js';
import { parseSummarize } from '../validate.js';

export function summarize(ctx: RouteContext): RequestHandler {
  return async (req, res) => {
    const target = parseSummarize(req.body);
    const answerer = ctx.answerer();
    try {
      // A cached summary costs nothing, so it skips the queue.
      const cached = cachedSummary(answerer, target);
      replyJson(res, await (cached ?? ctx.summaries.run(() => summary(answerer, target), requestSignal(res))));
    } catch (err) {
      if (err instanceof UnknownTargetError) throw new HttpError(404, 'unknown_target', err.message);
      throw err;
    }
  };
}
