/**
 * Chinese-aware terms for the keyword index and the built-in embedder: jieba words
 * (search mode, so 毛泽东思想 also yields 毛泽东 and 思想) plus character bigrams of
 * every CJK run, which catch words jieba's dictionary splits differently.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { Jieba, type TaggedWord } from '@node-rs/jieba';

export type { TaggedWord };

import { dict } from '@node-rs/jieba/dict.js';
import { isCjkOnly } from './cjk.js';
import { STOPWORDS } from './stopwords.js';

let jieba: Jieba | undefined;
function segmenter(): Jieba {
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;
export const BIGRAM_MARK = '_';

export function words(text: string): string[] {
  const out: string[] = [];
  for (const raw of segmenter().cutForSearch(text, false)) {
    const w = raw.trim().toLowerCase();
    if (!w || !WORD_CHAR.test(w) || STOPWORDS.has(w)) continue;
    out.push(w);
  }
  return out;
}

/**
 * Bigrams inside runs of content words: stopwords break a run, so "是什么" adds no
 * bigram that would match text by accident.
 */
export function bigrams(text: string): string[] {
  const out: string[] = [];
  let run = '';
  const flush = () => {
    for (let i = 0; i + 2 <= run.length; i++) out.push(BIGRAM_MARK + run.slice(i, i + 2));
    run = '';
  };
  for (const token of segmenter().cut(text, false)) {
    if (isCjkOnly(token) && !STOPWORDS.has(token)) run += token;
    else flush();
  }
  flush();
  return out;
}

/** Words and bigrams together: the term stream both indexes use. */
export function terms(text: string): string[] {
  return [...words(text), ...bigrams(text)];
}

/**
 * Many texts' terms as numbers into one vocabulary, numbered in order of first occurrence: what
 * ingest computes once for the built-in model and the keyword index, which then count with arrays
 * instead of looking every occurrence up in a Map (jieba returns a new string per occurrence).
 */
export interface NumberedTerms {
  vocab: string[];
  lists: Int32Array[];
}

/** Numbers terms in order of first occurrence. */
class Numbering {
  private readonly number = new Map<string, number>();
  readonly vocab: string[] = [];

  id(term: string): number {
    let id = this.number.get(term);
    if (id === undefined) {
      this.number.set(term, (id = this.vocab.length));
      this.vocab.push(term);
    }
    return id;
  }

  list(strings: readonly string[]): Int32Array {
    const ids = new Int32Array(strings.length);
    for (let n = 0; n < strings.length; n++) ids[n] = this.id(strings[n]);
    return ids;
  }
}

export function numberLists(lists: Iterable<readonly string[]>): NumberedTerms {
  const numbering = new Numbering();
  const out: Int32Array[] = [];
  for (const list of lists) out.push(numbering.list(list));
  return { vocab: numbering.vocab, lists: out };
}

/** The terms of each text, numbered. */
export function numberTerms(texts: readonly string[]): NumberedTerms {
  // One text's strings at a time: holding every text's at once was the peak of a large ingest.
  return numberLists(
    (function* () {
      for (const t of texts) yield terms(t);
    })(),
  );
}

/** Below this many texts, a worker's start-up (jieba's dictionary, ~0.3 s) costs more than it saves. */
const PARALLEL_FROM = 5000;

/**
 * The worker's code: it imports this very module for terms() (through tsx's loader when it is
 * TypeScript: a worker does not inherit it on Node 20) and numbers the texts it is given as
 * Numbering does.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  const { terms } = await import(workerData.module);
  const number = new Map();
  const vocab = [];
  const lists = workerData.texts.map((text) =>
    Int32Array.from(terms(text), (term) => {
      let id = number.get(term);
      if (id === undefined) number.set(term, (id = vocab.push(term) - 1));
      return id;
    }),
  );
  parentPort.postMessage({ vocab, lists }, lists.map((l) => l.buffer));
})().catch((err) => parentPort.postMessage({ error: String((err && err.stack) || err) }));
`;

/**
 * numberTerms on two threads: a worker tokenizes the second half of the texts while this thread
 * does the first, then the worker's terms are renumbered in its order of first occurrence, so the
 * numbers are the ones numberTerms gives. jieba is most of an ingest's CPU after the model fit.
 * Falls back to this thread alone when a worker cannot run.
 */
export async function numberTermsOnCores(texts: readonly string[]): Promise<NumberedTerms> {
  if (texts.length < PARALLEL_FROM || os.availableParallelism() < 2) return numberTerms(texts);
  const half = Math.ceil(texts.length / 2);
  const module = import.meta.url;
  const tsx = module.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : undefined;
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, tsx, texts: texts.slice(half) } });
  const second = new Promise<NumberedTerms | undefined>((resolve) => {
    worker.once('message', (m: NumberedTerms & { error?: string }) => resolve(m.error ? undefined : m));
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
  const numbering = new Numbering();
  const lists: Int32Array[] = [];
  for (let i = 0; i < half; i++) {
    lists.push(numbering.list(terms(texts[i])));
    // Let the worker's message in while the first half is numbered.
    if (i % 2000 === 1999) await new Promise((resolve) => setImmediate(resolve));
  }
  const rest = await second;
  void worker.terminate();
  if (!rest) {
    for (let i = half; i < texts.length; i++) lists.push(numbering.list(terms(texts[i])));
    return { vocab: numbering.vocab, lists };
  }
  const renumber = Int32Array.from(rest.vocab, (t) => numbering.id(t));
  for (const ids of rest.lists) {
    for (let n = 0; n < ids.length; n++) ids[n] = renumber[ids[n]];
    lists.push(ids);
  }
  return { vocab: numbering.vocab, lists };
}

/** jieba part-of-speech tags of topic words: nouns, names, places, organisations, abbreviations, idioms, Latin words. */
const TOPIC_TAGS = new Set(['n', 'nr', 'nrfg', 'nrt', 'ns', 'nt', 'nz', 'ng', 'j', 'l', 'i', 'eng', 'x', 't']);

export interface QuestionTerm {
  word: string;
  /** A noun-like word (what the question is about), rather than a verb or adverb (how it asks). */
  topic: boolean;
  /** Single characters jieba could not place, joined back into one literal (马纳瓜, 村晚). */
  literal: boolean;
}

/**
 * Content words of a question for judging whether the sources answer it: jieba's tagged words,
 * plus runs of single characters jieba could not place (马纳瓜, 村晚), joined back into one
 * literal, since such runs are usually the rare names a question is about.
 */
export function questionTerms(text: string): QuestionTerm[] {
  const out: QuestionTerm[] = [];
  let run = '';
  const flush = () => {
    if (run.length >= 2) out.push({ word: run, topic: true, literal: true });
    run = '';
  };
  // Without HMM: unknown names come out as single characters, which the run joins back.
  for (const { word, tag } of posTags(text)) {
    const w = word.trim().toLowerCase();
    if (w.length === 1 && isCjkOnly(w) && !STOPWORDS.has(w) && tag !== 'm' && tag !== 'q') {
      run += w;
      continue;
    }
    flush();
    if (!WORD_CHAR.test(w) || STOPWORDS.has(w) || (w.length < 2 && !/\d/.test(w))) continue;
    out.push({ word: w, topic: TOPIC_TAGS.has(tag) || /^[a-z0-9]/.test(w), literal: false });
  }
  flush();
  return out;
}

/** Dictionary words with their part-of-speech tags (nr person, ns place, nt organisation, m numeral, t time…). */
export function posTags(text: string): TaggedWord[] {
  return segmenter().tag(text, false);
}
