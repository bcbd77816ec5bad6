import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Answerer } from '../src/answer/answer.js';
import { FILES } from '../src/index/files.js';
import { ingest, staleReason } from '../src/index/ingest.js';
import { KnowledgeBase } from '../src/index/knowledge-base.js';
import { currentDir } from '../src/index/layout.js';
import { FORMAT_VERSION } from '../src/index/manifest.js';
import { openKnowledgeBase } from '../src/index/open.js';
import { HnswVectorIndex } from '../src/index/store/hnsw.js';
import { HybridRetriever, HybridSearcher } from '../src/retrieval/hybrid.js';
import { DEFAULT_TUNING } from '../src/tuning.js';
import { CORPUS, corpusCopy, ROOT, tempDir, testConfig } from './helpers.js';
import { startServer } from './server-helpers.js';

const quiet = { log: () => {} };

describe('ingest of the real corpus', async () => {
  const config = testConfig();
  const result = await ingest(config, quiet);
  const kb = await KnowledgeBase.load(config);

  it('writes a manifest with counts, file hashes and the embedder', () => {
    const m = result.manifest;
    assert.equal(m.counts.documents, 4);
    assert.ok(m.counts.paragraphs >= 70);
    assert.ok(m.counts.passages >= m.counts.paragraphs + 4, 'plus one header passage per document');
    assert.deepEqual(Object.keys(m.corpus.files), ['000_4d85f24a15212bac.txt']);
    assert.equal(m.embedder.kind, 'builtin');
    assert.equal(m.embedder.dims, kb.embedder.info.dims);
    assert.equal(m.embedded, m.counts.passages);
  });

  it('splits long paragraphs into windows that keep their paragraph id', () => {
    for (const p of kb.passages) {
      const paragraph = kb.paragraph(p.paragraphId)!;
      assert.equal(paragraph.text.slice(p.start, p.end), p.text);
      assert.ok(p.text.length <= kb.manifest.passageBudget || paragraph.sentences.length === 1);
    }
    assert.ok(
      kb.passages.some((p) => p.id.endsWith('#1')),
      'at least one paragraph is long enough to split',
    );
  });

  it('round-trips the vector index through write and load', async () => {
    const reloaded = await KnowledgeBase.load(config);
    const query = await kb.embedder.embedQuery('新型工业化的鲜明特征');
    assert.deepEqual(await reloaded.vectors.search(query, 5), await kb.vectors.search(query, 5));
  });

  it('searches vectors within the documents a filter names', async () => {
    const docId = kb.documents[1].id;
    const hits = await kb.vectors.search(await kb.embedder.embedQuery('新型工业化的鲜明特征'), 10, { docIds: [docId] });
    assert.equal(hits.length, 10);
    assert.ok(hits.every((h) => kb.passageById.get(h.id)!.docId === docId));
  });

  it('finds a vector it was given, and no longer once it is removed', async () => {
    const vectors = HnswVectorIndex.create(3, 2);
    await vectors.add([
      { id: 'a', docId: 'd', vector: [1, 0, 0] },
      { id: 'b', docId: 'd', vector: [0, 1, 0] },
      { id: 'c', docId: 'e', vector: [0, 0, 1] },
    ]);
    assert.equal((await vectors.search([0.9, 0.1, 0], 1))[0].id, 'a');
    await vectors.remove(['a']);
    assert.equal(vectors.size, 2);
    assert.deepEqual(
      (await vectors.search([0.9, 0.1, 0], 3)).map((h) => h.id),
      ['b', 'c'],
    );
  });

  it('ranks the paragraph that answers first by keyword, for real questions', async () => {
    const cases: Array<[string, string]> = [
      ['毛泽东思想活的灵魂是什么', '这是毛泽东思想活的灵魂'],
      ['新型工业化的鲜明特征', '数字技术和实体经济深度融合是新型工业化的鲜明特征'],
      ['党执政后的最大危险', '党执政后的最大危险是脱离群众'],
      ['政治局同志的发言聚焦几个重点', '聚焦6个重点'],
      ['成都大运会 杭州亚运会', '成都大运会、杭州亚运会精彩纷呈'],
    ];
    for (const [q, evidence] of cases) {
      const [top] = await kb.keyword.query(q, 1);
      assert.ok(kb.passageById.get(top.id)!.text.includes(evidence), q);
    }
  });

  it('answers `npm run search` style queries with the living-soul paragraph first', async () => {
    const [top] = await new HybridSearcher(kb, DEFAULT_TUNING.retrieval).search('毛泽东思想活的灵魂是什么', { k: 5 });
    assert.ok(top.paragraph.text.includes('这是毛泽东思想活的灵魂'));
  });

  it('serves LangChain callers through the retriever interface', async () => {
    const retriever = new HybridRetriever(new HybridSearcher(kb, DEFAULT_TUNING.retrieval), { k: 3 });
    const docs = await retriever.invoke('新型工业化的鲜明特征');
    assert.equal(docs.length, 3);
    assert.match(docs[0].pageContent, /数字技术和实体经济深度融合是新型工业化的鲜明特征/);
    assert.equal(docs[0].metadata.docTitle, '坚决扛牢实现新型工业化这个关键任务');
    assert.ok(docs[0].metadata.scores.fused > 0);
  });

  it('is fresh for the same corpus and embedder, stale otherwise', async () => {
    assert.equal(await staleReason(config), undefined);
    assert.match((await staleReason({ ...config, embeddings: 'transformer' })) ?? '', /EMBEDDINGS=transformer/);
  });
});

describe('re-ingest and index safety', () => {
  it('embeds only the passage whose paragraph changed', async () => {
    const corpus = corpusCopy();
    const config = testConfig(corpus);
    const first = await ingest(config, quiet);
    const file = path.join(corpus, '000_4d85f24a15212bac.txt');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('谢谢大家！', '谢谢大家！')
        .replace('此时此刻，夜色斑斓，万家灯火。', '此时此刻，夜色斑斓，万家灯火通明。'),
    );
    assert.match((await staleReason(config)) ?? '', /corpus changed/);
    const second = await ingest(config, quiet);
    assert.equal(first.manifest.embedded, first.manifest.counts.passages);
    assert.equal(second.manifest.embedded, 1);
    const kb = await KnowledgeBase.load(config);
    assert.ok(kb.passages.some((p) => p.text.includes('万家灯火通明')));
  });

  it('keeps the previous index usable when ingest is killed with SIGKILL', { timeout: 120_000 }, async () => {
    const corpus = corpusCopy();
    const config = testConfig(corpus);
    await ingest(config, quiet);
    const before = readFileSync(path.join(currentDir(config.indexDir), FILES.manifest), 'utf8');
    // A bigger corpus, new text throughout so nothing is reused, keeps the child busy when it is killed.
    const sentences = readdirSync(CORPUS).flatMap(
      (f) => readFileSync(path.join(CORPUS, f), 'utf8').match(/[^。\n]+。/g) ?? [],
    );
    for (const copy of [1, 2]) {
      const paragraphs = sentences.map((sentence, i) => `第${copy}份材料第${i + 1}段：${sentence}`);
      writeFileSync(
        path.join(corpus, `extra-${copy}.md`),
        `---\ntitle: 附加材料${copy}\n---\n\n${paragraphs.join('\n\n')}\n`,
      );
    }
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ingest.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        CORPUS_DIR: corpus,
        INDEX_DIR: config.indexDir,
        EMBEDDINGS: 'builtin',
        CACHE_DIR: config.cacheDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('fitting the built-in embedder')) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error('ingest finished before it could be killed')));
    });
    assert.equal(await exited, 'SIGKILL');
    assert.equal(readFileSync(path.join(currentDir(config.indexDir), FILES.manifest), 'utf8'), before);
    const kb = await KnowledgeBase.load(config);
    assert.equal(kb.documents.length, 4);
    // The next ingest cleans up and completes.
    await ingest(config, quiet);
    const builds = readdirSync(path.join(config.indexDir, 'builds'));
    assert.equal(builds.length, 1, `one build left, got ${builds.join(', ')}`);
    assert.ok((await KnowledgeBase.load(config)).documents.length > 4);
  });

  it('rebuilds a corrupt or foreign index instead of failing', async () => {
    const config = testConfig();
    await ingest(config, quiet);
    const dir = currentDir(config.indexDir);
    writeFileSync(path.join(dir, FILES.passages), '[{"trunc');
    await assert.rejects(KnowledgeBase.load(config), /corrupt.*npm run ingest/);
    const kb = await openKnowledgeBase(config, quiet);
    assert.equal(kb.documents.length, 4);
    const manifestFile = path.join(currentDir(config.indexDir), FILES.manifest);
    writeFileSync(
      manifestFile,
      JSON.stringify({ ...JSON.parse(readFileSync(manifestFile, 'utf8')), formatVersion: 999 }),
    );
    assert.match((await staleReason(config)) ?? '', /no usable index/);
    assert.equal((await openKnowledgeBase(config, quiet)).manifest.formatVersion, FORMAT_VERSION);
    // A build of an older local layout (no `layout` in its manifest) is rebuilt too.
    const { layout: _layout, ...older } = JSON.parse(readFileSync(manifestFile, 'utf8'));
    writeFileSync(manifestFile, JSON.stringify(older));
    assert.match((await staleReason(config)) ?? '', /no usable index/);
    await assert.rejects(KnowledgeBase.load(config), /unknown format .*layout/);
  });

  it('detects flipped bytes in the vector file by checksum, says so and rebuilds', async () => {
    const config = testConfig();
    await ingest(config, quiet);
    const file = path.join(currentDir(config.indexDir), FILES.vectors);
    const bytes = readFileSync(file);
    for (let i = 0; i < 64; i++) bytes[bytes.length / 2 + i] ^= 0xff;
    writeFileSync(file, bytes);
    await assert.rejects(
      KnowledgeBase.load(config),
      /vectors\.hnsw .*corrupt \(its checksum does not match.*npm run ingest/,
    );
    const kb = await openKnowledgeBase(config, quiet);
    const [top] = await new HybridSearcher(kb, DEFAULT_TUNING.retrieval).search('毛泽东思想活的灵魂是什么', { k: 1 });
    assert.ok(top.paragraph.text.includes('这是毛泽东思想活的灵魂'));
  });

  it('checks every other file too: a corrupt term or model file, a missing postings file', async () => {
    const config = testConfig();
    await ingest(config, quiet);
    const dir = currentDir(config.indexDir);
    const flip = (file: string) => {
      const bytes = readFileSync(path.join(dir, file));
      bytes[Math.floor(bytes.length / 2)] ^= 0xff;
      writeFileSync(path.join(dir, file), bytes);
    };
    const terms = path.join(FILES.keyword, 'text.terms.txt');
    flip(terms);
    await assert.rejects(KnowledgeBase.load(config), /text\.terms\.txt .*corrupt \(its checksum does not match/);
    flip(terms);
    const model = path.join(FILES.embedder, 'builtin-model.f32');
    flip(model);
    await assert.rejects(KnowledgeBase.load(config), /builtin-model\.f32 .*corrupt \(its checksum does not match/);
    flip(model);
    assert.equal((await KnowledgeBase.load(config)).documents.length, 4);
    rmSync(path.join(dir, FILES.keyword, 'section.docs.bin'));
    await assert.rejects(KnowledgeBase.load(config), /missing keyword\/section\.docs\.bin \(ENOENT\).*npm run ingest/);
    assert.equal((await openKnowledgeBase(config, quiet)).documents.length, 4);
  });

  it('builds ahead, on a worker thread, the same vector file as adding the vectors here', async () => {
    const config = testConfig();
    await ingest(config, quiet);
    const kb = await KnowledgeBase.load(config);
    const vectors = await kb.embedder.embedDocuments(kb.passages.map((p) => p.text));
    const here = HnswVectorIndex.create(kb.vectors.dims, vectors.length);
    await here.add(kb.passages.map((p, i) => ({ id: p.id, docId: p.docId, vector: vectors[i] })));
    const file = path.join(tempDir(), 'here.hnsw');
    await here.write(file);
    const built = readFileSync(path.join(currentDir(config.indexDir), FILES.vectors));
    assert.ok(built.equals(readFileSync(file)), 'the two vector files differ');
  });

  it('refuses a vector file whose dimensions differ from the embedder, before hnswlib reads it', async () => {
    const file = path.join(tempDir(), 'three.hnsw');
    const vectors = HnswVectorIndex.create(3, 1);
    await vectors.add([{ id: 'a', docId: 'd', vector: [1, 0, 0] }]);
    await vectors.write(file);
    await assert.rejects(
      HnswVectorIndex.read(file, 5, [{ id: 'a', docId: 'd' }]),
      /holds 3-dimensional vectors, the embedder makes 5/,
    );
    await assert.rejects(HnswVectorIndex.read(file, 3, []), /holds 1 vectors but there are 0 passages/);
  });

  it('serves the previous index, marked stale, when the corpus is gone and cannot be rebuilt', async () => {
    const corpus = corpusCopy();
    const config = testConfig(corpus);
    await ingest(config, quiet);
    rmSync(corpus, { recursive: true });
    const messages: string[] = [];
    const kb = await openKnowledgeBase(config, { log: (m) => messages.push(m) });
    assert.equal(kb.documents.length, 4);
    assert.match(kb.stale?.reason ?? '', /corpus cannot be read.*rebuilding failed/);
    assert.ok(
      messages.some((m) => /^WARNING: serving the previous index/.test(m)),
      messages.join('\n'),
    );
    const srv = await startServer({}, new Answerer(kb));
    try {
      const health = (await (await fetch(`${srv.url}/api/health`)).json()) as {
        status: string;
        stale?: { reason: string };
      };
      assert.equal(health.status, 'stale');
      assert.match(health.stale?.reason ?? '', /rebuilding failed/);
    } finally {
      await srv.close();
    }
  });

  it('fails at once with a clear message when INDEX_DIR cannot be created (e.g. under /proc)', {
    timeout: 10_000,
  }, async () => {
    const started = Date.now();
    await assert.rejects(
      ingest({ ...testConfig(), indexDir: '/proc/policy-qa-index' }, quiet),
      /Cannot create the index folder \/proc\/policy-qa-index \(ENOENT\); set INDEX_DIR/,
    );
    assert.ok(Date.now() - started < 5000);
  });

  it('says clearly when the corpus has nothing to index', async () => {
    const empty = path.join(corpusCopy(), 'empty');
    mkdirSync(empty);
    await assert.rejects(ingest(testConfig(empty), quiet), /Nothing to index/);
    assert.ok(!existsSync(path.join(testConfig(empty).indexDir, 'current')));
  });
});
