/**
 * A bounded queue in front of the answering work. At most `maxConcurrent` answers are worked on
 * at once and at most `maxQueued` wait; past that a request is turned away at once with 503 and
 * `Retry-After`, rather than waiting behind work it cannot see. A waiting request whose signal
 * aborts (the request timeout, the client gone) leaves the queue. The next waiter starts on a
 * later turn of the event loop, never in the same microtask chain, so new connections and
 * requests are read between two pieces of synchronous work. A queue that `yields to` another
 * starts work only while that one is idle: heavy work waits for a gap in the light work.
 */
import { HttpError } from './errors.js';

export const RETRY_AFTER_SECONDS = 1;

interface Waiter {
  start: () => void;
  onAbort: () => void;
}

export class Admission {
  private active = 0;
  /** performance.now() when work last finished. */
  private lastBusy = 0;
  private readonly waiting: Waiter[] = [];
  private readonly idleListeners: Array<() => void> = [];

  constructor(
    readonly maxConcurrent: number,
    readonly maxQueued: number,
    private readonly yieldTo?: Admission,
  ) {
    yieldTo?.idleListeners.push(() => this.dispatchSoon());
  }

  get idle(): boolean {
    return this.active === 0 && this.waiting.length === 0;
  }

  /** Milliseconds since the queue last had work to do (0 while it has some). */
  quietFor(): number {
    return this.idle ? performance.now() - this.lastBusy : 0;
  }

  /** Run `work` when a slot is free; rejects with a 503 when the queue is full, or with the signal's reason. */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.enter(signal);
    try {
      return await work();
    } finally {
      this.leave();
    }
  }

  private enter(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.canStart() && this.waiting.length === 0) {
      this.active++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueued) {
      return Promise.reject(
        new HttpError(503, 'busy', `The server is busy; try again in ${RETRY_AFTER_SECONDS} s.`, {
          'Retry-After': String(RETRY_AFTER_SECONDS),
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener('abort', waiter.onAbort);
          this.active++;
          resolve();
        },
        onAbort: () => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(signal!.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private canStart(): boolean {
    return this.active < this.maxConcurrent && (this.yieldTo?.idle ?? true);
  }

  private dispatchSoon(): void {
    setImmediate(() => {
      while (this.canStart() && this.waiting.length > 0) this.waiting.shift()!.start();
    });
  }

  private leave(): void {
    this.active--;
    this.lastBusy = performance.now();
    this.dispatchSoon();
    if (this.idle) for (const listener of this.idleListeners) listener();
  }
}

/**
 * The server's two queues: questions (`maxConcurrent` at once), and summaries not yet cached,
 * one at a time and only in the gaps between questions.
 */
export function answerQueues(maxConcurrent: number, maxQueued: number): { asks: Admission; summaries: Admission } {
  const asks = new Admission(maxConcurrent, maxQueued);
  return { asks, summaries: new Admission(1, maxQueued, asks) };
}
