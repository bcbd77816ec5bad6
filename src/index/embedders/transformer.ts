/**
 * The transformer embedder (the product's default for users): a sentence-embedding
 * model run locally with @huggingface/transformers (ONNX). Tokenises and runs the model
 * directly rather than through `pipeline()`, so batches can be sorted by length (less
 * padding) and pooling follows the model family.
 */

import path from 'node:path';
import {
  AutoModel,
  AutoTokenizer,
  env,
  mean_pooling,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Tensor,
} from '@huggingface/transformers';
import { Embeddings } from '@langchain/core/embeddings';
import { type Dtype, localModelSource, missingModelFiles, modelFiles } from './model-files.js';
import type { Embedder, EmbedderInfo } from './types.js';

export type Pooling = 'mean' | 'cls';

export interface ModelFamily {
  name: string;
  pooling: Pooling;
  queryPrefix: string;
  passagePrefix: string;
}

/** How each known family wants its inputs and outputs; unknown models get plain mean pooling. */
export const MODEL_FAMILIES: Array<{ match: RegExp; family: ModelFamily }> = [
  {
    match: /(^|\/)(multilingual-)?e5-/i,
    family: { name: 'e5', pooling: 'mean', queryPrefix: 'query: ', passagePrefix: 'passage: ' },
  },
  {
    match: /bge-.*-zh/i,
    family: {
      name: 'bge-zh',
      pooling: 'cls',
      queryPrefix: '为这个句子生成表示以用于检索相关文章：',
      passagePrefix: '',
    },
  },
  {
    match: /bge-/i,
    family: {
      name: 'bge',
      pooling: 'cls',
      queryPrefix: 'Represent this sentence for searching relevant passages: ',
      passagePrefix: '',
    },
  },
];
export const PLAIN_FAMILY: ModelFamily = { name: 'plain', pooling: 'mean', queryPrefix: '', passagePrefix: '' };

export function familyOf(modelId: string): ModelFamily {
  return MODEL_FAMILIES.find((f) => f.match.test(modelId))?.family ?? PLAIN_FAMILY;
}

export interface TransformerOptions {
  modelId: string;
  modelsDir: string;
  /** Do not try the Hugging Face Hub when the model is not in modelsDir. */
  offline: boolean;
  /** Base URL of the Hub or a mirror of it (HF_ENDPOINT); defaults to transformers.js's own, huggingface.co. */
  endpoint?: string;
  dtype?: Dtype;
  family?: ModelFamily;
  batchSize?: number;
  /** ONNX Runtime intra-op threads (defaults to the runtime's choice). */
  threads?: number;
}

/** Padded tokens per batch; measured in BENCHMARKS.md ("Real model"): peak RSS of a seed ingest 1.38 GB at 16 × 512. */
const BATCH_TOKENS = 4096;

/**
 * Texts (by index) in batches sorted by length, so each batch pads to a similar size; a batch also stops at
 * `maxTokens` padded tokens: attention holds batch × heads × length² floats, 200 MB a buffer at 16 × 512.
 */
export function lengthBatches(tokens: number[], maxBatch: number, maxTokens = BATCH_TOKENS): number[][] {
  const order = [...tokens.keys()].sort((a, b) => tokens[a] - tokens[b]);
  const batches: number[][] = [];
  for (let b = 0; b < order.length; ) {
    let end = b + 1;
    while (end < order.length && end - b < maxBatch && (end - b + 1) * tokens[order[end]] <= maxTokens) end++;
    batches.push(order.slice(b, end));
    b = end;
  }
  return batches;
}

export class TransformerEmbeddings extends Embeddings implements Embedder {
  readonly info: EmbedderInfo;
  readonly passageBudget: number;
  private readonly batchSize: number;

  private constructor(
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: PreTrainedModel,
    readonly family: ModelFamily,
    modelId: string,
    dims: number,
    private readonly maxTokens: number,
    batchSize: number,
    source: string,
  ) {
    super({});
    this.info = { kind: 'transformer', model: modelId, dims, source };
    this.batchSize = batchSize;
    // Room for [CLS]/[SEP] and the passage prefix.
    this.passageBudget = maxTokens - 2 - this.length(family.passagePrefix);
  }

  static async load(options: TransformerOptions): Promise<TransformerEmbeddings> {
    const dtype = options.dtype ?? 'q8';
    const missing = missingModelFiles(options.modelsDir, options.modelId, dtype);
    if (missing.length && options.offline) {
      throw new Error(
        `Embedding model ${options.modelId} is not in ${path.join(options.modelsDir, options.modelId)} (missing: ${missing.join(', ')}). ` +
          `Copy the model there in transformers.js layout (${modelFiles(dtype).join(', ')}), ` +
          `fetch it with \`npm run models -- download ${options.modelId}\`, allow downloads from the Hugging Face Hub, ` +
          `or set EMBEDDINGS=builtin.`,
      );
    }
    env.localModelPath = options.modelsDir.endsWith(path.sep) ? options.modelsDir : options.modelsDir + path.sep;
    env.allowLocalModels = true;
    env.allowRemoteModels = !options.offline;
    if (options.endpoint) env.remoteHost = options.endpoint.endsWith('/') ? options.endpoint : `${options.endpoint}/`;
    const localOnly = missing.length === 0;
    try {
      const tokenizer = await AutoTokenizer.from_pretrained(options.modelId, { local_files_only: localOnly });
      const model = await AutoModel.from_pretrained(options.modelId, {
        dtype,
        local_files_only: localOnly,
        session_options: options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : undefined,
      });
      const config = model.config as unknown as { hidden_size?: number; max_position_embeddings?: number };
      const dims = config.hidden_size ?? 0;
      const maxTokens = Math.min(tokenizer.model_max_length ?? 512, config.max_position_embeddings ?? 512, 512);
      return new TransformerEmbeddings(
        tokenizer,
        model,
        options.family ?? familyOf(options.modelId),
        options.modelId,
        dims,
        maxTokens,
        options.batchSize ?? 16,
        localOnly ? localModelSource(options.modelsDir, options.modelId) : `${options.modelId} from ${env.remoteHost}`,
      );
    } catch (err) {
      throw new Error(
        `Could not load embedding model ${options.modelId}: ${(err as Error).message}. ` +
          (missing.length
            ? `Not found locally (missing in ${path.join(options.modelsDir, options.modelId)}: ${missing.join(', ')}) ` +
              `and the download from ${env.remoteHost} failed (HF_ENDPOINT sets a Hub mirror). `
            : '') +
          `Put the model files under ${options.modelsDir} (\`npm run models -- download ${options.modelId}\`) or set EMBEDDINGS=builtin.`,
      );
    }
  }

  /** Tokens the text takes, without special tokens. */
  length(text: string): number {
    return this.tokenizer.encode(text, { add_special_tokens: false }).length;
  }

  private async embedBatch(texts: string[]): Promise<number[][]> {
    const inputs = this.tokenizer(texts, { padding: true, truncation: true, max_length: this.maxTokens });
    const { last_hidden_state: hidden } = (await this.model(inputs)) as { last_hidden_state: Tensor };
    const pooled =
      this.family.pooling === 'cls'
        ? hidden.slice(null, 0, null)
        : mean_pooling(hidden, inputs.attention_mask as Tensor);
    return pooled.normalize(2, -1).tolist() as number[][];
  }

  /** Tokens of each text as the model will see it (with [CLS]/[SEP], truncated). */
  tokenCounts(texts: string[]): number[] {
    return texts.map((t) => Math.min(this.maxTokens, this.length(t) + 2));
  }

  private async embedAll(texts: string[]): Promise<number[][]> {
    const out = new Array<number[]>(texts.length);
    for (const ids of lengthBatches(this.tokenCounts(texts), this.batchSize)) {
      const vectors = await this.embedBatch(ids.map((i) => texts[i]));
      for (const [j, id] of ids.entries()) out[id] = vectors[j];
    }
    return out;
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return this.embedAll(texts.map((t) => this.family.passagePrefix + t));
  }

  async embedQuery(text: string): Promise<number[]> {
    return (await this.embedAll([this.family.queryPrefix + text]))[0];
  }

  async embedQueries(texts: string[]): Promise<number[][]> {
    return this.embedAll(texts.map((t) => this.family.queryPrefix + t));
  }
}
