/**
 * The arithmetic limit of embedding with the transformer on this machine: operations per passage from the model's
 * shape and the passages' token counts, divided into the int8 matrix throughput ONNX Runtime reaches here on a
 * product of the model's own size (DynamicQuantizeLinear + MatMulInteger, the graph the linear layers use).
 */
import * as ort from 'onnxruntime-node';
import { DataType, GraphBuilder } from '../../src/index/embedders/convert/onnx-graph.js';

export interface ModelShape {
  hidden: number;
  layers: number;
  intermediate: number;
}

/** Multiply-adds ×2 for one sequence of `tokens`: the linear layers, and attention's two T×T products. */
export function operationsPerSequence(shape: ModelShape, tokens: number): number {
  const { hidden: H, layers: L, intermediate: FF } = shape;
  const linear = 2 * tokens * L * (4 * H * H + 2 * H * FF);
  const attention = 2 * L * 2 * tokens * tokens * H;
  return linear + attention;
}

/** Measured int8 operations per second of an [rows × H] · [H × FF] product, on `threads` threads. */
export async function int8OperationsPerSecond(shape: ModelShape, threads: number, rows = 2048): Promise<number> {
  const g = new GraphBuilder();
  const x = g.input('x', DataType.FLOAT, [rows, shape.hidden]);
  const w = g.initializer(
    'w',
    [shape.hidden, shape.intermediate],
    new Int8Array(shape.hidden * shape.intermediate).fill(3),
  );
  const [xq, , xZero] = g.opOutputs('DynamicQuantizeLinear', [x], 3);
  g.op('MatMulInteger', [xq, w, xZero], {}, { out: 'y' });
  g.output('y', DataType.INT32, [rows, shape.intermediate]);
  const session = await ort.InferenceSession.create(g.encode({ opsets: { '': 17 }, producer: 'bench' }), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const feeds = {
    x: new ort.Tensor('float32', Float32Array.from({ length: rows * shape.hidden }, Math.random), [rows, shape.hidden]),
  };
  await session.run(feeds);
  const runs = 20;
  const t = performance.now();
  for (let i = 0; i < runs; i++) await session.run(feeds);
  const seconds = (performance.now() - t) / 1000;
  return (runs * 2 * rows * shape.hidden * shape.intermediate) / seconds;
}
