/**
 * Metrics on an external set: is the right document/passage retrieved, and does the
 * composed answer contain the reference answer?
 */
import type { Answerer } from '../answer/answer.js';
import type { ExternalQuestion } from './datasets.js';
import { mean, percentile, share } from './stats.js';

export interface ExternalMetrics {
  questions: number;
  documentRecall: { at1: number; at5: number };
  /** A retrieved passage (window) in the top 5 holds the start of the reference answer. */
  answerPassageRecall5: number;
  /** The answer contains the whole reference answer. */
  answerContainment: number;
  /** Share of the reference answer's characters (as bigrams) that the answer contains. */
  answerCoverage: number;
  abstained: number;
  meanAnswerChars: number;
  meanAnswerSentences: number;
  latencyMs: { p50: number; p95: number };
}

function bigramRecall(reference: string, answer: string): number {
  if (reference.length < 2) return answer.includes(reference) ? 1 : 0;
  let hit = 0;
  for (let i = 0; i + 2 <= reference.length; i++) if (answer.includes(reference.slice(i, i + 2))) hit++;
  return hit / (reference.length - 1);
}

export async function runExternal(
  answerer: Answerer,
  questions: ExternalQuestion[],
  onProgress?: (done: number) => void,
): Promise<ExternalMetrics> {
  const rows = [];
  for (const [i, q] of questions.entries()) {
    const { results } = await answerer.retrieve(q.question, q.question, { k: 5 });
    const sources = results.map((r) => r.doc.meta.source);
    const head = q.answer.slice(0, 12);
    const answer = await answerer.answer(q.question);
    const text = answer.answer.replace(/\[\d+\]/g, '');
    rows.push({
      at1: sources[0] === q.source,
      at5: sources.includes(q.source),
      passage: results.some((r) => r.doc.meta.source === q.source && r.passage.text.includes(head)),
      contained: text.includes(q.answer),
      coverage: bigramRecall(q.answer, text),
      abstained: answer.abstained,
      chars: text.length,
      sentences: answer.citations.reduce((n, c) => n + c.highlights.length, 0),
      ms: answer.timings.totalMs,
    });
    if (i % 100 === 99) onProgress?.(i + 1);
  }
  const answered = rows.filter((r) => !r.abstained);
  return {
    questions: rows.length,
    documentRecall: { at1: share(rows.map((r) => r.at1)), at5: share(rows.map((r) => r.at5)) },
    answerPassageRecall5: share(rows.map((r) => r.passage)),
    answerContainment: share(rows.map((r) => r.contained)),
    answerCoverage: mean(rows.map((r) => r.coverage)),
    abstained: share(rows.map((r) => r.abstained)),
    meanAnswerChars: mean(answered.map((r) => r.chars)),
    meanAnswerSentences: mean(answered.map((r) => r.sentences)),
    latencyMs: {
      p50: percentile(
        rows.map((r) => r.ms),
        50,
      ),
      p95: percentile(
        rows.map((r) => r.ms),
        95,
      ),
    },
  };
}
