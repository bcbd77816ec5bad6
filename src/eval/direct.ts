/**
 * The direct span measured with CMRC's exact match and F1: on the sentence that holds the
 * answer (oracle), and on the first quote of the answerer's answer (end to end); and on the
 * gold set, whether the span holds the key of when/who/how-many questions.
 */
import type { Answerer } from '../answer/answer.js';
import { type DirectModel, extractDirect, type QuestionKind, questionKind } from '../answer/direct.js';
import { type CmrcItem, cmrcExact, cmrcF1 } from './cmrc.js';
import type { GoldItem } from './gold.js';
import { mean } from './stats.js';

export interface DirectMetrics {
  questions: number;
  em: number;
  f1: number;
  /** Share of questions that got a span at all. */
  answered: number;
  byKind: Partial<Record<QuestionKind, { n: number; em: number; f1: number }>>;
}

interface Scored {
  kind: QuestionKind;
  prediction: string | null;
  answers: string[];
}

export function directMetrics(rows: Scored[]): DirectMetrics {
  const score = (set: Scored[]) => ({
    n: set.length,
    em: mean(set.map((r) => (cmrcExact(r.prediction, r.answers) ? 1 : 0))),
    f1: mean(set.map((r) => cmrcF1(r.prediction, r.answers))),
  });
  const byKind: DirectMetrics['byKind'] = {};
  for (const kind of new Set(rows.map((r) => r.kind))) byKind[kind] = score(rows.filter((r) => r.kind === kind));
  const all = score(rows);
  const answered = mean(rows.map((r) => (r.prediction ? 1 : 0)));
  return { questions: rows.length, em: all.em, f1: all.f1, answered, byKind };
}

/** Given the sentence that holds the reference answer. */
export function directOracle(items: CmrcItem[], model?: DirectModel): DirectMetrics {
  return directMetrics(
    items.map((item) => {
      const kind = questionKind(item.question);
      return { kind, prediction: extractDirect(item.question, item.sentence, kind, model), answers: item.answers };
    }),
  );
}

/**
 * Ask the answerer (over an index of the CMRC contexts) and extract from its first quote, as
 * the product does. `quoteHoldsAnswer` bounds what any extractor could reach from that quote.
 */
export async function directEndToEnd(
  answerer: Answerer,
  items: CmrcItem[],
  model?: DirectModel,
): Promise<DirectMetrics & { quoteHoldsAnswer: number }> {
  const rows: Scored[] = [];
  let holds = 0;
  for (const item of items) {
    const answer = await answerer.answer(item.question);
    const quote = answer.abstained ? '' : (answer.citations[0]?.quote ?? '');
    const kind = questionKind(item.question);
    const prediction = quote ? extractDirect(item.question, quote, kind, model) : null;
    if (item.answers.some((a) => quote.includes(a))) holds++;
    rows.push({ kind, prediction, answers: item.answers });
  }
  return { ...directMetrics(rows), quoteHoldsAnswer: items.length ? holds / items.length : NaN };
}

const KEYED_KINDS: QuestionKind[] = ['when', 'who', 'how-many'];

export interface GoldDirectMetrics {
  questions: number;
  /** The span is non-null and contains every key. */
  containsKey: number;
  misses: string[];
}

/** Gold questions with keys that are dates or numbers, or ask when / who / how many. */
export async function directGold(
  answerer: Answerer,
  items: GoldItem[],
  model?: DirectModel,
): Promise<GoldDirectMetrics> {
  const chosen = items.filter(
    (i) =>
      !i.abstain &&
      i.keys.length > 0 &&
      (['date', 'number'].includes(i.type) || KEYED_KINDS.includes(questionKind(i.question))),
  );
  const misses: string[] = [];
  let hits = 0;
  for (const item of chosen) {
    const answer = await answerer.answer(item.question, item.history ?? []);
    // The product's own span when the model is the shipped one; another model reads the first quote.
    const quote = answer.citations[0]?.quote ?? '';
    const direct = model
      ? quote
        ? extractDirect(item.question, quote, questionKind(item.question), model)
        : null
      : answer.direct;
    if (direct && item.keys.every((k) => direct.includes(k))) hits++;
    else misses.push(`${item.id} ${item.question} → ${direct ?? 'null'} (keys ${item.keys.join('/')})`);
  }
  return { questions: chosen.length, containsKey: chosen.length ? hits / chosen.length : NaN, misses };
}
