/**
 * The server's one door into the answerer's work, so the routes only see `AnswerEvent`s and
 * `Answer`s and every call carries the request's abort signal.
 */
import type { Answerer, SummaryTarget } from '../answer/answer.js';
import type { SummaryOptions } from '../answer/summarize.js';
import type { Answer, AnswerEvent, AnswerOptions, Turn } from '../answer/types.js';

type AnswerWork = (question: string, history: Turn[], options: AnswerOptions) => Promise<Answer>;
type SummaryWork = (target: SummaryTarget, options: SummaryOptions & AnswerOptions) => Promise<Answer>;

/** `answerer.answer(question, history, {signal})`. */
export function answerOnce(
  answerer: Answerer,
  question: string,
  history: Turn[],
  options: AnswerOptions,
): Promise<Answer> {
  const work: AnswerWork = answerer.answer.bind(answerer);
  return work(question, history, options);
}

/** `answerer.summarize(target, {signal})`. */
export function summarizeOnce(answerer: Answerer, target: SummaryTarget, options: AnswerOptions): Promise<Answer> {
  const work: SummaryWork = answerer.summarize.bind(answerer);
  return work(target, options);
}

/**
 * The answer as events: `meta`, a `delta` per segment (with its citation the first time a
 * number appears), then `done`.
 * TODO(lead): this is the one place to switch to `answerer.events(question, history, options)`
 * once the composer yields real events; until then it replays a finished answer.
 */
export async function* answerEvents(
  answerer: Answerer,
  question: string,
  history: Turn[],
  options: AnswerOptions,
): AsyncGenerator<AnswerEvent> {
  const answer = await answerOnce(answerer, question, history, options);
  yield { type: 'meta', mode: answer.mode, direct: answer.direct, language: answer.language };
  const seen = new Set<number>();
  for (const segment of answer.segments) {
    const first = segment.n !== undefined && !seen.has(segment.n);
    if (segment.n !== undefined) seen.add(segment.n);
    const citation = first ? answer.citations.find((c) => c.n === segment.n) : undefined;
    yield citation ? { type: 'delta', segment, citation } : { type: 'delta', segment };
  }
  yield { type: 'done', answer };
}
