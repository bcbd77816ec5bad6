/**
 * Open the index for serving: build it first when it is missing, stale (corpus or
 * embedder changed) or unreadable, so every command works on a fresh checkout.
 */
import type { Config } from '../config.js';
import { ingest, staleReason, type IngestOptions } from './ingest.js';
import { IndexLoadError, KnowledgeBase } from './knowledge-base.js';

export async function openKnowledgeBase(config: Config, options: IngestOptions = {}): Promise<KnowledgeBase> {
  const log = options.log ?? ((m: string) => console.error(m));
  const reason = await staleReason(config);
  if (reason) {
    log(`building the index: ${reason}`);
    await ingest(config, { ...options, log });
    return KnowledgeBase.load(config);
  }
  try {
    return await KnowledgeBase.load(config);
  } catch (err) {
    if (!(err instanceof IndexLoadError)) throw err;
    log(`${err.message}\nrebuilding the index…`);
    await ingest(config, { ...options, log });
    return KnowledgeBase.load(config);
  }
}
