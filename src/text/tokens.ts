/**
 * Chinese-aware terms for the keyword index and the built-in embedder: jieba words
 * (search mode, so 毛泽东思想 also yields 毛泽东 and 思想) plus character bigrams of
 * every CJK run, which catch words jieba's dictionary splits differently.
 */
import { Jieba } from '@node-rs/jieba';
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
