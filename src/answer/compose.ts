/**
 * Extractive composition: pick source sentences that answer the question and quote them
 * verbatim. Facts get one or two sentences (the answer-holding one first); list questions
 * get the items of the enumeration the question is about, one cited line each.
 */
import type { Paragraph } from '../corpus/types.js';
import type { KnowledgeBase } from '../index/knowledge-base.js';
import { isHeader } from '../index/passages.js';
import type { QueryProfile } from '../retrieval/expand.js';
import type { SearchResult } from '../retrieval/hybrid.js';
import { words } from '../text/tokens.js';
import type { SentenceTuning } from '../tuning.js';
import type { Quote } from './citations.js';
import { bigramOverlap, coverage, similarity } from './evidence.js';
import type { QuestionType, Route } from './router.js';

export interface ScoredQuote extends Quote {
  /** Position of the sentence in its paragraph. */
  index: number;
}

const TYPE_CUES: Partial<Record<QuestionType, RegExp>> = {
  when: /\d{4}年?|\d{1,2}月|[〇一二三四五六七八九零]{4}年|[一二三四五六七八九十]{1,2}月|年代|世纪|时期/,
  // "这一年" (this year) is no count.
  howMany: /\d+|(?<![这那每同第])[一二三四五六七八九十百千万两]+(个|项|条|年|次|届|大|周年|多年|方面|重点)/,
  who: /习近平|同志|主席|总书记|部|委|党组|主持|署名/,
  where: /北京|上海|杭州|成都|省|市|在[\u4e00-\u9fff]{2,6}(举行|召开|举办)/,
  why: /因为|由于|为了|是.*(基础|前提|关键|根本|保证|动力)|才能|所以/,
};

const NUMERAL = '[\\d〇零一二三四五六七八九十百千万亿两]+(?:\\.\\d+)?[万亿]?';
/** The measure word after 多少/几 ("多少枚金牌" → 枚, "几艘" → 艘): the answer is a number with it. */
const ASKED_UNIT =
  /(?:多少|几)([个位名项次条种年天月岁倍家所辆届艘枚人米元吨架款座张部本只首件台场轮批])([\u4e00-\u9fff]?)/;
const YEAR = /\d{4}年|[〇一二三四五六七八九零]{4}年/;
const DAY = /\d{1,2}月\d{1,2}日|[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日/;

/**
 * Whether a text holds what a question of this type asks for: a number with the unit asked for
 * ("多少枚" needs "N枚"), a year for "哪一年", a day for "哪天", a person for "谁"…
 */
export function holdsAnswerCue(type: QuestionType, text: string, question = ''): boolean {
  if (type === 'howMany') {
    const [, unit, noun] = question.match(ASKED_UNIT) ?? [];
    // "连续丰收了多少年" is answered by "二十连丰": N连X counts N in a row.
    if (/连续/.test(question) && new RegExp(`${NUMERAL}连`).test(text)) return true;
    // "多少个行业" is answered by "10大行业" as well as by "10个行业".
    if (unit) return new RegExp(`(?<![A-Za-z])${NUMERAL}[大多余]?(?:${unit}${noun ? `|${noun}` : ''})`).test(text);
  }
  if (type === 'when') {
    if (/哪一?年|which year|what year/i.test(question)) return YEAR.test(text);
    if (/哪一?天|哪几天|几月几日|几号|which days?|what date/i.test(question)) return DAY.test(text);
  }
  return TYPE_CUES[type]?.test(text) ?? false;
}

/** Quotable units of a paragraph: sentences, or the "；" clauses of a long one, so answers stay short. */
function units(result: SearchResult, rank: number, clauseSplitAbove: number): ScoredQuote[] {
  const { paragraph, doc, passage } = result;
  const out: ScoredQuote[] = [];
  paragraph.sentences.forEach(([start, end], index) => {
    const text = paragraph.text.slice(start, end);
    if (end - start <= clauseSplitAbove || !text.includes('；')) {
      out.push({ paragraph, doc, passage, start, end, index, score: rank });
      return;
    }
    let from = start;
    for (const m of text.matchAll(/；/g)) {
      const to = start + m.index!;
      if (to > from) out.push({ paragraph, doc, passage, start: from, end: to, index, score: rank });
      from = to + 1;
    }
    if (end > from) out.push({ paragraph, doc, passage, start: from, end, index, score: rank });
  });
  return out;
}

const ANAPHOR = /^(这|此|其|该|它|他|她|这些|上述)/;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** "X是…", "X（…）是…", "X，是…": how texts define X. */
function definition(word: string): RegExp {
  return new RegExp(`${escapeRegExp(word)}(?:（[^）]*）)?，?是`);
}

/**
 * How texts state a role the way policy texts do, X defined in terms of Y within one sentence: the pattern
 * that finds "创新是新型工业化的根本动力" for "创新在推进新型工业化中起什么作用？" (none when Y has no content word).
 */
export function rolePattern(role: NonNullable<Route['role']>): RegExp | undefined {
  const context = words(role.context).filter((w) => w.length >= 2);
  if (context.length === 0) return undefined;
  return new RegExp(`${definition(role.subject).source}[^。；！？]*(?:${context.map(escapeRegExp).join('|')})`);
}

/** Score every sentence (or clause) of the top results for how well it answers the question. */
export function scoreSentences(
  results: SearchResult[],
  profile: QueryProfile,
  route: Pick<Route, 'type' | 'role'>,
  tuning: SentenceTuning,
): ScoredQuote[] {
  const { type, role } = route;
  const top = results[0]?.score || 1;
  const out: ScoredQuote[] = [];
  // The most specific question words, for the "X是…" definition cue.
  const keyWords = [...profile.words]
    .sort((a, b) => b.weight - a.weight)
    .slice(0, 2)
    .map((w) => w.word);
  // A question about a role is answered by the sentence defining its subject (创新是…, not 推进新型工业化是…);
  // others by one defining one of their most specific words.
  const definitions = (role ? [role.subject] : keyWords).map(definition);
  results.forEach((r, rank) => {
    // Words of the document title count for every sentence of that document, not just the title line.
    const context = r.doc.meta.title;
    for (const q of units(r, rank, tuning.clauseSplitAbove)) {
      const text = q.paragraph.text.slice(q.start, q.end);
      let score =
        coverage(profile, `${text} ${context}`) +
        tuning.bigramWeight * bigramOverlap(profile, text) +
        tuning.rankPrior * (r.score / top);
      const cue = TYPE_CUES[type];
      if (cue?.test(text)) score += tuning.typeCue;
      const header = isHeader(q.paragraph);
      if (header) score += type === 'who' || type === 'when' ? tuning.headerBonus : -tuning.headerPenalty;
      if (!header && definitions.some((d) => d.test(text))) score += tuning.definitionBonus;
      if (text.length > 160) score -= 0.1 * Math.min(1, (text.length - 160) / 200);
      if (text.length < 8) score -= 0.2;
      out.push({ ...q, score });
    }
  });
  return out.sort((a, b) => b.score - a.score);
}

/** The sentence before a quote that opens with "这/其/该…", so the quote makes sense on its own. */
function antecedent(q: ScoredQuote): ScoredQuote | undefined {
  if (!ANAPHOR.test(q.paragraph.text.slice(q.start, q.end)) || q.index === 0) return undefined;
  const [start, end] = q.paragraph.sentences[q.index - 1];
  return { ...q, start, end, index: q.index - 1 };
}

/** One or two sentences: the best one, plus a second that adds something and fits. */
export function chooseFactSentences(scored: ScoredQuote[], tuning: SentenceTuning): ScoredQuote[] {
  const { factCharLimit, maxFactSentences, secondSentenceRatio, redundant } = tuning;
  const best = scored[0];
  if (!best) return [];
  const chosen = [best];
  const len = (q: ScoredQuote) => q.end - q.start;
  const total = () => chosen.reduce((n, c) => n + len(c), 0);
  const before = antecedent(best);
  if (before && len(before) + len(best) <= factCharLimit * 1.5) chosen.push(before);
  const bestText = best.paragraph.text.slice(best.start, best.end);
  // A short lead sentence ("X是Y的根本动力。") usually needs the one after it.
  const next = scored.find(
    (q) => q.paragraph.id === best.paragraph.id && q.index === best.index + 1 && q.start >= best.end,
  );
  if (!before && next && len(best) < 40 && len(best) + len(next) <= factCharLimit) chosen.push(next);
  for (const q of scored.slice(1)) {
    if (chosen.length >= maxFactSentences) break;
    if (q.score < best.score * secondSentenceRatio) break;
    const text = q.paragraph.text.slice(q.start, q.end);
    if (
      chosen.some((c) => c.paragraph.id === q.paragraph.id && c.start === q.start) ||
      similarity(text, bestText) > redundant
    )
      continue;
    if (total() + len(q) > factCharLimit) continue;
    chosen.push(q);
  }
  // Same paragraph: keep source order; otherwise the answer-holding sentence leads.
  return chosen.sort((a, b) => (a.paragraph.id === b.paragraph.id ? a.start - b.start : 0));
}

/** An enumeration found in the sources: its items, each a quotable span. */
export interface Enumeration {
  items: Quote[];
  /** How much of the question the enumeration's context (heading, lead-in) covers. */
  relevance: number;
}

const INLINE_ITEM = /[一二三四五六七八九十]是/g;
/** Paragraphs opening with the same characters are parallel items (深刻认识和准确把握…). */
const SIBLING_OPENING = 6;

/** Items written inline in one paragraph: "聚焦6个重点。一是…；二是…". */
function inlineItems(result: SearchResult): Quote[] {
  const { paragraph, doc, passage } = result;
  const marks = [...paragraph.text.matchAll(INLINE_ITEM)].map((m) => m.index!);
  if (marks.length < 2) return [];
  return marks.map((start, i) => {
    let end =
      i + 1 < marks.length
        ? marks[i + 1]
        : (paragraph.sentences.find(([s, e]) => s <= start && start < e)?.[1] ?? paragraph.text.length);
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
export function findEnumeration(
  kb: KnowledgeBase,
  results: SearchResult[],
  profile: QueryProfile,
  tuning: SentenceTuning,
): Enumeration | undefined {
  const minRelevance = tuning.enumerationRelevance;
  for (const r of results.slice(0, 3)) {
    const doc = kb.docById.get(r.paragraph.docId);
    if (!doc) continue;
    const sameSection = doc.paragraphs.filter((p) => p.sectionId === r.paragraph.sectionId);
    const items = sameSection.filter((p) => p.item !== undefined);
    if (
      items.length >= 2 &&
      (r.paragraph.item !== undefined || sameSection.indexOf(r.paragraph) < sameSection.indexOf(items[0]))
    ) {
      // The section's heading and the paragraphs that introduce the items must be about the question.
      const intro = sameSection.slice(0, sameSection.indexOf(items[0])).map((p) => p.text);
      const relevance = coverage(profile, [...r.paragraph.sectionPath, ...intro].join(' '));
      if (relevance >= minRelevance) return { items: items.map((p) => firstSentence(p, r, kb)), relevance };
    }
    const inline = inlineItems(r);
    const inlineRelevance = coverage(profile, r.paragraph.text);
    if (inline.length >= 2 && inlineRelevance >= minRelevance) return { items: inline, relevance: inlineRelevance };
    const opening = r.paragraph.text.slice(0, SIBLING_OPENING);
    const siblings = sameSection.filter((p) => p.text.startsWith(opening));
    const siblingRelevance = coverage(
      profile,
      siblings.map((p) => p.text.slice(0, p.sentences[0]?.[1] ?? SIBLING_OPENING)).join(' '),
    );
    if (siblings.length >= 3 && coverage(profile, opening) > 0)
      return { items: siblings.map((p) => firstSentence(p, r, kb)), relevance: siblingRelevance };
  }
  return undefined;
}

/** A sentence that itself lists things ("实事求是、群众路线、独立自主三个基本方面"). */
export function isInlineList(text: string): boolean {
  return (text.match(/、/g) ?? []).length >= 2;
}
