/**
 * BM25 keyword index (MiniSearch's BM25+) over jieba words and character bigrams.
 * Besides the passage text, the section path and the document's title/byline are
 * indexed as weaker fields, so "新年贺词里…" favours that document's passages.
 */
import MiniSearch from 'minisearch';
import { BIGRAM_MARK, terms, words } from './tokenize.js';

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

/** `known` holds terms already computed for some texts, so ingest tokenizes each text once. */
function options(known?: Map<string, string[]>) {
  const memo = new Map<string, string[]>(known);
  return {
    fields: FIELDS,
    storeFields: [] as string[],
    tokenize: (text: string, field?: string) => {
      let t = memo.get(text);
      if (!t) {
        t = terms(text);
        // Section and document texts repeat for every passage: remember them.
        if (field !== 'text') memo.set(text, t);
      }
      return t;
    },
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

  /** `tokens[i]` may give the terms of `docs[i].text`, already computed. */
  static build(docs: KeywordDoc[], tokens?: string[][]): KeywordIndex {
    const known = tokens ? new Map(docs.map((d, i) => [d.text, tokens[i]])) : undefined;
    const ms = new MiniSearch<KeywordDoc>(options(known));
    ms.addAll(docs);
    const df = new Map<string, number>();
    docs.forEach((d, i) => {
      const list = tokens ? tokens[i].filter((t) => !t.startsWith(BIGRAM_MARK)) : words(d.text);
      for (const w of new Set(list)) df.set(w, (df.get(w) ?? 0) + 1);
    });
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
