/** parseArgs and loadConfig: flags, switches, positionals, defaults and clear errors. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, parseArgs } from '../src/config.js';

describe('parseArgs', () => {
  it('reads a value flag from the next argument, keyed by its env name', () => {
    assert.deepEqual(parseArgs(['--port', '8080']).settings, { PORT: '8080' });
  });

  it('reads a value flag written as --flag=value', () => {
    assert.deepEqual(parseArgs(['--k=3', '--corpus=docs/a=b']).settings, { K: '3', CORPUS_DIR: 'docs/a=b' });
  });

  it('collects unknown --flags as switches, without their dashes', () => {
    assert.deepEqual([...parseArgs(['--json', '--jsonl']).switches], ['json', 'jsonl']);
  });

  it('keeps other arguments as positionals, in order', () => {
    assert.deepEqual(parseArgs(['first', '--json', 'second']).positional, ['first', 'second']);
  });

  it("does not take a value flag's value as a positional", () => {
    const args = parseArgs(['--index', 'idx', 'question']);
    assert.deepEqual(args.positional, ['question']);
    assert.deepEqual(args.settings, { INDEX_DIR: 'idx' });
  });

  it('throws "needs a value" for a value flag at the end', () => {
    assert.throws(() => parseArgs(['--port']), /--port needs a value/);
  });

  for (const name of Object.getOwnPropertyNames(Object.prototype)) {
    it(`treats the positional "${name}" as a positional`, () => {
      const args = parseArgs([name]);
      assert.deepEqual(args.positional, [name]);
      assert.deepEqual(args.settings, {});
    });

    it(`treats --${name} as a switch`, () => {
      assert.deepEqual([...parseArgs([`--${name}`]).switches], [name]);
    });
  }
});

describe('loadConfig', () => {
  it('has the documented defaults with no environment', () => {
    const config = loadConfig({}, {});
    assert.equal(config.corpusDir, path.resolve('corpus'));
    assert.equal(config.indexDir, path.resolve('index'));
    assert.equal(config.modelsDir, path.resolve('models'));
    assert.equal(config.datasetsDir, path.resolve('..', 'shared', 'datasets'));
    assert.equal(config.embeddings, 'auto');
    assert.equal(config.offline, false);
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.k, 5);
  });

  it('reads settings from the environment', () => {
    const config = loadConfig({}, { PORT: '8080', EMBEDDINGS: 'builtin', DATASETS_DIR: '/data/sets' });
    assert.equal(config.port, 8080);
    assert.equal(config.embeddings, 'builtin');
    assert.equal(config.datasetsDir, '/data/sets');
  });

  it('lets overrides (command-line flags) win over the environment', () => {
    assert.equal(loadConfig({ K: '7' }, { K: '3' }).k, 7);
  });

  it('uses the default for an empty setting', () => assert.equal(loadConfig({}, { PORT: '' }).port, 3000));

  it('reads EMBEDDINGS case-insensitively', () => {
    assert.equal(loadConfig({}, { EMBEDDINGS: 'BuiltIn' }).embeddings, 'builtin');
  });

  it('turns offline on for 1, true or yes', () => {
    for (const value of ['1', 'true', 'YES']) assert.equal(loadConfig({}, { OFFLINE: value }).offline, true, value);
  });

  it('rejects a number setting that is not a whole number, naming the setting and the value', () => {
    assert.throws(() => loadConfig({}, { PORT: 'abc' }), /PORT must be a non-negative whole number, got "abc"/);
    assert.throws(() => loadConfig({ K: '2.5' }, {}), /K must be a non-negative whole number, got "2.5"/);
  });

  it('rejects a negative number setting', () => {
    assert.throws(() => loadConfig({}, { RATE_LIMIT: '-1' }), /RATE_LIMIT must be a non-negative whole number/);
  });

  it('reads DATABASE_READ_URL beside DATABASE_URL', () => {
    const config = loadConfig({}, { DATABASE_URL: 'postgres://db/qa', DATABASE_READ_URL: 'postgresql://replica/qa' });
    assert.equal(config.databaseUrl, 'postgres://db/qa');
    assert.equal(config.databaseReadUrl, 'postgresql://replica/qa');
  });

  it('rejects DATABASE_READ_URL without DATABASE_URL, saying which database each names', () => {
    assert.throws(
      () => loadConfig({}, { DATABASE_READ_URL: 'postgres://replica/qa' }),
      /DATABASE_READ_URL is set without DATABASE_URL: set DATABASE_URL to the primary database, which ingest writes to/,
    );
  });

  it('rejects a DATABASE_READ_URL that is not a postgres:// URL, hiding its password', () => {
    assert.throws(
      () => loadConfig({}, { DATABASE_URL: 'postgres://db/qa', DATABASE_READ_URL: 'mysql://me:secret@replica/qa' }),
      (err: Error) =>
        /^DATABASE_READ_URL must be a postgres:\/\/ or postgresql:\/\/ URL/.test(err.message) &&
        !err.message.includes('secret'),
    );
  });

  it('rejects an unknown EMBEDDINGS value, listing the valid ones', () => {
    assert.throws(
      () => loadConfig({}, { EMBEDDINGS: 'gpu' }),
      /EMBEDDINGS must be one of auto, transformer, builtin, got "gpu"/,
    );
  });
});
