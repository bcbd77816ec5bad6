/**
 * The answerer the server uses, switched atomically to a newly built index: a re-ingest
 * (same index dir or database) makes a new build current; this notices, loads the new index in the
 * background and swaps it in once complete. Until then, and if loading fails, the old one
 * keeps answering.
 */
import { Answerer } from '../answer/answer.js';
import type { Config } from '../config.js';
import { currentBuildId, KnowledgeBase } from '../index/knowledge-base.js';

export class LiveAnswerer {
  private answerer: Answerer;
  private target: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private loading = false;
  private readonly listeners: Array<(answerer: Answerer) => void> = [];

  constructor(
    kb: KnowledgeBase,
    private readonly config: Config,
    private readonly log: (message: string) => void = console.log,
  ) {
    this.answerer = new Answerer(kb);
  }

  get current(): Answerer {
    return this.answerer;
  }

  /** Call `listener` with the current answerer now and with each one switched in later. */
  onSwitch(listener: (answerer: Answerer) => void): void {
    this.listeners.push(listener);
    listener(this.answerer);
  }

  async start(): Promise<void> {
    this.target = this.answerer.kb.buildId;
    if (this.config.reloadIntervalMs > 0) {
      this.timer = setInterval(() => void this.check(), this.config.reloadIntervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Load the index `current` points to now, if it changed. */
  async check(): Promise<boolean> {
    if (this.loading) return false;
    const target = await currentBuildId(this.config).catch(() => undefined);
    if (!target || target === this.target) return false;
    this.loading = true;
    try {
      const kb = await KnowledgeBase.load(this.config);
      this.answerer = new Answerer(kb);
      this.target = kb.buildId;
      for (const listener of this.listeners) listener(this.answerer);
      this.log(
        `switched to the new index ${target} (${kb.documents.length} documents, ${kb.passages.length} passages)`,
      );
      return true;
    } catch (err) {
      this.log(
        `a new index appeared but could not be loaded; still answering from the previous one: ${(err as Error).message}`,
      );
      this.target = target;
      return false;
    } finally {
      this.loading = false;
    }
  }
}
