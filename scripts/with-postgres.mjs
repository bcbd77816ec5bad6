/**
 * node scripts/with-postgres.mjs COMMAND [ARGS…]: run a command against a throwaway PostgreSQL + pgvector
 * cluster and a streaming replica of it (pg_basebackup -R), as `npm test` does for its PostgreSQL tests.
 *  - TEST_DATABASE_URL already set: the command runs against that cluster; nothing is started.
 *  - PostgreSQL and pgvector installed (`bash .ci/postgres.sh` installs them): both clusters start on free
 *    ports (trust authentication on 127.0.0.1), TEST_DATABASE_URL and TEST_DATABASE_READ_URL name them, and
 *    they are stopped and removed when the command ends, whatever the outcome.
 *  - Neither: the command runs without them, after a line saying what is missing (the PostgreSQL tests
 *    then skip, saying the same).
 * As root, the clusters run as the `postgres` user: initdb refuses root.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const command = process.argv.slice(2);
if (command.length === 0) {
  console.error('usage: node scripts/with-postgres.mjs COMMAND [ARGS…]');
  process.exit(2);
}

/** PostgreSQL's programs and extension folder: pg_config's, else the newest Debian-style install. */
function findPostgres() {
  try {
    const [bin, share] = execFileSync('pg_config', ['--bindir', '--sharedir'], { encoding: 'utf8' }).trim().split('\n');
    if (existsSync(path.join(bin, 'initdb'))) return { bin, share };
  } catch {
    // no pg_config: look where Debian installs the server
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest ? { bin: path.join(root, newest, 'bin'), share: `/usr/share/postgresql/${newest}` } : undefined;
}

/** Why no cluster can be started here, or undefined. */
function missing(pg) {
  if (!pg) return 'PostgreSQL is not installed';
  if (!existsSync(path.join(pg.share, 'extension', 'vector.control'))) return 'pgvector is not installed';
  return undefined;
}

/** Two distinct free ports, held open together while both are picked. */
async function freePorts() {
  const listen = () =>
    new Promise((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => resolve(server));
    });
  const servers = [await listen(), await listen()];
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function run(exitCode) {
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: process.env });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : exitCode)));
    child.on('error', (err) => {
      console.error(`could not run ${command[0]}: ${err.message}`);
      resolve(127);
    });
  });
}

if (process.env.TEST_DATABASE_URL) process.exit(await run(0));

const pg = findPostgres();
const why = missing(pg);
if (why) {
  console.log(`${why}: the PostgreSQL tests will be skipped (bash .ci/postgres.sh installs both and runs them).`);
  process.exit(await run(0));
}

const asRoot = process.getuid?.() === 0;
/** A PostgreSQL program, as the postgres user when we are root. */
const pgProgram = (name, args) =>
  execFileSync(
    asRoot ? 'runuser' : path.join(pg.bin, name),
    asRoot ? ['-u', 'postgres', '--', path.join(pg.bin, name), ...args] : args,
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );

const dir = mkdtempSync(path.join(os.tmpdir(), 'policy-qa-pg-'));
if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), 0);
const stop = () => {
  for (const data of ['replica', 'data']) {
    try {
      pgProgram('pg_ctl', ['-D', path.join(dir, data), '-m', 'immediate', 'stop']);
    } catch {
      // not started, or already stopped
    }
  }
  rmSync(dir, { recursive: true, force: true });
};
const start = (data, port) =>
  pgProgram('pg_ctl', [
    '-D',
    path.join(dir, data),
    '-l',
    path.join(dir, `${data}.log`),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start',
  ]);

let code = 1;
try {
  const [port, replicaPort] = await freePorts();
  // initdb's trust pg_hba also admits replication connections from 127.0.0.1, and wal_level=replica is
  // the default, so the primary needs no further settings to stream to a replica.
  pgProgram('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
  start('data', port);
  // -R writes standby.signal and primary_conninfo: the copy starts as a hot standby streaming from the primary.
  pgProgram('pg_basebackup', [
    ...['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-D', path.join(dir, 'replica')],
    ...['-R', '-X', 'stream', '--checkpoint=fast', '--no-sync'],
  ]);
  start('replica', replicaPort);
  process.env.TEST_DATABASE_URL = `postgres://postgres@127.0.0.1:${port}/postgres`;
  process.env.TEST_DATABASE_READ_URL = `postgres://postgres@127.0.0.1:${replicaPort}/postgres`;
  console.log(
    `PostgreSQL test cluster at ${process.env.TEST_DATABASE_URL}, streaming replica at ${process.env.TEST_DATABASE_READ_URL}`,
  );
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => {});
  code = await run(1);
} catch (err) {
  console.error(`could not start the PostgreSQL test cluster in ${dir}: ${err.message}`);
} finally {
  stop();
}
process.exit(code);
