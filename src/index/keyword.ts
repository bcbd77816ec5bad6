/**
 * BM25 keyword index over jieba words and character bigrams (see tokenize.ts). Besides the
 * passage text, the section path and the document's title/byline are indexed as weaker
 * fields, so "新年贺词里…" favours that document's passages.
 *
 * A small inverted index of our own rather than a search library: MiniSearch (tried first)
 * spent ~3 ms per passage building its radix tree, which put a 40 MB corpus far over the
 * ingest budget; hash-map postings build in a fraction of that.
 */
import { BIGRAM_MARK, terms } from '../text/tokens.js';

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

export const FIELD_BOOST = { text: 1, section: 0.5, document: 0.3 } as const;
type Field = keyof typeof FIELD_BOOST;
const FIELDS = Object.keys(FIELD_BOOST) as Field[];
/** BM25+ saturation, length normalisation and lower bound (the values MiniSearch ships with). */
const K1 = 1.2;
const B = 0.7;
const DELTA = 0.5;

/** A term in more than this share of passages is "common" (see query()). */
const COMMON_SHARE = 0.1;
/** Below this many passages every term is cheap enough to score. */
const COMMON_MIN_PASSAGES = 5000;

/** The k best entries by adjusted score, without sorting them all. */
function topK(scores: Map<number, number>, k: number, adjust: (doc: number, score: number) => number): Array<[number, number]> {
  const best: Array<[number, number]> = [];
  for (const [doc, raw] of scores) {
    const score = adjust(doc, raw);
    if (best.length === k && score <= best[k - 1][1]) continue;
    let i = best.length < k ? best.length : k - 1;
    best[i] = [doc, score];
    while (i > 0 && best[i - 1][1] < score) {
      [best[i - 1], best[i]] = [best[i], best[i - 1]];
      i--;
    }
  }
  return best;
}

interface FieldIndex {
  /** term → flat [doc, tf, doc, tf, …] */
  postings: Map<string, number[]>;
  lengths: number[];
  avgLength: number;
}

interface Serialized {
  ids: string[];
  fields: Record<Field, { postings: Array<[string, number[]]>; lengths: number[] }>;
}

/** Field length is the number of distinct terms (MiniSearch's definition, which the tuning assumed). */
function fieldIndex(tokenLists: string[][]): FieldIndex {
  const postings = new Map<string, number[]>();
  tokenLists.forEach((tokens, doc) => {
    const tf = new Map<string, number>();
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [t, n] of tf) {
      let list = postings.get(t);
      if (!list) postings.set(t, (list = []));
      list.push(doc, n);
    }
  });
  const lengths = tokenLists.map((t) => new Set(t).size);
  return { postings, lengths, avgLength: lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length) };
}

export class KeywordIndex {
  private constructor(
    private readonly ids: string[],
    private readonly fields: Record<Field, FieldIndex>,
  ) {}

  /** `tokens[i]` may give the terms of `docs[i].text`, already computed. */
  static build(docs: KeywordDoc[], tokens?: string[][]): KeywordIndex {
    // Section and document texts repeat for every passage of a document: tokenize each once.
    const memo = new Map<string, string[]>();
    const cached = (text: string) => {
      let t = memo.get(text);
      if (!t) memo.set(text, (t = terms(text)));
      return t;
    };
    return new KeywordIndex(
      docs.map((d) => d.id),
      {
        text: fieldIndex(tokens ?? docs.map((d) => terms(d.text))),
        section: fieldIndex(docs.map((d) => cached(d.section))),
        document: fieldIndex(docs.map((d) => cached(d.document))),
      },
    );
  }

  static fromJSON(json: string): KeywordIndex {
    const data = JSON.parse(json) as Serialized;
    const fields = {} as Record<Field, FieldIndex>;
    for (const f of FIELDS) {
      const { postings, lengths } = data.fields[f];
      fields[f] = { postings: new Map(postings), lengths, avgLength: lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length) };
    }
    return new KeywordIndex(data.ids, fields);
  }

  toJSON(): string {
    const fields = {} as Serialized['fields'];
    for (const f of FIELDS) fields[f] = { postings: [...this.fields[f].postings], lengths: this.fields[f].lengths };
    const data: Serialized = { ids: this.ids, fields };
    return JSON.stringify(data);
  }

  get size(): number {
    return this.ids.length;
  }

  private df(term: string, field: Field = 'text'): number {
    return (this.fields[field].postings.get(term)?.length ?? 0) / 2;
  }

  /** Inverse document frequency of a word; words the corpus never uses get the highest value. */
  idf(word: string): number {
    return Math.log((this.size + 1) / (this.df(word) + 0.5));
  }

  /** Every word (not bigram) the passages use. */
  *vocabulary(): IterableIterator<string> {
    for (const t of this.fields.text.postings.keys()) if (!t.startsWith(BIGRAM_MARK)) yield t;
  }

  /** Whether the passages contain the word at all. */
  knows(word: string): boolean {
    return this.fields.text.postings.has(word);
  }

  query(text: string, k: number, queryTerms: string[] = terms(text)): KeywordHit[] {
    if (k <= 0) return [];
    const scores = new Map<number, number>();
    const matched = new Map<number, Set<string>>();
    const n = this.size;
    // Terms in most passages add little to the score but cost a pass over huge postings;
    // leave them out unless the query has nothing rarer.
    const common = (t: string) => this.df(t) > n * COMMON_SHARE;
    const useful = n > COMMON_MIN_PASSAGES && queryTerms.some((t) => !common(t)) ? queryTerms.filter((t) => !common(t)) : queryTerms;
    // A term repeated in the query (or added again by expansion) counts again.
    for (const term of useful) {
      for (const f of FIELDS) {
        const { postings, lengths, avgLength } = this.fields[f];
        const list = postings.get(term);
        if (!list) continue;
        const df = list.length / 2;
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        const boost = FIELD_BOOST[f];
        for (let i = 0; i < list.length; i += 2) {
          const doc = list[i];
          const tf = list[i + 1];
          const norm = tf + K1 * (1 - B + (B * lengths[doc]) / (avgLength || 1));
          scores.set(doc, (scores.get(doc) ?? 0) + boost * idf * (DELTA + (tf * (K1 + 1)) / norm));
          let m = matched.get(doc);
          if (!m) matched.set(doc, (m = new Set()));
          m.add(term);
        }
      }
    }
    // Coordination: a passage matching more distinct query terms ranks higher (as MiniSearch does).
    const ranked = topK(scores, k, (doc, score) => score * matched.get(doc)!.size);
    return ranked.map(([doc, score]) => ({ id: this.ids[doc], score, terms: [...matched.get(doc)!] }));
  }
}
