/**
 * The throwaway cluster the PostgreSQL tests run against (`npm test` starts it through
 * scripts/with-postgres.mjs and sets TEST_DATABASE_URL, and TEST_DATABASE_READ_URL for its streaming replica), and what
 * several of them need: fresh databases, a server on an ephemeral port, a question over HTTP.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type { Answerer } from '../../src/answer/answer.js';
import type { Config } from '../../src/config.js';
import { createApp } from '../../src/server/app.js';
import { ROOT, tempDir, testConfig } from '../helpers.js';

const HOW =
  '`npm test` starts a throwaway PostgreSQL + pgvector cluster and a streaming replica of it where both are ' +
  'installed (`bash .ci/postgres.sh` installs them)';

/**
 * Why the PostgreSQL tests cannot run here (no test cluster named), or false: `npm test` skips them
 * with this reason on a machine without PostgreSQL and pgvector; elsewhere it starts the clusters itself.
 */
export const NO_CLUSTER: string | false = process.env.TEST_DATABASE_URL
  ? false
  : `TEST_DATABASE_URL is not set: ${HOW}, or point it at a database you may create databases in`;
export const NO_REPLICA: string | false =
  NO_CLUSTER ||
  (process.env.TEST_DATABASE_READ_URL
    ? false
    : `TEST_DATABASE_READ_URL is not set: ${HOW}, or point it at a streaming replica of TEST_DATABASE_URL`);

export function clusterUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error(NO_CLUSTER || 'TEST_DATABASE_URL is not set');
  return url;
}

export function replicaUrl(): string {
  const url = process.env.TEST_DATABASE_READ_URL;
  if (!url) throw new Error(NO_REPLICA || 'TEST_DATABASE_READ_URL is not set');
  return url;
}

/** `url` with another database (and, to tell a test's connections apart, an application_name). */
export function databaseUrl(url: string, database: string, applicationName?: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (applicationName) u.searchParams.set('application_name', applicationName);
  return u.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: clusterUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const created: string[] = [];
/** A fresh database on the test cluster; dropDatabases() removes them all. */
export async function freshDatabase(): Promise<string> {
  const name = `policy_qa_test_${process.pid}_${created.length}`;
  await admin(async (client) => {
    await client.query(`drop database if exists ${name}`);
    await client.query(`create database ${name}`);
  });
  created.push(name);
  return name;
}

export function dropDatabases(): Promise<void> {
  return admin(async (client) => {
    for (const name of created.splice(0)) await client.query(`drop database if exists ${name} with (force)`);
  });
}

/** Settings for a server or an ingest over `url`, with an index dir that does not exist: the database is all it needs. */
export function pgConfig(url: string, corpusDir?: string): Config {
  return { ...testConfig(corpusDir), databaseUrl: url, indexDir: path.join(tempDir(), 'no-index') };
}

export async function listen(getAnswerer: () => Answerer): Promise<{ url: string; server: Server }> {
  const app = createApp(getAnswerer, { webDir: path.join(ROOT, 'web'), rateLimitPerMinute: 0 });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export async function ask(base: string, question: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/api/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
