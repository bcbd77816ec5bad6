/**
 * Where an index lives on disk, and how a new one replaces the old atomically.
 *
 * `<indexDir>/current` is a symlink to `<indexDir>/builds/<id>`. A build is written into
 * `builds/.tmp-<pid>-<time>`, renamed into place, and `current` is swapped with a single
 * rename of a new symlink over it, so a reader sees either the old index or the new one,
 * never a half-written one, and a crash mid-ingest leaves the previous index untouched.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

export const CURRENT = 'current';
const BUILDS = 'builds';
const TMP_PREFIX = '.tmp-';
const WRITABLE_HINT = 'set INDEX_DIR (or --index) to a writable folder.';

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

export function currentDir(indexDir: string): string {
  return path.join(indexDir, CURRENT);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Remove temporary builds left behind by ingests that died. */
async function removeAbandoned(buildsDir: string): Promise<void> {
  for (const name of await fs.readdir(buildsDir).catch(() => [] as string[])) {
    if (!name.startsWith(TMP_PREFIX)) continue;
    const pid = Number(name.slice(TMP_PREFIX.length).split('-')[0]);
    if (!isAlive(pid)) await fs.rm(path.join(buildsDir, name), { recursive: true, force: true });
  }
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir spins forever where mkdir answers
 * ENOENT for a parent that exists (/proc, /sys), so an unwritable INDEX_DIR would hang.
 */
async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !(await fs.stat(d).catch(() => undefined)); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      await fs.mkdir(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new Error(`Cannot create the index folder ${d} (${errorCode(err)}); ${WRITABLE_HINT}`);
    }
  }
}

/** Create the index folder if needed, failing at once with a clear message when it cannot be written. */
export async function prepareIndexDir(indexDir: string): Promise<void> {
  await makeDirs(path.join(indexDir, BUILDS));
  const probe = path.join(indexDir, BUILDS, `${TMP_PREFIX}${process.pid}-probe`);
  try {
    await fs.writeFile(probe, '');
    await fs.rm(probe);
  } catch (err) {
    throw new Error(`Cannot write to the index folder ${indexDir} (${errorCode(err)}); ${WRITABLE_HINT}`);
  }
}

/** A path for a file made ahead of a build (removed with the abandoned builds if this process dies). */
export function scratchFile(indexDir: string, name: string): string {
  return path.join(indexDir, BUILDS, `${TMP_PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 8)}-${name}`);
}

/** Run `write` into a fresh directory, then make it the current index. Returns the final build path. */
export async function writeBuild(indexDir: string, write: (dir: string) => Promise<void>): Promise<string> {
  const buildsDir = path.join(indexDir, BUILDS);
  await makeDirs(buildsDir);
  await removeAbandoned(buildsDir);
  const stamp = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = path.join(buildsDir, `${TMP_PREFIX}${process.pid}-${stamp}`);
  await fs.mkdir(tmp);
  try {
    await write(tmp);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const final = path.join(buildsDir, stamp);
  await fs.rename(tmp, final);
  const link = path.join(indexDir, `${CURRENT}${TMP_PREFIX}${stamp}`);
  await fs.symlink(path.join(BUILDS, stamp), link);
  await fs.rename(link, currentDir(indexDir));
  // Older builds are no longer referenced; a running server has them in memory already.
  for (const name of await fs.readdir(buildsDir)) {
    if (name !== stamp && !name.startsWith(TMP_PREFIX))
      await fs.rm(path.join(buildsDir, name), { recursive: true, force: true });
  }
  return final;
}
