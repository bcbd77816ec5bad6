/**
 * The C-MTEB tasks STSB and LCQMC (test splits in DATASETS_DIR/paraphrase/): cosine Spearman of sentence pairs, as
 * MTEB scores them, with the query form on both sentences (e5's `query: `). A correct copy of multilingual-e5-small
 * reproduces its published scores; the built-in embedder's scores show what it understands of paraphrase.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Embedder } from '../index/embedders/types.js';
import { spearman } from './stats.js';

export interface ParaphraseTask {
  name: 'STSB' | 'LCQMC';
  file: string;
  /** multilingual-e5-small's published score (MTEB results, cosine Spearman, test split). */
  published: number;
}

export const PARAPHRASE_TASKS: ParaphraseTask[] = [
  { name: 'STSB', file: 'stsb_zh_test.tsv', published: 0.7773 },
  { name: 'LCQMC', file: 'lcqmc_test.tsv', published: 0.727 },
];

/** How far a converted or quantised copy may stray from the published scores. */
export const PUBLISHED_TOLERANCE = 0.015;

export interface PairSet {
  first: string[];
  second: string[];
  gold: number[];
}

export function loadPairs(datasetsDir: string, task: ParaphraseTask): PairSet {
  const set: PairSet = { first: [], second: [], gold: [] };
  for (const line of readFileSync(path.join(datasetsDir, 'paraphrase', task.file), 'utf8').split('\n')) {
    const [a, b, score] = line.split('\t');
    if (score === undefined) continue;
    set.first.push(a);
    set.second.push(b);
    set.gold.push(Number(score));
  }
  return set;
}

export const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let [dot, na, nb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb || 1);
};

export async function paraphraseScore(embedder: Embedder, pairs: PairSet): Promise<number> {
  const [a, b] = [await embedder.embedQueries(pairs.first), await embedder.embedQueries(pairs.second)];
  return spearman(
    a.map((v, i) => cosine(v, b[i])),
    pairs.gold,
  );
}
