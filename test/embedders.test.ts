import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BuiltinEmbeddings } from '../src/index/embedders/builtin.js';
import { familyOf, lengthBatches, PLAIN_FAMILY, TransformerEmbeddings } from '../src/index/embedders/transformer.js';
import { FIXTURES, tempDir } from './helpers.js';

const norm = (v: number[]) => Math.hypot(...v);
const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0) / (norm(a) * norm(b));

describe('transformer embedder (random-weight fixture: plumbing only)', async () => {
  const modelsDir = path.join(FIXTURES, 'models');
  const e5 = familyOf('intfloat/multilingual-e5-small');
  const withPrefixes = await TransformerEmbeddings.load({
    modelId: 'tiny-random-bert-zh',
    modelsDir,
    offline: true,
    family: e5,
  });
  const plain = await TransformerEmbeddings.load({
    modelId: 'tiny-random-bert-zh',
    modelsDir,
    offline: true,
    family: PLAIN_FAMILY,
  });

  it('loads offline from the models dir and reports its dimensions', () => {
    assert.deepEqual(withPrefixes.info, {
      kind: 'transformer',
      model: 'tiny-random-bert-zh',
      dims: 64,
      // No PROVENANCE.json beside it: the label names the folder the files were found in.
      source: `tiny-random-bert-zh, local files in ${path.join(FIXTURES, 'models', 'tiny-random-bert-zh')}`,
    });
  });

  it('knows the model families', () => {
    assert.equal(familyOf('Xenova/multilingual-e5-small').queryPrefix, 'query: ');
    assert.equal(familyOf('Xenova/bge-small-zh-v1.5').pooling, 'cls');
    assert.equal(familyOf('some/other-model'), PLAIN_FAMILY);
  });

  it('returns unit vectors', async () => {
    const [v] = await plain.embedDocuments(['新型工业化的鲜明特征']);
    assert.equal(v.length, 64);
    assert.ok(Math.abs(norm(v) - 1) < 1e-5);
  });

  it('applies the query and passage prefixes of the family', async () => {
    const text = '毛泽东思想活的灵魂是什么';
    const [passage] = await withPrefixes.embedDocuments([text]);
    const query = await withPrefixes.embedQuery(text);
    assert.ok(cosine(passage, query) < 0.9999, 'e5 prefixes make query and passage vectors differ');
    const [p2] = await plain.embedDocuments([text]);
    const q2 = await plain.embedQuery(text);
    assert.ok(cosine(p2, q2) > 0.99999, 'no prefixes: same text, same vector');
  });

  it('gives the same vectors in a batch as one by one', async () => {
    const texts = ['短句', '这是一个稍微长一点的句子，用来检查填充。', '第三个'];
    const batch = await plain.embedDocuments(texts);
    for (const [i, t] of texts.entries()) {
      const [single] = await plain.embedDocuments([t]);
      assert.ok(cosine(batch[i], single) > 0.9999, `text ${i}`);
    }
  });

  it('truncates text longer than the model accepts and counts tokens', async () => {
    const long = '工业化是现代化的前提和基础。'.repeat(200);
    assert.ok(plain.length(long) > 512);
    const [v] = await plain.embedDocuments([long]);
    assert.ok(Math.abs(norm(v) - 1) < 1e-5);
    assert.ok(plain.passageBudget <= 510);
  });

  it('explains which files are missing when the model is not there', async () => {
    await assert.rejects(
      TransformerEmbeddings.load({ modelId: 'Xenova/multilingual-e5-small', modelsDir: tempDir(), offline: true }),
      /missing: config\.json, tokenizer\.json, tokenizer_config\.json, onnx\/model_quantized\.onnx.*EMBEDDINGS=builtin/,
    );
  });
});

describe('built-in embedder', () => {
  const texts = [
    '新型工业化是推进中国式现代化的关键任务。',
    '推进新型工业化要加快建设制造强国。',
    '毛泽东思想是马克思列宁主义在中国的创造性运用和发展。',
    '实事求是、群众路线、独立自主是毛泽东思想活的灵魂。',
    '新年贺词回顾了一年来的成就。',
  ];
  const model = BuiltinEmbeddings.fit(texts, 64);

  it('fits on the corpus with at most passages-1 dimensions and returns unit vectors', async () => {
    assert.equal(model.info.kind, 'builtin');
    assert.equal(model.info.dims, 4);
    const vectors = await model.embedDocuments(texts);
    for (const v of vectors) assert.ok(Math.abs(norm(v) - 1) < 1e-6);
  });

  it('puts a question nearer the passage on its topic', async () => {
    const q = await model.embedQuery('毛泽东思想活的灵魂');
    const vectors = await model.embedDocuments(texts);
    const best = vectors.map((v) => cosine(q, v)).reduce((bi, s, i, all) => (s > all[bi] ? i : bi), 0);
    assert.ok(best === 2 || best === 3);
  });

  it('returns a zero vector for text it has no words for', async () => {
    const v = await model.embedQuery('hello world');
    assert.ok(v.every((x) => x === 0));
  });

  it('fits the same model, to the bit, on two threads as on one', async () => {
    // Enough passages that the fit samples (rather than decomposing exactly) and runs every product.
    const many = Array.from(
      { length: 60 },
      (_, i) => `${texts[i % texts.length]}第${i}条，${texts[(i * 3) % texts.length]}`,
    );
    const one = BuiltinEmbeddings.fit(many, 16, undefined, 1);
    const two = BuiltinEmbeddings.fit(many, 16, undefined, 2);
    assert.equal(two.info.dims, 16);
    for (const q of ['新型工业化', '毛泽东思想活的灵魂', '新年贺词的成就'])
      assert.deepEqual(await two.embedQuery(q), await one.embedQuery(q), q);
  });

  it('saves and loads to the same vectors', async () => {
    const dir = tempDir();
    await model.save(dir);
    const loaded = await BuiltinEmbeddings.load(dir);
    assert.deepEqual(await loaded.embedQuery('制造强国'), await model.embedQuery('制造强国'));
  });
});

describe('lengthBatches', () => {
  it('groups texts by length, at most maxBatch a batch and maxTokens padded tokens', () => {
    const tokens = [512, 10, 512, 20, 30, 512, 512, 512, 512, 512, 512, 512, 512];
    const batches = lengthBatches(tokens, 4, 2048);
    assert.deepEqual(batches[0], [1, 3, 4, 0]); // 4 × 512 = 2048 padded tokens fit
    assert.ok(batches.every((b) => b.length <= 4 && b.length * Math.max(...b.map((i) => tokens[i])) <= 2048));
    assert.deepEqual(
      batches.flat().sort((a, b) => a - b),
      [...tokens.keys()],
    );
  });

  it('gives a text longer than the budget a batch of its own', () => {
    assert.deepEqual(lengthBatches([600, 600], 16, 512), [[0], [1]]);
  });
});
