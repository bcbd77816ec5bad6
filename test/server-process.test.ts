import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Config } from '../src/config.js';
import { ingest } from '../src/index/ingest.js';
import { corpusCopy, tempDir, testConfig } from './helpers.js';
import { spawnServer, startServerProcess } from './server-helpers.js';

let config: Config;
let env: Record<string, string>;
before(async () => {
  config = testConfig();
  await ingest(config, { log: () => {} });
  env = { CORPUS_DIR: config.corpusDir, INDEX_DIR: config.indexDir };
});

const within = <T>(ms: number, p: Promise<T>, what: string) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)),
  ]);

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = net.createServer().once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

describe('start-up failures', () => {
  it('exits non-zero with the error when the port is in use', { timeout: 60_000 }, async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const server = spawnServer({ ...env, PORT: String(port) });
      assert.equal(await within(30_000, server.exit, 'exiting'), 1);
      assert.match(server.output(), /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
      assert.doesNotMatch(server.output(), /ready at/);
    } finally {
      holder.close();
    }
  });

  it('exits non-zero with the error when HOST cannot be bound', { timeout: 60_000 }, async () => {
    const server = spawnServer({ ...env, HOST: '192.0.2.1' }); // TEST-NET-1: never an address of this machine
    assert.equal(await within(30_000, server.exit, 'exiting'), 1);
    assert.match(server.output(), /cannot listen on 192\.0\.2\.1:0: .*EADDRNOTAVAIL/);
  });

  it('stops with WORKERS=2 when the workers cannot listen', { timeout: 60_000 }, async () => {
    const server = spawnServer({ ...env, HOST: '192.0.2.1', WORKERS: '2' });
    assert.notEqual(await within(30_000, server.exit, 'exiting'), 0);
    assert.match(server.output(), /EADDRNOTAVAIL/);
  });
});

describe('signals', () => {
  it('npm start execs the server: killing its PID stops it and frees the port', { timeout: 60_000 }, async () => {
    const server = await startServerProcess(env, 'npm');
    const port = Number(new URL(server.url).port);
    assert.equal((await fetch(`${server.url}/api/health`)).status, 200);
    server.proc.kill('SIGTERM');
    await within(15_000, server.exit, 'npm start exiting');
    let free = false;
    for (let i = 0; i < 50 && !free; i++) {
      free = await portIsFree(port);
      if (!free) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(free, 'the server process let go of the port');
  });

  it('npm start serves the compiled server, whose ingest child indexes an upload', { timeout: 120_000 }, async () => {
    const corpus = corpusCopy();
    const server = await startServerProcess({ CORPUS_DIR: corpus, INDEX_DIR: path.join(tempDir(), 'index') }, 'npm');
    try {
      assert.equal((await fetch(`${server.url}/api/health`)).status, 200);
      const body = new FormData();
      const text = '# 火星基地建设规划\n\n火星基地一期工程计划于二〇三五年建成，可容纳十二名航天员长期驻留。\n';
      body.append('file', new Blob([text]), '火星基地.md');
      const res = await fetch(`${server.url}/api/documents`, { method: 'POST', body });
      assert.equal(res.status, 202, await res.clone().text());
      const [{ id }] = ((await res.json()) as { documents: Array<{ id: string }> }).documents;
      for (let status = ''; status !== 'ready'; await new Promise((r) => setTimeout(r, 200))) {
        const list = (await (await fetch(`${server.url}/api/documents`)).json()) as {
          documents: Array<{ id: string; status: string; error?: string }>;
        };
        const mine = list.documents.find((d) => d.id === id);
        assert.ok(mine && mine.status !== 'failed', JSON.stringify(mine));
        status = mine.status;
      }
      const answer = await fetch(`${server.url}/api/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: '火星基地一期工程计划什么时候建成？' }),
      });
      assert.match(((await answer.json()) as { answer: string }).answer, /二〇三五年/);
    } finally {
      server.proc.kill('SIGTERM');
      await server.exit;
    }
  });

  it('SIGTERM closes idle keep-alive connections at once and exits 0', { timeout: 60_000 }, async () => {
    const server = await startServerProcess({ ...env, KEEP_ALIVE_TIMEOUT_MS: '60000' });
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) =>
      http.get(`${server.url}/api/health`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject),
    );
    const started = performance.now();
    server.proc.kill('SIGTERM');
    assert.equal(await within(10_000, server.exit, 'exiting'), 0);
    assert.ok(performance.now() - started < 3000, `exited after ${(performance.now() - started).toFixed(0)} ms`);
    agent.destroy();
  });

  it('SIGTERM cuts a request still dripping in after the grace period and exits 1', { timeout: 60_000 }, async () => {
    const limits = { SHUTDOWN_GRACE_MS: '1000', REQUEST_TIMEOUT_MS: '0', RECEIVE_TIMEOUT_MS: '0' };
    const server = await startServerProcess({ ...env, ...limits });
    const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
    socket.on('error', () => {});
    const headers = 'Host: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000';
    socket.write(`POST /api/ask HTTP/1.1\r\n${headers}\r\n\r\n{"question":`);
    const drip = setInterval(() => socket.write(' '), 100);
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    server.proc.kill('SIGTERM');
    const code = await within(10_000, server.exit, 'exiting');
    clearInterval(drip);
    socket.destroy();
    const ms = performance.now() - started;
    assert.equal(code, 1);
    assert.ok(ms >= 900 && ms < 4000, `exited after ${ms.toFixed(0)} ms`);
    assert.match(server.output(), /still open after 1000 ms/);
  });
});

describe('cluster', () => {
  it('WORKERS=2 shares one rate-limit counter across the workers', { timeout: 90_000 }, async () => {
    const server = await startServerProcess({ ...env, WORKERS: '2', RATE_LIMIT: '4' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        // A new connection each time, so the primary hands them to the workers in turn.
        const res = await fetch(`${server.url}/api/ask`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close' },
          body: '{"question":"你好"}',
        });
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429, 429, 429]);
    } finally {
      server.proc.kill('SIGTERM');
      await server.exit;
    }
  });
});
