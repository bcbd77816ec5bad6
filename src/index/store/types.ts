/**
 * The storage seam: what retrieval and answers read from an index, whatever holds it
 * (local files, or PostgreSQL + pgvector). `KnowledgeBase` composes one of each.
 */
import type { CorpusDocument, Paragraph, Section } from '../../corpus/types.js';
import type { Passage } from '../passages.js';

export interface VectorHit {
  /** Passage id. */
  id: string;
  /** Cosine similarity, 1 = same direction. */
  similarity: number;
}

export interface VectorFilter {
  /** Only passages of these documents. */
  docIds?: readonly string[];
}

export interface VectorItem {
  id: string;
  docId: string;
  vector: ArrayLike<number>;
}

/** Nearest passages by cosine similarity of their embeddings. */
export interface VectorIndex {
  readonly dims: number;
  readonly size: number;
  add(items: readonly VectorItem[]): Promise<void>;
  remove(ids: readonly string[]): Promise<void>;
  search(vector: readonly number[], k: number, filter?: VectorFilter): Promise<VectorHit[]>;
}

export interface KeywordHit {
  id: string;
  score: number;
  /** Query terms that matched this passage. */
  terms: string[];
}

export interface KeywordFilter {
  /** Only passages of these documents (scored with the whole index's statistics). */
  docIds?: readonly string[];
}

/** BM25 over jieba terms: postings live in the store, statistics are answered at once. */
export interface KeywordIndex {
  /** Number of passages indexed. */
  readonly size: number;
  /** Inverse document frequency of a word; words the corpus never uses get the highest value. */
  idf(word: string): number;
  /** Whether the passages contain the word at all. */
  knows(word: string): boolean;
  /** The k best passages for the query terms (defaults to the terms of `text`). */
  query(text: string, k: number, queryTerms?: string[], filter?: KeywordFilter): Promise<KeywordHit[]>;
}

/** Documents, sections, paragraphs (the header paragraph included) and passages by id. */
export interface DocumentStore {
  readonly documents: readonly CorpusDocument[];
  readonly passages: readonly Passage[];
  readonly docById: ReadonlyMap<string, CorpusDocument>;
  readonly sectionById: ReadonlyMap<string, Section>;
  readonly passageById: ReadonlyMap<string, Passage>;
  paragraph(id: string): Paragraph | undefined;
}
