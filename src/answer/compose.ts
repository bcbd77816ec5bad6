/**
 * Extractive composition: pick source sentences that answer the question and quote them
 * verbatim. Facts get one or two sentences (the answer-holding one first); list questions
 * get the items of the enumeration the question is about, one cited line each.
 */
import type { Paragraph } from '../corpus/types.js';
import type { KnowledgeBase } from '../index/knowledge-base.js';
import type { SearchResult } from '../retrieval/hybrid.js';
import type { Quote } from './citations.js';
import { bigramOverlap, coverage, similarity, type QueryProfile } from './evidence.js';
import type { QuestionType } from './route.js';

export interface ScoredQuote extends Quote {
  /** Position of the sentence in its paragraph. */
  index: number;
}

/** Roughly how long a fact answer may get before a second sentence is left out. */
export const FACT_CHAR_LIMIT = 200;
const MAX_FACT_SENTENCES = 2;
const SECOND_SENTENCE_RATIO = 0.7;
const REDUNDANT = 0.5;

const TYPE_CUES: Partial<Record<QuestionType, RegExp>> = {
  when: /\d{4}年|\d{1,2}月\d{1,2}日|[〇一二三四五六七八九零]{4}年|年底|年初|今年|明年|去年|此前|\d{4}/,
  howMany: /\d+|[一二三四五六七八九十百千万两]+(个|项|条|年|次|届|大|周年|多年|方面|重点)/,
  who: /习近平|同志|主席|总书记|部|委|党组|主持|署名/,
  where: /北京|上海|杭州|成都|省|市|在[\u4e00-\u9fff]{2,6}(举行|召开|举办)/,
  why: /因为|由于|为了|是.*(基础|前提|关键|根本|保证|动力)|才能|所以/,
};

function sentenceQuotes(result: SearchResult, rank: number): ScoredQuote[] {
  const { paragraph, doc, passage } = result;
  return paragraph.sentences.map(([start, end], index) => ({ paragraph, doc, passage, start, end, index, score: rank }));
}

/** Score every sentence of the top results for how well it answers the question. */
export function scoreSentences(results: SearchResult[], profile: QueryProfile, type: QuestionType): ScoredQuote[] {
  const top = results[0]?.score || 1;
  const out: ScoredQuote[] = [];
  results.forEach((r, rank) => {
    for (const q of sentenceQuotes(r, rank)) {
      const text = q.paragraph.text.slice(q.start, q.end);
      let score = coverage(profile, text) + 0.5 * bigramOverlap(profile, text) + 0.35 * (r.score / top);
      const cue = TYPE_CUES[type];
      if (cue?.test(text)) score += 0.25;
      if (type === 'who' || type === 'when') if (q.paragraph.ordinal === 0) score += 0.3;
      if (text.length > 160) score -= 0.1 * Math.min(1, (text.length - 160) / 200);
      if (text.length < 8) score -= 0.2;
      out.push({ ...q, score });
    }
  });
  return out.sort((a, b) => b.score - a.score);
}

/** One or two sentences: the best one, plus a second that adds something and fits. */
export function chooseFactSentences(scored: ScoredQuote[]): ScoredQuote[] {
  const best = scored[0];
  if (!best) return [];
  const chosen = [best];
  const len = (q: ScoredQuote) => q.end - q.start;
  const bestText = best.paragraph.text.slice(best.start, best.end);
  // A short lead sentence ("X是Y的根本动力。") usually needs the one after it.
  const next = scored.find((q) => q.paragraph.id === best.paragraph.id && q.index === best.index + 1);
  if (next && len(best) < 40 && len(best) + len(next) <= FACT_CHAR_LIMIT) chosen.push(next);
  for (const q of scored.slice(1)) {
    if (chosen.length >= MAX_FACT_SENTENCES) break;
    if (q.score < best.score * SECOND_SENTENCE_RATIO) break;
    const text = q.paragraph.text.slice(q.start, q.end);
    if (chosen.includes(q) || similarity(text, bestText) > REDUNDANT) continue;
    if (chosen.reduce((n, c) => n + len(c), 0) + len(q) > FACT_CHAR_LIMIT) continue;
    chosen.push(q);
  }
  // Same paragraph: keep source order; otherwise the answer-holding sentence leads.
  return chosen.sort((a, b) => (a.paragraph.id === b.paragraph.id ? a.index - b.index : 0));
}

/** An enumeration found in the sources: its items, each a quotable span. */
export interface Enumeration {
  items: Quote[];
}

const INLINE_ITEM = /[一二三四五六七八九十]是/g;

/** Items written inline in one paragraph: "聚焦6个重点。一是…；二是…". */
function inlineItems(result: SearchResult): Quote[] {
  const { paragraph, doc, passage } = result;
  const marks = [...paragraph.text.matchAll(INLINE_ITEM)].map((m) => m.index!);
  if (marks.length < 2) return [];
  return marks.map((start, i) => {
    let end = i + 1 < marks.length ? marks[i + 1] : (paragraph.sentences.find(([s, e]) => s <= start && start < e)?.[1] ?? paragraph.text.length);
    while (end > start && /[；;，,\s]/.test(paragraph.text[end - 1])) end--;
    return { paragraph, doc, passage, start, end, score: result.score };
  });
}

function firstSentence(paragraph: Paragraph, result: SearchResult, kb: KnowledgeBase): Quote {
  const [start, end] = paragraph.sentences[0] ?? [0, paragraph.text.length];
  return { paragraph, doc: kb.docById.get(paragraph.docId)!, start, end, score: result.score };
}

/**
 * The enumeration a list question is about, found from its best-matching paragraphs:
 * numbered item paragraphs of a section (一是…七是), items inline in one paragraph, or
 * sibling paragraphs that open the same way (深刻认识和准确把握…).
 */
export function findEnumeration(kb: KnowledgeBase, results: SearchResult[]): Enumeration | undefined {
  for (const r of results.slice(0, 3)) {
    const doc = kb.docById.get(r.paragraph.docId);
    if (!doc) continue;
    const sameSection = doc.paragraphs.filter((p) => p.sectionId === r.paragraph.sectionId);
    const items = sameSection.filter((p) => p.item !== undefined);
    if (items.length >= 2 && (r.paragraph.item !== undefined || sameSection.indexOf(r.paragraph) < sameSection.indexOf(items[0]))) {
      return { items: items.map((p) => firstSentence(p, r, kb)) };
    }
    const inline = inlineItems(r);
    if (inline.length >= 2) return { items: inline };
    const opening = r.paragraph.text.slice(0, 6);
    const siblings = sameSection.filter((p) => p.text.startsWith(opening));
    if (siblings.length >= 3) return { items: siblings.map((p) => firstSentence(p, r, kb)) };
  }
  return undefined;
}
