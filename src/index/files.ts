/** File names inside one local index build, shared by the writer and the reader. */
export const FILES = {
  manifest: 'manifest.json',
  corpus: 'corpus.json',
  /** Passages without their text (a slice of the paragraph's), in label order. */
  passages: 'passages.json',
  bridge: 'bridge.json',
  /** hnswlib's binary index; labels are positions in passages.json. */
  vectors: 'vectors.hnsw',
  /** Per keyword field: `<field>.terms.json`, `.offsets.u32`, `.postings.u32`, `.lengths.u32`. */
  keyword: 'keyword',
  /** Files the built-in embedder saves (its fitted model). */
  embedder: 'embedder',
} as const;
