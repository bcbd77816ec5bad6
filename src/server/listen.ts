/**
 * The HTTP server around the app, with the connection limits from config: a cap on open
 * connections and deadlines for headers, the whole request and idle keep-alive. Resolves once
 * listening; a port in use or an address that cannot be bound rejects with a clear message.
 */

import type { RequestListener } from 'node:http';
import http from 'node:http';

export interface ListenSettings {
  port: number;
  host: string;
  maxConnections: number;
  headersTimeoutMs: number;
  receiveTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/** How often Node checks the header and request deadlines (at Node's default, 30 s, a dripping client stays longer). */
const DEADLINE_CHECK_MS = 250;

export function listen(app: RequestListener, s: ListenSettings): Promise<http.Server> {
  const server = http.createServer(
    {
      headersTimeout: s.headersTimeoutMs,
      // Node requires the whole-request deadline to be at least the headers one.
      requestTimeout: s.receiveTimeoutMs && Math.max(s.receiveTimeoutMs, s.headersTimeoutMs),
      connectionsCheckingInterval: DEADLINE_CHECK_MS,
    },
    app,
  );
  server.keepAliveTimeout = s.keepAliveTimeoutMs;
  if (s.maxConnections > 0) server.maxConnections = s.maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const hint =
        err.code === 'EADDRINUSE'
          ? ' (another process is using the port; stop it or set PORT)'
          : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND'
            ? ' (HOST is not an address of this machine; use 127.0.0.1 or 0.0.0.0)'
            : '';
      reject(new Error(`cannot listen on ${s.host}:${s.port}: ${err.message}${hint}`));
    });
    server.listen(s.port, s.host, () => {
      server.removeAllListeners('error');
      server.on('error', (err) => console.error(err));
      resolve(server);
    });
  });
}
