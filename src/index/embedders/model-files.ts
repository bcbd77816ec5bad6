/**
 * Which files a transformer model needs on disk. Kept apart from the embedder so that
 * checking for a model does not load the ONNX runtime.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export type Dtype = 'q8' | 'fp32';

export const MODEL_FILES: Record<Dtype, string> = { q8: 'onnx/model_quantized.onnx', fp32: 'onnx/model.onnx' };
const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];

export function missingModelFiles(modelsDir: string, modelId: string, dtype: Dtype): string[] {
  const dir = path.join(modelsDir, modelId);
  return [...REQUIRED, MODEL_FILES[dtype]].filter((f) => !existsSync(path.join(dir, f)));
}
