/**
 * How well retrieved text covers a question: query words weighted by IDF, so a question
 * whose rare, topical words ("GDP", "高考") appear nowhere in the sources scores low even
 * when its common words ("2023年", "政策") do. This drives both sentence choice and abstention.
 */
import type { KeywordIndex } from '../index/keyword.js';
import { bigrams, words } from '../text/tokens.js';
import type { EnglishBridge } from '../lexicon/bridge.js';
import { detectLanguage } from './route.js';

/** An English word with no Chinese counterpart counts, but less than a missing Chinese word: often it is only phrasing. */
const UNTRANSLATED_WEIGHT = 0.5;
/** A synonym found in the text is weaker evidence than the word itself. */
const SYNONYM_CREDIT = 0.5;
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
}

/** Words that only frame a question; they must not count as topic words. */
const FRAME =
  /^(哪|几|谁|什么|多少|怎|如何|为何|是否).*|.*(什么|多少|哪些|哪个)$|^(问题|内容|方面|主要|具体|分别|一共|总共|时候|时间|定义|意味|意味着|来说|对于|表述|打算|发表|作者|署名|提到|这篇|这次|这个|那个|文章|讲话|贺词|会议|报告|材料|文稿|文件|说法|出自|哪一篇|what|which|how|does|say|said|mention|mentioned|according|documents?|text)$/i;

export function profileQuery(keyword: KeywordIndex, text: string, bridge?: EnglishBridge): QueryProfile {
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
    for (const a of bridge.align(text)) add(a.words[0] ?? a.source, a.words.slice(1), a.words.length === 0 && !/\d/.test(a.source) ? UNTRANSLATED_WEIGHT : 1);
  } else {
    for (const q of text.match(QUOTED) ?? []) add(q.slice(1, -1), []);
    for (const word of words(text)) add(word, keyword.knows(word) ? [] : (bridge?.synonyms(word) ?? []));
  }
  // Drop words contained in a longer query word (cutForSearch yields 毛泽东 and 毛泽东思想).
  const kept = list.filter((w) => !list.some((o) => o !== w && o.word.length > w.word.length && o.word.includes(w.word) && keyword.knows(o.word)));
  return { translated, words: kept, total: kept.reduce((s, w) => s + w.weight, 0), bigrams: new Set(bigrams(text)) };
}

/** Corpus words to add to the keyword query: synonyms and translations. */
export function expansionTerms(profile: QueryProfile): string[] {
  return profile.words.flatMap((w) => (profile.translated || w.alternatives.length ? [w.word, ...w.alternatives] : []));
}

/** Share (0–1) of the question's IDF weight whose words occur in the text. */
export function coverage(profile: QueryProfile, text: string): number {
  if (profile.total === 0) return 0;
  let covered = 0;
  for (const w of profile.words) {
    if (text.includes(w.word)) covered += w.weight;
    else if (w.alternatives.some((a) => text.includes(a))) covered += profile.translated ? w.weight : SYNONYM_CREDIT * w.weight;
  }
  return covered / profile.total;
}

/** Share of the question's content bigrams found in the text. */
export function bigramOverlap(profile: QueryProfile, text: string): number {
  if (profile.bigrams.size === 0) return 0;
  let hit = 0;
  for (const b of profile.bigrams) if (text.includes(b.slice(1))) hit++;
  return hit / profile.bigrams.size;
}

/** Character-bigram Jaccard similarity, to drop near-duplicate sentences. */
export function similarity(a: string, b: string): number {
  const grams = (s: string) => {
    const out = new Set<string>();
    for (let i = 0; i + 2 <= s.length; i++) out.add(s.slice(i, i + 2));
    return out;
  };
  const ga = grams(a);
  const gb = grams(b);
  let inter = 0;
  for (const g of ga) if (gb.has(g)) inter++;
  return inter / Math.max(1, ga.size + gb.size - inter);
}
