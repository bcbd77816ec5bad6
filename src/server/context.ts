/** What every route handler is given: the answerer of the index being served, and the work queues. */
import type { Answerer } from '../answer/answer.js';
import type { Admission } from './admission.js';

export interface RouteContext {
  /** The answerer for the current build (it changes when a new index is switched in). */
  answerer: () => Answerer;
  /** Asks and chat completions. */
  asks: Admission;
  /**
   * Summaries not yet cached: one at a time in their own queue, so a burst of them (each a few
   * hundred milliseconds of CPU) never stands between a question and its answer.
   */
  summaries: Admission;
}
