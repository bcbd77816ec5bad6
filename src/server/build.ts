/** Run an index build (src/index/ingest) in a child process and report its outcome. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import type { FileError } from '../corpus/types.js';

export type BuildOutcome = { ok: true; createdAt: string; errors: FileError[] } | { ok: false; message: string };

export interface BuildResult {
  /** The new build's manifest timestamp: the server serves it once its index reports the same. */
  createdAt: string;
  errors: FileError[];
}

// Next to this module: src/server/ingest-child.ts under tsx, dist/ingest-child.js when built (npm start).
const CHILD = fileURLToPath(
  new URL(`./ingest-child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);

export function buildIndex(config: Config): Promise<BuildResult> {
  return new Promise((resolve, reject) => {
    // The child runs the way this process does (under tsx, its loader is in execArgv).
    const child = fork(CHILD, [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let outcome: BuildOutcome | undefined;
    child.once('message', (m) => (outcome = m as BuildOutcome));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (outcome?.ok) resolve({ createdAt: outcome.createdAt, errors: outcome.errors });
      else reject(new Error(outcome ? outcome.message : `the index build stopped (${signal ?? `exit code ${code}`})`));
    });
    child.send(config);
  });
}
