/**
 * Does the answerer decline what the seed documents cannot answer? Asks thousands of real
 * negatives (every CMRC 2018 dev and COVID-QA question, against the seed-corpus index) and the
 * handwritten off-topic set (test/gold/offtopic.jsonl: general and near-domain questions),
 * and measures false refusals on the in-corpus gold questions.
 */
import { readFileSync } from 'node:fs';
import type { Answerer } from '../answer/answer.js';
import type { Answer } from '../answer/types.js';
import type { GoldItem } from './gold.js';
import { share } from './stats.js';

export interface OfftopicItem {
  q: string;
  /** general: nothing to do with the documents; near: names a corpus term, asks what the text does not state. */
  kind: 'general' | 'near';
  lang: 'zh' | 'en';
  /** The corpus term a near-domain question names (verbatim in the corpus), or null. */
  mentions: string | null;
}

export function loadOfftopic(file: string): OfftopicItem[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => {
      const item = JSON.parse(line) as OfftopicItem;
      if (!item.q || !['general', 'near'].includes(item.kind) || !['zh', 'en'].includes(item.lang)) {
        throw new Error(`${file}:${i + 1}: each line needs q, kind (general|near) and lang (zh|en)`);
      }
      return item;
    });
}

export interface RefusalRow {
  questions: number;
  /** Declined outright (`abstained`). */
  declined: number;
  /** Declined, or answered in `partial` mode (the entity is there, the attribute is not). */
  declinedOrPartial: number;
  seconds: number;
  /** A few questions that went the wrong way (answered when they should be declined, or the reverse). */
  wrong: string[];
}

const declinedOrPartial = (a: Answer) => a.abstained || a.mode === 'partial';

/** Ask every question (no history) and count refusals. */
export async function refusals(
  answerer: Answerer,
  questions: string[],
  onProgress?: (done: number) => void,
): Promise<RefusalRow> {
  const started = Date.now();
  const answers: Answer[] = [];
  for (const [i, q] of questions.entries()) {
    answers.push(await answerer.answer(q));
    if (i % 500 === 499) onProgress?.(i + 1);
  }
  return refusalRow(answers, started, (a) => !declinedOrPartial(a));
}

/** In-corpus gold questions (with their history) that were declined or answered as partial. */
export async function falseRefusals(answerer: Answerer, gold: GoldItem[]): Promise<RefusalRow> {
  const started = Date.now();
  const inCorpus = gold.filter((g) => !g.abstain);
  const answers: Answer[] = [];
  for (const item of inCorpus) answers.push(await answerer.answer(item.question, item.history ?? []));
  return refusalRow(answers, started, (a) => a.abstained);
}

/** The row for a set of answers; `wrong` lists the first few answers that `isWrong` flags. */
function refusalRow(answers: Answer[], started: number, isWrong: (a: Answer) => boolean): RefusalRow {
  return {
    questions: answers.length,
    declined: share(answers.map((a) => a.abstained)),
    declinedOrPartial: share(answers.map(declinedOrPartial)),
    seconds: (Date.now() - started) / 1000,
    wrong: answers
      .filter(isWrong)
      .slice(0, 5)
      .map((a) => a.question),
  };
}
