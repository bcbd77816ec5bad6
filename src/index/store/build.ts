/** What a store writes for a build and hands back when loading one (local files or PostgreSQL). */
import type { CorpusDocument } from '../../corpus/types.js';
import type { BridgeTable } from '../../lexicon/bridge.js';
import type { BuiltinEmbeddings } from '../embedders/builtin.js';
import type { Embedder } from '../embedders/types.js';
import type { Bm25Index } from '../keyword.js';
import type { Manifest } from '../manifest.js';
import type { StoredPassage } from './documents.js';
import type { DocumentStore, KeywordIndex, VectorIndex } from './types.js';

export interface BuildContents {
  manifest: Manifest;
  documents: CorpusDocument[];
  passages: StoredPassage[];
  /** One vector per passage, in passage order. */
  vectors: ArrayLike<number>[];
  /** Local files: the vector index already built from `vectors` (LocalStore.vectorIndexAhead). */
  vectorIndexFile?: Promise<string>;
  keyword: Bm25Index;
  bridge: BridgeTable;
  /** Saved with the build when it is the built-in (corpus-fitted) one. */
  embedder: Embedder;
  /** `performance.now()` when the ingest began; the manifest's ingestMs is measured up to the write. */
  startedAt: number;
}

export interface LoadedBuild {
  id: string;
  /** Where the build lives, for messages. */
  location: string;
  manifest: Manifest;
  documents: DocumentStore;
  vectors: VectorIndex;
  keyword: KeywordIndex;
  bridge: BridgeTable;
  /** The built-in embedder saved with the build, when it has one. */
  builtinEmbedder?: () => Promise<BuiltinEmbeddings>;
}

/** The previous build, as far as a new ingest can reuse it. */
export interface PreviousBuild {
  manifest: Manifest;
  passages: StoredPassage[];
  /** Vectors in passage order. */
  vectors(): Promise<number[][]>;
  builtinEmbedder?: () => Promise<BuiltinEmbeddings>;
}

export interface IndexStore {
  /** Where builds live, for messages. */
  readonly location: string;
  /** The id of the build readers see now, or undefined when there is none. */
  currentBuildId(): Promise<string | undefined>;
  currentManifest(): Promise<Manifest | undefined>;
  previous(): Promise<PreviousBuild | undefined>;
  /** Check, before an ingest does any work, that a build can be written; fails with a clear message. */
  prepare(): Promise<void>;
  /** Write a complete build and make it current in one atomic step; returns its location. */
  write(build: BuildContents): Promise<string>;
  load(): Promise<LoadedBuild>;
}

/** The build cannot be read as it is; rebuilding it fixes that. */
export class IndexLoadError extends Error {}
