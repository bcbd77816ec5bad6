/** File names inside one local index build, shared by the writer and the reader. */
export const FILES = {
  manifest: 'manifest.json',
  /** Documents, sections and paragraph metadata; texts and sentence spans are in the columns below. */
  corpus: 'corpus.json',
  /** Paragraph texts, concatenated. */
  corpusText: 'corpus.txt',
  /** Per paragraph: text start, text end, first sentence, sentence count (uint32). */
  corpusParagraphs: 'paragraphs.u32',
  /** Sentence [start, end) pairs (uint32). */
  corpusSentences: 'sentences.u32',
  /** Passages in label order: paragraph, window, start, end (uint32); their text is sliced from the paragraph. */
  passages: 'passages.u32',
  /** Passage text hashes (the embedding cache key), concatenated. */
  passageHashes: 'passages.hashes',
  bridge: 'bridge.json',
  /** hnswlib's binary index; labels are positions in passages.json. */
  vectors: 'vectors.hnsw',
  /**
   * Per keyword field: `<field>.terms.txt` (terms concatenated), `.terms.u32` (their offsets, then their
   * sorted order), `.offsets.u32`, postings as `.docs.bin` (passages) and `.tfs.bin` (counts), each in the narrowest unsigned integers that hold them, `.lengths.u32`.
   */
  keyword: 'keyword',
  /** Files the built-in embedder saves (its fitted model). */
  embedder: 'embedder',
} as const;
