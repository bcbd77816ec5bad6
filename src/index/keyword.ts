/**
 * BM25 keyword index over jieba words and character bigrams (see text/tokens.ts). Besides the
 * passage text, the section path and the document's title/byline are indexed as weaker
 * fields, so "新年贺词里…" favours that document's passages.
 *
 * A small inverted index of our own rather than a search library: MiniSearch (tried first)
 * spent ~3 ms per passage building its radix tree, which put a 40 MB corpus far over the
 * ingest budget; hash-map postings build in a fraction of that. Postings are packed into
 * typed arrays, written as binary files and used in place when loaded (no parsing).
 */
import { BIGRAM_MARK, terms } from '../text/tokens.js';
import type { KeywordHit, KeywordIndex } from './store/types.js';

export type { KeywordHit, KeywordIndex } from './store/types.js';

export interface KeywordDoc {
  id: string;
  text: string;
  section: string;
  document: string;
}

export const FIELD_BOOST = { text: 1, section: 0.5, document: 0.3 } as const;
export type Field = keyof typeof FIELD_BOOST;
export const FIELDS = Object.keys(FIELD_BOOST) as Field[];
/** BM25+ saturation, length normalisation and lower bound (the values MiniSearch ships with). */
const K1 = 1.2;
const B = 0.7;
const DELTA = 0.5;

/** A term in more than this share of passages is "common" (see query()). */
export const COMMON_SHARE = 0.1;
/** Below this many passages every term is cheap enough to score. */
export const COMMON_MIN_PASSAGES = 5000;

/** BM25 inverse document frequency (never negative). */
export function bm25Idf(passages: number, df: number): number {
  return Math.log(1 + (passages - df + 0.5) / (df + 0.5));
}

/** BM25+ term-frequency saturation with length normalisation. */
function saturate(tf: number, length: number, avgLength: number): number {
  return DELTA + (tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * length) / (avgLength || 1)));
}

/** The k best entries by adjusted score, without sorting them all. */
function topK(
  scores: Map<number, number>,
  k: number,
  adjust: (doc: number, score: number) => number,
): Array<[number, number]> {
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

/** One field's postings: term i's entries are `postings[offsets[i] .. offsets[i+1]]`, as doc, tf pairs. */
export interface PackedField {
  terms: string[];
  offsets: Uint32Array;
  postings: Uint32Array;
  /** Distinct terms per passage (MiniSearch's definition of field length, which the tuning assumed). */
  lengths: Uint32Array;
}

interface FieldIndex extends PackedField {
  slot: Map<string, number>;
  avgLength: number;
}

/** A term's postings in one field, with each passage's BM25 contribution already weighed. */
export interface TermImpacts {
  term: string;
  field: Field;
  df: number;
  docs: Uint32Array;
  weights: Float64Array;
}

function packField(tokenLists: string[][]): PackedField {
  const lists = new Map<string, number[]>();
  tokenLists.forEach((tokens, doc) => {
    const tf = new Map<string, number>();
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [t, n] of tf) {
      let list = lists.get(t);
      if (!list) lists.set(t, (list = []));
      list.push(doc, n);
    }
  });
  const termList = [...lists.keys()];
  const offsets = new Uint32Array(termList.length + 1);
  for (const [i, t] of termList.entries()) offsets[i + 1] = offsets[i] + lists.get(t)!.length;
  const postings = new Uint32Array(offsets[termList.length]);
  for (const [i, t] of termList.entries()) postings.set(lists.get(t)!, offsets[i]);
  const lengths = Uint32Array.from(tokenLists, (t) => new Set(t).size);
  return { terms: termList, offsets, postings, lengths };
}

function fieldIndex(packed: PackedField): FieldIndex {
  const slot = new Map<string, number>();
  for (const [i, t] of packed.terms.entries()) slot.set(t, i);
  let total = 0;
  for (const n of packed.lengths) total += n;
  return { ...packed, slot, avgLength: total / Math.max(1, packed.lengths.length) };
}

export class Bm25Index implements KeywordIndex {
  private readonly fields: Record<Field, FieldIndex>;

  /** `ids[i]` is the passage id of doc i in the postings. */
  constructor(
    private readonly ids: readonly string[],
    packed: Record<Field, PackedField>,
  ) {
    this.fields = {
      text: fieldIndex(packed.text),
      section: fieldIndex(packed.section),
      document: fieldIndex(packed.document),
    };
    for (const f of FIELDS) {
      if (packed[f].lengths.length !== ids.length)
        throw new Error(`the ${f} keyword field covers ${packed[f].lengths.length} passages, not ${ids.length}`);
    }
  }

  /** `tokens[i]` may give the terms of `docs[i].text`, already computed. */
  static build(docs: KeywordDoc[], tokens?: string[][]): Bm25Index {
    // Section and document texts repeat for every passage of a document: tokenize each once.
    const memo = new Map<string, string[]>();
    const cached = (text: string) => {
      let t = memo.get(text);
      if (!t) memo.set(text, (t = terms(text)));
      return t;
    };
    return new Bm25Index(
      docs.map((d) => d.id),
      {
        text: packField(tokens ?? docs.map((d) => terms(d.text))),
        section: packField(docs.map((d) => cached(d.section))),
        document: packField(docs.map((d) => cached(d.document))),
      },
    );
  }

  /** The packed postings of every field, for writing. */
  packed(): Record<Field, PackedField> {
    return this.fields;
  }

  get size(): number {
    return this.ids.length;
  }

  private list(term: string, field: Field): Uint32Array | undefined {
    const f = this.fields[field];
    const i = f.slot.get(term);
    return i === undefined ? undefined : f.postings.subarray(f.offsets[i], f.offsets[i + 1]);
  }

  /** Number of passages whose text uses the term. */
  df(term: string): number {
    return (this.list(term, 'text')?.length ?? 0) / 2;
  }

  idf(word: string): number {
    return Math.log((this.size + 1) / (this.df(word) + 0.5));
  }

  /** Every word (not bigram) the passages use. */
  *vocabulary(): IterableIterator<string> {
    for (const t of this.fields.text.terms) if (!t.startsWith(BIGRAM_MARK)) yield t;
  }

  knows(word: string): boolean {
    return this.fields.text.slot.has(word);
  }

  /** Each term's postings with each passage's weighed BM25 contribution (boost × idf × saturated tf). */
  *impacts(): IterableIterator<TermImpacts> {
    const n = this.size;
    for (const field of FIELDS) {
      const { terms: termList, offsets, postings, lengths, avgLength } = this.fields[field];
      for (let i = 0; i < termList.length; i++) {
        const list = postings.subarray(offsets[i], offsets[i + 1]);
        const df = list.length / 2;
        const scale = FIELD_BOOST[field] * bm25Idf(n, df);
        const docs = new Uint32Array(df);
        const weights = new Float64Array(df);
        for (let j = 0; j < df; j++) {
          const doc = list[2 * j];
          const tf = list[2 * j + 1];
          docs[j] = doc;
          weights[j] = scale * saturate(tf, lengths[doc], avgLength);
        }
        yield { term: termList[i], field, df, docs, weights };
      }
    }
  }

  async query(text: string, k: number, queryTerms: string[] = terms(text)): Promise<KeywordHit[]> {
    if (k <= 0) return [];
    const scores = new Map<number, number>();
    const matched = new Map<number, Set<string>>();
    const n = this.size;
    // Terms in most passages add little to the score but cost a pass over huge postings;
    // leave them out unless the query has nothing rarer.
    const common = (t: string) => this.df(t) > n * COMMON_SHARE;
    const useful =
      n > COMMON_MIN_PASSAGES && queryTerms.some((t) => !common(t)) ? queryTerms.filter((t) => !common(t)) : queryTerms;
    // A term repeated in the query (or added again by expansion) counts again.
    for (const term of useful) {
      for (const f of FIELDS) {
        const list = this.list(term, f);
        if (!list) continue;
        const { lengths, avgLength } = this.fields[f];
        const scale = FIELD_BOOST[f] * bm25Idf(n, list.length / 2);
        for (let i = 0; i < list.length; i += 2) {
          const doc = list[i];
          scores.set(doc, (scores.get(doc) ?? 0) + scale * saturate(list[i + 1], lengths[doc], avgLength));
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
