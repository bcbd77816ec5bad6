/**
 * Query expansion: the question's topic words weighted by IDF, each with the corpus words that
 * count as it (synonyms for Chinese words the corpus never uses, CC-CEDICT translations for an
 * English question), and a search that adds those words to the keyword and dense queries.
 */
import type { KeywordIndex } from '../index/keyword.js';
import type { EnglishBridge } from '../lexicon/bridge.js';
import { detectLanguage } from '../text/language.js';
import { digitsAsChinese } from '../text/numerals.js';
import { bigrams, questionTerms, words } from '../text/tokens.js';
import type { EvidenceTuning } from '../tuning.js';
import type { HybridSearcher, SearchOptions, SearchResult } from './hybrid.js';

const QUOTED = /[“"《「][^”"》」]{2,20}[”"》」]/g;

export interface WeightedWord {
  word: string;
  weight: number;
  /** Corpus words that count as this word (synonyms, or translations of an English word). */
  alternatives: string[];
  /** What the question is about (a noun, name or literal), rather than how it asks. */
  topic: boolean;
  /** The corpus contains the word or one of its alternatives somewhere. */
  present: boolean;
}

export interface QueryProfile {
  /** Whether the words were translated from an English question (none of them is in its text). */
  translated: boolean;
  words: WeightedWord[];
  total: number;
  bigrams: Set<string>;
  /** Credit for a synonym found instead of the word (see EvidenceTuning). */
  synonymCredit: number;
}

/** Words that only frame a question; they must not count as topic words. */
const FRAME =
  /^(哪|几|谁|什么|多少|怎|如何|为何|是否).*|.*(什么|多少|哪些|哪个)$|^(问题|内容|方面|主要|具体|分别|一共|总共|时候|时间|年份|日期|数量|数字|名字|名称|地点|篇文章|本文|全文|定义|意味|意味着|来说|对于|表述|打算|发表|作者|署名|提到|这篇|这次|这个|那个|文章|讲话|贺词|会议|报告|材料|文稿|文件|说法|出自|哪一篇|比作|比喻|形容|称作|称为|叫做|看作|视为|what|which|how|does|say|said|mention|mentioned|according|documents?|text)$/i;

export function profileQuery(
  keyword: KeywordIndex,
  text: string,
  bridge: EnglishBridge | undefined,
  tuning: EvidenceTuning,
): QueryProfile {
  const seen = new Set<string>();
  const list: WeightedWord[] = [];
  const topics = new Map<string, boolean>();
  const add = (word: string, alternatives: string[], factor = 1) => {
    if (seen.has(word) || FRAME.test(word) || (word.length < 2 && !/\d/.test(word))) return;
    seen.add(word);
    const known = [word, ...alternatives].filter((w) => keyword.knows(w));
    // Rare words weigh most; a word with alternatives weighs like the average of those the corpus uses.
    const weight =
      factor * (known.length ? known.reduce((sum, w) => sum + keyword.idf(w), 0) / known.length : keyword.idf(word));
    const present = known.length > 0 || [word, ...alternatives].some((w) => inCorpusText(keyword, w));
    list.push({ word, weight, alternatives, topic: topicOf(topics, word), present });
  };
  const translated = detectLanguage(text) === 'en' && bridge !== undefined;
  if (translated) {
    for (const a of bridge.align(text))
      add(
        a.words[0] ?? a.source,
        a.words.slice(1),
        a.words.length === 0 && !/\d/.test(a.source)
          ? tuning.untranslatedWeight
          : a.weak
            ? tuning.weakTranslationWeight
            : 1,
      );
  } else {
    const terms = questionTerms(text);
    for (const t of terms) topics.set(t.word, t.topic);
    for (const q of text.match(QUOTED) ?? []) add(q.slice(1, -1), []);
    for (const word of words(text))
      add(word, keyword.knows(word) ? (bridge?.synonyms(word) ?? []) : alternativesOf(word, bridge));
    // Names jieba cut into single characters (马纳瓜, 村晚) come back as one literal.
    for (const t of terms) if (t.literal) add(t.word, alternativesOf(t.word, bridge));
  }
  // Drop words contained in a longer query word (cutForSearch yields 毛泽东 and 毛泽东思想).
  const kept = list.filter(
    (w) =>
      !list.some((o) => o !== w && o.word.length > w.word.length && o.word.includes(w.word) && keyword.knows(o.word)),
  );
  return {
    translated,
    words: kept,
    total: kept.reduce((s, w) => s + w.weight, 0),
    bigrams: new Set(bigrams(text)),
    synonymCredit: tuning.synonymCredit,
  };
}

/** Whether a word is in the corpus text although not one of its indexed words (算力: jieba cut it 算/力). */
function inCorpusText(keyword: KeywordIndex, word: string): boolean {
  const grams = bigrams(word);
  return grams.length > 0 && grams.length === word.length - 1 && grams.every((g) => keyword.knows(g));
}

/**
 * Other spellings of a word the corpus does not use: a year in Chinese digits (2024 → 二〇二四), or synonyms.
 * (A word the corpus uses has synonyms only when it is rare there; see EnglishBridge.build.)
 */
function alternativesOf(word: string, bridge: EnglishBridge | undefined): string[] {
  if (/^\d{4}$/.test(word)) return [digitsAsChinese(word)];
  return bridge?.synonyms(word) ?? [];
}

/** A word is a topic word when jieba tags it (or the tagged word containing it) as noun-like; English words always are. */
function topicOf(topics: Map<string, boolean>, word: string): boolean {
  if (topics.size === 0) return true;
  const own = topics.get(word);
  if (own !== undefined) return own;
  for (const [tagged, topic] of topics) if (tagged.includes(word) || word.includes(tagged)) return topic;
  return true;
}

/** Corpus words to add to the keyword query: synonyms and translations. */
export function expansionTerms(profile: QueryProfile): string[] {
  return profile.words.flatMap((w) => (profile.translated || w.alternatives.length ? [w.word, ...w.alternatives] : []));
}

export interface ExpandedResults {
  results: SearchResult[];
  /** The profile of `focus`, for coverage and abstention. */
  profile: QueryProfile;
}

/**
 * Search with the question's synonyms and translations added. `focus` is the part whose words
 * must be covered (a follow-up's own words; the whole query otherwise).
 */
export async function expandedSearch(
  searcher: HybridSearcher,
  query: string,
  tuning: EvidenceTuning,
  focus = query,
  options: SearchOptions = {},
): Promise<ExpandedResults> {
  const { keyword, bridge } = searcher.kb;
  const profile = profileQuery(keyword, focus, bridge, tuning);
  const extra = expansionTerms(focus === query ? profile : profileQuery(keyword, query, bridge, tuning));
  const results = await searcher.search(query, {
    ...options,
    extraTerms: extra.flatMap((w) => [w, ...bigrams(w)]),
    denseText: extra.length ? `${query} ${extra.join(' ')}` : undefined,
  });
  return { results, profile };
}
