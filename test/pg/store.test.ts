/**
 * The PostgreSQL + pgvector store against a real server (`npm test`; skipped when TEST_DATABASE_URL is unset). It must
 * name a database we may create databases from: `npm test` starts a
 * throwaway cluster and sets it (test/pg/helpers.ts).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { Answerer } from '../../src/answer/answer.js';
import { loadGold, runGold } from '../../src/eval/gold.js';
import { ingest } from '../../src/index/ingest.js';
import { KnowledgeBase } from '../../src/index/knowledge-base.js';
import { openKnowledgeBase } from '../../src/index/open.js';
import { closePools, SCHEMA_VERSION } from '../../src/index/store/postgres.js';
import { HybridSearcher } from '../../src/retrieval/hybrid.js';
import { LiveAnswerer } from '../../src/server/live.js';
import { DEFAULT_TUNING } from '../../src/tuning.js';
import { corpusCopy, ROOT, tempDir, testConfig } from '../helpers.js';
import { ask, clusterUrl, databaseUrl, dropDatabases, freshDatabase, listen, NO_CLUSTER, pgConfig } from './helpers.js';

const quiet = { log: () => {} };

/** A fresh database on the test cluster, dropped after the file's tests. */
const freshUrl = async () => databaseUrl(clusterUrl(), await freshDatabase());

/** An answer without its timings, which differ between runs. */
function comparable(body: Record<string, unknown>): Record<string, unknown> {
  const { timings: _timings, ...rest } = body;
  return rest;
}

/** A document added while the servers serve (written here: `npm test` needs nothing beside the project). */
const REPORT_2024 = [
  '# 2024年政府工作报告',
  '过去一年，国内生产总值超过126万亿元，增长5.2%，城镇新增就业1244万人。',
  '2024年发展主要预期目标是：国内生产总值增长5%左右，城镇新增就业1200万人以上，居民消费价格涨幅3%左右。',
].join('\n\n');

const QUESTIONS = [
  '毛泽东思想活的灵魂是什么',
  '新型工业化的鲜明特征是什么？',
  'What is the living soul of Mao Zedong Thought?',
  '2024年新年贺词是谁发表的？',
];

describe('PostgreSQL store', { skip: NO_CLUSTER }, () => {
  let url: string;
  let local: KnowledgeBase;
  let stored: KnowledgeBase;
  const servers: Server[] = [];

  before(async () => {
    url = await freshUrl();
    const localConfig = testConfig();
    await ingest(localConfig, quiet);
    local = await KnowledgeBase.load(localConfig);
    await ingest(pgConfig(url), quiet);
    stored = await KnowledgeBase.load(pgConfig(url));
  });

  after(async () => {
    for (const s of servers) s.close();
    await closePools();
    await dropDatabases();
  });

  it('ingests the corpus into the database and loads it with no local index', () => {
    assert.equal(stored.documents.length, local.documents.length);
    assert.deepEqual(stored.passages, local.passages);
    assert.equal(stored.vectors.size, local.vectors.size);
    assert.equal(stored.embedder.info.kind, 'builtin');
    assert.match(stored.dir, /^PostgreSQL .* build \d+$/);
  });

  it('records the schema version it migrated to', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query('select version from policy_qa_schema');
    await client.end();
    assert.deepEqual(rows, [{ version: SCHEMA_VERSION }]);
  });

  it('refuses a database whose schema is newer than the program', async () => {
    const newer = await freshUrl();
    const client = new pg.Client({ connectionString: newer });
    await client.connect();
    await client.query('create table policy_qa_schema (version integer not null)');
    await client.query('insert into policy_qa_schema values ($1)', [SCHEMA_VERSION + 1]);
    await client.end();
    await assert.rejects(KnowledgeBase.load(pgConfig(newer)), /schema is version \d+, newer than this program's/);
  });

  it('re-ingests an unchanged corpus from the stored vectors and built-in model, embedding nothing', async () => {
    const again = await ingest(pgConfig(url), quiet);
    assert.equal(again.manifest.embedded, 0);
    const kb = await KnowledgeBase.load(pgConfig(url));
    const query = await kb.embedder.embedQuery('新型工业化的鲜明特征');
    assert.deepEqual(
      (await kb.vectors.search(query, 5)).map((h) => h.id),
      (await stored.vectors.search(query, 5)).map((h) => h.id),
    );
  });

  it('gives the same keyword scores as the local BM25 index, over all passages and within documents', async () => {
    const within = { docIds: [local.documents[1].id, local.documents[3].id] };
    for (const [q, filter] of QUESTIONS.concat(['成都大运会 杭州亚运会', '党执政后的最大危险']).flatMap((q) => [
      [q, undefined] as const,
      [q, within] as const,
    ])) {
      const [a, b] = [
        await local.keyword.query(q, 20, undefined, filter),
        await stored.keyword.query(q, 20, undefined, filter),
      ];
      if (filter)
        assert.ok(
          a.every((h) => within.docIds.includes(local.passageById.get(h.id)!.docId)),
          q,
        );
      assert.deepEqual(
        b.map((h) => h.id),
        a.map((h) => h.id),
        q,
      );
      for (const [i, h] of b.entries()) {
        assert.ok(Math.abs(h.score - a[i].score) < 1e-9, `${q}: ${h.score} vs ${a[i].score}`);
      }
      for (const [i, h] of b.entries()) assert.deepEqual([...h.terms].sort(), [...a[i].terms].sort());
      assert.equal(stored.keyword.idf('工业化'), local.keyword.idf('工业化'));
    }
  });

  it('finds the same nearest passages as the local HNSW index', async () => {
    // Chinese questions only: the built-in model maps an English one to the zero vector, equally far from all.
    for (const q of QUESTIONS.filter((x) => /\p{Script=Han}/u.test(x))) {
      const vector = await local.embedder.embedQuery(q);
      const [a, b] = [await local.vectors.search(vector, 10), await stored.vectors.search(vector, 10)];
      assert.deepEqual(
        b.map((h) => h.id),
        a.map((h) => h.id),
        q,
      );
      for (const [i, h] of b.entries()) assert.ok(Math.abs(h.similarity - a[i].similarity) < 1e-5);
    }
  });

  it('keeps fused recall@5 on the gold set within 1 point of the local store', async () => {
    const gold = loadGold(path.join(ROOT, 'test', 'gold', 'gold.jsonl'));
    const [a, b] = [await runGold(new Answerer(local), gold), await runGold(new Answerer(stored), gold)];
    for (const key of ['hybrid/zh', 'hybrid/en']) {
      assert.ok(
        Math.abs(a.metrics.recall[key].at5 - b.metrics.recall[key].at5) <= 0.01,
        `${key}: ${a.metrics.recall[key].at5} local vs ${b.metrics.recall[key].at5}`,
      );
    }
  });

  it('filters dense search to the named documents', async () => {
    const docId = stored.documents[2].id;
    const [top] = await new HybridSearcher(stored, DEFAULT_TUNING.retrieval).search('新型工业化', {
      k: 3,
      docIds: [docId],
    });
    assert.equal(top.doc.id, docId);
  });

  it('serves identical answers from two servers over one database', async () => {
    const [first, second] = [
      new Answerer(await KnowledgeBase.load(pgConfig(url))),
      new Answerer(await KnowledgeBase.load(pgConfig(url))),
    ];
    const a = await listen(() => first);
    const b = await listen(() => second);
    servers.push(a.server, b.server);
    for (const q of QUESTIONS) {
      const [x, y] = [await ask(a.url, q), await ask(b.url, q)];
      assert.equal(x.status, 200);
      assert.deepEqual(comparable(y.body), comparable(x.body), q);
    }
  });

  it('answers at once on a server with an empty disk (no corpus, no index)', async () => {
    const config = { ...pgConfig(url, path.join(tempDir(), 'no-corpus')) };
    const kb = await openKnowledgeBase(config, quiet);
    assert.equal(kb.stale, undefined);
    const answer = await new Answerer(kb).answer('毛泽东思想活的灵魂是什么', []);
    assert.match(answer.answer, /活的灵魂/);
  });

  it('reaches every server with a re-ingest while they serve, with no failed request', {
    timeout: 180_000,
  }, async () => {
    const corpus = corpusCopy();
    const config = { ...pgConfig(url, corpus), reloadIntervalMs: 100 };
    await ingest(config, quiet);
    const lives = await Promise.all(
      [0, 1].map(async () => new LiveAnswerer(await KnowledgeBase.load(config), config, () => {})),
    );
    const running = await Promise.all(
      lives.map(async (live) => {
        await live.start();
        return listen(() => live.current);
      }),
    );
    servers.push(...running.map((r) => r.server));
    const before = lives.map((l) => l.current.kb.passages.length);
    writeFileSync(path.join(corpus, '2024.md'), REPORT_2024);
    let stop = false;
    const statuses: number[] = [];
    const load = running.map(async (r, i) => {
      while (!stop) statuses.push((await ask(r.url, QUESTIONS[i % QUESTIONS.length])).status);
    });
    await ingest(config, quiet);
    const deadline = Date.now() + 60_000;
    while (lives.some((l, i) => l.current.kb.passages.length === before[i]) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await Promise.all(load);
    for (const l of lives) l.stop();
    assert.ok(
      lives.every((l, i) => l.current.kb.passages.length > before[i]),
      'both servers switched to the new build',
    );
    assert.ok(statuses.length > 10, `${statuses.length} requests`);
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
    );
    const answer = (await ask(running[0].url, '2024年政府工作报告')).body;
    assert.equal(answer.abstained, false);
  });
});
