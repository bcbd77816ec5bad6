/** The index manifest: what was built, from what, with which embedder. */
import type { FileError } from '../corpus/types.js';
import type { EmbedderInfo } from './embedders/types.js';

/** Bump when the parser, passages or index files change meaning, so old indexes are rebuilt. */
export const FORMAT_VERSION = 5;

export interface Manifest {
  formatVersion: number;
  createdAt: string;
  embedder: EmbedderInfo;
  /** Model settings that change vectors without changing the model id. */
  passageBudget: number;
  corpus: {
    dir: string;
    files: Record<string, string>;
    errors: FileError[];
    /** Size and modification time of each file when it was read, to skip hashing an unchanged corpus. */
    stats?: Record<string, string>;
  };
  counts: { documents: number; sections: number; paragraphs: number; passages: number };
  /** Passages embedded in this build (the rest came from the previous index). */
  embedded: number;
  ingestMs: number;
  /** SHA-256 of every other file of a local build, by path inside the build; checked at load. */
  checksums?: Record<string, string>;
  /** Layout of a local build's files (LOCAL_LAYOUT in store/local.ts); PostgreSQL builds have their schema's. */
  layout?: number;
}

export function isManifest(value: unknown): value is Manifest {
  const m = value as Manifest;
  return Boolean(
    m && typeof m === 'object' && m.formatVersion === FORMAT_VERSION && m.embedder && m.corpus && m.counts,
  );
}
