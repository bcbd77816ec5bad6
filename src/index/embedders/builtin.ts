/**
 * The built-in embedder: latent semantic analysis fitted on the corpus itself, so the
 * product runs where no pretrained weights can be downloaded. TF-IDF over jieba words
 * (character bigrams stay in the keyword index: in LSA they tripled the cost and did not
 * raise recall@5 on the gold set), projected onto the top singular vectors of the passage-term
 * matrix (randomised SVD, seeded, so the same corpus gives the same model). Texts that
 * share no word can still land close when their words co-occur across the corpus.
 */

import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Embeddings } from '@langchain/core/embeddings';
import type { Matrix } from 'ml-matrix';
import { BIGRAM_MARK, type NumberedTerms, numberTerms, terms } from '../../text/tokens.js';
import { type Dense, dense, type SparseMatrix, shared, Team } from './lsa.js';
import type { Embedder, EmbedderInfo } from './types.js';

export const BUILTIN_MODEL = 'lsa-tfidf-jieba-words';
/** Characters per passage: windows keep keyword scores and citations sharp on long paragraphs. */
export const BUILTIN_PASSAGE_BUDGET = 600;
const MODEL_JSON = 'builtin-model.json';
const MODEL_BIN = 'builtin-model.f32';
/** Above this many passages, drop terms seen only once (they cannot link passages). */
const PRUNE_SINGLETONS_ABOVE = 2000;
const MAX_TERMS = 100_000;
const OVERSAMPLE = 10;
const POWER_ITERATIONS = 1;
/** From this many passages the fit's products run on every core (a worker costs ~0.1 s to start). */
const PARALLEL_FROM = 5000;

export interface BuiltinModelData {
  vocab: string[];
  idf: Float32Array;
  /** vocab.length × dims, row-major. */
  projection: Float32Array;
  dims: number;
}

/** ml-matrix is required by the first fit: serving a saved model never needs it. */
let mlMatrix: typeof import('ml-matrix') | undefined;
const matrices = () => (mlMatrix ??= createRequire(import.meta.url)('ml-matrix') as typeof import('ml-matrix'));

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** A Aᵀ Y, computed as A (Aᵀ Y) so only sparse products touch the (large) term dimension. */
function gramTimes(team: Team, a: SparseMatrix, termCount: number, y: Dense): Dense {
  const z = dense(termCount, y.cols);
  team.run('multiplyTransposed', [a, y, z.data], y.cols);
  const out = dense(a.rows, y.cols);
  team.run('multiply', [a, z, out], a.rows);
  return out;
}

/** Xᵀ Y for two tall matrices with the same rows (k × k result, symmetrised). */
function crossProduct(team: Team, x: Dense, y: Dense): Matrix {
  const k = x.cols;
  const g = shared(Float64Array, k * k);
  const symmetric = x === y;
  team.run('crossProduct', [x, y, g, symmetric], k);
  if (symmetric) for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) g[j * k + i] = g[i * k + j];
  const m = new (matrices().Matrix)(k, k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) m.set(i, j, (g[i * k + j] + g[j * k + i]) / 2);
  return m;
}

/** X (n × l) times small (l × k), with column c scaled by scale[c]. */
function multiplySmall(team: Team, x: Dense, small: number[][], scale: number[]): Dense {
  const k = scale.length;
  const out = dense(x.rows, k);
  const flat = shared(Float64Array, x.cols * k);
  small.forEach((row, i) => {
    for (let c = 0; c < k; c++) flat[i * k + c] = row[c];
  });
  const scales = shared(Float64Array, k);
  scales.set(scale);
  team.run('multiplySmall', [x, flat, scales, out], x.rows);
  return out;
}

/** Orthonormal basis of the columns of y, via the eigenvectors of its Gram matrix. */
function orthonormalize(team: Team, y: Dense): Dense {
  const eig = new (matrices().EigenvalueDecomposition)(crossProduct(team, y, y), { assumeSymmetric: true });
  const scale = eig.realEigenvalues.map((v) => (v > 1e-10 ? 1 / Math.sqrt(v) : 0));
  return multiplySmall(team, y, eig.eigenvectorMatrix.to2DArray(), scale);
}

/** Rows of (cols, vals) as one sparse matrix in shared memory. */
function compress(rows: Array<{ cols: Int32Array; vals: Float32Array }>): SparseMatrix {
  const rowStart = shared(Int32Array, rows.length + 1);
  for (let i = 0; i < rows.length; i++) rowStart[i + 1] = rowStart[i] + rows[i].cols.length;
  const cols = shared(Int32Array, rowStart[rows.length]);
  const vals = shared(Float32Array, rowStart[rows.length]);
  rows.forEach((r, i) => {
    cols.set(r.cols, rowStart[i]);
    vals.set(r.vals, rowStart[i]);
  });
  return { rows: rows.length, rowStart, cols, vals };
}

export class BuiltinEmbeddings extends Embeddings implements Embedder {
  readonly info: EmbedderInfo;
  readonly passageBudget = BUILTIN_PASSAGE_BUDGET;
  private readonly termIndex: Map<string, number>;
  /** Scratch term counts for tfidf(), all zero between calls. */
  private counts?: Uint32Array;

  constructor(private readonly model: BuiltinModelData) {
    super({});
    this.info = {
      kind: 'builtin',
      model: BUILTIN_MODEL,
      dims: model.dims,
      source: 'built-in: LSA fitted on this corpus',
    };
    this.termIndex = new Map(model.vocab.map((t, i) => [t, i]));
  }

  length(text: string): number {
    return text.length;
  }

  /**
   * Fit the model on the passage texts of a corpus (or their terms, when already tokenized).
   * `threads` defaults to every core on large corpora; the model is the same with any number.
   */
  static fit(
    texts: string[],
    maxDims: number,
    numbered: NumberedTerms = numberTerms(texts),
    threads = texts.length >= PARALLEL_FROM ? os.availableParallelism() : 1,
  ): BuiltinEmbeddings {
    // Words only: character bigrams stay in the keyword index.
    const { vocab: all, lists } = numbered;
    const isWord = all.map((t) => !t.startsWith(BIGRAM_MARK));
    const df = new Uint32Array(all.length);
    const lastPassage = new Uint32Array(all.length);
    lists.forEach((ids, p) => {
      for (const i of ids) {
        if (isWord[i] && lastPassage[i] !== p + 1) {
          lastPassage[i] = p + 1;
          df[i]++;
        }
      }
    });
    const minDf = texts.length > PRUNE_SINGLETONS_ABOVE ? 2 : 1;
    const chosen = [...all.keys()]
      .filter((i) => isWord[i] && df[i] >= minDf)
      .sort((a, b) => df[b] - df[a] || (all[a] < all[b] ? -1 : 1))
      .slice(0, MAX_TERMS);
    const vocab = chosen.map((i) => all[i]);
    const n = texts.length;
    const idf = Float32Array.from(chosen, (i) => Math.log((n + 1) / (df[i] + 1)) + 1);
    const provisional = new BuiltinEmbeddings({ vocab, idf, projection: new Float32Array(0), dims: 0 });
    const toModel = new Int32Array(all.length).fill(-1);
    for (const [m, i] of chosen.entries()) toModel[i] = m;
    const rows = compress(lists.map((ids) => provisional.tfidf(ids.length, (k) => toModel[ids[k]])));
    const dims = Math.max(1, Math.min(maxDims, n - 1, vocab.length));
    const team = new Team(threads);
    try {
      const projection = BuiltinEmbeddings.project(team, rows, vocab.length, dims);
      return new BuiltinEmbeddings({ vocab, idf, projection, dims });
    } finally {
      team.close();
    }
  }

  /**
   * Top right singular vectors of the passage-term matrix A (randomised SVD, Halko et al.).
   * Every dense step runs in passage space; the term dimension is only touched by sparse
   * products, so large vocabularies stay affordable.
   */
  private static project(team: Team, rows: SparseMatrix, termCount: number, dims: number): Float32Array {
    const n = rows.rows;
    const l = Math.min(dims + OVERSAMPLE, n, termCount);
    let q: Dense;
    if (l === n) {
      // Few passages: the exact decomposition is cheaper than sampling (Q = identity).
      q = dense(n, n);
      for (let i = 0; i < n; i++) q.data[i * n + i] = 1;
    } else {
      const rand = mulberry32(20231226);
      q = dense(n, l);
      for (let i = 0; i < q.data.length; i++) q.data[i] = gaussian(rand);
      for (let i = 0; i <= POWER_ITERATIONS; i++) q = orthonormalize(team, gramTimes(team, rows, termCount, q));
    }
    // B = Qᵀ A; B Bᵀ = Qᵀ A Aᵀ Q = U S² Uᵀ, and the right singular vectors are V = Aᵀ Q U S⁻¹.
    const eig = new (matrices().EigenvalueDecomposition)(crossProduct(team, q, gramTimes(team, rows, termCount, q)), {
      assumeSymmetric: true,
    });
    const order = eig.realEigenvalues
      .map((v, i) => [v, i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, dims);
    const u = eig.eigenvectorMatrix.to2DArray().map((row) => order.map(([, col]) => row[col]));
    const w = multiplySmall(
      team,
      q,
      u,
      order.map(([value]) => (value > 1e-10 ? 1 / Math.sqrt(value) : 0)),
    );
    const projection = shared(Float32Array, termCount * w.cols);
    team.run('multiplyTransposed', [rows, w, projection], w.cols);
    return projection;
  }

  /** TF-IDF of `count` tokens; `termAt(n)` is token n's term in the model, or -1 for none. */
  private tfidf(count: number, termAt: (n: number) => number): { cols: Int32Array; vals: Float32Array } {
    // Terms in order of first occurrence (the order of the sums below, so vectors do not change);
    // counted in a reused array rather than a Map, which was a tenth of a large ingest.
    const counts = (this.counts ??= new Uint32Array(this.model.vocab.length));
    const order: number[] = [];
    for (let n = 0; n < count; n++) {
      const i = termAt(n);
      if (i >= 0 && counts[i]++ === 0) order.push(i);
    }
    const cols = Int32Array.from(order);
    const vals = new Float32Array(cols.length);
    for (let n = 0; n < cols.length; n++) {
      vals[n] = (1 + Math.log(counts[cols[n]])) * this.model.idf[cols[n]];
      counts[cols[n]] = 0;
    }
    const norm = Math.hypot(...vals) || 1;
    for (let i = 0; i < vals.length; i++) vals[i] /= norm;
    return { cols, vals };
  }

  /** The unit vector of a TF-IDF row. */
  private project1({ cols, vals }: { cols: Int32Array; vals: Float32Array }): number[] {
    const { dims, projection } = this.model;
    const out = new Array<number>(dims).fill(0);
    for (let n = 0; n < cols.length; n++) {
      const base = cols[n] * dims;
      for (let d = 0; d < dims; d++) out[d] += vals[n] * projection[base + d];
    }
    const norm = Math.hypot(...out);
    return norm > 0 ? out.map((x) => x / norm) : out;
  }

  embedText(text: string): number[] {
    const tokens = terms(text);
    return this.project1(this.tfidf(tokens.length, (n) => this.termIndex.get(tokens[n]) ?? -1));
  }

  /**
   * Embeds texts already tokenized and numbered (ingest's passages): `vector(i)` is text i's vector.
   * Each distinct term is looked up in the model once, not at every occurrence.
   */
  numberedVectors({ vocab, lists }: NumberedTerms): (i: number) => number[] {
    const toModel = Int32Array.from(vocab, (t) => this.termIndex.get(t) ?? -1);
    return (i) => {
      const ids = lists[i];
      return this.project1(this.tfidf(ids.length, (n) => toModel[ids[n]]));
    };
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.embedText(t));
  }

  async embedQuery(text: string): Promise<number[]> {
    return this.embedText(text);
  }

  async embedQueries(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.embedText(t));
  }

  async save(dir: string): Promise<void> {
    const { vocab, idf, dims, projection } = this.model;
    await fs.writeFile(
      path.join(dir, MODEL_JSON),
      JSON.stringify({ model: BUILTIN_MODEL, dims, vocab, idf: Array.from(idf) }),
    );
    await fs.writeFile(
      path.join(dir, MODEL_BIN),
      Buffer.from(projection.buffer, projection.byteOffset, projection.byteLength),
    );
  }

  static async load(dir: string): Promise<BuiltinEmbeddings> {
    const meta = JSON.parse(await fs.readFile(path.join(dir, MODEL_JSON), 'utf8')) as {
      dims: number;
      vocab: string[];
      idf: number[];
    };
    const bin = await fs.readFile(path.join(dir, MODEL_BIN));
    // A view when the bytes are 4-byte aligned (a large file's buffer is): a copy is 20 MB more to start with.
    const aligned = bin.byteOffset % 4 === 0 ? bin : Buffer.from(bin);
    const projection = new Float32Array(aligned.buffer, aligned.byteOffset, Math.floor(aligned.byteLength / 4));
    if (projection.length !== meta.vocab.length * meta.dims)
      throw new Error(
        `${MODEL_BIN} is truncated: expected ${meta.vocab.length * meta.dims} floats, found ${projection.length}`,
      );
    return new BuiltinEmbeddings({ vocab: meta.vocab, idf: Float32Array.from(meta.idf), projection, dims: meta.dims });
  }
}
