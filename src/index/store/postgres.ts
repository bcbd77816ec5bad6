/**
 * Builds in PostgreSQL with pgvector, so several servers can share one index that is updated
 * while they serve. Each build has its own tables, `policy_qa_b<id>_passages` (one row per
 * passage with its embedding, HNSW index on cosine distance) and `policy_qa_b<id>_terms` (BM25
 * postings per jieba term and field, with each passage's weighed contribution); the documents,
 * the English bridge and the built-in embedder's files sit in shared tables. An ingest writes
 * a whole build and points `policy_qa_current` at it in one transaction, so readers see the
 * old build or the new one, never half of one. Servers notice by polling the current build id.
 *
 * With a read URL (DATABASE_READ_URL, a streaming replica of DATABASE_URL), everything a server
 * reads comes from the replica and everything that writes (migrations, ingest, and what ingest
 * reads of the build it replaces) goes to the primary.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pgvector from 'pgvector';
import type { CorpusDocument } from '../../corpus/types.js';
import type { BridgeTable } from '../../lexicon/bridge.js';
import { BIGRAM_MARK, terms } from '../../text/tokens.js';
import { BuiltinEmbeddings } from '../embedders/builtin.js';
import { COMMON_MIN_PASSAGES, COMMON_SHARE, FIELDS } from '../keyword.js';
import { isManifest, type Manifest } from '../manifest.js';
import { type BuildContents, IndexLoadError, type IndexStore, type LoadedBuild, type PreviousBuild } from './build.js';
import { MemoryDocumentStore, type StoredPassage } from './documents.js';
import type {
  KeywordFilter,
  KeywordHit,
  KeywordIndex,
  VectorFilter,
  VectorHit,
  VectorIndex,
  VectorItem,
} from './types.js';

/** Schema migrations, in order; the schema's version is the number applied. */
const MIGRATIONS = [
  `create extension if not exists vector;
   create table policy_qa_builds (
     id bigserial primary key,
     created_at timestamptz not null default now(),
     manifest jsonb not null,
     documents text not null,
     bridge text not null
   );
   create table policy_qa_build_files (
     build_id bigint not null references policy_qa_builds on delete cascade,
     name text not null,
     data bytea not null,
     primary key (build_id, name)
   );
   create table policy_qa_current (
     singleton boolean primary key default true check (singleton),
     build_id bigint not null references policy_qa_builds,
     previous_id bigint references policy_qa_builds
   );`,
];
export const SCHEMA_VERSION = MIGRATIONS.length;
/** How long a write waits for the replica to show the new build before reporting replication as broken. */
const REPLICA_CATCH_UP_MS = 60_000;
/** Replay on a healthy replica takes tens of milliseconds (BENCHMARKS.md), so poll often. */
const REPLICA_POLL_MS = 10;
/** Advisory lock keys: one migrator at a time, one writer at a time. */
const MIGRATE_LOCK = 72_201;
const WRITE_LOCK = 72_202;
/** HNSW search breadth: covers the largest candidate pool retrieval asks for. */
const EF_SEARCH = 200;
const PASSAGE_BATCH = 1000;
const TERM_BATCH = 5000;
const FIELD_CODE = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<(typeof FIELDS)[number], number>;

const passagesTable = (build: string) => `policy_qa_b${build}_passages`;
const termsTable = (build: string) => `policy_qa_b${build}_terms`;
const vectorLiteral = (v: ArrayLike<number>): string => pgvector.toSql(Array.from(v));
const hostAndDatabase = (url: string) => `${new URL(url).host}${new URL(url).pathname}`;

/** One pool per database URL, shared by every build loaded from it. */
const pools = new Map<string, pg.Pool>();
function poolFor(url: string): pg.Pool {
  let pool = pools.get(url);
  if (!pool) {
    // allowExitOnIdle: an idle pool never keeps a CLI or a test process alive.
    pool = new pg.Pool({
      connectionString: url,
      max: 8,
      allowExitOnIdle: true,
      // work_mem: BM25's per-passage aggregation stays in memory on large corpora.
      options: `-c hnsw.ef_search=${EF_SEARCH} -c work_mem=32MB`,
    });
    pool.on('error', () => {}); // an idle client's lost connection is replaced on next use
    pools.set(url, pool);
  }
  return pool;
}

/** Close every pool (tests and benchmarks that stop on purpose). */
export async function closePools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.end()));
}

async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

const newerSchema = (version: number) =>
  new Error(
    `The database schema is version ${version}, newer than this program's ${SCHEMA_VERSION}; upgrade policy-qa.`,
  );

/** The schema version, without writing anything (a read replica answers this too). */
async function schemaVersion(pool: pg.Pool): Promise<number> {
  const { rows: table } = await pool.query(`select to_regclass('policy_qa_schema') is not null as exists`);
  if (!table[0].exists) return 0;
  const { rows } = await pool.query<{ version: number }>('select version from policy_qa_schema');
  return rows[0]?.version ?? 0;
}

const migrated = new Map<string, Promise<void>>();
/** Bring the schema up to SCHEMA_VERSION (once per process and database). */
function migrate(url: string): Promise<void> {
  let done = migrated.get(url);
  if (!done) {
    done = (async () => {
      const current = await schemaVersion(poolFor(url));
      if (current === SCHEMA_VERSION) return;
      if (current > SCHEMA_VERSION) throw newerSchema(current);
      await transaction(poolFor(url), async (client) => {
        await client.query('select pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
        await client.query('create table if not exists policy_qa_schema (version integer not null)');
        const { rows } = await client.query<{ version: number }>('select version from policy_qa_schema');
        const version = rows[0]?.version ?? 0;
        if (version > SCHEMA_VERSION) throw newerSchema(version);
        for (let v = version; v < SCHEMA_VERSION; v++) await client.query(MIGRATIONS[v]);
        if (rows.length === 0) await client.query('insert into policy_qa_schema values ($1)', [SCHEMA_VERSION]);
        else await client.query('update policy_qa_schema set version = $1', [SCHEMA_VERSION]);
      });
    })();
    migrated.set(url, done);
    done.catch(() => migrated.delete(url));
  }
  return done;
}

const checked = new Map<string, Promise<void>>();
/**
 * Check a read replica's schema without writing anything. A hot standby refuses writes, so
 * migrations run only on the primary (ingest) and reach the replica through replication.
 */
function checkReplicaSchema(url: string, location: string): Promise<void> {
  let done = checked.get(url);
  if (!done) {
    done = (async () => {
      const version = await schemaVersion(poolFor(url));
      if (version > SCHEMA_VERSION) throw newerSchema(version);
      if (version < SCHEMA_VERSION)
        throw new IndexLoadError(
          `${location} has schema version ${version}, but this program needs ${SCHEMA_VERSION}. ` +
            'Migrations run only on the primary: run `npm run ingest` with DATABASE_URL set to the primary, ' +
            'then start this server again once the replica has replayed it.',
        );
    })();
    checked.set(url, done);
    done.catch(() => checked.delete(url));
  }
  return done;
}

async function restoreBuiltin(pool: pg.Pool, build: string): Promise<BuiltinEmbeddings> {
  const { rows } = await pool.query<{ name: string; data: Buffer }>(
    'select name, data from policy_qa_build_files where build_id = $1',
    [build],
  );
  const dir = await mkdtemp(path.join(tmpdir(), 'policy-qa-model-'));
  try {
    for (const row of rows) await writeFile(path.join(dir, row.name), row.data);
    return await BuiltinEmbeddings.load(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readPassages(pool: pg.Pool, build: string): Promise<StoredPassage[]> {
  const { rows } = await pool.query<{
    id: string;
    paragraph_id: string;
    doc_id: string;
    start_offset: number;
    end_offset: number;
    text_hash: string;
  }>(
    `select id, paragraph_id, doc_id, start_offset, end_offset, text_hash from ${passagesTable(build)} order by label`,
  );
  return rows.map((r) => ({
    id: r.id,
    paragraphId: r.paragraph_id,
    docId: r.doc_id,
    start: r.start_offset,
    end: r.end_offset,
    textHash: r.text_hash,
  }));
}

async function insertPassages(
  client: pg.Pool | pg.PoolClient,
  build: string,
  first: number,
  passages: ReadonlyArray<Omit<StoredPassage, 'textHash'> & { textHash?: string }>,
  vectors: ArrayLike<ArrayLike<number>>,
) {
  for (let i = 0; i < passages.length; i += PASSAGE_BATCH) {
    const batch = passages.slice(i, i + PASSAGE_BATCH);
    await client.query(
      `insert into ${passagesTable(build)}
         (label, id, paragraph_id, doc_id, start_offset, end_offset, text_hash, embedding)
       select * from unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[],
         $8::text[]::vector[])`,
      [
        batch.map((_, j) => first + i + j),
        batch.map((p) => p.id),
        batch.map((p) => p.paragraphId),
        batch.map((p) => p.docId),
        batch.map((p) => p.start),
        batch.map((p) => p.end),
        batch.map((p) => p.textHash ?? ''),
        batch.map((_, j) => vectorLiteral(vectors[i + j])),
      ],
    );
  }
}

/** Nearest passages by pgvector's HNSW index (cosine distance). */
class PgVectorIndex implements VectorIndex {
  constructor(
    /** Searches read here (the replica, when there is one)… */
    private readonly pool: pg.Pool,
    /** …and changes go to the primary: a replica refuses writes. */
    private readonly writer: pg.Pool,
    private readonly build: string,
    readonly dims: number,
    private count: number,
  ) {}

  get size(): number {
    return this.count;
  }

  /** New passages get labels after the existing ones; their text offsets are unknown here. */
  async add(items: readonly VectorItem[]): Promise<void> {
    await insertPassages(
      this.writer,
      this.build,
      this.count,
      items.map((it) => ({ id: it.id, paragraphId: '', docId: it.docId, start: 0, end: 0 })),
      items.map((it) => it.vector),
    );
    this.count += items.length;
  }

  async remove(ids: readonly string[]): Promise<void> {
    const { rowCount } = await this.writer.query(
      `delete from ${passagesTable(this.build)} where id = any($1::text[])`,
      [ids],
    );
    this.count -= rowCount ?? 0;
  }

  async search(vector: readonly number[], k: number, filter?: VectorFilter): Promise<VectorHit[]> {
    const table = passagesTable(this.build);
    // Within named documents the search is exact, over their rows (doc_id index): walking the
    // whole graph until k rows pass a narrow filter is slower.
    const { rows } = await this.pool.query<{ id: string; distance: number }>(
      filter?.docIds
        ? `select id, distance from (select id, embedding <=> $1::vector as distance from ${table}
             where doc_id = any($3::text[])) d order by distance limit $2`
        : `select id, embedding <=> $1::vector as distance from ${table} order by embedding <=> $1::vector limit $2`,
      filter?.docIds ? [vectorLiteral(vector), k, filter.docIds] : [vectorLiteral(vector), k],
    );
    return rows.map((r) => ({ id: r.id, similarity: 1 - r.distance }));
  }
}

/**
 * BM25 computed in SQL from the weighed postings: the same scores as the local index
 * (common-term skip, repeated query terms, coordination by matched terms).
 */
class PgKeywordIndex implements KeywordIndex {
  constructor(
    private readonly pool: pg.Pool,
    private readonly build: string,
    readonly size: number,
    /** Passage frequency of each word in the text field (statistics the answer layer asks for at once). */
    private readonly wordDf: ReadonlyMap<string, number>,
  ) {}

  idf(word: string): number {
    return Math.log((this.size + 1) / ((this.wordDf.get(word) ?? 0) + 0.5));
  }

  knows(word: string): boolean {
    return this.wordDf.has(word);
  }

  async query(
    text: string,
    k: number,
    queryTerms: string[] = terms(text),
    filter: KeywordFilter = {},
  ): Promise<KeywordHit[]> {
    if (queryTerms.length === 0) return [];
    const within = filter.docIds !== undefined;
    const commonAbove = this.size > COMMON_MIN_PASSAGES ? this.size * COMMON_SHARE : 'Infinity';
    const table = termsTable(this.build);
    const passages = passagesTable(this.build);
    const { rows } = await this.pool.query<{ label: number; score: number; terms: string[]; id: string }>(
      `with q as (select term, count(*)::float8 as mult from unnest($1::text[]) as term group by term),
       c as (select q.term, q.mult, coalesce(t.df, 0) > $2::float8 as common
             from q left join ${table} t on t.term = q.term and t.field = 0),
       u as (select term, mult from c where not common or not exists (select 1 from c where not common)),
       ${
         within
           ? // Each document's passages are numbered together and postings are sorted, so each list is
             // entered at the document's run by binary search (width_bucket) instead of unnested whole.
             `r as (select min(label) as lo, max(label) + 1 as hi from ${passages}
                    where doc_id = any($4::text[]) group by doc_id),
              m as (select x.label, u.term, sum(u.mult * x.weight) as weight
                    from u join ${table} t on t.term = u.term
                    cross join r
                    cross join lateral (select width_bucket(r.lo - 1, t.docs) + 1 as a,
                                               width_bucket(r.hi - 1, t.docs) as b) s
                    cross join lateral unnest(t.docs[s.a:s.b], t.weights[s.a:s.b]) as x(label, weight)
                    where x.label in (select label from ${passages} where doc_id = any($4::text[]))
                    group by x.label, u.term),`
           : `m as (select x.label, u.term, sum(u.mult * x.weight) as weight
                    from u join ${table} t on t.term = u.term
                    cross join lateral unnest(t.docs, t.weights) as x(label, weight)
                    group by x.label, u.term),`
       }
       s as (select label, sum(weight) * count(*) as score, array_agg(term) as terms
             from m group by label order by score desc, label limit $3)
       select s.score, s.terms, p.id from s join ${passages} p on p.label = s.label
       order by s.score desc, s.label`,
      within ? [queryTerms, commonAbove, k, filter.docIds] : [queryTerms, commonAbove, k],
    );
    return rows.map((r) => ({ id: r.id, score: r.score, terms: r.terms }));
  }
}

export class PostgresStore implements IndexStore {
  /** The primary: migrations, ingest, and the build an ingest replaces. */
  private readonly pool: pg.Pool;
  /** Where servers read builds: the replica when one is named, else the primary. */
  private readonly reader: pg.Pool;

  constructor(
    private readonly url: string,
    private readonly readUrl: string = url,
  ) {
    this.pool = poolFor(url);
    this.reader = poolFor(readUrl);
  }

  get location(): string {
    return `PostgreSQL ${hostAndDatabase(this.url)}`;
  }

  private get readLocation(): string {
    return this.readUrl === this.url ? this.location : `PostgreSQL replica ${hostAndDatabase(this.readUrl)}`;
  }

  /** Migrate when servers read the primary; on a replica only check, since it cannot be written. */
  private readable(): Promise<void> {
    return this.readUrl === this.url ? migrate(this.url) : checkReplicaSchema(this.readUrl, this.readLocation);
  }

  /** The build servers should serve, as the read side sees it. */
  async currentBuildId(): Promise<string | undefined> {
    await this.readable();
    // Safe on a lagging replica: a build's tables and the switch to it commit in one transaction,
    // and a standby replays each transaction atomically, so an id read there names a complete
    // build. Polled rather than LISTENed for, because a hot standby cannot LISTEN.
    const { rows } = await this.reader.query<{ build_id: string }>('select build_id from policy_qa_current');
    return rows[0]?.build_id;
  }

  /**
   * The primary's current build: the one ingest compares the corpus with and reuses vectors from,
   * read from the primary so a lagging replica never makes it rebuild or reuse an older build.
   */
  private async written(): Promise<{ build: string; manifest: Manifest } | undefined> {
    await migrate(this.url);
    const { rows } = await this.pool.query<{ build_id: string; manifest: unknown }>(
      'select c.build_id, b.manifest from policy_qa_current c join policy_qa_builds b on b.id = c.build_id',
    );
    const manifest = rows[0]?.manifest;
    return isManifest(manifest) ? { build: rows[0].build_id, manifest } : undefined;
  }

  async currentManifest(): Promise<Manifest | undefined> {
    return (await this.written())?.manifest;
  }

  async previous(): Promise<PreviousBuild | undefined> {
    const current = await this.written();
    if (!current) return undefined;
    const { build, manifest } = current;
    return {
      manifest,
      passages: await readPassages(this.pool, build),
      vectors: async () => {
        const { rows } = await this.pool.query<{ embedding: string }>(
          `select embedding::text from ${passagesTable(build)} order by label`,
        );
        return rows.map((r) => pgvector.fromSql(r.embedding) as number[]);
      },
      builtinEmbedder: manifest.embedder.kind === 'builtin' ? () => restoreBuiltin(this.pool, build) : undefined,
    };
  }

  prepare(): Promise<void> {
    return migrate(this.url);
  }

  async write(build: BuildContents): Promise<string> {
    await migrate(this.url);
    const dims = build.manifest.embedder.dims;
    let files: Array<{ name: string; data: Buffer }> = [];
    if (build.embedder instanceof BuiltinEmbeddings) {
      const dir = await mkdtemp(path.join(tmpdir(), 'policy-qa-model-'));
      try {
        await build.embedder.save(dir);
        files = await Promise.all(
          (await readdir(dir)).map(async (name) => ({ name, data: await readFile(path.join(dir, name)) })),
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    const written = await transaction(this.pool, async (client) => {
      await client.query('select pg_advisory_xact_lock($1)', [WRITE_LOCK]);
      await client.query(`set local maintenance_work_mem = '512MB'`);
      build.manifest.ingestMs = Math.round(performance.now() - build.startedAt);
      const { rows } = await client.query<{ id: string }>(
        'insert into policy_qa_builds (manifest, documents, bridge) values ($1, $2, $3) returning id',
        [build.manifest, JSON.stringify(build.documents), JSON.stringify(build.bridge)],
      );
      const id = rows[0].id;
      for (const f of files)
        await client.query('insert into policy_qa_build_files values ($1, $2, $3)', [id, f.name, f.data]);
      await client.query(
        `create table ${passagesTable(id)} (label integer primary key, id text not null, paragraph_id text not null,
         doc_id text not null, start_offset integer not null, end_offset integer not null, text_hash text not null,
         embedding vector(${dims}) not null)`,
      );
      await insertPassages(client, id, 0, build.passages, build.vectors);
      await client.query(
        `create index on ${passagesTable(id)} using hnsw (embedding vector_cosine_ops)
         with (m = 16, ef_construction = 200)`,
      );
      await client.query(`create index on ${passagesTable(id)} (doc_id)`);
      await client.query(
        `create table ${termsTable(id)} (term text not null, field smallint not null, df integer not null,
         docs integer[] not null, weights float8[] not null)`,
      );
      let batch: Array<[string, number, number, string, string]> = [];
      const flush = async () => {
        await client.query(
          `insert into ${termsTable(id)} select term, field, df, docs::integer[], weights::float8[]
           from unnest($1::text[], $2::smallint[], $3::integer[], $4::text[], $5::text[])
             as u(term, field, df, docs, weights)`,
          [
            batch.map((b) => b[0]),
            batch.map((b) => b[1]),
            batch.map((b) => b[2]),
            batch.map((b) => b[3]),
            batch.map((b) => b[4]),
          ],
        );
        batch = [];
      };
      for (const t of build.keyword.impacts()) {
        batch.push([t.term, FIELD_CODE[t.field], t.df, `{${t.docs.join(',')}}`, `{${t.weights.join(',')}}`]);
        if (batch.length >= TERM_BATCH) await flush();
      }
      if (batch.length) await flush();
      await client.query(`alter table ${termsTable(id)} add primary key (term, field)`);
      await client.query(
        `insert into policy_qa_current (build_id) values ($1)
         on conflict (singleton) do update set previous_id = policy_qa_current.build_id, build_id = excluded.build_id`,
        [id],
      );
      // Keep the previous build for servers that have not switched yet; drop older ones.
      const { rows: old } = await client.query<{ id: string }>(
        `select id from policy_qa_builds where id not in
           (select build_id from policy_qa_current union all
            select previous_id from policy_qa_current where previous_id is not null)`,
      );
      for (const { id: stale } of old) {
        await client.query(`drop table if exists ${passagesTable(stale)}, ${termsTable(stale)}`);
        await client.query('delete from policy_qa_builds where id = $1', [stale]);
      }
      return id;
    });
    await this.untilReadable(written);
    return `${this.location} build ${written}`;
  }

  /**
   * Wait until the read side shows build `id` (or a later one), so whoever ingested can load what
   * it wrote at once: a server that builds at start-up, then loads from the replica.
   */
  private async untilReadable(id: string): Promise<void> {
    if (this.readUrl === this.url) return;
    const deadline = Date.now() + REPLICA_CATCH_UP_MS;
    let problem = 'it still shows an older build';
    for (;;) {
      try {
        const { rows } = await this.reader.query<{ build_id: string }>('select build_id from policy_qa_current');
        if (rows[0] && BigInt(rows[0].build_id) >= BigInt(id)) return;
      } catch (err) {
        // Until replay reaches them, the database or the tables may not exist on the replica yet.
        problem = (err as Error).message;
      }
      if (Date.now() > deadline)
        throw new Error(
          `Build ${id} is committed on ${this.location}, but ${this.readLocation} did not show it within ` +
            `${REPLICA_CATCH_UP_MS / 1000} s (${problem}). Check that DATABASE_READ_URL names a streaming replica ` +
            'of DATABASE_URL and that it is replaying (pg_stat_replication on the primary).',
        );
      await new Promise((r) => setTimeout(r, REPLICA_POLL_MS));
    }
  }

  async load(): Promise<LoadedBuild> {
    const build = await this.currentBuildId();
    if (!build)
      throw new IndexLoadError(
        `${this.readLocation} holds no index yet; run \`npm run ingest\` with DATABASE_URL set to build it.`,
      );
    const { rows } = await this.reader.query<{ manifest: unknown; documents: string; bridge: string }>(
      'select manifest, documents, bridge from policy_qa_builds where id = $1',
      [build],
    );
    const manifest = rows[0]?.manifest;
    if (!isManifest(manifest))
      throw new IndexLoadError(
        `${this.readLocation} build ${build} has an unknown format; run \`npm run ingest\` to rebuild it.`,
      );
    const [passages, words] = await Promise.all([
      readPassages(this.reader, build),
      this.reader.query<{ term: string; df: number }>(
        `select term, df from ${termsTable(build)} where field = 0 and left(term, 1) <> $1`,
        [BIGRAM_MARK],
      ),
    ]);
    const documents = JSON.parse(rows[0].documents) as CorpusDocument[];
    return {
      id: build,
      location: `${this.readLocation} build ${build}`,
      manifest,
      documents: new MemoryDocumentStore(documents, passages),
      vectors: new PgVectorIndex(this.reader, this.pool, build, manifest.embedder.dims, passages.length),
      keyword: new PgKeywordIndex(this.reader, build, passages.length, new Map(words.rows.map((r) => [r.term, r.df]))),
      bridge: JSON.parse(rows[0].bridge) as BridgeTable,
      builtinEmbedder: manifest.embedder.kind === 'builtin' ? () => restoreBuiltin(this.reader, build) : undefined,
    };
  }
}
