/**
 * Open the index for serving: build it first when it is missing, stale (corpus or
 * embedder changed) or unreadable, so every command works on a fresh checkout. When a
 * stale index cannot be rebuilt (disk full, read-only, corpus gone) but still loads, it is
 * served, with a loud warning and `kb.stale` set, rather than refusing to start.
 */
import { existsSync } from 'node:fs';
import { type IndexSettings, type IngestOptions, ingest, staleReason } from './ingest.js';
import { IndexLoadError, KnowledgeBase } from './knowledge-base.js';

export async function openKnowledgeBase(settings: IndexSettings, options: IngestOptions = {}): Promise<KnowledgeBase> {
  const log = options.log ?? ((m: string) => console.error(m));
  // A server over a shared database needs no corpus of its own: it serves what ingest wrote.
  if (settings.databaseUrl && !existsSync(settings.corpusDir)) return KnowledgeBase.load(settings);
  const reason = await staleReason(settings).catch((err: Error) => `the corpus cannot be read (${err.message})`);
  if (reason) {
    log(`building the index: ${reason}`);
    try {
      await ingest(settings, { ...options, log });
    } catch (err) {
      const previous = await KnowledgeBase.load(settings).catch(() => undefined);
      if (!previous) throw err;
      previous.stale = { reason: `${reason}; rebuilding failed: ${(err as Error).message}` };
      log(
        `WARNING: serving the previous index (built ${previous.manifest.createdAt}), which is out of date: ` +
          previous.stale.reason,
      );
      return previous;
    }
    return KnowledgeBase.load(settings);
  }
  try {
    return await KnowledgeBase.load(settings);
  } catch (err) {
    if (!(err instanceof IndexLoadError)) throw err;
    log(`${err.message}\nrebuilding the index…`);
    await ingest(settings, { ...options, log });
    return KnowledgeBase.load(settings);
  }
}
