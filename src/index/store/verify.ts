/**
 * SHA-256 checks of a build's files on a worker thread, while the loading thread reads and
 * decodes them: on a large index the hashing (≈ 250 MB) no longer adds to the start-up time.
 * The load still waits for every check before it succeeds, and for a file's check before a
 * library (hnswlib) reads that file itself, so a corrupt file is never served or handed on.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';

/** The worker's code (no module file: it runs the same under tsx and in the built server). */
const SOURCE = `
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { parentPort, workerData } = require('node:worker_threads');
const chunk = Buffer.allocUnsafe(1 << 20);
for (const file of workerData.files) {
  let fd;
  try {
    fd = fs.openSync(path.join(workerData.dir, file), 'r');
    const hash = createHash('sha256');
    for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0; ) hash.update(chunk.subarray(0, n));
    parentPort.postMessage({ file, hash: hash.digest('hex') });
  } catch (err) {
    parentPort.postMessage({ file, error: err.code ?? err.message });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
`;

export type Problem = { file: string; kind: 'missing'; code: string } | { file: string; kind: 'corrupt' };

async function hashHere(dir: string, file: string, expected: string | undefined): Promise<Problem | undefined> {
  const hash = createHash('sha256');
  try {
    await pipeline(createReadStream(path.join(dir, file)), hash);
  } catch (err) {
    return { file, kind: 'missing', code: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
  }
  return hash.digest('hex') === expected ? undefined : { file, kind: 'corrupt' };
}

/**
 * Hash `files` of `dir` in the order given, against `expected`. Each file's promise resolves
 * with undefined when it matches, or with what is wrong with it; it never rejects.
 */
export function verifyFiles(
  dir: string,
  files: readonly string[],
  expected: Readonly<Record<string, string>>,
): Map<string, Promise<Problem | undefined>> {
  const settle = new Map<string, (problem: Problem | undefined) => void>();
  const results = new Map(
    files.map((file) => [file, new Promise<Problem | undefined>((resolve) => settle.set(file, resolve))]),
  );
  const worker = new Worker(SOURCE, { eval: true, workerData: { dir, files } });
  worker.on('message', (m: { file: string; hash?: string; error?: string }) => {
    settle.get(m.file)?.(
      m.error !== undefined
        ? { file: m.file, kind: 'missing', code: m.error }
        : m.hash === expected[m.file]
          ? undefined
          : { file: m.file, kind: 'corrupt' },
    );
    settle.delete(m.file);
  });
  // Files a worker could not check (it failed to start or stopped) are hashed on this thread.
  const rest = () => {
    for (const [file, resolve] of settle) void hashHere(dir, file, expected[file]).then(resolve);
    settle.clear();
  };
  worker.once('error', rest);
  worker.once('exit', rest);
  return results;
}
