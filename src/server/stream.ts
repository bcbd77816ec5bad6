/**
 * The server's one door into the answerer's work, so the routes only see `AnswerEvent`s and
 * `Answer`s and every call carries the request's abort signal.
 */
import type { Answerer, SummaryTarget } from '../answer/answer.js';
import type { Answer, AnswerEvent, AnswerOptions, Turn } from '../answer/types.js';

/** `answerer.answer(question, history, {signal})`. */
export function answerOnce(
  answerer: Answerer,
  question: string,
  history: Turn[],
  options: AnswerOptions,
): Promise<Answer> {
  return answerer.answer(question, history, options);
}

/** `answerer.summarize(target)` with the request's abort signal. */
export function summarizeOnce(answerer: Answerer, target: SummaryTarget, options: AnswerOptions): Promise<Answer> {
  return answerer.summarize(target, {}, undefined, 'zh', options);
}

/** The answer as the composer's events: `meta`, a `delta` per segment (with its first citation), `done`. */
export function answerEvents(
  answerer: Answerer,
  question: string,
  history: Turn[],
  options: AnswerOptions,
): AsyncGenerator<AnswerEvent> {
  return answerer.events(question, history, options);
}
