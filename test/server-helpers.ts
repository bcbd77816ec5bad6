/** Start the real Express app on an ephemeral port over the seed index. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Answerer } from '../src/answer/answer.js';
import { createApp, type AppOptions } from '../src/server/app.js';
import { ROOT, seedAnswerer } from './helpers.js';
import path from 'node:path';

export interface Running {
  url: string;
  server: Server;
  close: () => Promise<void>;
}

export async function startServer(options: AppOptions = {}, answerer?: Answerer): Promise<Running> {
  answerer ??= await seedAnswerer();
  const app = createApp(() => answerer!, { webDir: path.join(ROOT, 'web'), ...options });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
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
