/**
 * Query expansion: the question's topic words weighted by IDF, each with the corpus words that
 * count as it (synonyms for Chinese words the corpus never uses, CC-CEDICT translations for an
 * English question), and a search that adds those words to the keyword and dense queries.
 */
import type { KeywordIndex } from '../index/keyword.js';
import type { EnglishBridge } from '../lexicon/bridge.js';
import { detectLanguage } from '../text/language.js';
import { bigrams, words } from '../text/tokens.js';
import type { EvidenceTuning } from '../tuning.js';
import type { HybridSearcher, SearchOptions, SearchResult } from './hybrid.js';

const QUOTED = /[“"《「][^”"》」]{2,20}[”"》」]/g;

export interface WeightedWord {
  word: string;
  weight: number;
  /** Corpus words that count as this word (synonyms, or translations of an English word). */
  alternatives: string[];
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
  /^(哪|几|谁|什么|多少|怎|如何|为何|是否).*|.*(什么|多少|哪些|哪个)$|^(问题|内容|方面|主要|具体|分别|一共|总共|时候|时间|定义|意味|意味着|来说|对于|表述|打算|发表|作者|署名|提到|这篇|这次|这个|那个|文章|讲话|贺词|会议|报告|材料|文稿|文件|说法|出自|哪一篇|what|which|how|does|say|said|mention|mentioned|according|documents?|text)$/i;

export function profileQuery(keyword: KeywordIndex, text: string, bridge: EnglishBridge | undefined, tuning: EvidenceTuning): QueryProfile {
  const seen = new Set<string>();
  const list: WeightedWord[] = [];
  const add = (word: string, alternatives: string[], factor = 1) => {
    if (seen.has(word) || FRAME.test(word) || (word.length < 2 && !/\d/.test(word))) return;
    seen.add(word);
    const known = [word, ...alternatives].filter((w) => keyword.knows(w));
    // Rare words weigh most; a word with alternatives weighs like the average of those the corpus uses.
    const weight = factor * (known.length ? known.reduce((sum, w) => sum + keyword.idf(w), 0) / known.length : keyword.idf(word));
    list.push({ word, weight, alternatives });
  };
  const translated = detectLanguage(text) === 'en' && bridge !== undefined;
  if (translated) {
    for (const a of bridge.align(text)) add(a.words[0] ?? a.source, a.words.slice(1), a.words.length === 0 && !/\d/.test(a.source) ? tuning.untranslatedWeight : 1);
  } else {
    for (const q of text.match(QUOTED) ?? []) add(q.slice(1, -1), []);
    for (const word of words(text)) add(word, keyword.knows(word) ? [] : (bridge?.synonyms(word) ?? []));
  }
  // Drop words contained in a longer query word (cutForSearch yields 毛泽东 and 毛泽东思想).
  const kept = list.filter((w) => !list.some((o) => o !== w && o.word.length > w.word.length && o.word.includes(w.word) && keyword.knows(o.word)));
  return {
    translated,
    words: kept,
    total: kept.reduce((s, w) => s + w.weight, 0),
    bigrams: new Set(bigrams(text)),
    synonymCredit: tuning.synonymCredit,
  };
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
