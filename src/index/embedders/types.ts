import type { Embeddings } from '@langchain/core/embeddings';

export interface EmbedderInfo {
  kind: 'builtin' | 'transformer';
  model: string;
  dims: number;
}

/** What ingest and retrieval need from an embedder beyond LangChain's interface. */
export interface Embedder extends Embeddings {
  readonly info: EmbedderInfo;
  /** Budget for one passage, in the units of `length`. */
  readonly passageBudget: number;
  length(text: string): number;
}

export function embedderKey(info: EmbedderInfo): string {
  return `${info.kind}:${info.model}:${info.dims}`;
}
