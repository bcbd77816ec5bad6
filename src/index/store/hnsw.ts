/**
 * The local vector index: hnswlib (HNSW, cosine space) over passage labels, read from and
 * written to one binary file. Labels are positions in the build's passage list.
 */
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import hnswlib from 'hnswlib-node';
import type { VectorFilter, VectorHit, VectorIndex, VectorItem } from './types.js';

/** Graph degree and build breadth (hnswlib's usual values, as LangChain's HNSWLib used). */
const M = 16;
const EF_CONSTRUCTION = 200;
const SEED = 100;
/** Search breadth: well above k so recall stays near exact. */
const EF_SEARCH = 128;

/**
 * Vector count and dimensions from hnswlib's saved header: size_t offsetLevel0, maxElements,
 * count, sizeDataPerElement, labelOffset, offsetData (vector data sits between the last two).
 */
async function readHeader(file: string): Promise<{ count: number; dims: number }> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(48), 0, 48, 0);
    if (bytesRead < 48) throw new Error(`${file} is too short to be an hnswlib index`);
    const count = Number(buffer.readBigUInt64LE(16));
    const dataBytes = Number(buffer.readBigUInt64LE(32) - buffer.readBigUInt64LE(40));
    return { count, dims: dataBytes / Float32Array.BYTES_PER_ELEMENT };
  } finally {
    await handle.close();
  }
}

export class HnswVectorIndex implements VectorIndex {
  private readonly labelById = new Map<string, number>();
  private readonly deleted = new Set<number>();

  private constructor(
    private readonly index: hnswlib.HierarchicalNSW,
    readonly dims: number,
    private readonly ids: string[],
    private readonly docIds: string[],
  ) {
    for (const [label, id] of ids.entries()) this.labelById.set(id, label);
    index.setEf(EF_SEARCH);
  }

  static create(dims: number, capacity: number): HnswVectorIndex {
    const index = new hnswlib.HierarchicalNSW('cosine', dims);
    index.initIndex(Math.max(1, capacity), M, EF_CONSTRUCTION, SEED);
    return new HnswVectorIndex(index, dims, [], []);
  }

  /**
   * Read a saved index whose labels are the given passages, in order. hnswlib trusts the
   * dimensions it is given and reads out of bounds when they are wrong, so they are checked
   * against the file's header first.
   */
  static async read(
    file: string,
    dims: number,
    passages: ReadonlyArray<{ id: string; docId: string }>,
  ): Promise<HnswVectorIndex> {
    const header = await readHeader(file);
    if (header.dims !== dims)
      throw new Error(`${file} holds ${header.dims}-dimensional vectors, the embedder makes ${dims}`);
    if (header.count !== passages.length)
      throw new Error(`${file} holds ${header.count} vectors but there are ${passages.length} passages`);
    const index = new hnswlib.HierarchicalNSW('cosine', dims);
    await index.readIndex(file);
    return new HnswVectorIndex(
      index,
      dims,
      passages.map((p) => p.id),
      passages.map((p) => p.docId),
    );
  }

  get size(): number {
    return this.ids.length - this.deleted.size;
  }

  async add(items: readonly VectorItem[]): Promise<void> {
    const needed = this.ids.length + items.length;
    if (needed > this.index.getMaxElements()) this.index.resizeIndex(Math.max(needed, 2 * this.index.getMaxElements()));
    for (const item of items) {
      if (item.vector.length !== this.dims)
        throw new Error(
          `passage ${item.id} has a ${item.vector.length}-dimensional vector, the index holds ${this.dims}`,
        );
      if (this.labelById.has(item.id)) throw new Error(`passage ${item.id} is already in the vector index`);
      const label = this.ids.length;
      this.index.addPoint(Array.from(item.vector), label);
      this.ids.push(item.id);
      this.docIds.push(item.docId);
      this.labelById.set(item.id, label);
    }
  }

  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const label = this.labelById.get(id);
      if (label === undefined || this.deleted.has(label)) continue;
      this.index.markDelete(label);
      this.deleted.add(label);
    }
  }

  async search(vector: readonly number[], k: number, filter?: VectorFilter): Promise<VectorHit[]> {
    const allowed = filter?.docIds ? new Set(filter.docIds) : undefined;
    // hnswlib throws when fewer than k points qualify, so ask for no more than there are.
    const available = allowed
      ? this.docIds.filter((d, label) => allowed.has(d) && !this.deleted.has(label)).length
      : this.size;
    const count = Math.min(k, available);
    if (count === 0) return [];
    const accept = allowed ? (label: number) => allowed.has(this.docIds[label]) : undefined;
    const { neighbors, distances } = this.index.searchKnn(vector as number[], count, accept);
    return neighbors.map((label, i) => ({ id: this.ids[label], similarity: 1 - distances[i] }));
  }

  /** The stored vector of a passage (float32 precision). */
  vector(id: string): number[] | undefined {
    const label = this.labelById.get(id);
    return label === undefined ? undefined : this.index.getPoint(label);
  }

  async write(file: string): Promise<void> {
    await this.index.writeIndex(file);
  }
}

/** The worker's code (no module file: it runs the same under tsx and in the built server). */
const AHEAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const hnswlib = require(workerData.hnswlib);
const { dims, capacity, m, efConstruction, seed, file, vectors, published } = workerData;
const index = new hnswlib.HierarchicalNSW('cosine', dims);
index.initIndex(Math.max(1, capacity), m, efConstruction, seed);
for (let label = 0; label < capacity; ) {
  const available = Atomics.load(published, 0);
  if (available === label) {
    Atomics.wait(published, 0, label);
    continue;
  }
  for (; label < available; label++) index.addPoint(Array.from(vectors.subarray(label * dims, (label + 1) * dims)), label);
}
index.writeIndexSync(file);
parentPort.postMessage('written');
`;

/**
 * An hnswlib index built on a worker thread while ingest finishes the rest of a build (the
 * vectors still being embedded, the keyword index, the bridge): inserting 53,000 vectors is
 * 11 s of one core. Vectors are handed over in label order and inserted in that order, with the
 * parameters and seed of create(), so the file is the one add() and write() would give.
 */
export class VectorIndexAhead {
  private readonly worker: Worker;
  private readonly vectors: Float32Array;
  private readonly published = new Int32Array(new SharedArrayBuffer(4));
  private count = 0;
  /** Resolves with the file once every vector is in and the index is written. */
  readonly written: Promise<string>;

  constructor(
    private readonly dims: number,
    private readonly capacity: number,
    file: string,
  ) {
    this.vectors = new Float32Array(new SharedArrayBuffer(capacity * dims * Float32Array.BYTES_PER_ELEMENT));
    this.worker = new Worker(AHEAD_SOURCE, {
      eval: true,
      workerData: {
        hnswlib: createRequire(import.meta.url).resolve('hnswlib-node'),
        dims,
        capacity,
        m: M,
        efConstruction: EF_CONSTRUCTION,
        seed: SEED,
        file,
        vectors: this.vectors,
        published: this.published,
      },
    });
    this.worker.unref(); // an ingest that fails must not leave the process waiting on it
    this.written = new Promise((resolve, reject) => {
      this.worker.once('message', () => resolve(file));
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`the vector index thread stopped (exit code ${code})`)));
    });
    this.written.catch(() => undefined); // awaited by the store's write; an ingest that fails never gets there
  }

  /** Hand over the next vector (label order). */
  publish(vector: ArrayLike<number>): void {
    if (vector.length !== this.dims)
      throw new Error(`a ${vector.length}-dimensional vector, the index holds ${this.dims}`);
    if (this.count >= this.capacity) throw new Error(`more than ${this.capacity} vectors`);
    this.vectors.set(vector, this.count * this.dims);
    Atomics.store(this.published, 0, ++this.count);
    Atomics.notify(this.published, 0);
  }

  cancel(): void {
    void this.worker.terminate();
  }
}
