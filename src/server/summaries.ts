/**
 * Summaries of a whole document or section depend only on the build, so each is computed once
 * per answerer (one answerer per build: a switched index gets a fresh cache) and shared by every
 * request for it. `precomputeSummaries` fills the cache in the background while the server is idle.
 */
import type { Answerer, SummaryTarget } from '../answer/answer.js';
import type { Answer } from '../answer/types.js';

export type SummaryRequest = Pick<SummaryTarget, 'docId' | 'sectionId'>;

const caches = new WeakMap<Answerer, Map<string, Promise<Answer>>>();

function cacheOf(answerer: Answerer): Map<string, Promise<Answer>> {
  let cache = caches.get(answerer);
  if (!cache) caches.set(answerer, (cache = new Map()));
  return cache;
}

// summarize() reads sectionId before docId.
const keyOf = (target: SummaryRequest) =>
  target.sectionId !== undefined ? `section:${target.sectionId}` : `doc:${target.docId}`;

/** The finished summary when it is already cached (so the request needs no queue slot). */
export function cachedSummary(answerer: Answerer, target: SummaryRequest): Promise<Answer> | undefined {
  return caches.get(answerer)?.get(keyOf(target));
}

/**
 * Compute (or join) the summary. It is shared, so one request's abort must not cancel it:
 * no signal is passed; a request that gives up simply stops waiting.
 */
export function summary(answerer: Answerer, target: SummaryRequest): Promise<Answer> {
  const cache = cacheOf(answerer);
  const key = keyOf(target);
  let pending = cache.get(key);
  if (!pending) {
    pending = answerer.summarize(target);
    cache.set(key, pending);
    // An unknown target or a failure is not remembered.
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

/**
 * Summarise every document and section, one at a time and only while `idle()` says no request is
 * waiting, until done or `current()` says this answerer was replaced.
 */
export async function precomputeSummaries(
  answerer: Answerer,
  idle: () => boolean,
  current: () => boolean,
): Promise<void> {
  const targets: SummaryRequest[] = answerer.kb.documents.flatMap((d) => [
    { docId: d.id },
    ...d.sections.map((s) => ({ sectionId: s.id })),
  ]);
  for (const target of targets) {
    while (!idle()) await new Promise((resolve) => setTimeout(resolve, 20));
    if (!current()) return;
    await summary(answerer, target).catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
