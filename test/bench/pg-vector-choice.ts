/**
 * Which PostgreSQL vector layer: LangChain's PGVectorStore or plain `pg` with our own SQL?
 * Same vectors (N random unit vectors, 128 dims), same HNSW index (m 16, ef_construction 200),
 * same queries (k 50, ef_search 200). Prints one JSON line per candidate.
 *   DATABASE_URL=postgres://… npx tsx test/bench/pg-vector-choice.ts [N]
 */
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector';
import { Document } from '@langchain/core/documents';
import { FakeEmbeddings } from '@langchain/core/utils/testing';
import pg from 'pg';
import { percentile } from '../../src/eval/stats.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('set DATABASE_URL=postgres://… (a scratch database)');
const N = Number(process.argv[2] ?? 5000);
const DIMS = 128;
const QUERIES = 200;
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
const unit = () => {
  const v = Array.from({ length: DIMS }, rand);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const vectors = Array.from({ length: N }, unit);
const queries = Array.from({ length: QUERIES }, unit);
const literal = (v: number[]) => `[${v.join(',')}]`;

async function time<T>(work: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await work();
  return [performance.now() - t, r];
}

async function queryTimes(search: (v: number[]) => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const ms: number[] = [];
  for (const q of queries) ms.push((await time(() => search(q)))[0]);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95) };
}

const pool = new pg.Pool({ connectionString: url, options: '-c hnsw.ef_search=200' });
await pool.query('create extension if not exists vector; drop table if exists choice_lc, choice_pg');

const store = await PGVectorStore.initialize(new FakeEmbeddings(), {
  pool,
  tableName: 'choice_lc',
  dimensions: DIMS,
  distanceStrategy: 'cosine',
  chunkSize: 1000,
});
const docs = vectors.map((_, i) => new Document({ pageContent: '', metadata: { passageId: `p${i}` } }));
const [lcInsert] = await time(() => store.addVectors(vectors, docs));
const [lcIndex] = await time(() => store.createHnswIndex({ dimensions: DIMS, m: 16, efConstruction: 200 }));
const lcQuery = await queryTimes((v) => store.similaritySearchVectorWithScore(v, 50));
store.client?.release();
console.log(
  JSON.stringify({ candidate: 'langchain PGVectorStore', n: N, insertMs: lcInsert, indexMs: lcIndex, query: lcQuery }),
);

await pool.query(
  `create table choice_pg (label integer primary key, id text not null, embedding vector(${DIMS}) not null)`,
);
const [pgInsert] = await time(async () => {
  for (let i = 0; i < N; i += 1000) {
    const batch = vectors.slice(i, i + 1000);
    await pool.query('insert into choice_pg select * from unnest($1::int[], $2::text[], $3::text[]::vector[])', [
      batch.map((_, j) => i + j),
      batch.map((_, j) => `p${i + j}`),
      batch.map(literal),
    ]);
  }
});
const [pgIndex] = await time(() =>
  pool.query('create index on choice_pg using hnsw (embedding vector_cosine_ops) with (m = 16, ef_construction = 200)'),
);
const pgQuery = await queryTimes((v) =>
  pool.query('select id, embedding <=> $1::vector as d from choice_pg order by embedding <=> $1::vector limit 50', [
    literal(v),
  ]),
);
console.log(JSON.stringify({ candidate: 'pg + SQL', n: N, insertMs: pgInsert, indexMs: pgIndex, query: pgQuery }));
await pool.query('drop table choice_lc, choice_pg');
await pool.end();
