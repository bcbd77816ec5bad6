/** The real server, as `npm start` runs it, as a child process on port 0, for the benchmarks. */
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

let built = false;
/** Node's arguments for the server as `npm start` runs it: built into dist/ (once per bench run). */
export function serverArgs(): string[] {
  if (!built) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  built = true;
  return ['dist/main.js'];
}

export interface BenchServer {
  url: string;
  pid: number;
  /** Milliseconds from spawn to the "ready" line. */
  ms: number;
  /** SIGTERM; resolves when the process has exited. */
  stop: () => Promise<void>;
}

/** Start the server with `env` (no rate limit, no reloading) and resolve once it prints the port it got. */
export function startBenchServer(env: Record<string, string | undefined>): Promise<BenchServer> {
  const started = performance.now();
  const proc = spawn(process.execPath, serverArgs(), {
    cwd: ROOT,
    // Local files unless the caller names a database: DATABASE_URL (and DATABASE_READ_URL) may be set
    // for the store and replica benches only.
    env: {
      ...process.env,
      PORT: '0',
      RATE_LIMIT: '0',
      RELOAD_INTERVAL_MS: '0',
      DATABASE_URL: undefined,
      DATABASE_READ_URL: undefined,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d;
      const port = out.match(/ready at http:\/\/[^/]*:(\d+)\//)?.[1];
      if (!port) return;
      out = '';
      const stop = () => {
        proc.kill('SIGTERM');
        return exited;
      };
      resolve({ url: `http://127.0.0.1:${port}`, pid: proc.pid!, ms: performance.now() - started, stop });
    });
    proc.once('exit', (code) => reject(new Error(`the server exited (${code}) before it was ready:\n${out}`)));
  });
}
