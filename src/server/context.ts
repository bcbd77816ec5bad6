/** What every route handler is given: the answerer of the index being served, and the work queue. */
import type { Answerer } from '../answer/answer.js';
import type { Admission } from './admission.js';

export interface RouteContext {
  /** The answerer for the current build (it changes when a new index is switched in). */
  answerer: () => Answerer;
  admission: Admission;
}
