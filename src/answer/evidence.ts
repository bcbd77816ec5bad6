/**
 * How well a text covers a question's profile: query words weighted by IDF, so a question
 * whose rare, topical words ("GDP", "高考") appear nowhere in the sources scores low even
 * when its common words ("2023年", "政策") do. This drives both sentence choice and abstention.
 */
import type { QueryProfile } from '../retrieval/expand.js';

/** Share (0–1) of the question's IDF weight whose words occur in the text. */
export function coverage(profile: QueryProfile, text: string): number {
  if (profile.total === 0) return 0;
  let covered = 0;
  for (const w of profile.words) {
    if (text.includes(w.word)) covered += w.weight;
    else if (w.alternatives.some((a) => text.includes(a)))
      covered += profile.translated ? w.weight : profile.synonymCredit * w.weight;
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
