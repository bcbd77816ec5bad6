/**
 * The baseline retriever every set is measured against: plain BM25 over character bigrams of
 * whole paragraphs (document title + paragraph text), no words, no stopwords, no fusion, no
 * tuning. Our retrieval has to beat it on paragraph recall to be worth its complexity.
 */
import type { Answerer } from '../answer/answer.js';
import type { CorpusDocument, Paragraph } from '../corpus/types.js';
import type { KnowledgeBase } from '../index/knowledge-base.js';
import type { SearchResult } from '../retrieval/hybrid.js';
import type { ExternalQuestion } from './datasets.js';
import type { GoldItem } from './gold.js';
import { share } from './stats.js';

const K1 = 1.2;
const B = 0.75;

export interface BaselineHit {
  doc: CorpusDocument;
  paragraph: Paragraph;
  score: number;
}

/** Overlapping pairs of letters and digits (lower-cased); punctuation and spaces only separate. */
export function charBigrams(text: string): string[] {
  const out: string[] = [];
  for (const run of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const chars = [...run];
    if (chars.length === 1) out.push(chars[0]);
    for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
  }
  return out;
}

export class BigramBm25 {
  private readonly entries: Array<{ doc: CorpusDocument; paragraph: Paragraph }> = [];
  private readonly postings = new Map<string, Array<[number, number]>>();
  private readonly lengths: number[] = [];
  private readonly avgLength: number;

  /** Every paragraph of the knowledge base, each document's title/byline header included. */
  constructor(kb: KnowledgeBase) {
    for (const doc of kb.documents) {
      for (const paragraph of kb.documentParagraphs(doc.id)) {
        const at = this.entries.push({ doc, paragraph }) - 1;
        const grams = charBigrams(`${doc.meta.title} ${paragraph.text}`);
        const tf = new Map<string, number>();
        for (const g of grams) tf.set(g, (tf.get(g) ?? 0) + 1);
        for (const [g, n] of tf) {
          let list = this.postings.get(g);
          if (!list) this.postings.set(g, (list = []));
          list.push([at, n]);
        }
        this.lengths.push(grams.length);
      }
    }
    this.avgLength = this.lengths.reduce((a, b) => a + b, 0) / Math.max(1, this.lengths.length);
  }

  search(query: string, k = 5): BaselineHit[] {
    const scores = new Map<number, number>();
    const n = this.entries.length;
    for (const g of new Set(charBigrams(query))) {
      const list = this.postings.get(g);
      if (!list) continue;
      const idf = Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5));
      for (const [at, tf] of list) {
        const norm = tf + K1 * (1 - B + (B * this.lengths[at]) / this.avgLength);
        scores.set(at, (scores.get(at) ?? 0) + (idf * tf * (K1 + 1)) / norm);
      }
    }
    return [...scores]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([at, score]) => ({ ...this.entries[at], score }));
  }
}

export interface RecallQuestion {
  query: string;
  /** The paragraph answers the question. */
  relevant: (doc: CorpusDocument, paragraph: Paragraph) => boolean;
}

export interface RecallRow {
  at1: number;
  at5: number;
  n: number;
}

/** Paragraph recall at 1 and 5 of the baseline and of our retrieval, on the same questions. */
export async function compareRetrieval(
  answerer: Answerer,
  baseline: BigramBm25,
  questions: RecallQuestion[],
): Promise<{ baseline: RecallRow; ours: RecallRow }> {
  const ranks = { baseline: [] as number[], ours: [] as number[] };
  for (const q of questions) {
    ranks.baseline.push(baseline.search(q.query, 5).findIndex((h) => q.relevant(h.doc, h.paragraph)));
    const { results } = await answerer.retrieve(q.query, q.query, { k: 5 });
    ranks.ours.push(results.findIndex((r: SearchResult) => q.relevant(r.doc, r.paragraph)));
  }
  const row = (r: number[]): RecallRow => ({
    at1: share(r.map((x) => x === 0)),
    at5: share(r.map((x) => x >= 0)),
    n: r.length,
  });
  return { baseline: row(ranks.baseline), ours: row(ranks.ours) };
}

/** Gold questions with evidence: a paragraph is relevant when it holds an evidence string. */
export function goldRecallQuestions(items: GoldItem[]): RecallQuestion[] {
  return items
    .filter((i) => !i.abstain && i.type !== 'summary' && i.evidence.length > 0)
    .map((i) => {
      const previous = i.history?.find((t) => t.role === 'user')?.content;
      return {
        query: previous ? `${previous} ${i.question}` : i.question,
        relevant: (_doc, p) => i.evidence.some((e) => p.text.includes(e)),
      };
    });
}

/** External questions: the paragraph is in the answer's document and holds the answer's start. */
export function externalRecallQuestions(questions: ExternalQuestion[]): RecallQuestion[] {
  return questions.map((q) => ({
    query: q.question,
    relevant: (doc, p) => doc.meta.source === q.source && p.text.includes(q.answer.slice(0, 12)),
  }));
}
