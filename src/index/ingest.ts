/**
 * corpus/ → a complete index build, made current atomically in the configured store (local
 * files, or PostgreSQL when DATABASE_URL is set). Vectors of passages whose text did not
 * change are taken from the previous build instead of being embedded again.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { listCorpusFiles, readCorpus } from '../corpus/read.js';
import type { CorpusDocument, FileError } from '../corpus/types.js';
import { EnglishBridge } from '../lexicon/bridge.js';
import { type NumberedTerms, numberTermsOnCores } from '../text/tokens.js';
import { BUILTIN_PASSAGE_BUDGET, BuiltinEmbeddings } from './embedders/builtin.js';
import { planEmbedder } from './embedders/choose.js';
import { localModelSource, missingModelFiles } from './embedders/model-files.js';
import { type Embedder, embedderKey } from './embedders/types.js';
import { Bm25Index, type KeywordDoc } from './keyword.js';
import { FORMAT_VERSION, type Manifest } from './manifest.js';
import { buildPassages, type Passage } from './passages.js';
import type { IndexStore } from './store/build.js';
import { storedPassage } from './store/documents.js';
import { LocalStore } from './store/local.js';
import { openStore } from './store/open.js';

/** Keep the fitted built-in model while at least this share of passages is unchanged. */
const BUILTIN_REUSE_SHARE = 0.9;
const EMBED_CHUNK = 64;

/** The settings ingest and staleness checks use. */
export type IndexSettings = Pick<
  Config,
  | 'corpusDir'
  | 'indexDir'
  | 'modelsDir'
  | 'cacheDir'
  | 'embeddings'
  | 'embeddingModel'
  | 'hubEndpoint'
  | 'offline'
  | 'modelAutoInstall'
  | 'python'
  | 'builtinDims'
  | 'databaseUrl'
  | 'databaseReadUrl'
>;

export interface IngestOptions {
  onProgress?: (done: number, total: number) => void;
  log?: (message: string) => void;
}

export interface IngestResult {
  manifest: Manifest;
  /** Where the build was written. */
  dir: string;
  errors: FileError[];
}

/** What a new build can take over from the previous one: its embedder and its vectors by text hash. */
interface Reuse {
  embedder: Embedder;
  vectors: Map<string, number[]>;
}

/**
 * The previous build's vectors, when they are valid for this build: same transformer and
 * passage budget, or a built-in model fitted on a corpus that is mostly unchanged (so the
 * model is kept, not refitted). Otherwise nothing is loaded and everything is embedded anew.
 */
async function reusable(
  store: IndexStore,
  passages: Passage[],
  transformer: Embedder | undefined,
  budget: number,
): Promise<Reuse | undefined> {
  try {
    const previous = await store.previous();
    if (!previous) return undefined;
    const { manifest } = previous;
    let embedder: Embedder;
    if (transformer) {
      if (embedderKey(manifest.embedder) !== embedderKey(transformer.info) || manifest.passageBudget !== budget)
        return undefined;
      embedder = transformer;
    } else {
      if (manifest.embedder.kind !== 'builtin' || !previous.builtinEmbedder) return undefined;
      const oldHashes = new Set(previous.passages.map((p) => p.textHash));
      const unchanged = passages.filter((p) => oldHashes.has(p.textHash)).length / Math.max(1, passages.length);
      if (unchanged < BUILTIN_REUSE_SHARE) return undefined;
      embedder = await previous.builtinEmbedder();
    }
    const old = await previous.vectors();
    const vectors = new Map<string, number[]>();
    for (const [label, p] of previous.passages.entries()) vectors.set(p.textHash, old[label]);
    return { embedder, vectors };
  } catch {
    return undefined; // An unreadable previous build is simply rebuilt.
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
      docId: p.docId,
      text: p.text,
      section: sectionPaths.get(p.paragraphId) ?? '',
      document: [meta.title, meta.subtitle, meta.byline].filter(Boolean).join(' '),
    };
  });
}

export async function hashCorpusFiles(corpusDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of await listCorpusFiles(corpusDir)) {
    out[file] = createHash('sha256')
      .update(await fs.readFile(path.join(corpusDir, file)))
      .digest('hex');
  }
  return out;
}

/** Size and modification time of every corpus file: unchanged stats mean an unchanged file. */
async function corpusStats(corpusDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of await listCorpusFiles(corpusDir)) {
    const { size, mtimeMs } = await fs.stat(path.join(corpusDir, file));
    out[file] = `${size}:${mtimeMs}`;
  }
  return out;
}

const sameRecord = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/** Why the current index cannot serve these settings, or undefined when it can. */
export async function staleReason(settings: IndexSettings): Promise<string | undefined> {
  const store = await openStore(settings);
  const manifest = await store.currentManifest();
  if (!manifest) return `no usable index in ${store.location}`;
  const unchanged = manifest.corpus.stats && sameRecord(await corpusStats(settings.corpusDir), manifest.corpus.stats);
  const files = unchanged ? manifest.corpus.files : await hashCorpusFiles(settings.corpusDir);
  const indexed = { ...manifest.corpus.files };
  for (const e of manifest.corpus.errors) if (files[e.file]) indexed[e.file] = files[e.file];
  const changed = [...new Set([...Object.keys(files), ...Object.keys(indexed)])].filter((f) => files[f] !== indexed[f]);
  if (changed.length) return `corpus changed (${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ', …' : ''})`;
  const { kind, model } = manifest.embedder;
  if (settings.embeddings === 'builtin' && kind !== 'builtin')
    return 'the index was built with a transformer but EMBEDDINGS=builtin';
  if (settings.embeddings !== 'builtin' && kind === 'transformer' && model !== settings.embeddingModel) {
    return `the index was built with ${model}, the configured model is ${settings.embeddingModel}`;
  }
  if (
    settings.embeddings !== 'builtin' &&
    kind === 'transformer' &&
    missingModelFiles(settings.modelsDir, model, 'q8').length === 0 &&
    manifest.embedder.source !== localModelSource(settings.modelsDir, model)
  ) {
    // Another copy of the same model id (the Hub's files replaced by a converted one, or back): other vectors.
    return `the model files in ${settings.modelsDir} changed (${manifest.embedder.source ?? 'unlabelled'} → ${localModelSource(settings.modelsDir, model)})`;
  }
  if (settings.embeddings === 'transformer' && kind === 'builtin')
    return 'the index was built with the built-in embedder but EMBEDDINGS=transformer';
  if (
    settings.embeddings === 'auto' &&
    kind === 'builtin' &&
    missingModelFiles(settings.modelsDir, settings.embeddingModel, 'q8').length === 0
  ) {
    return `the model ${settings.embeddingModel} is now in ${settings.modelsDir}`;
  }
  return undefined;
}

/** Passages embedded, rate and time left, one line every few seconds once embedding runs longer than a moment. */
export function progressLines(log: (message: string) => void, everyMs = 5000): (done: number, total: number) => void {
  // Timed from the first report (embedding's start), not from parsing.
  let started: number | undefined;
  let last = 0;
  return (done, total) => {
    const now = performance.now();
    started ??= now;
    if ((done < total && now - last < everyMs) || now - started < 2000) return;
    last = now;
    const rate = done / ((now - started) / 1000);
    const left = (total - done) / rate;
    const eta = !Number.isFinite(left) ? '?' : left >= 90 ? `${Math.round(left / 60)} min` : `${Math.round(left)} s`;
    log(`embedded ${done}/${total} passages, ${rate.toFixed(1)}/s, ${done < total ? `about ${eta} left` : 'done'}`);
  };
}

export async function ingest(settings: IndexSettings, options: IngestOptions = {}): Promise<IngestResult> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const onProgress = options.onProgress ?? progressLines(log);
  const store = await openStore(settings);
  await store.prepare();
  // Taken before reading, so a file changed meanwhile looks changed to the next staleness check.
  const stats = await corpusStats(settings.corpusDir);
  const corpus = await readCorpus(settings.corpusDir, { cacheDir: settings.cacheDir });
  for (const e of corpus.errors) log(`skipped ${e.message}`);
  if (corpus.documents.length === 0) {
    throw new Error(
      `Nothing to index in ${settings.corpusDir}: ${
        corpus.errors.map((e) => e.message).join('; ') || 'no documents found'
      }`,
    );
  }
  const plan = await planEmbedder(settings, log);
  const lengthFn = plan.kind === 'transformer' ? (t: string) => plan.embedder.length(t) : (t: string) => t.length;
  const budget = plan.kind === 'transformer' ? plan.embedder.passageBudget : BUILTIN_PASSAGE_BUDGET;
  const passages = buildPassages(corpus.documents, budget, lengthFn);

  // Tokenize each passage once, for the built-in model and the keyword index alike, as numbers
  // into one vocabulary: jieba returns a new string per occurrence, hundreds of MB on large corpora.
  let numbered: NumberedTerms | undefined = await numberTermsOnCores(passages.map((p) => p.text));
  const reuse = await reusable(store, passages, plan.kind === 'transformer' ? plan.embedder : undefined, budget);
  let embedder: Embedder;
  if (reuse) embedder = reuse.embedder;
  else if (plan.kind === 'transformer') embedder = plan.embedder;
  else {
    log(`fitting the built-in embedder on ${passages.length} passages…`);
    embedder = plan.fit(
      passages.map((p) => p.text),
      numbered,
    );
  }
  const previousVectors = reuse?.vectors ?? new Map<string, number[]>();

  const vectors: number[][] = new Array(passages.length);
  const todo: number[] = [];
  passages.forEach((p, i) => {
    const v = previousVectors.get(p.textHash);
    if (v) vectors[i] = v;
    else todo.push(i);
  });
  // Local files: the vector index is built on a worker thread from each vector as soon as it and
  // every one before it exist, while this thread embeds the rest and builds the other indexes.
  const ahead = store instanceof LocalStore ? store.vectorIndexAhead(embedder.info.dims, passages.length) : undefined;
  let published = 0;
  const publish = () => {
    while (ahead && published < vectors.length && vectors[published]) ahead.publish(vectors[published++]);
  };
  let keyword: Bm25Index;
  let bridge: EnglishBridge;
  try {
    // The built-in model embeds the terms already computed for each passage.
    const builtin = embedder instanceof BuiltinEmbeddings ? embedder.numberedVectors(numbered) : undefined;
    onProgress(0, todo.length);
    publish();
    for (let c = 0; c < todo.length; c += EMBED_CHUNK) {
      const ids = todo.slice(c, c + EMBED_CHUNK);
      const embedded = builtin ? ids.map(builtin) : await embedder.embedDocuments(ids.map((i) => passages[i].text));
      for (const [j, id] of ids.entries()) vectors[id] = embedded[j];
      publish();
      onProgress(Math.min(c + EMBED_CHUNK, todo.length), todo.length);
    }
    keyword = Bm25Index.build(keywordDocs(corpus.documents, passages), numbered);
    numbered = undefined; // the largest structure of a big ingest; free it before writing
    const index = keyword;
    bridge = await EnglishBridge.build(index.vocabulary(), settings.cacheDir, (word) => index.df(word));
  } catch (err) {
    ahead?.cancel();
    throw err;
  }

  const manifest: Manifest = {
    formatVersion: FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    embedder: embedder.info,
    passageBudget: budget,
    corpus: { dir: settings.corpusDir, files: corpus.fileHashes, errors: corpus.errors, stats },
    counts: {
      documents: corpus.documents.length,
      sections: corpus.documents.reduce((n, d) => n + d.sections.length, 0),
      paragraphs: corpus.documents.reduce((n, d) => n + d.paragraphs.length, 0),
      passages: passages.length,
    },
    embedded: todo.length,
    ingestMs: 0,
  };
  let dir: string;
  try {
    dir = await store.write({
      manifest,
      documents: corpus.documents,
      passages: passages.map(storedPassage),
      vectors,
      vectorIndexFile: ahead?.written,
      keyword,
      bridge: bridge.table,
      embedder,
      startedAt: started,
    });
  } catch (err) {
    // A vector index built ahead for a build that was not written is not left behind.
    void ahead?.written.then(
      (file) => fs.rm(file, { force: true }),
      () => undefined,
    );
    throw err;
  }
  return { manifest, dir, errors: corpus.errors };
}
