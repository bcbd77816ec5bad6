/**
 * The matrix products of the built-in embedder's fit (randomised SVD over the sparse
 * passage-term matrix), split between this thread and worker threads. Each output element is
 * computed by one thread with the same operations in the same order as a single thread would,
 * so the fitted model, and every vector, is bit-for-bit what a serial fit gives.
 *
 * The fit is synchronous: the calling thread does its share, then blocks on Atomics.wait until
 * the workers have done theirs. Matrices live in SharedArrayBuffers, so nothing is copied.
 */
import { Worker } from 'node:worker_threads';

/** Passages × terms, compressed sparse rows: row r's entries are `cols/vals[rowStart[r] .. rowStart[r+1]]`. */
export interface SparseMatrix {
  rows: number;
  rowStart: Int32Array;
  cols: Int32Array;
  vals: Float32Array;
}

/** A dense row-major matrix. */
export interface Dense {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function shared<T extends Float64Array | Float32Array | Int32Array>(
  kind: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  length: number,
): T {
  return new kind(new SharedArrayBuffer(length * kind.BYTES_PER_ELEMENT));
}

export function dense(rows: number, cols: number): Dense {
  return { rows, cols, data: shared(Float64Array, rows * cols) };
}

/** The operations, each over a range of the output it alone writes. */
export const KERNELS = {
  /** out (passages × k) = A X, rows [from, to). */
  multiply(a: SparseMatrix, x: Dense, out: Dense, from: number, to: number): void {
    const k = x.cols;
    const { rowStart, cols, vals } = a;
    const od = out.data;
    const xd = x.data;
    for (let r = from; r < to; r++) {
      const o = r * k;
      for (let n = rowStart[r]; n < rowStart[r + 1]; n++) {
        const base = cols[n] * k;
        const v = vals[n];
        for (let c = 0; c < k; c++) od[o + c] += v * xd[base + c];
      }
    }
  },
  /** out (terms × k) += Aᵀ Y, columns [from, to). */
  multiplyTransposed(a: SparseMatrix, y: Dense, out: Float64Array | Float32Array, from: number, to: number): void {
    const k = y.cols;
    const { rowStart, cols, vals } = a;
    const yd = y.data;
    for (let r = 0; r < a.rows; r++) {
      const base = r * k;
      for (let n = rowStart[r]; n < rowStart[r + 1]; n++) {
        const o = cols[n] * k;
        const v = vals[n];
        for (let c = from; c < to; c++) out[o + c] += v * yd[base + c];
      }
    }
  },
  /**
   * g (k × k) = Xᵀ Y, rows [from, to) of g. With `symmetric` (X = Y), only g[i][j ≥ i] is computed:
   * g[j][i] would be the same sums of the same products, so the caller mirrors them. The rows are
   * then taken folded (0, k-1, 1, k-2, …) so that each range holds an even share of the triangle.
   */
  crossProduct(x: Dense, y: Dense, g: Float64Array, symmetric: boolean, from: number, to: number): void {
    const k = x.cols;
    const xd = x.data;
    const yd = y.data;
    for (let r = 0; r < x.rows; r++) {
      const xo = r * k;
      for (let f = from; f < to; f++) {
        const i = symmetric ? (f % 2 === 0 ? f / 2 : k - 1 - (f - 1) / 2) : f;
        const xi = xd[xo + i];
        if (xi === 0) continue;
        const gi = i * k;
        for (let j = symmetric ? i : 0; j < k; j++) g[gi + j] += xi * yd[xo + j];
      }
    }
  },
  /** out (n × k) = X (n × l) times small (l × k, flat), column c scaled by scale[c]; rows [from, to). */
  multiplySmall(x: Dense, small: Float64Array, scale: Float64Array, out: Dense, from: number, to: number): void {
    const l = x.cols;
    const k = scale.length;
    const xd = x.data;
    const od = out.data;
    for (let r = from; r < to; r++) {
      const xo = r * l;
      const o = r * k;
      for (let i = 0; i < l; i++) {
        const xi = xd[xo + i];
        if (xi === 0) continue;
        const fi = i * k;
        for (let c = 0; c < k; c++) od[o + c] += xi * small[fi + c];
      }
      for (let c = 0; c < k; c++) od[o + c] *= scale[c];
    }
  },
};

export type KernelName = keyof typeof KERNELS;
type Args<K extends KernelName> = Parameters<(typeof KERNELS)[K]> extends [...infer A, number, number] ? A : never;

interface Job {
  kernel: KernelName;
  args: unknown[];
  from: number;
  to: number;
  /** Set to 1 and notified when the job is done (2 when it failed). */
  done: Int32Array;
}

/** How long a worker may take to start before its share is done on this thread instead. */
const WORKER_START_MS = 10_000;

/**
 * The workers' code: the kernels' own source, so it is the same code and needs no module file
 * (a worker does not inherit tsx's loader on Node 20, and the built server is one bundle).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const kernels = { ${Object.values(KERNELS)
  .map((f) => f.toString())
  .join(',\n')} };
parentPort.on('message', ({ kernel, args, from, to, done }) => {
  try {
    kernels[kernel](...args, from, to);
    Atomics.store(done, 0, 1);
  } catch {
    Atomics.store(done, 0, 2);
  }
  Atomics.notify(done, 0);
});
Atomics.store(workerData.ready, 0, 1);
Atomics.notify(workerData.ready, 0);
`;

/** This thread plus worker threads, one per further core, for the duration of one fit. */
export class Team {
  private readonly workers: Array<{ worker: Worker; ready: Int32Array }>;

  constructor(threads: number) {
    this.workers = Array.from({ length: Math.max(0, threads - 1) }, () => {
      const ready = shared(Int32Array, 1);
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ready } });
      worker.unref(); // a fit that throws must not leave the process waiting on its workers
      return { worker, ready };
    });
  }

  /** Run a kernel over [0, size) of its output, split evenly between the threads. */
  run<K extends KernelName>(kernel: K, args: Args<K>, size: number): void {
    // A worker that did not start (no thread to be had) is dropped before it is given work.
    for (const w of this.workers.filter((w) => Atomics.wait(w.ready, 0, 0, WORKER_START_MS) === 'timed-out')) {
      void w.worker.terminate();
      this.workers.splice(this.workers.indexOf(w), 1);
    }
    const parts = this.workers.length + 1;
    const bound = (p: number) => Math.round((size * p) / parts);
    const jobs: Job[] = this.workers.map(({ worker }, w) => {
      const job = { kernel, args, from: bound(w + 1), to: bound(w + 2), done: shared(Int32Array, 1) };
      worker.postMessage(job);
      return job;
    });
    (KERNELS[kernel] as (...a: unknown[]) => void)(...args, 0, bound(1));
    for (const job of jobs) {
      Atomics.wait(job.done, 0, 0);
      if (job.done[0] !== 1) throw new Error(`a worker thread failed in ${kernel}`);
    }
  }

  close(): void {
    for (const { worker } of this.workers) void worker.terminate();
  }
}
