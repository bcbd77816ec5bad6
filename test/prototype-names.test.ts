/**
 * Issue 13, item 1: text that names an `Object.prototype` property ("constructor", "toString",
 * "__proto__"…) must be an ordinary word on every endpoint, in the question and in the history.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseSse, type Running, startServer } from './server-helpers.js';

const NAMES = Object.getOwnPropertyNames(Object.prototype);
const LEAKS = /not a function|Cannot read|undefined|TypeError|\.slice|\.map|stack/;

let srv: Running;
before(async () => {
  srv = await startServer();
});
after(() => srv.close());

interface Endpoint {
  name: string;
  path: string;
  stream: boolean;
  body: (question: string, history: Array<{ role: 'user' | 'assistant'; content: string }>) => unknown;
}

const ENDPOINTS: Endpoint[] = [
  { name: '/api/ask JSON', path: '/api/ask', stream: false, body: (question, history) => ({ question, history }) },
  { name: '/api/ask SSE', path: '/api/ask', stream: true, body: (question, history) => ({ question, history }) },
  ...[false, true].map((stream) => ({
    name: `/v1/chat/completions${stream ? ' stream' : ''}`,
    path: '/v1/chat/completions',
    stream,
    body: (question: string, history: Array<{ role: string; content: string }>) => ({
      model: 'x',
      stream,
      messages: [...history, { role: 'user', content: question }],
    }),
  })),
];

/** Post and check: no 5xx, no error event, nothing internal in the body. */
async function check(endpoint: Pick<Endpoint, 'path' | 'stream'>, body: unknown, what: string): Promise<void> {
  const res = await fetch(srv.url + endpoint.path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(endpoint.stream ? { accept: 'text/event-stream' } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status < 500, `${what}: status ${res.status} ${text.slice(0, 200)}`);
  if (res.status >= 400) assert.doesNotMatch(JSON.parse(text).error.message, LEAKS, what);
  if (endpoint.stream && res.status === 200) {
    const error = parseSse(text).find((e) => e.event === 'error');
    assert.equal(error, undefined, `${what}: ${error?.data}`);
  }
}

describe('Object.prototype names are ordinary words', () => {
  for (const endpoint of ENDPOINTS) {
    it(`${endpoint.name}: in the question, alone and in Chinese and English sentences`, async () => {
      for (const name of NAMES) {
        for (const question of [name, `${name}是什么？`, `What is ${name} in the documents?`]) {
          await check(endpoint, endpoint.body(question, []), `${endpoint.name} question ${JSON.stringify(question)}`);
        }
      }
    });

    it(`${endpoint.name}: in the history`, async () => {
      for (const name of NAMES) {
        const history = [
          { role: 'user' as const, content: `What does ${name} mean?` },
          { role: 'assistant' as const, content: name },
        ];
        await check(endpoint, endpoint.body('And what about it?', history), `${endpoint.name} history with ${name}`);
      }
    });
  }

  it('/api/summarize: as a document or section id, and as a summary request in a question', async () => {
    for (const name of NAMES) {
      for (const body of [{ docId: name }, { sectionId: name }]) {
        const headers = { 'content-type': 'application/json' };
        const res = await fetch(`${srv.url}/api/summarize`, { method: 'POST', headers, body: JSON.stringify(body) });
        assert.equal(res.status, 404, `${JSON.stringify(body)} → ${res.status}`);
      }
      await check({ path: '/api/ask', stream: false }, { question: `Summarize ${name}` }, `summary question ${name}`);
      await check({ path: '/api/ask', stream: false }, { question: `总结一下${name}` }, `summary question ${name}`);
    }
  });
});
