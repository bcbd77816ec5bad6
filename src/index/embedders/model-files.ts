/**
 * Which files a transformer model needs on disk. Kept apart from the embedder so that
 * checking for a model does not load the ONNX runtime.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export type Dtype = 'q8' | 'fp32';
export const DTYPES: readonly Dtype[] = ['q8', 'fp32'];

export const MODEL_FILES: Record<Dtype, string> = { q8: 'onnx/model_quantized.onnx', fp32: 'onnx/model.onnx' };
const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];

/** The files, relative to the model's folder, that loading the model with this dtype reads. */
export function modelFiles(dtype: Dtype): string[] {
  return [...REQUIRED, MODEL_FILES[dtype]];
}

export function missingModelFiles(modelsDir: string, modelId: string, dtype: Dtype): string[] {
  const dir = path.join(modelsDir, modelId);
  return modelFiles(dtype).filter((f) => !existsSync(path.join(dir, f)));
}
