/** The answer object shared by the CLI, the HTTP API and the page. */

export type AnswerMode = 'answer' | 'list' | 'summary' | 'abstain';

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
  answer: string;
  abstained: boolean;
  citations: Citation[];
  /** Closest sections, offered when the answer abstains. */
  suggestions?: Suggestion[];
  /** The question actually searched after resolving a follow-up against the history. */
  resolvedQuestion?: string;
  language: 'zh' | 'en';
  timings: Timings;
}

export interface Turn {
  role: 'user' | 'assistant';
  content: string;
}
