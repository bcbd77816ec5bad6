/**
 * BM25 keyword index (MiniSearch's BM25+) over jieba words and character bigrams.
 * Besides the passage text, the section path and the document's title/byline are
 * indexed as weaker fields, so "新年贺词里…" favours that document's passages.
 */
import MiniSearch from 'minisearch';
import { terms, words } from './tokenize.js';

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

interface Serialized {
  index: ReturnType<MiniSearch['toJSON']>;
  /** Word → number of passages containing it (jieba words only), for IDF-weighted coverage. */
  df: Record<string, number>;
}

export class KeywordIndex {
  private constructor(
    private readonly search: MiniSearch<KeywordDoc>,
    private readonly df: Map<string, number>,
  ) {}

  static build(docs: KeywordDoc[]): KeywordIndex {
    const ms = new MiniSearch<KeywordDoc>(options());
    ms.addAll(docs);
    const df = new Map<string, number>();
    for (const d of docs) for (const w of new Set(words(d.text))) df.set(w, (df.get(w) ?? 0) + 1);
    return new KeywordIndex(ms, df);
  }

  static fromJSON(json: string): KeywordIndex {
    const data = JSON.parse(json) as Serialized;
    return new KeywordIndex(MiniSearch.loadJS<KeywordDoc>(data.index, options()), new Map(Object.entries(data.df)));
  }

  toJSON(): string {
    const data: Serialized = { index: this.search.toJSON(), df: Object.fromEntries(this.df) };
    return JSON.stringify(data);
  }

  /** Inverse document frequency of a word; words the corpus never uses get the highest value. */
  idf(word: string): number {
    const n = this.search.documentCount;
    return Math.log((n + 1) / ((this.df.get(word) ?? 0) + 0.5));
  }

  /** Every word (not bigram) the corpus uses. */
  vocabulary(): IterableIterator<string> {
    return this.df.keys();
  }

  /** Whether the corpus contains the word at all. */
  knows(word: string): boolean {
    return this.df.has(word);
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
