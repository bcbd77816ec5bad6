/** File names inside one index build, shared by ingest (writer) and load (reader). */
export const FILES = {
  manifest: 'manifest.json',
  corpus: 'corpus.json',
  passages: 'passages.json',
  keyword: 'keyword.json',
  bridge: 'bridge.json',
  /** HNSWLib.save() writes hnswlib.index, args.json and docstore.json here. */
  vectors: 'vectors',
} as const;

