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
import { BIGRAM_MARK, type NumberedTerms, numberLists, numberTerms, terms } from '../text/tokens.js';
import type { KeywordFilter, KeywordHit, KeywordIndex } from './store/types.js';

export type { KeywordHit, KeywordIndex } from './store/types.js';

export interface KeywordDoc {
  id: string;
  docId: string;
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

/** The first position in an ascending array whose value is at least `value`. */
function lowerBound(sorted: Uint16Array | Uint32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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

/**
 * A field's terms as one string with offsets, found by binary search over their sorted order:
 * no string or Map entry per term, so a large index (300,000 terms) loads without building either.
 */
export class TermTable {
  constructor(
    /** Every term, concatenated; term i is `text[offsets[i] .. offsets[i+1]]`. */
    readonly text: string,
    readonly offsets: Uint32Array,
    /** Term numbers in the order of their terms. */
    readonly sorted: Uint32Array,
  ) {
    if (sorted.length !== offsets.length - 1) throw new Error('a term table has offsets and order of different sizes');
  }

  static of(terms: readonly string[]): TermTable {
    const offsets = new Uint32Array(terms.length + 1);
    for (let i = 0; i < terms.length; i++) offsets[i + 1] = offsets[i] + terms[i].length;
    const sorted = Uint32Array.from(terms.keys()).sort((a, b) => (terms[a] < terms[b] ? -1 : 1));
    return new TermTable(terms.join(''), offsets, sorted);
  }

  get size(): number {
    return this.sorted.length;
  }

  at(i: number): string {
    return this.text.slice(this.offsets[i], this.offsets[i + 1]);
  }

  indexOf(term: string): number | undefined {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.at(this.sorted[mid]);
      if (t === term) return this.sorted[mid];
      if (t < term) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }
}

/**
 * One field's postings: term i's are entries `offsets[i] .. offsets[i+1]` of `docs` (passages) and
 * `tfs` (the term's count in each), each in the narrowest unsigned integers that hold every value:
 * on the 53,000-passage corpus, 2 and 1 bytes instead of 4 and 4, a quarter of the memory.
 */
export interface PackedField {
  terms: TermTable;
  offsets: Uint32Array;
  docs: Uint16Array | Uint32Array;
  tfs: Uint8Array | Uint16Array;
  /** Distinct terms per passage (MiniSearch's definition of field length, which the tuning assumed). */
  lengths: Uint32Array;
}

interface FieldIndex extends PackedField {
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

/**
 * Postings in two passes over the numbered token lists (count, then fill typed arrays in place):
 * a Map of growing arrays per term and a Map per passage cost a large ingest over ten seconds and
 * much of its garbage. Terms keep the order of their first occurrence, postings the passage order.
 */
function packField({ vocab, lists }: NumberedTerms): PackedField {
  // Pass 1: document frequencies; lastDoc[i] - 1 is the last passage counted for term i.
  const df = new Uint32Array(vocab.length);
  const lastDoc = new Uint32Array(vocab.length);
  const lengths = new Uint32Array(lists.length);
  lists.forEach((ids, doc) => {
    let distinct = 0;
    for (const i of ids) {
      if (lastDoc[i] !== doc + 1) {
        lastDoc[i] = doc + 1;
        df[i]++;
        distinct++;
      }
    }
    lengths[doc] = distinct;
  });
  const offsets = new Uint32Array(vocab.length + 1);
  for (let i = 0; i < vocab.length; i++) offsets[i + 1] = offsets[i] + df[i];
  // Pass 2: each passage's distinct terms with their counts, appended to their terms' postings.
  const docs =
    lists.length <= 0x10000 ? new Uint16Array(offsets[vocab.length]) : new Uint32Array(offsets[vocab.length]);
  let tfs: Uint8Array | Uint16Array = new Uint16Array(offsets[vocab.length]);
  const cursor = offsets.slice(0, vocab.length);
  const tf = new Uint32Array(vocab.length);
  const seen: number[] = [];
  lists.forEach((ids, doc) => {
    for (const i of ids) if (tf[i]++ === 0) seen.push(i);
    for (const i of seen) {
      docs[cursor[i]] = doc;
      // Past 65,535 repeats in one passage BM25's saturation no longer tells counts apart.
      tfs[cursor[i]++] = Math.min(tf[i], 0xffff);
      tf[i] = 0;
    }
    seen.length = 0;
  });
  if (tfs.every((n) => n <= 0xff)) tfs = Uint8Array.from(tfs);
  return { terms: TermTable.of(vocab), offsets, docs, tfs, lengths };
}

function fieldIndex(packed: PackedField): FieldIndex {
  let total = 0;
  for (const n of packed.lengths) total += n;
  return { ...packed, avgLength: total / Math.max(1, packed.lengths.length) };
}

export class Bm25Index implements KeywordIndex {
  private readonly fields: Record<Field, FieldIndex>;

  /** Numbers of the passages of each document, made on the first filtered query. */
  private labelsByDoc: Map<string, number[]> | undefined;

  /** `passages[i]` is the passage numbered i in the postings. */
  constructor(
    private readonly passages: readonly { id: string; docId: string }[],
    packed: Record<Field, PackedField>,
  ) {
    this.fields = {
      text: fieldIndex(packed.text),
      section: fieldIndex(packed.section),
      document: fieldIndex(packed.document),
    };
    for (const f of FIELDS) {
      if (packed[f].lengths.length !== passages.length)
        throw new Error(`the ${f} keyword field covers ${packed[f].lengths.length} passages, not ${passages.length}`);
    }
  }

  /** `text` may give the numbered terms of the docs' texts, already computed (numberTerms). */
  static build(docs: KeywordDoc[], text?: NumberedTerms): Bm25Index {
    // Section and document texts repeat for every passage of a document: tokenize each once.
    const memo = new Map<string, string[]>();
    const cached = (text: string) => {
      let t = memo.get(text);
      if (!t) memo.set(text, (t = terms(text)));
      return t;
    };
    return new Bm25Index(
      docs.map(({ id, docId }) => ({ id, docId })),
      {
        text: packField(text ?? numberTerms(docs.map((d) => d.text))),
        section: packField(numberLists(docs.map((d) => cached(d.section)))),
        document: packField(numberLists(docs.map((d) => cached(d.document)))),
      },
    );
  }

  /** The packed postings of every field, for writing. */
  packed(): Record<Field, PackedField> {
    return this.fields;
  }

  get size(): number {
    return this.passages.length;
  }

  private list(
    term: string,
    field: Field,
  ): { docs: Uint16Array | Uint32Array; tfs: Uint8Array | Uint16Array } | undefined {
    const f = this.fields[field];
    const i = f.terms.indexOf(term);
    if (i === undefined) return undefined;
    return {
      docs: f.docs.subarray(f.offsets[i], f.offsets[i + 1]),
      tfs: f.tfs.subarray(f.offsets[i], f.offsets[i + 1]),
    };
  }

  /** Number of passages whose text uses the term. */
  df(term: string): number {
    return this.list(term, 'text')?.docs.length ?? 0;
  }

  idf(word: string): number {
    return Math.log((this.size + 1) / (this.df(word) + 0.5));
  }

  /** Every word (not bigram) the passages use. */
  *vocabulary(): IterableIterator<string> {
    const { terms: table } = this.fields.text;
    for (let i = 0; i < table.size; i++) {
      const t = table.at(i);
      if (!t.startsWith(BIGRAM_MARK)) yield t;
    }
  }

  knows(word: string): boolean {
    return this.fields.text.terms.indexOf(word) !== undefined;
  }

  /** Each term's postings with each passage's weighed BM25 contribution (boost × idf × saturated tf). */
  *impacts(): IterableIterator<TermImpacts> {
    const n = this.size;
    for (const field of FIELDS) {
      const { terms: table, offsets, docs: allDocs, tfs, lengths, avgLength } = this.fields[field];
      for (let i = 0; i < table.size; i++) {
        const df = offsets[i + 1] - offsets[i];
        const scale = FIELD_BOOST[field] * bm25Idf(n, df);
        const docs = Uint32Array.from(allDocs.subarray(offsets[i], offsets[i + 1]));
        const weights = new Float64Array(df);
        for (let j = 0; j < df; j++) weights[j] = scale * saturate(tfs[offsets[i] + j], lengths[docs[j]], avgLength);
        yield { term: table.at(i), field, df, docs, weights };
      }
    }
  }

  /**
   * The passages of these documents as runs of consecutive numbers [from, to), in order: a
   * document's passages are numbered together, so a run per document, found in each posting list
   * (kept in passage order) by binary search instead of a pass over it.
   */
  private runsOf(docIds: readonly string[]): Array<[number, number]> {
    if (!this.labelsByDoc) {
      this.labelsByDoc = new Map();
      for (const [label, p] of this.passages.entries()) {
        const labels = this.labelsByDoc.get(p.docId);
        if (labels) labels.push(label);
        else this.labelsByDoc.set(p.docId, [label]);
      }
    }
    const labels = [...new Set(docIds)].flatMap((id) => this.labelsByDoc!.get(id) ?? []).sort((a, b) => a - b);
    const runs: Array<[number, number]> = [];
    for (const label of labels) {
      const last = runs[runs.length - 1];
      if (last && last[1] === label) last[1]++;
      else runs.push([label, label + 1]);
    }
    return runs;
  }

  async query(
    text: string,
    k: number,
    queryTerms: string[] = terms(text),
    filter: KeywordFilter = {},
  ): Promise<KeywordHit[]> {
    if (k <= 0) return [];
    const scores = new Map<number, number>();
    const matched = new Map<number, Set<string>>();
    const n = this.size;
    const runs = filter.docIds ? this.runsOf(filter.docIds) : undefined;
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
        const scale = FIELD_BOOST[f] * bm25Idf(n, list.docs.length);
        const spans = runs
          ? runs.map(([from, to]) => [lowerBound(list.docs, from), lowerBound(list.docs, to)])
          : [[0, list.docs.length]];
        for (const [start, end] of spans)
          for (let i = start; i < end; i++) {
            const doc = list.docs[i];
            scores.set(doc, (scores.get(doc) ?? 0) + scale * saturate(list.tfs[i], lengths[doc], avgLength));
            let m = matched.get(doc);
            if (!m) matched.set(doc, (m = new Set()));
            m.add(term);
          }
      }
    }
    // Coordination: a passage matching more distinct query terms ranks higher (as MiniSearch does).
    const ranked = topK(scores, k, (doc, score) => score * matched.get(doc)!.size);
    return ranked.map(([doc, score]) => ({ id: this.passages[doc].id, score, terms: [...matched.get(doc)!] }));
  }
}
