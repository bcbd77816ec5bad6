/** Shared test setup: real corpus, real index in a temp dir, the fixtures in test/fixtures. */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Answerer } from '../src/answer/answer.js';
import { type Config, loadConfig } from '../src/config.js';
import { ingest } from '../src/index/ingest.js';
import { KnowledgeBase } from '../src/index/knowledge-base.js';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const CORPUS = path.join(ROOT, 'corpus');
/** Small fixtures committed with the tests (the random-weight model). */
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
export const SHARED = path.resolve(process.env.SHARED_DIR || path.join(ROOT, '..', 'shared'));

/**
 * A path under ../shared (or SHARED_DIR), for the `npm run test:shared` suite only; fails loudly
 * (never skips) when the folder is missing.
 */
export function shared(...parts: string[]): string {
  const p = path.join(SHARED, ...parts);
  if (!existsSync(p)) {
    throw new Error(
      `Missing ${p}: npm run test:shared needs the shared datasets folder beside the project (../shared) or SHARED_DIR.`,
    );
  }
  return p;
}

const made: string[] = [];
// Removed when the test process ends, so repeated runs do not fill /tmp.
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'policy-qa-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Config for a throwaway index of the given corpus, with the built-in embedder. */
export function testConfig(corpusDir = CORPUS, overrides: Record<string, string> = {}): Config {
  return loadConfig(
    {
      CORPUS_DIR: corpusDir,
      INDEX_DIR: path.join(tempDir(), 'index'),
      EMBEDDINGS: 'builtin',
      CACHE_DIR: path.join(ROOT, '.cache'),
      ...overrides,
    },
    {},
  );
}

/** A copy of the real corpus that a test may edit. */
export function corpusCopy(): string {
  const dir = path.join(tempDir(), 'corpus');
  cpSync(CORPUS, dir, { recursive: true });
  return dir;
}

let seed: Promise<Answerer> | undefined;
/** One index of the real corpus, built once per test file. */
export function seedAnswerer(): Promise<Answerer> {
  seed ??= (async () => {
    const config = testConfig();
    await ingest(config);
    return new Answerer(await KnowledgeBase.load(config));
  })();
  return seed;
}
