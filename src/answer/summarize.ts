/**
 * Extractive summaries of a document or section: sentences central to the text (cosine to
 * the centroid of all sentence vectors), nudged towards paragraph and section openings,
 * chosen with maximal marginal relevance so they do not repeat each other, with every
 * subsection represented while the length allows. Output keeps source order.
 */
import type { Paragraph } from '../corpus/types.js';
import type { KnowledgeBase } from '../index/knowledge-base.js';
import type { SummaryTuning } from '../tuning.js';
import type { Quote } from './citations.js';
import { similarity } from './evidence.js';

/** Per-request length limits (the tuned defaults apply where unset). */
export interface SummaryOptions {
  maxSentences?: number;
  maxChars?: number;
}

interface Candidate extends Quote {
  order: number;
  group: string;
  /** The heading sentence of a numbered item (一是…) directly under the summarised scope. */
  itemHeading: boolean;
  vector: number[];
  base: number;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** The subsection (or enumerated item) a paragraph belongs to, one level below the summarised scope. */
function groupOf(p: Paragraph, scopeDepth: number): string {
  const section = p.sectionPath.slice(0, scopeDepth + 1).join('/') || '(intro)';
  return p.item !== undefined && p.sectionPath.length <= scopeDepth ? `${section}#${p.item}` : section;
}

/** Sentence vectors, embedded once per index and kept: summaries of the same text repeat. */
const vectorCache = new WeakMap<KnowledgeBase, Map<string, number[]>>();

async function sentenceVectors(
  kb: KnowledgeBase,
  spans: Array<{ paragraph: Paragraph; start: number }>,
  texts: string[],
): Promise<number[][]> {
  let cache = vectorCache.get(kb);
  if (!cache) vectorCache.set(kb, (cache = new Map()));
  const keys = spans.map((c) => `${c.paragraph.id}:${c.start}`);
  const missing = keys.map((k, i) => [k, i] as const).filter(([k]) => !cache!.has(k));
  const fresh = await kb.embedder.embedDocuments(missing.map(([, i]) => texts[i]));
  for (const [j, [k]] of missing.entries()) cache!.set(k, fresh[j]);
  return keys.map((k) => cache!.get(k)!);
}

export async function summarizeParagraphs(
  kb: KnowledgeBase,
  paragraphs: Paragraph[],
  scopeDepth: number,
  tuning: SummaryTuning,
  options: SummaryOptions = {},
): Promise<Quote[]> {
  const maxSentences = options.maxSentences ?? tuning.maxSentences;
  const maxChars = options.maxChars ?? tuning.maxChars;
  const { minSentence, longSentence } = tuning;
  const raw: Array<Omit<Candidate, 'vector' | 'base'>> = [];
  paragraphs.forEach((p) => {
    const doc = kb.docById.get(p.docId)!;
    const item = p.item !== undefined && p.sectionPath.length <= scopeDepth;
    p.sentences.forEach(([start, end], i) => {
      const itemHeading = item && i === 0;
      // Short sentences are scene-setting or transitions (冬至阳生，岁回律转), except item headings.
      if (end - start < minSentence && !itemHeading) return;
      raw.push({
        paragraph: p,
        doc,
        start,
        end,
        score: 0,
        order: raw.length,
        group: groupOf(p, scopeDepth),
        itemHeading,
      });
    });
  });
  if (raw.length === 0) return [];
  const texts = raw.map((c) => c.paragraph.text.slice(c.start, c.end));
  const vectors = await sentenceVectors(kb, raw, texts);
  const dims = vectors[0].length;
  const centroid = new Array<number>(dims).fill(0);
  for (const v of vectors) for (let d = 0; d < dims; d++) centroid[d] += v[d];
  const firstOfGroup = new Set<string>();
  const candidates: Candidate[] = raw.map((c, i) => {
    const len = c.end - c.start;
    let base = cosine(vectors[i], centroid);
    if (c.paragraph.sentences[0][0] === c.start) base += tuning.paragraphOpening;
    if (!firstOfGroup.has(c.group)) {
      firstOfGroup.add(c.group);
      base += tuning.sectionOpening;
    }
    base += tuning.lead * (1 - i / raw.length);
    if (len > longSentence) base -= 0.15 * Math.min(1, (len - longSentence) / 150);
    return { ...c, vector: vectors[i], base, score: base };
  });

  const chosen: Candidate[] = [];
  const chars = () => chosen.reduce((n, c) => n + c.end - c.start, 0);
  const mmr = (c: Candidate) =>
    c.base -
    tuning.mmrRedundancy *
      Math.max(
        0,
        ...chosen.map((s) => Math.max(cosine(c.vector, s.vector), similarity(texts[c.order], texts[s.order]))),
      );
  // The sentence count is a soft limit: short sentences (item headings) may exceed it within the character budget.
  const fits = (c: Candidate) => {
    const after = chars() + (c.end - c.start);
    return chosen.length < 2 || (after <= maxChars * 1.3 && (chosen.length < maxSentences || after <= maxChars));
  };
  // Numbered items (一是…七是) are the skeleton of their section: every heading goes in.
  const headings = candidates.filter((c) => c.itemHeading);
  if (headings.length >= 2) chosen.push(...headings);
  // Every subsection or item first (best sentence of each), while they fit.
  const groups = [...new Set(candidates.map((c) => c.group))];
  if (headings.length < 2 && groups.length > 1 && groups.length <= maxSentences * 2) {
    for (const g of groups) {
      const best = candidates.filter((c) => c.group === g && !chosen.includes(c)).sort((a, b) => mmr(b) - mmr(a))[0];
      if (best && fits(best)) chosen.push(best);
    }
  }
  // Then the most central remaining sentences; after a full set of item headings, one that introduces them.
  const limit = headings.length >= 2 ? chosen.length + 1 : maxSentences;
  while (chosen.length < limit && (chars() < maxChars || headings.length >= 2)) {
    const next = candidates.filter((c) => !chosen.includes(c)).sort((a, b) => mmr(b) - mmr(a))[0];
    if (
      !next ||
      (headings.length < 2 && !fits(next)) ||
      (headings.length >= 2 && chars() + next.end - next.start > maxChars * 1.5)
    )
      break;
    chosen.push(next);
  }
  return chosen
    .sort((a, b) => a.order - b.order)
    .map(({ paragraph, doc, start, end, base }) => ({ paragraph, doc, start, end, score: base }));
}
