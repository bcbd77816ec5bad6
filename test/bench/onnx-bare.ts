/**
 * The transformer pipeline's characters/s against a bare onnxruntime-node loop over the same
 * model file, the same tokenisation and the same batches (lengthBatches): how close the
 * pipeline runs to the runtime's own limit.
 */

import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import type { Config } from '../../src/config.js';
import { lengthBatches, type TransformerEmbeddings } from '../../src/index/embedders/transformer.js';
import { KnowledgeBase } from '../../src/index/knowledge-base.js';

const BATCH = 16;

export async function bareOnnxCharsPerSecond(
  config: Config,
): Promise<{ pipeline: number; bare: number; chars: number; passagesPerSecond: number; tokens: number[] }> {
  const kb = await KnowledgeBase.load(config);
  const embedder = kb.embedder as TransformerEmbeddings;
  const texts = kb.passages.map((p) => embedder.family.passagePrefix + p.text);
  const chars = texts.reduce((n, t) => n + t.length, 0);
  await embedder.embedDocuments(texts.slice(0, 8)); // warm-up
  let t = performance.now();
  await embedder.embedDocuments(kb.passages.map((p) => p.text));
  const seconds = (performance.now() - t) / 1000;
  const pipeline = chars / seconds;
  const tokens = embedder.tokenCounts(texts);

  const tokenizer = await AutoTokenizer.from_pretrained(config.embeddingModel, { local_files_only: true });
  const session = await ort.InferenceSession.create(
    path.join(config.modelsDir, config.embeddingModel, 'onnx', 'model_quantized.onnx'),
  );
  const batches = lengthBatches(tokens, BATCH);
  const run = async (ids: number[]) => {
    const enc = tokenizer(
      ids.map((i) => texts[i]),
      { padding: true, truncation: true, max_length: 512 },
    );
    const feeds: Record<string, ort.Tensor> = {};
    const inputs = enc as unknown as Record<string, { data: BigInt64Array; dims: number[] }>;
    for (const name of session.inputNames) {
      // XLM-R tokenizers give no token types; transformers.js then feeds zeros, and so does this loop.
      const tensor = inputs[name] ?? {
        data: new BigInt64Array(inputs.input_ids.data.length),
        dims: inputs.input_ids.dims,
      };
      feeds[name] = new ort.Tensor('int64', tensor.data, tensor.dims);
    }
    await session.run(feeds);
  };
  await run(batches[0]);
  t = performance.now();
  for (const batch of batches) await run(batch);
  const bare = chars / ((performance.now() - t) / 1000);
  return { pipeline, bare, chars, passagesPerSecond: texts.length / seconds, tokens };
}
