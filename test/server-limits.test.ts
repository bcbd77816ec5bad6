import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Answerer, type SummaryTarget } from '../src/answer/answer.js';
import type { SummaryOptions } from '../src/answer/summarize.js';
import type { Answer, AnswerEvent, AnswerOptions, Turn } from '../src/answer/types.js';
import { Admission } from '../src/server/admission.js';
import { seedAnswerer } from './helpers.js';
import { parseSse, type Running, startServer } from './server-helpers.js';

const json = { 'content-type': 'application/json' };
const sse = { accept: 'text/event-stream' };
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });

/** The real answerer, but `answer()` waits until the test opens the gate, and remembers its signal. */
class GatedAnswerer extends Answerer {
  open!: () => void;
  gate = new Promise<void>((resolve) => (this.open = resolve));
  signals: Array<AbortSignal | undefined> = [];

  override async answer(question: string, history: Turn[] = [], options?: AnswerOptions): Promise<Answer> {
    this.signals.push(options?.signal);
    await this.gate;
    return super.answer(question, history);
  }
}

/** The real answerer, counting the summaries it computes. */
class CountingAnswerer extends Answerer {
  summaries = 0;
  override async summarize(target: SummaryTarget, options?: SummaryOptions): Promise<Answer> {
    this.summaries++;
    return super.summarize(target, options);
  }
}

class FailingAnswerer extends Answerer {
  override async answer(): Promise<Answer> {
    throw new TypeError('a.words.slice is not a function');
  }

  // biome-ignore lint/correctness/useYield: fails before its first event, as a broken composer would
  override async *events(): AsyncGenerator<AnswerEvent> {
    throw new TypeError('a.words.slice is not a function');
  }
}

let kb: Answerer['kb'];
before(async () => {
  kb = (await seedAnswerer()).kb;
});

describe('methods and preflight', () => {
  let srv: Running;
  before(async () => (srv = await startServer({ rateLimitPerMinute: 2 })));
  after(() => srv.close());

  it('answers a wrong method with 405 and the allowed methods in Allow', async () => {
    const get = await fetch(`${srv.url}/api/ask`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST, OPTIONS');
    assert.equal((await get.json()).error.code, 'method_not_allowed');
    const put = await fetch(`${srv.url}/api/health`, { method: 'PUT' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, HEAD, OPTIONS');
  });

  it('does not count OPTIONS against the rate limit', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${srv.url}/api/ask`, { method: 'OPTIONS' });
      assert.equal(res.status, 204);
      assert.match(res.headers.get('allow') ?? '', /POST/);
    }
    assert.equal((await post(`${srv.url}/api/ask`, { question: '你好' })).status, 200);
    assert.equal((await post(`${srv.url}/api/ask`, { question: '你好' })).status, 200);
    assert.equal((await post(`${srv.url}/api/ask`, { question: '你好' })).status, 429);
  });
});

describe('API key', () => {
  let srv: Running;
  before(async () => (srv = await startServer({ apiKey: 'secret-key' })));
  after(() => srv.close());

  it('answers 401 with WWW-Authenticate: Bearer', async () => {
    for (const authorization of [undefined, 'Bearer wrong-key', 'Bearer secret-ke', 'Basic c2VjcmV0LWtleQ==']) {
      const res = await fetch(`${srv.url}/api/health`, { headers: authorization ? { authorization } : {} });
      assert.equal(res.status, 401, String(authorization));
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer\b/);
    }
  });

  it('accepts the Bearer scheme in any case', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await fetch(`${srv.url}/api/health`, { headers: { authorization: `${scheme} secret-key` } });
      assert.equal(res.status, 200, scheme);
    }
  });

  it('serves any Host once a key is required', async () => {
    const headers = 'Host: rebound.example\r\nAuthorization: Bearer secret-key\r\nConnection: close';
    const res = await rawRequest(srv.url, `GET /api/health HTTP/1.1\r\n${headers}\r\n\r\n`);
    assert.match(res, /^HTTP\/1\.1 200/);
  });
});

/** Send raw bytes and read the whole response (the server closes the connection). */
function rawRequest(url: string, request: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.write(request);
  });
}

describe('Host allow-list without an API key (DNS rebinding)', () => {
  let srv: Running;
  before(async () => (srv = await startServer({ allowedHosts: ['qa.example.org'] })));
  after(() => srv.close());
  const get = (host: string) =>
    rawRequest(srv.url, `GET /api/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);

  it('refuses a Host that is neither loopback nor configured', async () => {
    const res = await get('rebound.example');
    assert.match(res, /^HTTP\/1\.1 403/);
    assert.match(res, /"code":"host_not_allowed"/);
  });

  it('serves the loopback names and the configured ones, with or without a port', async () => {
    for (const host of ['localhost', '127.0.0.1:3000', '[::1]:3000', 'qa.example.org', 'QA.example.org:8080']) {
      assert.match(await get(host), /^HTTP\/1\.1 200/, host);
    }
  });
});

describe('bodies', () => {
  let srv: Running;
  before(async () => (srv = await startServer()));
  after(() => srv.close());

  it('refuses a body that is not valid UTF-8 with 400', async () => {
    const invalid = Buffer.from([0xe6, 0xaf, 0x28, 0xff]);
    const body = Buffer.concat([Buffer.from('{"question":"'), invalid, Buffer.from('"}')]);
    const res = await fetch(`${srv.url}/api/ask`, { method: 'POST', headers: json, body });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.code, 'invalid_utf8');
  });

  it('accepts an assistant message with content null on /v1/chat/completions', async () => {
    const messages = [
      { role: 'user', content: '新型工业化有哪些重点任务？' },
      { role: 'assistant', content: null },
      { role: 'user', content: '毛泽东思想活的灵魂是什么？' },
    ];
    const res = await post(`${srv.url}/v1/chat/completions`, { model: 'x', messages });
    assert.equal(res.status, 200);
    assert.match((await res.json()).choices[0].message.content, /活的灵魂/);
  });
});

describe('streaming', () => {
  it('sends each segment as a delta with its text, its [n] marker and its citation the first time', async () => {
    const srv = await startServer();
    try {
      const res = await post(`${srv.url}/api/ask`, { question: '新型工业化有哪些重点任务？' }, sse);
      const events = parseSse(await res.text());
      const answer: Answer = JSON.parse(events.at(-1)!.data);
      const deltas = events.filter((e) => e.event === 'delta').map((e) => JSON.parse(e.data));
      assert.deepEqual(
        deltas.map((d) => d.segment),
        answer.segments,
      );
      for (const d of deltas) {
        assert.equal(d.text, d.segment.n === undefined ? d.segment.text : `${d.segment.text}[${d.segment.n}]`);
      }
      const cited = deltas.filter((d) => d.citation).map((d) => d.citation.n);
      assert.deepEqual(
        cited,
        answer.citations.map((c) => c.n),
      );
      const { mode, direct, language } = answer;
      assert.deepEqual(JSON.parse(events[0].data), { mode, direct, language });
    } finally {
      await srv.close();
    }
  });

  it('reports a failure on the SSE path with the generic JSON error, not the internal message', async () => {
    const srv = await startServer({}, new FailingAnswerer(kb));
    const logged = console.error;
    console.error = () => {};
    try {
      const plain = await post(`${srv.url}/api/ask`, { question: '毛泽东思想' });
      assert.equal(plain.status, 500);
      const jsonError = (await plain.json()).error;
      const body = await (await post(`${srv.url}/api/ask`, { question: '毛泽东思想' }, sse)).text();
      const events = parseSse(body);
      assert.equal(events.at(-1)!.event, 'error');
      assert.deepEqual(JSON.parse(events.at(-1)!.data).error, jsonError);
      assert.doesNotMatch(body, /slice|not a function/);
    } finally {
      console.error = logged;
      await srv.close();
    }
  });
});

describe('work queue', () => {
  it('turns a request away at once with 503 and Retry-After when the queue is full', async () => {
    const gated = new GatedAnswerer(kb);
    const srv = await startServer({ queues: { asks: new Admission(1, 1), summaries: new Admission(1, 1) } }, gated);
    try {
      const first = post(`${srv.url}/api/ask`, { question: '毛泽东思想活的灵魂是什么？' });
      const queued = post(`${srv.url}/api/ask`, { question: '新型工业化的鲜明特征是什么？' });
      while (gated.signals.length < 1) await new Promise((r) => setTimeout(r, 5));
      const started = performance.now();
      const turnedAway = await post(`${srv.url}/api/ask`, { question: '民主集中制' });
      assert.ok(performance.now() - started < 500);
      assert.equal(turnedAway.status, 503);
      assert.equal(turnedAway.headers.get('retry-after'), '1');
      assert.equal((await turnedAway.json()).error.code, 'busy');
      gated.open();
      assert.equal((await first).status, 200);
      assert.equal((await queued).status, 200);
    } finally {
      await srv.close();
    }
  });

  it('times out a request while it waits in the queue, and aborts the signal of the work that overran', async () => {
    const gated = new GatedAnswerer(kb);
    const queues = { asks: new Admission(1, 4), summaries: new Admission(1, 4) };
    const srv = await startServer({ requestTimeoutMs: 300, queues }, gated);
    try {
      const first = post(`${srv.url}/api/ask`, { question: '毛泽东思想活的灵魂是什么？' });
      const queued = await post(`${srv.url}/api/ask`, { question: '新型工业化的鲜明特征是什么？' });
      assert.equal(queued.status, 503);
      assert.equal((await queued.json()).error.code, 'timeout');
      assert.equal((await first).status, 503);
      assert.equal(gated.signals.length, 1, 'the queued request never started');
      assert.equal(gated.signals[0]?.aborted, true);
    } finally {
      gated.open();
      await srv.close();
    }
  });
});

describe('summary cache', () => {
  it('computes a document summary once per build and again when a new build is served', async () => {
    const first = new CountingAnswerer(kb);
    let current = first;
    const srv = await startServer({}, () => current);
    const docId = kb.documents[0].id;
    try {
      const a = await (await post(`${srv.url}/api/summarize`, { docId })).json();
      const b = await (await post(`${srv.url}/api/summarize`, { docId })).json();
      assert.deepEqual(b, a);
      assert.equal(first.summaries, 1);
      const second = new CountingAnswerer(kb);
      current = second;
      assert.equal((await post(`${srv.url}/api/summarize`, { docId })).status, 200);
      assert.equal(second.summaries, 1);
    } finally {
      await srv.close();
    }
  });
});

/** Resolves with how long the server took to close the socket (and what it sent), after `start()`. */
function closedAfter(socket: net.Socket): Promise<{ ms: number; data: string }> {
  const started = performance.now();
  let data = '';
  socket.on('data', (d) => (data += d));
  return new Promise((resolve) => socket.on('close', () => resolve({ ms: performance.now() - started, data })));
}

const connect = (url: string) =>
  new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });

describe('connection limits', () => {
  it('refuses connections over maxConnections', async () => {
    const srv = await startServer({ maxConnections: 2 });
    try {
      const held = [await connect(srv.url), await connect(srv.url)];
      const extra = await connect(srv.url).catch(() => undefined);
      if (extra) {
        extra.write('GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n');
        const { ms, data } = await closedAfter(extra);
        assert.equal(data, '', 'the connection over the cap got no answer');
        assert.ok(ms < 1000);
      }
      for (const s of held) s.destroy();
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await fetch(`${srv.url}/api/health`)).status, 200, 'a connection under the cap is served');
    } finally {
      await srv.close();
    }
  });

  it('closes a client that drips its headers once headersTimeout passes', async () => {
    const srv = await startServer({ headersTimeoutMs: 500 });
    try {
      const socket = await connect(srv.url);
      const closed = closedAfter(socket);
      const request = `GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ${'a'.repeat(100)}`;
      let i = 0;
      const drip = setInterval(() => socket.writable && socket.write(request[i++ % request.length]), 50);
      const { ms, data } = await closed;
      clearInterval(drip);
      assert.ok(ms >= 450 && ms < 2000, `closed after ${ms.toFixed(0)} ms`);
      assert.match(data, /^$|^HTTP\/1\.1 408/);
    } finally {
      await srv.close();
    }
  });

  it('closes an idle keep-alive connection once keepAliveTimeout passes', async () => {
    const srv = await startServer({ keepAliveTimeoutMs: 300 });
    try {
      const socket = await connect(srv.url);
      const closed = closedAfter(socket);
      socket.write('GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n');
      const { ms, data } = await closed;
      assert.match(data, /^HTTP\/1\.1 200/);
      assert.ok(ms >= 250 && ms < 2000, `closed after ${ms.toFixed(0)} ms`);
    } finally {
      await srv.close();
    }
  });
});
