import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Admission, answerQueues } from '../src/server/admission.js';
import { HttpError } from '../src/server/errors.js';

/** A piece of work the test finishes by hand, recording when it started. */
function task(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const run = () => {
    log.push(name);
    return done;
  };
  return { run, finish };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('work queue (Admission)', () => {
  it('runs at most maxConcurrent at once and starts the waiting ones in arrival order', async () => {
    const queue = new Admission(2, 10);
    const log: string[] = [];
    const tasks = ['a', 'b', 'c', 'd'].map((name) => task(log, name));
    const runs = tasks.map((t) => queue.run(t.run));
    await turn();
    assert.deepEqual(log, ['a', 'b']);
    tasks[1].finish();
    await turn();
    await turn();
    assert.deepEqual(log, ['a', 'b', 'c']);
    for (const t of tasks) t.finish();
    await Promise.all(runs);
    assert.deepEqual(log, ['a', 'b', 'c', 'd']);
    assert.ok(queue.idle);
  });

  it('says how long it has been quiet: 0 while working, then the time since the last work ended', async () => {
    const queue = new Admission(1, 10);
    const log: string[] = [];
    const t = task(log, 'a');
    const run = queue.run(t.run);
    await turn();
    assert.equal(queue.quietFor(), 0);
    t.finish();
    await run;
    await new Promise((r) => setTimeout(r, 30));
    assert.ok(queue.quietFor() >= 25, String(queue.quietFor()));
  });

  it('rejects with a 503 busy error carrying Retry-After when maxQueued are already waiting', async () => {
    const queue = new Admission(1, 1);
    const log: string[] = [];
    const first = task(log, 'first');
    const running = queue.run(first.run);
    const waiting = queue.run(async () => undefined);
    await assert.rejects(
      queue.run(async () => undefined),
      (err: unknown) => {
        assert.ok(err instanceof HttpError);
        assert.equal(err.status, 503);
        assert.equal(err.headers['Retry-After'], '1');
        return true;
      },
    );
    first.finish();
    await Promise.all([running, waiting]);
  });

  it('drops a waiting request whose signal aborts, without starting it', async () => {
    const queue = new Admission(1, 5);
    const log: string[] = [];
    const first = task(log, 'first');
    const running = queue.run(first.run);
    const controller = new AbortController();
    const waiting = queue.run(async () => void log.push('aborted one ran'), controller.signal);
    controller.abort(new Error('deadline'));
    await assert.rejects(waiting, /deadline/);
    first.finish();
    await running;
    await turn();
    assert.deepEqual(log, ['first']);
    assert.ok(queue.idle);
  });

  it('starts a summary only once no question is running or waiting', async () => {
    const { asks, summaries } = answerQueues(1, 10);
    const log: string[] = [];
    const q1 = task(log, 'question 1');
    const q2 = task(log, 'question 2');
    const s = task(log, 'summary');
    const runs = [asks.run(q1.run), summaries.run(s.run), asks.run(q2.run)];
    await turn();
    assert.deepEqual(log, ['question 1']);
    q1.finish();
    await turn();
    await turn();
    assert.deepEqual(log, ['question 1', 'question 2'], 'the waiting question goes before the summary');
    q2.finish();
    await turn();
    await turn();
    assert.deepEqual(log, ['question 1', 'question 2', 'summary']);
    s.finish();
    await Promise.all(runs);
  });
});
