/**
 * Hybrid retrieval: dense candidates from the vector index and keyword candidates from BM25, fused
 * per paragraph (several windows of one paragraph count once, by their best window).
 * Fusion is a weighted sum of each signal normalised to the best candidate of the query
 * (chosen over reciprocal-rank fusion by `npm run eval`; RRF is kept as an option to compare).
 */

import { Document } from '@langchain/core/documents';
import { BaseRetriever } from '@langchain/core/retrievers';
import type { CorpusDocument, Paragraph } from '../corpus/types.js';
import type { KnowledgeBase } from '../index/knowledge-base.js';
import { headerId, type Passage } from '../index/passages.js';
import type { VectorHit } from '../index/store/types.js';
import { terms } from '../text/tokens.js';
import type { RetrievalTuning } from '../tuning.js';

export type Fusion = 'weighted' | 'rrf';
export type SearchMode = 'hybrid' | 'dense' | 'keyword';

export interface SearchOptions {
  k?: number;
  mode?: SearchMode;
  fusion?: Fusion;
  /** Weight of the dense signal in the weighted sum (keyword gets 1 - denseWeight). */
  denseWeight?: number;
  /** Only passages of these documents. */
  docIds?: string[];
  /** Factors on the fused scores of these documents' passages (documents the question points at). */
  docBoosts?: ReadonlyMap<string, number>;
  /** Extra query terms (e.g. Chinese words bridged from an English question). */
  extraTerms?: string[];
  /** Text to embed for the dense signal, when it differs from the query. */
  denseText?: string;
  /**
   * Include the title/byline passages (default true). Questions that do not ask who or when are
   * better served without them: a short title that repeats the question's words outranks the
   * paragraph that answers it.
   */
  includeHeaders?: boolean;
}

export interface Scores {
  dense: number;
  keyword: number;
  fused: number;
}

export interface SearchResult {
  passage: Passage;
  paragraph: Paragraph;
  doc: CorpusDocument;
  score: number;
  scores: Scores;
  /** Query terms that matched the passage by keyword. */
  matched: string[];
}

export const DEFAULTS = { k: 5, mode: 'hybrid' as SearchMode, fusion: 'weighted' as Fusion };
const RRF_K = 60;

interface Candidate {
  passage: Passage;
  dense: number;
  keyword: number;
  denseRank: number;
  keywordRank: number;
  matched: string[];
}

export class HybridSearcher {
  constructor(
    readonly kb: KnowledgeBase,
    private readonly tuning: RetrievalTuning,
  ) {}

  private async denseHits(text: string, count: number, docIds?: string[]): Promise<VectorHit[]> {
    const vector = await this.kb.embedder.embedQuery(text);
    if (!vector.some((x) => x !== 0)) return []; // nothing the built-in model knows
    return this.kb.vectors.search(vector, count, { docIds });
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    const denseWeight = this.tuning.denseWeight[this.kb.embedder.info.kind];
    const { k, mode, fusion } = { ...DEFAULTS, ...options };
    const { candidates: base } = this.tuning;
    const pool = options.docIds ? Math.max(base * 4, k) : Math.max(base, k * 3);
    const allowed = options.docIds ? new Set(options.docIds) : undefined;
    const byPassage = new Map<string, Candidate>();
    const candidate = (id: string): Candidate | undefined => {
      const passage = this.kb.passageById.get(id);
      if (!passage || (allowed && !allowed.has(passage.docId))) return undefined;
      if (options.includeHeaders === false && passage.paragraphId === headerId(passage.docId)) return undefined;
      let c = byPassage.get(id);
      if (!c) {
        c = { passage, dense: 0, keyword: 0, denseRank: Infinity, keywordRank: Infinity, matched: [] };
        byPassage.set(id, c);
      }
      return c;
    };
    if (mode !== 'keyword') {
      (await this.denseHits(options.denseText ?? query, pool, options.docIds)).forEach((h, rank) => {
        const c = candidate(h.id);
        if (c) Object.assign(c, { dense: Math.max(0, h.similarity), denseRank: rank });
      });
    }
    if (mode !== 'dense') {
      const queryTerms = [...terms(query), ...(options.extraTerms ?? [])];
      const filter = options.docIds ? { docIds: options.docIds } : undefined;
      (await this.kb.keyword.query(query, pool, queryTerms, filter)).forEach((h, rank) => {
        const c = candidate(h.id);
        if (c) Object.assign(c, { keyword: h.score, keywordRank: rank, matched: h.terms });
      });
    }
    const candidates = [...byPassage.values()];
    const maxDense = Math.max(1e-9, ...candidates.map((c) => c.dense));
    const maxKeyword = Math.max(1e-9, ...candidates.map((c) => c.keyword));
    const weightDense = mode === 'dense' ? 1 : mode === 'keyword' ? 0 : (options.denseWeight ?? denseWeight);
    const fused = (c: Candidate) =>
      fusion === 'rrf'
        ? weightDense / (RRF_K + c.denseRank) + (1 - weightDense) / (RRF_K + c.keywordRank)
        : weightDense * (c.dense / maxDense) + (1 - weightDense) * (c.keyword / maxKeyword);

    // One result per paragraph: its best window.
    const best = new Map<string, SearchResult>();
    for (const c of candidates) {
      const score = fused(c) * (options.docBoosts?.get(c.passage.docId) ?? 1);
      const prev = best.get(c.passage.paragraphId);
      if (prev && prev.score >= score) continue;
      const paragraph = this.kb.paragraph(c.passage.paragraphId)!;
      best.set(c.passage.paragraphId, {
        passage: c.passage,
        paragraph,
        doc: this.kb.docById.get(c.passage.docId)!,
        score,
        scores: { dense: c.dense, keyword: c.keyword, fused: score },
        matched: c.matched,
      });
    }
    return [...best.values()]
      .filter((r) => r.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }
}

/** The same search behind LangChain's retriever interface, for use in LangChain chains. */
export class HybridRetriever extends BaseRetriever {
  lc_namespace = ['policy-qa', 'retrievers'];

  constructor(
    private readonly searcher: HybridSearcher,
    private readonly options: SearchOptions = {},
  ) {
    super();
  }

  async _getRelevantDocuments(query: string): Promise<Document[]> {
    const results = await this.searcher.search(query, this.options);
    return results.map(
      (r) =>
        new Document({
          pageContent: r.paragraph.text,
          id: r.paragraph.id,
          metadata: {
            passageId: r.passage.id,
            paragraphId: r.paragraph.id,
            docId: r.doc.id,
            docTitle: r.doc.meta.title,
            sectionPath: r.paragraph.sectionPath,
            scores: r.scores,
          },
        }),
    );
  }
}
