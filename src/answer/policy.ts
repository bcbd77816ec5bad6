/**
 * The abstention policy: do the retrieved passages answer the question at all? A small logistic
 * model over signals of how the question's words meet the sources:
 *  - evidence: IDF-weighted coverage of the question by the best passage and the best few;
 *  - absent / absentTopic: the weight of question words the corpus never contains (topic words —
 *    nouns, names — count apart, since a missing name means another subject, a missing verb often
 *    only other phrasing);
 *  - topicInQuote / topicInTop: the question's topic words found in the sentences that would be
 *    quoted, and in the best passage (the focus must be where the answer is);
 *  - focusInQuote: the rarest topic word the corpus has is in those sentences;
 *  - quoteCoverage: coverage of the whole question by that sentence;
 *  - absentLatin: a Latin-script word of a Chinese question (GDP, Python) that the corpus lacks;
 *  - attributeMissing: a when / how-many / who / where question whose sentence holds no date,
 *    number, person or place.
 * Its weights are fitted by `npm run train:abstain` on questions that the seed documents cannot
 * answer (CMRC 2018, COVID-QA) and answerable ones, and live in the tuning object.
 */
import type { EmbedderInfo } from '../index/embedders/types.js';
import type { QueryProfile, WeightedWord } from '../retrieval/expand.js';
import type { SearchResult } from '../retrieval/hybrid.js';
import type { Language } from '../text/language.js';
import type { AbstainModel, AbstainTuning } from '../tuning.js';
import { holdsAnswerCue } from './compose.js';
import { coverage } from './evidence.js';
import type { QuestionType } from './router.js';

export const POLICY_FEATURES = [
  'evidence',
  'absent',
  'absentTopic',
  'absentLatin',
  'topicInQuote',
  'focusInQuote',
  'topicInTop',
  'quoteCoverage',
  'attributeMissing',
  'english',
] as const;
export type PolicyFeature = (typeof POLICY_FEATURES)[number];
export type PolicyFeatures = Record<PolicyFeature, number>;

/** Coverage (0–1) of a profile by the best passage and the best few together. */
export function evidenceScore(results: SearchResult[], profile: QueryProfile, tuning: AbstainTuning): number {
  if (results.length === 0) return 0;
  const passageText = (r: SearchResult) => `${r.paragraph.text} ${r.doc.meta.title}`;
  const top = passageText(results[0]);
  const topFew = results.slice(0, tuning.coverageParagraphs).map(passageText).join('\n');
  return tuning.topPassageShare * coverage(profile, top) + (1 - tuning.topPassageShare) * coverage(profile, topFew);
}

export interface PolicyInput {
  /** Which embedder retrieved the results: each has its own fitted model. */
  embedder: EmbedderInfo['kind'];
  results: SearchResult[];
  profile: QueryProfile;
  question: string;
  language: Language;
  type: QuestionType;
  /** The sentences the composer would quote, joined ('' when none). */
  quote: string;
}

const ATTRIBUTE_TYPES: ReadonlySet<QuestionType> = new Set(['when', 'howMany', 'who', 'where']);
/** Weight share of an absent topic word that makes an attribute question one about something else. */
const ABSENT_ATTRIBUTE_SHARE = 0.2;

/** A when / how-many / who / where question whose sentence does not hold what it asks for. */
function attributeMissing(type: QuestionType, quote: string, question: string): boolean {
  return ATTRIBUTE_TYPES.has(type) && !holdsAnswerCue(type, quote, question);
}

/**
 * A Chinese when / how-many / who / where question about a thing the corpus never names ("部长", "金牌").
 * (English questions are left to the model: their words reach the corpus through a partial dictionary.)
 */
function asksAboutAbsent(type: QuestionType, profile: QueryProfile, language: Language): boolean {
  const absent = (w: WeightedWord) => w.topic && !w.present && w.weight >= ABSENT_ATTRIBUTE_SHARE * profile.total;
  return language === 'zh' && ATTRIBUTE_TYPES.has(type) && profile.words.some(absent);
}

const found = (w: WeightedWord, text: string) => text.includes(w.word) || w.alternatives.some((a) => text.includes(a));

/** Weight share (0–1) of `words` that satisfy `test`. */
function share(words: WeightedWord[], test: (w: WeightedWord) => boolean): number {
  const total = words.reduce((s, w) => s + w.weight, 0);
  return total > 0 ? words.filter(test).reduce((s, w) => s + w.weight, 0) / total : 0;
}

export function policyFeatures(input: PolicyInput, tuning: AbstainTuning): PolicyFeatures {
  const { profile, results, quote } = input;
  const words = profile.words;
  const topics = words.filter((w) => w.topic);
  const top = results[0] ? `${results[0].paragraph.text} ${results[0].doc.meta.title}` : '';
  // The question's focus: its rarest topic word the corpus has.
  const focus = topics.filter((w) => w.present).sort((a, b) => b.weight - a.weight)[0];
  return {
    evidence: evidenceScore(results, profile, tuning),
    absent: share(words, (w) => !w.present),
    absentTopic: topics.length ? share(words, (w) => w.topic && !w.present) : 0,
    absentLatin: input.language === 'zh' && words.some((w) => !w.present && /^[a-z][a-z0-9]+$/i.test(w.word)) ? 1 : 0,
    topicInQuote: share(topics, (w) => found(w, quote)),
    focusInQuote: focus && found(focus, quote) ? 1 : 0,
    topicInTop: share(topics, (w) => found(w, top)),
    quoteCoverage: quote ? coverage(profile, quote) : 0,
    attributeMissing: attributeMissing(input.type, quote, input.question) ? 1 : 0,
    english: input.language === 'en' ? 1 : 0,
  };
}

/** Probability (0–1) that the sources answer the question, from the fitted logistic model. */
export function answerability(features: PolicyFeatures, model: AbstainModel): number {
  let z = model.bias;
  for (const f of POLICY_FEATURES) z += model.weights[f] * features[f];
  return 1 / (1 + Math.exp(-z));
}

/**
 * An English question whose quote shares only one of its words, through one dictionary entry
 * ("capital" → 资金), is not answered by it. (For Chinese questions this rule refused too many
 * answerable gold questions.)
 */
export function singleWordMatch(profile: QueryProfile, quote: string, language: Language): boolean {
  return language === 'en' && profile.words.length >= 3 && profile.words.filter((w) => found(w, quote)).length <= 1;
}

export interface DeclineInput extends PolicyInput {
  /** The previous question's profile, for a follow-up (its words may carry the topic). */
  previous?: QueryProfile;
}

/**
 * Decline when the sentence does not hold what was asked (a date for "when", a number for "how
 * many"…), when an attribute question is about a thing the corpus never names, or when the model
 * judges the passages do not answer the question.
 */
export function shouldDecline(input: DeclineInput, tuning: AbstainTuning): boolean {
  return (
    attributeMissing(input.type, input.quote, input.question) ||
    asksAboutAbsent(input.type, input.profile, input.language) ||
    modelDeclines(input, tuning)
  );
}

function modelDeclines(input: DeclineInput, tuning: AbstainTuning): boolean {
  const { results, profile, previous } = input;
  if (results.length === 0) return true;
  if (profile.words.length === 0) return previous === undefined;
  if (singleWordMatch(profile, input.quote, input.language)) return true;
  const model = tuning.models[input.embedder];
  const own = answerability(policyFeatures(input, tuning), model);
  const best = previous
    ? Math.max(own, answerability(policyFeatures({ ...input, profile: previous }, tuning), model))
    : own;
  return best < model.threshold;
}
