/** scripts/with-postgres.mjs, the wrapper `npm test` runs under: usage, pass-through and exit codes. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './helpers.js';

const SCRIPT = path.join(ROOT, 'scripts', 'with-postgres.mjs');
const wrap = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

describe('scripts/with-postgres.mjs', () => {
  it('refuses to run without a command, saying how to call it', () => {
    const run = wrap([]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /usage: node scripts\/with-postgres\.mjs COMMAND/);
  });

  it('runs the command against the cluster TEST_DATABASE_URL names, starting none, and passes its exit code on', () => {
    const run = wrap(
      [process.execPath, '-e', 'process.exit(process.env.TEST_DATABASE_URL === "postgres://elsewhere/db" ? 3 : 4)'],
      { TEST_DATABASE_URL: 'postgres://elsewhere/db' },
    );
    assert.equal(run.status, 3);
    assert.doesNotMatch(run.stdout, /test cluster at/);
  });

  it('reports a command it cannot start', () => {
    const run = wrap(['no-such-command-here'], { TEST_DATABASE_URL: 'postgres://elsewhere/db' });
    assert.equal(run.status, 127);
    assert.match(run.stderr, /could not run no-such-command-here/);
  });
});
