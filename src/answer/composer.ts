/**
 * Composers turn retrieved passages into an answer, as a stream of events (`meta`, `delta`s,
 * `done`). The extractive composer quotes source sentences verbatim; a generative composer can
 * implement the same interface. `emitPlan` is the one place where quotes become numbered
 * citations and segments, for every kind of answer (facts, lists, summaries, refusals).
 */

import type { KnowledgeBase } from '../index/knowledge-base.js';
import { headerId, isHeader } from '../index/passages.js';
import type { QueryProfile } from '../retrieval/expand.js';
import type { SearchResult } from '../retrieval/hybrid.js';
import type { Language } from '../text/language.js';
import type { SentenceTuning } from '../tuning.js';
import { CitationList, type Quote, quoteText, segmentsText } from './citations.js';
import { chooseFactSentences, findEnumeration, isInlineList, scoreSentences } from './compose.js';
import { extractDirect, questionKind } from './direct.js';
import { coverage } from './evidence.js';
import type { Route } from './router.js';
import { TEXT } from './text.js';
import type { AnswerEvent, AnswerMode, AnswerOptions, Segment, Suggestion } from './types.js';

/** One piece of a planned answer: fixed text, or a quote that will carry a citation. */
export type Part = { text: string } | { quote: Quote };

/** Everything an answer is made of, before citations are numbered. */
export interface Plan {
  question: string;
  language: Language;
  mode: AnswerMode;
  parts: Part[];
  direct?: string | null;
  suggestions?: Suggestion[];
  resolvedQuestion?: string;
  /** performance.now() when the question arrived, and when retrieval finished. */
  started: number;
  retrieved: number;
}

export interface ComposeRequest {
  question: string;
  route: Route;
  results: SearchResult[];
  profile: QueryProfile;
  resolvedQuestion?: string;
  started: number;
  retrieved: number;
}

export interface Composer {
  compose(request: ComposeRequest, options?: AnswerOptions): AsyncGenerator<AnswerEvent>;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** The plan as events: `meta`, a `delta` per part (with its citation when first used), `done`. */
export async function* emitPlan(plan: Plan, options: AnswerOptions = {}): AsyncGenerator<AnswerEvent> {
  options.signal?.throwIfAborted();
  const direct = plan.direct ?? null;
  yield { type: 'meta', mode: plan.mode, direct, language: plan.language };
  const citations = new CitationList();
  const segments: Segment[] = [];
  for (const part of plan.parts) {
    if ('text' in part) {
      segments.push({ text: part.text });
      yield { type: 'delta', segment: { text: part.text } };
      continue;
    }
    const known = citations.citations.length;
    const segment = citations.segment(part.quote);
    segments.push(segment);
    const citation = citations.citations.length > known ? citations.citations[known] : undefined;
    yield { type: 'delta', segment, ...(citation ? { citation } : {}) };
  }
  const done = performance.now();
  yield {
    type: 'done',
    answer: {
      question: plan.question,
      mode: plan.mode,
      answer: segmentsText(segments),
      segments,
      direct,
      abstained: plan.mode === 'abstain',
      citations: citations.citations,
      ...(plan.suggestions ? { suggestions: plan.suggestions } : {}),
      resolvedQuestion: plan.resolvedQuestion,
      language: plan.language,
      timings: {
        retrieveMs: round(plan.retrieved - plan.started),
        composeMs: round(done - plan.retrieved),
        totalMs: round(done - plan.started),
      },
    },
  };
}

/** Fixed framing text (empty for Chinese answers) before quoted sentences. */
export function framing(language: Language): Part[] {
  return TEXT[language].framing ? [{ text: TEXT[language].framing }] : [];
}

const COORDINATOR = /^(和|与|及|以及|、|跟|同|and|&)$/i;

/** Topic words of the question joined by 和/与/及/、 ("台湾和港澳" → 台湾, 港澳). */
export function coordinatedParts(question: string, profile: QueryProfile): string[] {
  const topics = profile.words.filter((w) => w.topic && w.present).map((w) => w.word);
  const parts = new Set<string>();
  for (const a of topics) {
    for (const b of topics) {
      const i = question.indexOf(a);
      const j = question.indexOf(b);
      if (a === b || i < 0 || j <= i) continue;
      if (COORDINATOR.test(question.slice(i + a.length, j).trim())) parts.add(a).add(b);
    }
  }
  return [...parts];
}

/** The quotes of a plan, in order. */
export function quotesOf(plan: Plan): Quote[] {
  return plan.parts.filter((p): p is { quote: Quote } => 'quote' in p).map((p) => p.quote);
}

/**
 * A fact answer with its direct span. Kept apart from planning because the span ranker costs a few
 * milliseconds, which a question the policy then declines should not pay.
 */
export function withDirect(plan: Plan): Plan {
  return plan.mode === 'answer' ? { ...plan, direct: directSpan(plan.question, quotesOf(plan)) } : plan;
}

/**
 * The exact span that answers a when / who / where / how-many / which question, from the first
 * quoted sentence that has one (null for other questions, or when no quote holds such a span).
 */
export function directSpan(question: string, quotes: Quote[]): string | null {
  const kind = questionKind(question);
  if (kind === 'other') return null;
  for (const q of quotes) {
    // A byline names its author or organisation as the parser read it: "(中共工业和信息化部党组)".
    const byline = isHeader(q.paragraph) && kind === 'who' ? (q.doc.meta.author ?? q.doc.meta.organisation) : undefined;
    const span = byline && quoteText(q).includes(byline) ? byline : extractDirect(question, quoteText(q), kind);
    if (span) return span;
  }
  return null;
}

/** Quotes verbatim: the items of the enumeration a list question is about, or the best sentences. */
export class ExtractiveComposer implements Composer {
  constructor(
    private readonly kb: KnowledgeBase,
    private readonly tuning: SentenceTuning,
  ) {}

  plan(request: ComposeRequest): Plan {
    const { question, route, results, profile } = request;
    const base = { question, language: route.language, resolvedQuestion: request.resolvedQuestion };
    const times = { started: request.started, retrieved: request.retrieved };
    const scored = scoreSentences(results, profile, route, this.tuning);
    if (route.type === 'list') {
      const best = scored[0];
      const enumeration = findEnumeration(this.kb, results, profile, this.tuning);
      // A single sentence that names the items ("实事求是、群众路线、独立自主") can answer better than a list.
      const inlineCoverage = best && isInlineList(quoteText(best)) ? coverage(profile, quoteText(best)) : 0;
      if (enumeration && enumeration.relevance >= inlineCoverage) {
        const lines = enumeration.items.flatMap((quote, i): Part[] => [{ text: `\n${i + 1}. ` }, { quote }]);
        const parts = [{ text: TEXT[route.language].list(enumeration.items.length) }, ...lines];
        return { ...base, ...times, mode: 'list', parts };
      }
    }
    const sentences: Quote[] = chooseFactSentences(scored, this.tuning);
    // "台湾和港澳": each coordinated part gets its own best sentence when the others leave it out.
    for (const part of coordinatedParts(question, profile)) {
      if (sentences.some((q) => quoteText(q).includes(part))) continue;
      const best = scored.find((q) => quoteText(q).includes(part));
      if (best) sentences.push(best);
    }
    // "哪篇文章提到…": name the document by quoting its title line first.
    if (TEXT.whichDocument.test(question) && sentences[0] && !isHeader(sentences[0].paragraph)) {
      const header = this.kb.paragraph(headerId(sentences[0].doc.id))!;
      const [start, end] = header.sentences[0];
      sentences.unshift({ paragraph: header, doc: sentences[0].doc, start, end, score: sentences[0].score });
    }
    const parts = [...framing(route.language), ...sentences.map((quote) => ({ quote }))];
    return { ...base, ...times, mode: 'answer', parts };
  }

  compose(request: ComposeRequest, options: AnswerOptions = {}): AsyncGenerator<AnswerEvent> {
    return emitPlan(withDirect(this.plan(request)), options);
  }
}
