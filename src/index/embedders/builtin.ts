/**
 * The built-in embedder: latent semantic analysis fitted on the corpus itself, so the
 * product runs where no pretrained weights can be downloaded. TF-IDF over jieba words
 * and character bigrams, projected onto the top singular vectors of the passage-term
 * matrix (randomised SVD, seeded, so the same corpus gives the same model). Texts that
 * share no word can still land close when their words co-occur across the corpus.
 */
import { Embeddings } from '@langchain/core/embeddings';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { terms } from '../tokenize.js';
import type { Embedder, EmbedderInfo } from './types.js';

export const BUILTIN_MODEL = 'lsa-tfidf-jieba-bigram';
/** Characters per passage: windows keep keyword scores and citations sharp on long paragraphs. */
export const BUILTIN_PASSAGE_BUDGET = 600;
const MODEL_JSON = 'builtin-model.json';
const MODEL_BIN = 'builtin-model.f32';
/** Above this many passages, drop terms seen only once (they cannot link passages). */
const PRUNE_SINGLETONS_ABOVE = 2000;
const MAX_TERMS = 200_000;
const OVERSAMPLE = 10;
const POWER_ITERATIONS = 2;

interface SparseRow {
  cols: Int32Array;
  vals: Float32Array;
}

export interface BuiltinModelData {
  vocab: string[];
  idf: Float32Array;
  /** vocab.length × dims, row-major. */
  projection: Float32Array;
  dims: number;
}

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

/** Gram matrix (l × l) of the columns of a tall matrix given as rows. */
function gram(rows: Float64Array[], l: number): Matrix {
  const g = new Float64Array(l * l);
  for (const row of rows) {
    for (let i = 0; i < l; i++) {
      const ri = row[i];
      if (ri === 0) continue;
      const base = i * l;
      for (let j = i; j < l; j++) g[base + j] += ri * row[j];
    }
  }
  const m = new Matrix(l, l);
  for (let i = 0; i < l; i++) for (let j = i; j < l; j++) m.set(i, j, g[i * l + j]).set(j, i, g[i * l + j]);
  return m;
}

/** rows (n × l) times a small dense matrix (l × k), scaling column c by scale[c]. */
function multiplySmall(rows: Float64Array[], small: number[][], scale: number[]): Float64Array[] {
  const l = small.length;
  const k = scale.length;
  return rows.map((row) => {
    const out = new Float64Array(k);
    for (let i = 0; i < l; i++) {
      const ri = row[i];
      if (ri === 0) continue;
      const s = small[i];
      for (let c = 0; c < k; c++) out[c] += ri * s[c];
    }
    for (let c = 0; c < k; c++) out[c] *= scale[c];
    return out;
  });
}

/** Orthonormal basis of the columns of y (rows × l), via the eigenvectors of its Gram matrix. */
function orthonormalize(y: Float64Array[], l: number): Float64Array[] {
  const eig = new EigenvalueDecomposition(gram(y, l), { assumeSymmetric: true });
  const scale = eig.realEigenvalues.map((v) => (v > 1e-10 ? 1 / Math.sqrt(v) : 0));
  return multiplySmall(y, eig.eigenvectorMatrix.to2DArray(), scale);
}

/** rows × terms sparse matrix times a terms × l dense matrix. */
function multiply(rows: SparseRow[], dense: Float64Array[], l: number): Float64Array[] {
  return rows.map(({ cols, vals }) => {
    const out = new Float64Array(l);
    for (let n = 0; n < cols.length; n++) {
      const d = dense[cols[n]];
      const v = vals[n];
      for (let c = 0; c < l; c++) out[c] += v * d[c];
    }
    return out;
  });
}

/** Transpose(rows) times a rows × l dense matrix: terms × l. */
function multiplyTransposed(rows: SparseRow[], dense: Float64Array[], termCount: number, l: number): Float64Array[] {
  const out = Array.from({ length: termCount }, () => new Float64Array(l));
  rows.forEach(({ cols, vals }, r) => {
    const d = dense[r];
    for (let n = 0; n < cols.length; n++) {
      const o = out[cols[n]];
      const v = vals[n];
      for (let c = 0; c < l; c++) o[c] += v * d[c];
    }
  });
  return out;
}

export class BuiltinEmbeddings extends Embeddings implements Embedder {
  readonly info: EmbedderInfo;
  readonly passageBudget = BUILTIN_PASSAGE_BUDGET;
  private readonly termIndex: Map<string, number>;

  constructor(private readonly model: BuiltinModelData) {
    super({});
    this.info = { kind: 'builtin', model: BUILTIN_MODEL, dims: model.dims };
    this.termIndex = new Map(model.vocab.map((t, i) => [t, i]));
  }

  length(text: string): number {
    return text.length;
  }

  /** Fit the model on the passage texts of a corpus. */
  static fit(texts: string[], maxDims: number): BuiltinEmbeddings {
    const tokenized = texts.map((t) => terms(t));
    const df = new Map<string, number>();
    for (const toks of tokenized) for (const t of new Set(toks)) df.set(t, (df.get(t) ?? 0) + 1);
    const minDf = texts.length > PRUNE_SINGLETONS_ABOVE ? 2 : 1;
    const vocab = [...df.entries()]
      .filter(([, n]) => n >= minDf)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, MAX_TERMS)
      .map(([t]) => t);
    const n = texts.length;
    const idf = Float32Array.from(vocab, (t) => Math.log((n + 1) / (df.get(t)! + 1)) + 1);
    const provisional = new BuiltinEmbeddings({ vocab, idf, projection: new Float32Array(0), dims: 0 });
    const rows = tokenized.map((toks) => provisional.tfidf(toks));
    const dims = Math.max(1, Math.min(maxDims, n - 1, vocab.length));
    const projection = BuiltinEmbeddings.project(rows, vocab.length, dims);
    return new BuiltinEmbeddings({ vocab, idf, projection, dims });
  }

  /** Top right singular vectors of the passage-term matrix (randomised SVD). */
  private static project(rows: SparseRow[], termCount: number, dims: number): Float32Array {
    let l = Math.min(dims + OVERSAMPLE, rows.length, termCount);
    let q: Float64Array[];
    if (l === rows.length) {
      // Few passages: the exact decomposition is cheaper than sampling (Q = identity).
      q = rows.map((_, i) => Float64Array.from({ length: l }, (_x, j) => (i === j ? 1 : 0)));
    } else {
      const rand = mulberry32(20231226);
      const omega = Array.from({ length: termCount }, () => Float64Array.from({ length: l }, () => gaussian(rand)));
      q = orthonormalize(multiply(rows, omega, l), l);
      for (let i = 0; i < POWER_ITERATIONS; i++) {
        const z = orthonormalize(multiplyTransposed(rows, q, termCount, l), l);
        q = orthonormalize(multiply(rows, z, l), l);
      }
      l = q[0].length;
    }
    // B = Qᵀ A; its right singular vectors are Z U S⁻¹ with Z = Aᵀ Q and Zᵀ Z = U S² Uᵀ.
    const z = multiplyTransposed(rows, q, termCount, l);
    const eig = new EigenvalueDecomposition(gram(z, l), { assumeSymmetric: true });
    const order = eig.realEigenvalues.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).slice(0, dims);
    const u = eig.eigenvectorMatrix.to2DArray();
    // Columns of U in singular-value order, each scaled by 1/σ (zero for null directions).
    const chosen = u.map((row) => order.map(([, col]) => row[col]));
    const scale = order.map(([value]) => (value > 1e-10 ? 1 / Math.sqrt(value) : 0));
    const v = multiplySmall(z, chosen, scale);
    const projection = new Float32Array(termCount * dims);
    v.forEach((row, t) => projection.set(row, t * dims));
    return projection;
  }

  private tfidf(toks: string[]): SparseRow {
    const counts = new Map<number, number>();
    for (const t of toks) {
      const i = this.termIndex.get(t);
      if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
    }
    const cols = Int32Array.from(counts.keys());
    const vals = Float32Array.from(cols, (c) => (1 + Math.log(counts.get(c)!)) * this.model.idf[c]);
    const norm = Math.hypot(...vals) || 1;
    for (let i = 0; i < vals.length; i++) vals[i] /= norm;
    return { cols, vals };
  }

  embedText(text: string): number[] {
    const { cols, vals } = this.tfidf(terms(text));
    const { dims, projection } = this.model;
    const out = new Array<number>(dims).fill(0);
    for (let n = 0; n < cols.length; n++) {
      const base = cols[n] * dims;
      for (let d = 0; d < dims; d++) out[d] += vals[n] * projection[base + d];
    }
    const norm = Math.hypot(...out);
    return norm > 0 ? out.map((x) => x / norm) : out;
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.embedText(t));
  }

  async embedQuery(text: string): Promise<number[]> {
    return this.embedText(text);
  }

  async save(dir: string): Promise<void> {
    const { vocab, idf, dims, projection } = this.model;
    await fs.writeFile(path.join(dir, MODEL_JSON), JSON.stringify({ model: BUILTIN_MODEL, dims, vocab, idf: Array.from(idf) }));
    await fs.writeFile(path.join(dir, MODEL_BIN), Buffer.from(projection.buffer, projection.byteOffset, projection.byteLength));
  }

  static async load(dir: string): Promise<BuiltinEmbeddings> {
    const meta = JSON.parse(await fs.readFile(path.join(dir, MODEL_JSON), 'utf8')) as { dims: number; vocab: string[]; idf: number[] };
    const bin = await fs.readFile(path.join(dir, MODEL_BIN));
    const projection = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
    if (projection.length !== meta.vocab.length * meta.dims) throw new Error(`${MODEL_BIN} is truncated: expected ${meta.vocab.length * meta.dims} floats, found ${projection.length}`);
    return new BuiltinEmbeddings({ vocab: meta.vocab, idf: Float32Array.from(meta.idf), projection, dims: meta.dims });
  }
}
