/**
 * corpus/ → a complete index build, swapped in atomically. Vectors of passages whose
 * text did not change are taken from the previous index instead of being embedded again.
 */
import { Document } from '@langchain/core/documents';
import { HNSWLib } from '@langchain/community/vectorstores/hnswlib';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { listCorpusFiles, readCorpus } from '../corpus/read.js';
import type { CorpusDocument, FileError } from '../corpus/types.js';
import { BUILTIN_PASSAGE_BUDGET, BuiltinEmbeddings } from './embedders/builtin.js';
import { planEmbedder } from './embedders/choose.js';
import { missingModelFiles } from './embedders/model-files.js';
import { embedderKey, type Embedder } from './embedders/types.js';
import { EnglishBridge } from '../lexicon/bridge.js';
import { FILES } from './files.js';
import { KeywordIndex, type KeywordDoc } from './keyword.js';
import { currentDir, writeBuild } from './layout.js';
import { FORMAT_VERSION, isManifest, type Manifest } from './manifest.js';
import { buildPassages, type Passage } from './passages.js';
import { terms } from '../text/tokens.js';

/** Keep the fitted built-in model while at least this share of passages is unchanged. */
const BUILTIN_REUSE_SHARE = 0.9;
const EMBED_CHUNK = 64;

export interface IngestOptions {
  onProgress?: (done: number, total: number) => void;
  log?: (message: string) => void;
}

export interface IngestResult {
  manifest: Manifest;
  dir: string;
  errors: FileError[];
}

/** What a new build can take over from the previous one: its embedder and its vectors by text hash. */
interface Reuse {
  embedder: Embedder;
  vectors: Map<string, number[]>;
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const m: unknown = JSON.parse(await fs.readFile(path.join(dir, FILES.manifest), 'utf8'));
    return isManifest(m) ? m : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The previous build's vectors, when they are valid for this build: same transformer and
 * passage budget, or a built-in model fitted on a corpus that is mostly unchanged (so the
 * model is kept, not refitted). Otherwise nothing is loaded and everything is embedded anew.
 */
async function reusable(indexDir: string, passages: Passage[], transformer: Embedder | undefined, budget: number): Promise<Reuse | undefined> {
  const dir = currentDir(indexDir);
  const manifest = await readManifest(dir);
  if (!manifest) return undefined;
  try {
    const old: Passage[] = JSON.parse(await fs.readFile(path.join(dir, FILES.passages), 'utf8'));
    let embedder: Embedder;
    if (transformer) {
      if (embedderKey(manifest.embedder) !== embedderKey(transformer.info) || manifest.passageBudget !== budget) return undefined;
      embedder = transformer;
    } else {
      if (manifest.embedder.kind !== 'builtin') return undefined;
      const oldHashes = new Set(old.map((p) => p.textHash));
      const unchanged = passages.filter((p) => oldHashes.has(p.textHash)).length / Math.max(1, passages.length);
      if (unchanged < BUILTIN_REUSE_SHARE) return undefined;
      embedder = await BuiltinEmbeddings.load(dir);
    }
    const store = await HNSWLib.load(path.join(dir, FILES.vectors), embedder);
    const vectors = new Map<string, number[]>();
    old.forEach((p, label) => vectors.set(p.textHash, store.index.getPoint(label)));
    return { embedder, vectors };
  } catch {
    return undefined; // An unreadable previous index is simply rebuilt.
  }
}

function keywordDocs(documents: CorpusDocument[], passages: Passage[]): KeywordDoc[] {
  const docs = new Map(documents.map((d) => [d.id, d]));
  const sectionPaths = new Map<string, string>();
  for (const d of documents) for (const p of d.paragraphs) sectionPaths.set(p.id, p.sectionPath.join(' '));
  return passages.map((p) => {
    const meta = docs.get(p.docId)!.meta;
    return {
      id: p.id,
      text: p.text,
      section: sectionPaths.get(p.paragraphId) ?? '',
      document: [meta.title, meta.subtitle, meta.byline].filter(Boolean).join(' '),
    };
  });
}

export async function hashCorpusFiles(corpusDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of await listCorpusFiles(corpusDir)) {
    out[file] = createHash('sha256').update(await fs.readFile(path.join(corpusDir, file))).digest('hex');
  }
  return out;
}

/** Why the current index cannot serve this config, or undefined when it can. */
export async function staleReason(config: Config): Promise<string | undefined> {
  const manifest = await readManifest(currentDir(config.indexDir));
  if (!manifest) return `no usable index in ${config.indexDir}`;
  const files = await hashCorpusFiles(config.corpusDir);
  const indexed = { ...manifest.corpus.files };
  for (const e of manifest.corpus.errors) if (files[e.file]) indexed[e.file] = files[e.file];
  const changed = [...new Set([...Object.keys(files), ...Object.keys(indexed)])].filter((f) => files[f] !== indexed[f]);
  if (changed.length) return `corpus changed (${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ', …' : ''})`;
  const { kind, model } = manifest.embedder;
  if (config.embeddings === 'builtin' && kind !== 'builtin') return 'the index was built with a transformer but EMBEDDINGS=builtin';
  if (config.embeddings !== 'builtin' && kind === 'transformer' && model !== config.embeddingModel) return `the index was built with ${model}, the configured model is ${config.embeddingModel}`;
  if (config.embeddings === 'transformer' && kind === 'builtin') return 'the index was built with the built-in embedder but EMBEDDINGS=transformer';
  if (config.embeddings === 'auto' && kind === 'builtin' && missingModelFiles(config.modelsDir, config.embeddingModel, 'q8').length === 0) {
    return `the model ${config.embeddingModel} is now in ${config.modelsDir}`;
  }
  return undefined;
}

export async function ingest(config: Config, options: IngestOptions = {}): Promise<IngestResult> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const corpus = await readCorpus(config.corpusDir, { cacheDir: config.cacheDir });
  for (const e of corpus.errors) log(`skipped ${e.message}`);
  if (corpus.documents.length === 0) {
    throw new Error(`Nothing to index in ${config.corpusDir}: ${corpus.errors.map((e) => e.message).join('; ') || 'no documents found'}`);
  }
  const plan = await planEmbedder(config, log);
  const lengthFn = plan.kind === 'transformer' ? (t: string) => plan.embedder.length(t) : (t: string) => t.length;
  const budget = plan.kind === 'transformer' ? plan.embedder.passageBudget : BUILTIN_PASSAGE_BUDGET;
  const passages = buildPassages(corpus.documents, budget, lengthFn);

  // Tokenize each passage once, for the built-in model and the keyword index alike.
  let tokenCache: string[][] | undefined;
  const tokens = () => (tokenCache ??= passages.map((p) => terms(p.text)));
  const reuse = await reusable(config.indexDir, passages, plan.kind === 'transformer' ? plan.embedder : undefined, budget);
  let embedder: Embedder;
  if (reuse) embedder = reuse.embedder;
  else if (plan.kind === 'transformer') embedder = plan.embedder;
  else {
    log(`fitting the built-in embedder on ${passages.length} passages…`);
    embedder = plan.fit(passages.map((p) => p.text), tokens());
  }
  const previousVectors = reuse?.vectors ?? new Map<string, number[]>();

  const vectors: number[][] = new Array(passages.length);
  const todo: number[] = [];
  passages.forEach((p, i) => {
    const v = previousVectors.get(p.textHash);
    if (v) vectors[i] = v;
    else todo.push(i);
  });
  // The built-in model embeds the terms already computed for each passage.
  const builtin = embedder instanceof BuiltinEmbeddings ? embedder : undefined;
  options.onProgress?.(0, todo.length);
  for (let c = 0; c < todo.length; c += EMBED_CHUNK) {
    const ids = todo.slice(c, c + EMBED_CHUNK);
    const embedded = builtin ? ids.map((i) => builtin.embedTerms(tokens()[i])) : await embedder.embedDocuments(ids.map((i) => passages[i].text));
    ids.forEach((id, j) => (vectors[id] = embedded[j]));
    options.onProgress?.(Math.min(c + EMBED_CHUNK, todo.length), todo.length);
  }

  const store = new HNSWLib(embedder, { space: 'cosine', numDimensions: embedder.info.dims });
  await store.addVectors(vectors, passages.map((p) => new Document({ pageContent: p.text, metadata: { passageId: p.id } })));
  const keyword = KeywordIndex.build(keywordDocs(corpus.documents, passages), tokens());
  tokenCache = undefined; // the largest structure of a big ingest; free it before writing
  const bridge = await EnglishBridge.build(keyword.vocabulary(), config.cacheDir);

  const manifest: Manifest = {
    formatVersion: FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    embedder: embedder.info,
    passageBudget: budget,
    corpus: { dir: config.corpusDir, files: corpus.fileHashes, errors: corpus.errors },
    counts: {
      documents: corpus.documents.length,
      sections: corpus.documents.reduce((n, d) => n + d.sections.length, 0),
      paragraphs: corpus.documents.reduce((n, d) => n + d.paragraphs.length, 0),
      passages: passages.length,
    },
    embedded: todo.length,
    ingestMs: 0,
  };
  const dir = await writeBuild(config.indexDir, async (tmp) => {
    await store.save(path.join(tmp, FILES.vectors));
    if (embedder instanceof BuiltinEmbeddings) await embedder.save(tmp);
    await fs.writeFile(path.join(tmp, FILES.corpus), JSON.stringify({ documents: corpus.documents }));
    await fs.writeFile(path.join(tmp, FILES.passages), JSON.stringify(passages));
    await fs.writeFile(path.join(tmp, FILES.keyword), keyword.toJSON());
    await fs.writeFile(path.join(tmp, FILES.bridge), JSON.stringify(bridge.table));
    manifest.ingestMs = Math.round(performance.now() - started);
    // The manifest goes last: a build without one is never taken for complete.
    await fs.writeFile(path.join(tmp, FILES.manifest), JSON.stringify(manifest, null, 2));
  });
  return { manifest, dir, errors: corpus.errors };
}
