/**
 * The abstention policy: do the best passages answer the question at all? The sources answer
 * only if the question's weighted words are mostly found in them. A follow-up may lean on its
 * previous question's words as well.
 */
import type { QueryProfile } from '../retrieval/expand.js';
import type { SearchResult } from '../retrieval/hybrid.js';
import type { Language } from '../text/language.js';
import type { AbstainTuning } from '../tuning.js';
import { coverage } from './evidence.js';

/** Coverage (0–1) of a profile by the best passage and the best few together. */
export function evidenceScore(results: SearchResult[], profile: QueryProfile, tuning: AbstainTuning): number {
  if (results.length === 0) return 0;
  const passageText = (r: SearchResult) => `${r.paragraph.text} ${r.doc.meta.title}`;
  const top = passageText(results[0]);
  const topFew = results.slice(0, tuning.coverageParagraphs).map(passageText).join('\n');
  return tuning.topPassageShare * coverage(profile, top) + (1 - tuning.topPassageShare) * coverage(profile, topFew);
}

export interface DeclineInput {
  results: SearchResult[];
  profile: QueryProfile;
  language: Language;
  /** The previous question's profile, for a follow-up. */
  previous?: QueryProfile;
}

export function shouldDecline(input: DeclineInput, tuning: AbstainTuning): boolean {
  const { results, profile, previous } = input;
  if (results.length === 0) return true;
  if (profile.words.length === 0) return previous === undefined;
  const own = evidenceScore(results, profile, tuning);
  const best = previous ? Math.max(own, evidenceScore(results, previous, tuning)) : own;
  return best < tuning.coverage[input.language];
}
