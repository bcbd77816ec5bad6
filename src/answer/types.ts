/** The answer object shared by the CLI, the HTTP API and the page. */
import type { Language } from '../text/language.js';

/** `partial`: the documents name what was asked about but not the attribute asked for (a count, a date…). */
export type AnswerMode = 'answer' | 'list' | 'summary' | 'partial' | 'abstain';

export interface Citation {
  n: number;
  passageId: string;
  paragraphId: string;
  docId: string;
  docTitle: string;
  sectionPath: string[];
  /** 1-based paragraph number in the document (0 = the document's title/byline). */
  paragraph: number;
  /** The whole paragraph, as normalised by the parser. */
  text: string;
  /** The quoted sentence(s), exactly as they stand in `text` (joined with "…" when not adjacent). */
  quote: string;
  /** [start, end) of each quoted sentence in `text`. */
  highlights: Array<[number, number]>;
  score: number;
  /** 1-based page where the first quoted sentence starts (paginated sources such as PDF). */
  page?: number;
}

/**
 * One piece of the answer text in order: verbatim text, and the citation number it carries
 * when it is a quote. The page renders markers only from `n`, never from `[n]` inside text.
 */
export interface Segment {
  text: string;
  n?: number;
}

export interface Suggestion {
  docId: string;
  docTitle: string;
  sectionId?: string;
  sectionPath: string[];
}

export interface Timings {
  retrieveMs: number;
  composeMs: number;
  totalMs: number;
}

export interface Answer {
  question: string;
  mode: AnswerMode;
  /** The whole answer as text, with `[n]` markers after quoted sentences (CLI, OpenAI API). */
  answer: string;
  /** The same answer as segments (the page renders these). */
  segments: Segment[];
  /** The exact span that answers a when/who/where/how-many/which question, verbatim from the first quote; null when none. */
  direct: string | null;
  abstained: boolean;
  citations: Citation[];
  /** Closest sections, offered when the answer abstains. */
  suggestions?: Suggestion[];
  /** The question actually searched after resolving a follow-up against the history. */
  resolvedQuestion?: string;
  language: Language;
  timings: Timings;
}

export interface Turn {
  role: 'user' | 'assistant';
  content: string;
}

/**
 * What a composer yields while it works, in order: `meta` once (mode and direct span known),
 * then `delta`s (a segment each, with `citation` when the segment brings a new one), then `done`.
 */
export type AnswerEvent =
  | { type: 'meta'; mode: AnswerMode; direct: string | null; language: Language }
  | { type: 'delta'; segment: Segment; citation?: Citation }
  | { type: 'done'; answer: Answer };

export interface AnswerOptions {
  /** Aborts the work (request timeout, client gone); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}
