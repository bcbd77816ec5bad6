/**
 * Pick the embedder for ingest: the transformer when its model loads (the default for
 * users), else the built-in one fitted on the corpus, with a warning that says why.
 */
import type { Config } from '../../config.js';
import type { NumberedTerms } from '../../text/tokens.js';
import { BuiltinEmbeddings } from './builtin.js';
import type { TransformerEmbeddings } from './transformer.js';
import type { Embedder } from './types.js';

/** How the index gets its embedder: a loaded transformer, or a built-in one to fit on the passages. */
export type EmbedderPlan =
  | { kind: 'transformer'; embedder: TransformerEmbeddings }
  | { kind: 'builtin'; fit: (texts: string[], tokens?: NumberedTerms) => Embedder };

export async function planEmbedder(
  config: Pick<Config, 'embeddings' | 'builtinDims' | 'embeddingModel' | 'modelsDir' | 'offline' | 'hubEndpoint'>,
  warn: (message: string) => void = console.warn,
): Promise<EmbedderPlan> {
  const builtin: EmbedderPlan = {
    kind: 'builtin',
    fit: (texts, tokens) => BuiltinEmbeddings.fit(texts, config.builtinDims, tokens),
  };
  if (config.embeddings === 'builtin') return builtin;
  try {
    // Loaded on demand: the ONNX runtime is heavy and the built-in path never needs it.
    const { TransformerEmbeddings } = await import('./transformer.js');
    const embedder = await TransformerEmbeddings.load({
      modelId: config.embeddingModel,
      modelsDir: config.modelsDir,
      offline: config.offline,
      endpoint: config.hubEndpoint,
    });
    return { kind: 'transformer', embedder };
  } catch (err) {
    if (config.embeddings === 'transformer') throw err;
    warn(
      `warning: ${(err as Error).message}\nwarning: falling back to the built-in embedder (LSA fitted on the corpus): retrieval works but understands paraphrases less well than a pretrained model.`,
    );
    return builtin;
  }
}
