/**
 * Chinese-aware terms for the keyword index and the built-in embedder: jieba words
 * (search mode, so 毛泽东思想 also yields 毛泽东 and 思想) plus character bigrams of
 * every CJK run, which catch words jieba's dictionary splits differently.
 */
import { Jieba, type TaggedWord } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

export type { TaggedWord };

let jieba: Jieba | undefined;
function segmenter(): Jieba {
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

/** Function words and question words that carry no topic. */
const STOPWORDS = new Set(
  ('的 了 是 在 和 与 及 或 也 都 就 而 并 又 这 那 之 其 于 以 为 对 把 被 从 向 到 等 着 过 吗 呢 吧 啊 呀 么 个 有 没有 ' +
    '什么 哪些 哪个 哪里 哪儿 哪 怎么 怎样 如何 为什么 为何 多少 几 是否 是不是 请问 请 一下 一些 这些 那些 这个 那个 ' +
    '我 我们 你 你们 他 他们 它 它们 谁 呢 要 会 能 可以 该 应 应该 中 上 下 里 提到 提出 说 讲 指出 强调 文中 文章 资料 ' +
    'the a an of to in on for and or is are was were be by with what which who whom when where why how does do did ' +
    'about as at it its this that these those from into than then there their they he she his her please tell me').split(/\s+/),
);

const CJK_ONLY = /^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007]+$/;
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
    if (CJK_ONLY.test(token) && !STOPWORDS.has(token)) run += token;
    else flush();
  }
  flush();
  return out;
}

/** Words and bigrams together: the term stream both indexes use. */
export function terms(text: string): string[] {
  return [...words(text), ...bigrams(text)];
}

/** Dictionary words with their part-of-speech tags (nr person, ns place, nt organisation, m numeral, t time…). */
export function posTags(text: string): TaggedWord[] {
  return segmenter().tag(text, false);
}
