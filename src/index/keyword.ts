/**
 * BM25 keyword index (MiniSearch's BM25+) over jieba words and character bigrams.
 * Besides the passage text, the section path and the document's title/byline are
 * indexed as weaker fields, so "新年贺词里…" favours that document's passages.
 */
import MiniSearch from 'minisearch';
import { terms } from './tokenize.js';

export interface KeywordDoc {
  id: string;
  text: string;
  section: string;
  document: string;
}

export interface KeywordHit {
  id: string;
  score: number;
  /** Query terms that matched this passage. */
  terms: string[];
}

const FIELDS = ['text', 'section', 'document'];
export const FIELD_BOOST = { text: 1, section: 0.5, document: 0.3 };

function options() {
  return {
    fields: FIELDS,
    storeFields: [] as string[],
    tokenize: (text: string) => terms(text),
    // Terms are already normalised by the tokenizer.
    processTerm: (term: string) => term,
    searchOptions: { boost: FIELD_BOOST, combineWith: 'OR' as const },
  };
}

export class KeywordIndex {
  private constructor(private readonly search: MiniSearch<KeywordDoc>) {}

  static build(docs: KeywordDoc[]): KeywordIndex {
    const ms = new MiniSearch<KeywordDoc>(options());
    ms.addAll(docs);
    return new KeywordIndex(ms);
  }

  static fromJSON(json: string): KeywordIndex {
    return new KeywordIndex(MiniSearch.loadJSON<KeywordDoc>(json, options()));
  }

  toJSON(): string {
    return JSON.stringify(this.search);
  }

  get size(): number {
    return this.search.documentCount;
  }

  query(text: string, k: number, queryTerms: string[] = terms(text)): KeywordHit[] {
    if (queryTerms.length === 0) return [];
    // The terms are computed once by the caller; MiniSearch only splits them back apart.
    const hits = this.search.search(queryTerms.join(' '), { tokenize: (s) => s.split(' ') });
    return hits.slice(0, k).map((h) => ({ id: String(h.id), score: h.score, terms: h.terms }));
  }
}
