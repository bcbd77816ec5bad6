/**
 * Partial answers for questions the policy declines although the sources do name their subject:
 * "杭州亚运会中国获得多少枚金牌？" finds 杭州亚运会 but no medal count. Instead of a bare refusal,
 * quote what the documents say about the subject and state what they do not give.
 */
import type { QueryProfile } from '../retrieval/expand.js';
import type { Language } from '../text/language.js';
import { type Quote, quoteText } from './citations.js';
import { holdsAnswerCue } from './compose.js';
import type { Part } from './composer.js';
import type { QuestionType } from './router.js';

/** What an attribute question asks for, when the quote does not hold it. */
const ATTRIBUTE: Partial<Record<QuestionType, Record<Language, string>>> = {
  when: { zh: '具体时间', en: 'the date' },
  howMany: { zh: '具体数字', en: 'the number' },
  who: { zh: '具体人物或机构', en: 'the person or organisation' },
  where: { zh: '具体地点', en: 'the place' },
};

export interface PartialInput {
  question: string;
  type: QuestionType;
  language: Language;
  profile: QueryProfile;
  /** The sentence the composer would quote first. */
  quote: Quote;
  /** Share of the question's weight the subject found in the quote must carry. */
  minSubjectShare: number;
}

/** The question's words found in the quote, merged where they stand side by side in the question. */
function subject(question: string, words: string[], quote: string): string[] {
  const spans = words
    .map((w) => ({ start: question.indexOf(w), end: question.indexOf(w) + w.length }))
    .filter((s) => s.start >= 0)
    .sort((a, b) => a.start - b.start);
  const merged: Array<{ start: number; end: number }> = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.start <= last.end && quote.includes(question.slice(last.start, Math.max(last.end, s.end)))) {
      last.end = Math.max(last.end, s.end);
    } else if (!last || s.start >= last.end) merged.push({ ...s });
  }
  return merged.map((s) => question.slice(s.start, s.end));
}

/** The statement and the quote of a partial answer, or undefined when the question is not one. */
export function partialAnswer(input: PartialInput): Part[] | undefined {
  const { profile, question, language, type } = input;
  const text = quoteText(input.quote);
  const topics = profile.words.filter((w) => w.topic);
  const inQuote = topics.filter((w) => text.includes(w.word));
  const weight = (list: typeof topics) => list.reduce((s, w) => s + w.weight, 0);
  if (profile.total === 0 || weight(inQuote) / profile.total < input.minSubjectShare) return undefined;
  // An English question reaches the sources through a dictionary: one matched word names no subject.
  if (language === 'en' && inQuote.length < 2) return undefined;
  const missing = topics.filter((w) => !w.present).map((w) => w.word);
  const attribute = ATTRIBUTE[type] && !holdsAnswerCue(type, text, question) ? ATTRIBUTE[type][language] : undefined;
  if (missing.length === 0 && !attribute) return undefined;
  const found = subject(
    question,
    inQuote.map((w) => w.word),
    text,
  );
  const named = (found.length ? found : inQuote.map((w) => w.word)).slice(0, 2);
  const absent = missing.slice(0, 2).map((w) => `“${w}”`);
  const statement =
    language === 'zh'
      ? `资料提到了${named.map((w) => `“${w}”`).join('、')}，但没有给出${absent.length ? `${absent.join('、')}的相关信息` : attribute}。相关原文：`
      : `The documents mention ${named.map((w) => `“${w}”`).join(' and ')} but do not give ${absent.length ? `anything on ${absent.join(' or ')}` : attribute}. What they say (quoted in Chinese): `;
  return [{ text: statement }, { quote: input.quote }];
}
