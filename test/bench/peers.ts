/**
 * Peer baselines for the retrieval benchmark: what someone would get from the
 * off-the-shelf JS stacks on the same corpus and questions. Every peer is used
 * the way its docs show it, with no tuning for Chinese (except where the library
 * ships a Chinese tokenizer), so the numbers show what you get out of the box.
 *
 *  - langchain-tutorial: RecursiveCharacterTextSplitter (defaults) + HNSWLib + similaritySearch
 *  - langchain-bm25:     the same chunks + BM25Retriever from @langchain/community, as shipped
 *  - orama-mandarin:     the same chunks in Orama full-text search with @orama/tokenizers/mandarin
 */
import { performance } from 'node:perf_hooks';
import { BM25Retriever } from '@langchain/community/retrievers/bm25';
import { HNSWLib } from '@langchain/community/vectorstores/hnswlib';
import { Document } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { create, insertMultiple, search } from '@orama/orama';
import { createTokenizer } from '@orama/tokenizers/mandarin';

export interface PeerDoc {
  source: string;
  text: string;
}
export interface PeerQuestion {
  question: string;
  isHit: (source: string, text: string) => boolean;
}
export interface PeerResult {
  name: string;
  recallAt5: number;
  latencyMs: { p50: number; p95: number };
  indexMs: number;
}

const K = 5;

/** A retrieved chunk, reduced to what `isHit` needs. */
interface Chunk {
  source: string;
  text: string;
}
type Query = (q: string) => Promise<Chunk[]>;
/** Builds a peer's index and returns its query function; the time this takes is reported as indexMs. */
type Build = (docs: PeerDoc[], embeddings: EmbeddingsInterface) => Promise<Query>;

/** Nearest-rank percentile: the smallest value with at least p% of samples at or below it. */
function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * The tutorial chunking: default splitter (chunkSize 1000, overlap 200, separators
 * "\n\n", "\n", " ", ""), one Document per doc carrying {source}. Every peer calls this
 * in its own build, so all three index the same chunks and splitting counts towards indexMs.
 */
async function split(docs: PeerDoc[]): Promise<Document[]> {
  const splitter = new RecursiveCharacterTextSplitter();
  return splitter.splitDocuments(
    docs.map((d) => new Document({ pageContent: d.text, metadata: { source: d.source } })),
  );
}

const fromDoc = (d: Document): Chunk => ({ source: String(d.metadata.source), text: d.pageContent });

/** (a) The LangChain RAG tutorial pipeline. Embedding the chunks is part of the build; embedding the query is part of each query. */
const langchainTutorial: Build = async (docs, embeddings) => {
  const store = await HNSWLib.fromDocuments(await split(docs), embeddings);
  return async (q) => (await store.similaritySearch(q, K)).map(fromDoc);
};

/**
 * (b) BM25Retriever exactly as shipped. It builds nothing up front: every invoke() rescans
 * all chunks. It splits the query on whitespace and counts words with /\w+/, so an
 * unsegmented Chinese question becomes one long "term". We leave that as is on purpose:
 * it is what a user gets from the library.
 */
const langchainBm25: Build = async (docs) => {
  const retriever = BM25Retriever.fromDocuments(await split(docs), { k: K });
  return async (q) => (await retriever.invoke(q)).map(fromDoc);
};

/** (c) Orama full-text search (BM25) with its Mandarin tokenizer, which splits words with Intl.Segmenter('zh-CN'). */
const oramaMandarin: Build = async (docs) => {
  const db = create({
    schema: { source: 'string', text: 'string' } as const,
    components: { tokenizer: createTokenizer() },
  });
  await insertMultiple(db, (await split(docs)).map(fromDoc));
  return async (q) => {
    const res = await search(db, { term: q, limit: K, properties: ['text'] });
    return res.hits.map((h) => ({ source: h.document.source, text: h.document.text }));
  };
};

/** Builds one peer's index, then asks every question in order, one at a time, and times each query on its own. */
async function measure(
  name: string,
  build: Build,
  docs: PeerDoc[],
  questions: PeerQuestion[],
  embeddings: EmbeddingsInterface,
): Promise<PeerResult> {
  const t0 = performance.now();
  const query = await build(docs, embeddings);
  const indexMs = performance.now() - t0;

  const latencies: number[] = [];
  let hits = 0;
  for (const { question, isHit } of questions) {
    const start = performance.now();
    const top = (await query(question)).slice(0, K);
    latencies.push(performance.now() - start);
    if (top.some((c) => isHit(c.source, c.text))) hits++;
  }
  return {
    name,
    recallAt5: questions.length ? hits / questions.length : 0,
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
    indexMs,
  };
}

/** Runs the three peers one after another (never at the same time, so their timings don't interfere). */
export async function runPeers(
  docs: PeerDoc[],
  questions: PeerQuestion[],
  embeddings: EmbeddingsInterface,
): Promise<PeerResult[]> {
  const peers: [string, Build][] = [
    ['langchain-tutorial', langchainTutorial],
    ['langchain-bm25', langchainBm25],
    ['orama-mandarin', oramaMandarin],
  ];
  const results: PeerResult[] = [];
  for (const [name, build] of peers) results.push(await measure(name, build, docs, questions, embeddings));
  return results;
}
