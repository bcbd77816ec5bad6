/**
 * Servers reading from a streaming replica (DATABASE_READ_URL) while ingest writes to the primary,
 * against the replica scripts/with-postgres.mjs starts beside the test cluster (pg_basebackup -R).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Config } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { currentBuildId, KnowledgeBase } from '../../src/index/knowledge-base.js';
import { openKnowledgeBase } from '../../src/index/open.js';
import { closePools, SCHEMA_VERSION } from '../../src/index/store/postgres.js';
import { LiveAnswerer } from '../../src/server/live.js';
import { corpusCopy, tempDir } from '../helpers.js';
import {
  ask,
  clusterUrl,
  databaseUrl,
  dropDatabases,
  freshDatabase,
  listen,
  NO_REPLICA,
  pgConfig,
  replicaUrl,
} from './helpers.js';

const quiet = { log: () => {} };
/** Marks the connections of the server under test in pg_stat_activity, on the primary and the replica. */
const SERVER_APP = 'policy-qa-replica-test';

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A fresh database on the primary, once replay has created it on the replica too. */
async function freshPair(): Promise<{ name: string; primary: string; replica: string }> {
  const name = await freshDatabase();
  const replica = databaseUrl(replicaUrl(), name);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await query(replica, 'select 1');
      return { name, primary: databaseUrl(clusterUrl(), name), replica };
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Connections the server under test holds to database `name` on the cluster at `url`. */
async function serverConnections(url: string, name: string): Promise<number> {
  const [row] = await query<{ n: number }>(
    url,
    'select count(*)::int as n from pg_stat_activity where application_name = $1 and datname = $2',
    [SERVER_APP, name],
  );
  return row.n;
}

describe('PostgreSQL read replica', { skip: NO_REPLICA }, () => {
  let db: { name: string; primary: string; replica: string };
  let corpus: string;
  /** The ingest job: writes to the primary and knows nothing of the replica. */
  let writer: Config;
  /** A server: DATABASE_URL is the primary, DATABASE_READ_URL the replica; no corpus, no index on its disk. */
  let reader: Config;
  const servers: Server[] = [];

  before(async () => {
    db = await freshPair();
    corpus = corpusCopy();
    writer = pgConfig(db.primary, corpus);
    reader = {
      ...pgConfig(databaseUrl(clusterUrl(), db.name, SERVER_APP), path.join(tempDir(), 'no-corpus')),
      databaseReadUrl: databaseUrl(replicaUrl(), db.name, SERVER_APP),
      reloadIntervalMs: 50,
    };
  });

  after(async () => {
    for (const s of servers) s.close();
    await closePools();
    await dropDatabases();
  });

  it('ingests with a replica named and returns only once the replica shows the new build', async () => {
    // Replay stands still, so the build is committed on the primary but not yet on the replica.
    await query(replicaUrl(), 'select pg_wal_replay_pause()');
    let returned = false;
    const ingesting = ingest({ ...writer, databaseReadUrl: db.replica }, quiet).finally(() => (returned = true));
    let primaryBuild: string | undefined;
    try {
      while (!primaryBuild && !returned) {
        // Fails until ingest's migration has created the table.
        const rows = await query<{ id: string }>(db.primary, 'select build_id as id from policy_qa_current').catch(
          () => [],
        );
        primaryBuild = rows[0]?.id;
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(returned, false, 'ingest waits while the replica has not replayed the build');
    } finally {
      await query(replicaUrl(), 'select pg_wal_replay_resume()');
    }
    await ingesting;
    assert.ok(primaryBuild);
    assert.equal(await currentBuildId({ ...writer, databaseReadUrl: db.replica }), primaryBuild);
  });

  it('refuses a replica whose schema is older than the program, and migrates nothing', async () => {
    const empty = await freshPair();
    const config = { ...pgConfig(empty.primary), databaseReadUrl: empty.replica };
    await assert.rejects(
      KnowledgeBase.load(config),
      new RegExp(
        `replica .* has schema version 0, but this program needs ${SCHEMA_VERSION}\\. Migrations run only on ` +
          'the primary: run `npm run ingest` with DATABASE_URL set to the primary',
      ),
    );
    const [schema] = await query<{ table: string | null }>(
      empty.primary,
      `select to_regclass('policy_qa_schema')::text as table`,
    );
    assert.equal(schema.table, null, 'a server that reads a replica writes nothing to the primary');
  });

  it('serves from the replica and switches to a build ingested into the primary, with no failed request', {
    timeout: 120_000,
  }, async () => {
    const live = new LiveAnswerer(await openKnowledgeBase(reader, quiet), reader, () => {});
    await live.start();
    const { url, server } = await listen(() => live.current);
    servers.push(server);
    const health = async () => (await (await fetch(`${url}/api/health`)).json()) as { documents: number };
    const before = (await health()).documents;

    writeFileSync(
      path.join(corpus, 'replica-drill.md'),
      '# 只读副本切换演练通知\n\n只读副本切换演练定于每周三上午十点举行，由信息中心负责组织。\n',
    );
    let stop = false;
    const statuses: number[] = [];
    const primaryUse: number[] = [];
    const load = (async () => {
      while (!stop) {
        statuses.push((await ask(url, '毛泽东思想活的灵魂是什么')).status);
        primaryUse.push(await serverConnections(clusterUrl(), db.name));
      }
    })();
    await ingest(writer, quiet);
    const deadline = Date.now() + 60_000;
    while ((await health()).documents === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await load;
    live.stop();

    assert.equal((await health()).documents, before + 1, 'the server switched to the new build');
    assert.ok(statuses.length > 5, `${statuses.length} requests`);
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
    );
    const answer = (await ask(url, '只读副本切换演练')).body as {
      citations: Array<{ docTitle: string }>;
    };
    assert.equal(answer.citations[0]?.docTitle, '只读副本切换演练通知');
    // The server's reads went to the replica: it holds connections there and never opened one to the primary.
    assert.ok((await serverConnections(replicaUrl(), db.name)) > 0, 'connections to the replica');
    assert.deepEqual(
      primaryUse.filter((n) => n > 0),
      [],
      'connections to the primary',
    );
    assert.equal(await serverConnections(clusterUrl(), db.name), 0);
  });
});
