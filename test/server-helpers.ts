/** Start the real Express app on an ephemeral port over the seed index. */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Answerer } from '../src/answer/answer.js';
import { type AppOptions, createApp } from '../src/server/app.js';
import { type ListenSettings, listen } from '../src/server/listen.js';
import { ROOT, seedAnswerer } from './helpers.js';

export interface Running {
  url: string;
  server: Server;
  close: () => Promise<void>;
}

/** Generous limits, so tests that do not check them never meet them. */
const TEST_LISTEN: ListenSettings = {
  port: 0,
  host: '127.0.0.1',
  maxConnections: 0,
  headersTimeoutMs: 60_000,
  receiveTimeoutMs: 0,
  keepAliveTimeoutMs: 5_000,
};

/** The app over `answerer` (a getter: the answerer of the build being served), or over the seed index. */
export async function startServer(
  options: AppOptions & Partial<ListenSettings> = {},
  answerer?: Answerer | (() => Answerer),
): Promise<Running> {
  const seed = answerer ? undefined : await seedAnswerer();
  const current = typeof answerer === 'function' ? answerer : () => answerer ?? seed!;
  const app = createApp(current, { webDir: path.join(ROOT, 'web'), ...options });
  const server = await listen(app, { ...TEST_LISTEN, ...options });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Parse a Server-Sent Events body into [event, data] pairs. */
export function parseSse(body: string): Array<{ event: string; data: string }> {
  return body
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const event = block.match(/^event: (.*)$/m)?.[1] ?? 'message';
      const data = [...block.matchAll(/^data: (.*)$/gm)].map((m) => m[1]).join('\n');
      return { event, data };
    });
}

export interface ServerProcess {
  proc: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exit: Promise<number | string | null>;
}

/** The real server as a child process (`node … main.ts`, or `npm start` itself), on port 0 unless PORT is given. */
export function spawnServer(env: Record<string, string>, via: 'node' | 'npm' = 'node'): ServerProcess {
  const [command, args] =
    via === 'npm' ? ['npm', ['start', '--silent']] : [process.execPath, ['--import', 'tsx', 'src/server/main.ts']];
  const proc = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', EMBEDDINGS: 'builtin', RELOAD_INTERVAL_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d));
  proc.stderr!.on('data', (d: Buffer) => (out += d));
  const exit = new Promise<number | string | null>((resolve) => {
    proc.once('exit', (code, signal) => resolve(code ?? signal));
  });
  return { proc, output: () => out, exit };
}

/** Start the server process and resolve once it prints the address it is ready at. */
export function startServerProcess(
  env: Record<string, string>,
  via: 'node' | 'npm' = 'node',
): Promise<ServerProcess & { url: string }> {
  const server = spawnServer(env, via);
  return new Promise((resolve, reject) => {
    const ready = () => {
      const port = server.output().match(/ready at http:\/\/[^/]*:(\d+)\//)?.[1];
      if (!port) return;
      server.proc.stdout!.off('data', ready);
      resolve({ ...server, url: `http://127.0.0.1:${port}` });
    };
    server.proc.stdout!.on('data', ready);
    void server.exit.then((code) => {
      reject(new Error(`the server exited (${code}) before it was ready:\n${server.output()}`));
    });
  });
}
