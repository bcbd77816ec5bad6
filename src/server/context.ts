/** What every route handler is given: the answerer of the index being served, and the work queues. */
import type { Answerer } from '../answer/answer.js';
import { routeQuestion } from '../answer/router.js';
import type { Admission } from './admission.js';
import type { Library } from './library.js';

export interface RouteContext {
  /** The answerer for the current build (it changes when a new index is switched in). */
  answerer: () => Answerer;
  /** Uploaded documents still indexing or failed (absent when uploads are off). */
  library?: Library;
  /** Questions and chat completions. */
  asks: Admission;
  /**
   * Summaries (asked for, or asked as a question) not yet cached: each is a few hundred
   * milliseconds of CPU, so they go one at a time in their own queue and a burst of them never
   * stands between an ordinary question and its answer.
   */
  summaries: Admission;
}

/** The queue a question waits in. */
export function queueFor(ctx: RouteContext, question: string): Admission {
  return routeQuestion(question).type === 'summary' ? ctx.summaries : ctx.asks;
}
