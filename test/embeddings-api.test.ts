import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OpenAIEmbeddings } from '@langchain/openai';
import OpenAI from 'openai';
import type { Answerer } from '../src/answer/answer.js';
import { familyOf, PLAIN_FAMILY, TransformerEmbeddings } from '../src/index/embedders/transformer.js';
import type { Embedder } from '../src/index/embedders/types.js';
import { Admission } from '../src/server/admission.js';
import { FIXTURES, seedAnswerer } from './helpers.js';
import { type Running, startServer } from './server-helpers.js';

let srv: Running;
let embedder: Embedder;
before(async () => {
  embedder = (await seedAnswerer()).kb.embedder;
  srv = await startServer();
});
after(() => srv.close());

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

interface EmbeddingList {
  object: string;
  data: Array<{ object: string; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** Little-endian float32 bytes, base64, back to numbers. */
function decode(base64: string): number[] {
  const bytes = Buffer.from(base64, 'base64');
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

const closeTo = (actual: number[], expected: number[], tolerance = 1e-6) => {
  assert.equal(actual.length, expected.length);
  for (const [i, x] of expected.entries()) assert.ok(Math.abs(actual[i] - x) <= tolerance, `component ${i}`);
};

describe('POST /v1/embeddings (built-in embedder)', () => {
  it('embeds a string with the embedder being served, and counts its tokens', async () => {
    const text = '毛泽东思想活的灵魂是什么？';
    const res = await post(srv.url, { model: 'text-embedding-3-small', input: text });
    assert.equal(res.status, 200);
    const body: EmbeddingList = await res.json();
    assert.equal(body.object, 'list');
    assert.equal(body.model, embedder.info.model, 'the model actually used, not the one asked for');
    assert.equal(body.data.length, 1);
    assert.equal(body.data[0].object, 'embedding');
    assert.equal(body.data[0].index, 0);
    assert.equal((body.data[0].embedding as number[]).length, embedder.info.dims);
    assert.deepEqual(body.data[0].embedding, await embedder.embedQuery(text));
    assert.deepEqual(body.usage, { prompt_tokens: text.length, total_tokens: text.length });
  });

  it('embeds a list in order, as passages when asked, and accepts its own dimensions', async () => {
    const input = ['新型工业化的鲜明特征', '制造强国', '新年贺词回顾了一年来的成就'];
    const res = await post(srv.url, { model: 'x', input, input_type: 'passage', dimensions: embedder.info.dims });
    assert.equal(res.status, 200);
    const body: EmbeddingList = await res.json();
    assert.deepEqual(
      body.data.map((d) => d.index),
      [0, 1, 2],
    );
    assert.deepEqual(
      body.data.map((d) => d.embedding),
      await embedder.embedDocuments(input),
    );
    const chars = input.join('').length;
    assert.deepEqual(body.usage, { prompt_tokens: chars, total_tokens: chars });
  });

  it('sends base64 of little-endian float32 when asked', async () => {
    const input = ['制造强国', '毛泽东思想'];
    const body: EmbeddingList = await (await post(srv.url, { model: 'x', input, encoding_format: 'base64' })).json();
    for (const [i, text] of input.entries()) {
      const embedding = body.data[i].embedding;
      assert.equal(typeof embedding, 'string');
      assert.deepEqual(decode(embedding as string), (await embedder.embedQuery(text)).map(Math.fround));
    }
  });

  it('rejects bad input with a 400 that says what to fix', async () => {
    const cases: Array<[unknown, number, string, RegExp, Record<string, string>?]> = [
      [{ input: 'a' }, 400, 'invalid_model', /"model" must be a string/],
      [{ model: 'x' }, 400, 'invalid_input', /"input" is missing/],
      [{ model: 'x', input: [] }, 400, 'empty_input', /empty list/],
      [{ model: 'x', input: Array(257).fill('a') }, 400, 'too_many_inputs', /257 texts; send at most 256/],
      [{ model: 'x', input: 42 }, 400, 'invalid_input', /string or a list of 1–256 strings, got number/],
      [{ model: 'x', input: ['a', 42] }, 400, 'invalid_input', /"input\[1\]" must be a string/],
      [{ model: 'x', input: [[101, 102]] }, 400, 'invalid_input', /token ids are not accepted/],
      [{ model: 'x', input: ['a', null] }, 400, 'invalid_input', /"input\[1\]" must be a string, got null/],
      [{ model: 'x', input: '' }, 400, 'empty_input', /"input" is empty/],
      [{ model: 'x', input: ['a', '  '] }, 400, 'empty_input', /"input\[1\]" is empty/],
      [{ model: 'x', input: ['a', 'x'.repeat(2001)] }, 400, 'input_too_long', /"input\[1\]" has 2001 .*limit is 2000/],
      [{ model: 'x', input: 'a', input_type: 'document' }, 400, 'invalid_input_type', /"query" or "passage"/],
      [{ model: 'x', input: 'a', encoding_format: 'int8' }, 400, 'invalid_encoding_format', /"float" or "base64"/],
      [{ model: 'x', input: 'a', dimensions: 3 }, 400, 'invalid_dimensions', /leave "dimensions" out/],
      [[1, 2], 400, 'invalid_body', /JSON object/],
      ['{not json', 400, 'invalid_json', /not valid JSON/],
      [{ model: 'x', input: Array(40).fill('字'.repeat(2000)) }, 413, 'body_too_large', /fewer texts/],
      [
        { model: 'x', input: 'a' },
        415,
        'unsupported_media_type',
        /application\/json/,
        { 'content-type': 'text/plain' },
      ],
    ];
    for (const [body, status, code, message, headers] of cases) {
      const res = await post(srv.url, body, headers);
      const label = JSON.stringify(body).slice(0, 60);
      assert.equal(res.status, status, label);
      const json = await res.json();
      assert.equal(json.error.code, code, label);
      assert.match(json.error.message, message, label);
    }
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const res = await fetch(`${srv.url}/v1/embeddings`);
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST, OPTIONS');
    assert.equal((await res.json()).error.code, 'method_not_allowed');
  });
});

describe('POST /v1/embeddings (clients)', () => {
  it('works with the official openai client (which asks for base64 and decodes it)', async () => {
    const client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: 'unused' });
    const input = ['新型工业化', '毛泽东思想活的灵魂'];
    const res = await client.embeddings.create({ model: 'x', input });
    assert.equal(res.model, embedder.info.model);
    assert.equal(res.data.length, 2);
    for (const [i, text] of input.entries()) closeTo(res.data[i].embedding, await embedder.embedQuery(text));
    assert.equal(res.usage.total_tokens, input.join('').length);
  });

  it("works with LangChain's OpenAIEmbeddings", async () => {
    const lc = new OpenAIEmbeddings({
      model: 'x',
      apiKey: 'k',
      maxRetries: 0,
      configuration: { baseURL: `${srv.url}/v1` },
    });
    const query = await lc.embedQuery('制造强国');
    closeTo(query, await embedder.embedQuery('制造强国'));
    const docs = await lc.embedDocuments(['新型工业化', '新年贺词', '毛泽东思想']);
    assert.equal(docs.length, 3);
    for (const v of docs) assert.equal(v.length, embedder.info.dims);
  });
});

describe('POST /v1/embeddings (guards)', () => {
  it('needs the API key when one is set', async () => {
    const guarded = await startServer({ apiKey: 'secret-key' });
    try {
      const missing = await post(guarded.url, { model: 'x', input: 'a' });
      assert.equal(missing.status, 401);
      assert.equal((await missing.json()).error.code, 'unauthorized');
      assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
      const ok = await post(guarded.url, { model: 'x', input: '制造强国' }, { authorization: 'Bearer secret-key' });
      assert.equal(ok.status, 200);
      const client = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: 'secret-key', maxRetries: 0 });
      assert.equal((await client.embeddings.create({ model: 'x', input: '制造强国' })).data.length, 1);
      const wrong = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
      await assert.rejects(wrong.embeddings.create({ model: 'x', input: 'a' }), { status: 401 });
    } finally {
      await guarded.close();
    }
  });

  it('is rate limited and waits in the questions queue', async () => {
    const asks = new Admission(1, 0);
    const limited = await startServer({ rateLimitPerMinute: 2, queues: { asks, summaries: new Admission(1, 0) } });
    try {
      let release = () => {};
      const held = asks.run(() => new Promise<void>((resolve) => (release = resolve)));
      const busy = await post(limited.url, { model: 'x', input: 'a' });
      assert.equal(busy.status, 503, 'the only slot is taken and no one may wait');
      assert.equal((await busy.json()).error.code, 'busy');
      release();
      await held;
      assert.equal((await post(limited.url, { model: 'x', input: 'a' })).status, 200);
      const third = await post(limited.url, { model: 'x', input: 'a' });
      assert.equal(third.status, 429);
      assert.equal((await third.json()).error.code, 'rate_limited');
    } finally {
      await limited.close();
    }
  });
});

describe('POST /v1/embeddings (transformer embedder, random-weight fixture)', async () => {
  const load = (family: typeof PLAIN_FAMILY) =>
    TransformerEmbeddings.load({
      modelId: 'tiny-random-bert-zh',
      modelsDir: path.join(FIXTURES, 'models'),
      offline: true,
      family,
    });
  const [e5, plain] = await Promise.all([load(familyOf('intfloat/multilingual-e5-small')), load(PLAIN_FAMILY)]);
  /** Only the embedder of the knowledge base is used by this endpoint, so that is all the stand-in has. */
  const serving = (e: Embedder) => startServer({}, { kb: { embedder: e } } as unknown as Answerer);

  it('picks embedQuery or embedDocuments by input_type (e5 prefixes make them differ)', async () => {
    const text = '毛泽东思想活的灵魂是什么';
    for (const [embedderUsed, differs] of [
      [e5, true],
      [plain, false],
    ] as const) {
      const server = await serving(embedderUsed);
      try {
        const embed = async (input_type?: string): Promise<EmbeddingList> =>
          (await post(server.url, { model: 'x', input: [text], input_type })).json();
        const [byDefault, query, passage] = await Promise.all([embed(), embed('query'), embed('passage')]);
        assert.equal(query.model, 'tiny-random-bert-zh');
        assert.deepEqual(byDefault.data, query.data, 'query is the default');
        closeTo(query.data[0].embedding as number[], await embedderUsed.embedQuery(text), 1e-5);
        closeTo(passage.data[0].embedding as number[], (await embedderUsed.embedDocuments([text]))[0], 1e-5);
        assert.equal(query.data[0].embedding.length, 64);
        const same = (query.data[0].embedding as number[]).every(
          (x, i) => Math.abs(x - (passage.data[0].embedding as number[])[i]) < 1e-6,
        );
        assert.equal(!same, differs);
        assert.equal(query.usage.prompt_tokens, embedderUsed.length(text), 'tokens counted by the tokenizer');
      } finally {
        await server.close();
      }
    }
  });
});
