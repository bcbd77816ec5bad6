/**
 * question (+ history) → cited answer. Routes the question, resolves follow-ups,
 * retrieves, decides whether the sources answer it at all, and composes the answer
 * from quoted source sentences only.
 */
import type { CorpusDocument, Paragraph, Section } from '../corpus/types.js';
import type { Language } from '../text/language.js';
import type { KnowledgeBase } from '../index/knowledge-base.js';
import { bigrams } from '../text/tokens.js';
import { HybridSearcher, type SearchOptions, type SearchResult } from '../retrieval/hybrid.js';
import { CitationList, quoteText, segmentsText, type Quote } from './citations.js';
import { chooseFactSentences, findEnumeration, isInlineList, scoreSentences } from './compose.js';
import { coverage, expansionTerms, profileQuery, type QueryProfile } from './evidence.js';
import { routeQuestion, type Route } from './route.js';
import { summarizeParagraphs, type SummaryOptions } from './summarize.js';
import type { Answer, AnswerMode, Segment, Suggestion, Turn } from './types.js';

/**
 * Below this IDF-weighted coverage of the question by the best passages, abstain. English
 * questions reach the sources through a dictionary that misses words, so their bar is lower.
 * Calibrated on the gold set's in-corpus and out-of-corpus questions (`npm run eval`).
 */
export const ABSTAIN_COVERAGE = { zh: 0.32, en: 0.25 };
/** Evidence = this share of the best passage's coverage plus the rest of the top three's. */
const TOP_PASSAGE_SHARE = 0.3;
const RETRIEVE_K = 8;
const WHICH_DOCUMENT = /哪篇|哪一篇|哪份|哪个文件|出自|来自哪|which (document|text|article|speech|report)|in which (document|text)/i;
const COVERAGE_PARAGRAPHS = 3;
const FOLLOW_UP_MAX_CHARS = 14;

export interface SummaryTarget {
  docId?: string;
  sectionId?: string;
  query?: string;
}

export class UnknownTargetError extends Error {}

const TEXT = {
  zh: {
    abstain: '资料中没有找到与该问题相关的内容。',
    suggest: '可以看看这些相关部分：',
    smalltalk: '你好！我可以回答关于资料中文件的问题，并给出处。例如可以问：“毛泽东思想活的灵魂是什么？”',
    list: (n: number) => `资料列出以下${n}点：`,
    summary: (title: string) => `《${title}》摘要：`,
    framing: '',
  },
  en: {
    abstain: 'No relevant content was found in the documents for this question.',
    suggest: 'These sections come closest:',
    smalltalk: 'Hello! I answer questions about the documents in this knowledge base, with sources. Try: "What is the living soul of Mao Zedong Thought?"',
    list: (n: number) => `The documents list ${n} points (quoted in Chinese):`,
    summary: (title: string) => `Summary of “${title}” (quoted in Chinese):`,
    framing: 'The documents say (quoted in Chinese): ',
  },
};

/** The line that introduces quoted Chinese sentences in an answer to an English question. */
function framing(language: Language): Segment[] {
  return TEXT[language].framing ? [{ text: TEXT[language].framing }] : [];
}

function isFollowUp(question: string, route: Route): boolean {
  return question.replace(/[\s？?。.!！]/g, '').length <= FOLLOW_UP_MAX_CHARS || /^(那|它|其|这|该|那么|还有|and\b|what about|how about|it\b|its\b)/i.test(question.trim()) || route.itemNumber !== undefined;
}

export class Answerer {
  readonly searcher: HybridSearcher;

  constructor(readonly kb: KnowledgeBase) {
    this.searcher = new HybridSearcher(kb);
  }

  /** Chinese words for an English question (empty for Chinese ones). */
  private bridged(question: string, route: Route): string[] {
    return route.language === 'en' ? this.kb.bridge.translate(question) : [];
  }

  /**
   * Search with the question's synonyms and translations added. `focus` is the part whose
   * words must be covered (a follow-up's own words; the whole query otherwise).
   */
  async retrieve(query: string, focus = query, options: Pick<SearchOptions, 'mode' | 'k'> = {}): Promise<{ results: SearchResult[]; profile: QueryProfile }> {
    const profile = profileQuery(this.kb.keyword, focus, this.kb.bridge);
    const extra = expansionTerms(focus === query ? profile : profileQuery(this.kb.keyword, query, this.kb.bridge));
    const results = await this.searcher.search(query, {
      k: RETRIEVE_K,
      ...options,
      extraTerms: extra.flatMap((w) => [w, ...bigrams(w)]),
      denseText: extra.length ? `${query} ${extra.join(' ')}` : undefined,
    });
    return { results, profile };
  }

  async answer(question: string, history: Turn[] = []): Promise<Answer> {
    const started = performance.now();
    const route = routeQuestion(question);
    const previous = [...history].reverse().find((t) => t.role === 'user')?.content;
    if (route.type === 'smalltalk') return this.finish(question, route, 'abstain', [{ text: TEXT[route.language].smalltalk }], new CitationList(), started, started);
    if (route.type === 'summary') return this.summaryFromQuestion(question, route, started);

    const followUp = previous !== undefined && isFollowUp(question, route);
    // "那第三点呢？": pick the item from the enumeration the previous question was about.
    if (followUp && route.itemNumber !== undefined) {
      const picked = await this.pickItem(previous!, route, started, question);
      if (picked) return picked;
    }
    const query = followUp ? `${previous} ${question}` : question;
    const { results, profile } = await this.retrieve(query, followUp ? question : query);
    const retrieved = performance.now();
    const resolved = followUp ? query : undefined;
    if (this.shouldAbstain(results, profile, ABSTAIN_COVERAGE[route.language], followUp ? profileQuery(this.kb.keyword, previous!, this.kb.bridge) : undefined)) {
      return this.abstain(question, route, results, started, retrieved, resolved);
    }
    const citations = new CitationList();
    const scored = scoreSentences(results, profile, route.type);
    if (route.type === 'list') {
      const best = scored[0];
      const enumeration = findEnumeration(this.kb, results, profile);
      // A single sentence that names the items ("实事求是、群众路线、独立自主") can answer better than a list.
      const inlineCoverage = best && isInlineList(quoteText(best)) ? coverage(profile, quoteText(best)) : 0;
      if (enumeration && enumeration.relevance >= inlineCoverage) {
        const lines = enumeration.items.flatMap((q, i): Segment[] => [{ text: `\n${i + 1}. ` }, citations.segment(q)]);
        return this.finish(question, route, 'list', [{ text: TEXT[route.language].list(enumeration.items.length) }, ...lines], citations, started, retrieved, resolved);
      }
    }
    const sentences = chooseFactSentences(scored);
    // "哪篇文章提到…": name the document by quoting its title line first.
    if (WHICH_DOCUMENT.test(question) && sentences[0] && sentences[0].paragraph.ordinal !== 0) {
      const header = this.kb.paragraph(`${sentences[0].doc.id}/header`)!;
      sentences.unshift({ paragraph: header, doc: sentences[0].doc, start: header.sentences[0][0], end: header.sentences[0][1], index: 0, score: sentences[0].score });
    }
    const body = sentences.map((q) => citations.segment(q));
    return this.finish(question, route, 'answer', [...framing(route.language), ...body], citations, started, retrieved, resolved);
  }

  /**
   * The sources answer a question only if its weighted words are mostly found in the best
   * passages. A follow-up may lean on its previous question's words as well.
   */
  private shouldAbstain(results: SearchResult[], profile: QueryProfile, threshold: number, previous?: QueryProfile): boolean {
    if (results.length === 0) return true;
    const passageText = (r: SearchResult) => `${r.paragraph.text} ${r.doc.meta.title}`;
    const top = passageText(results[0]);
    const topThree = results.slice(0, COVERAGE_PARAGRAPHS).map(passageText).join('\n');
    const evidence = (p: QueryProfile) => TOP_PASSAGE_SHARE * coverage(p, top) + (1 - TOP_PASSAGE_SHARE) * coverage(p, topThree);
    const own = evidence(profile);
    const best = previous ? Math.max(own, evidence(previous)) : own;
    return profile.words.length > 0 ? best < threshold : previous === undefined;
  }

  private async pickItem(previous: string, route: Route, started: number, question: string): Promise<Answer | undefined> {
    const { results, profile } = await this.retrieve(previous);
    const enumeration = findEnumeration(this.kb, results, profile);
    const n = route.itemNumber!;
    const item = enumeration?.items[n === -1 ? enumeration.items.length - 1 : n - 1];
    if (!item) return undefined;
    const retrieved = performance.now();
    // The item's heading sentence plus the one after it say what the item is about.
    const citations = new CitationList();
    const next = item.paragraph.sentences.find(([s]) => s >= item.end);
    const quotes: Quote[] = [item, ...(next && item.end - item.start < 40 ? [{ ...item, start: next[0], end: next[1] }] : [])];
    const body = quotes.map((q) => citations.segment(q));
    return this.finish(question, route, 'answer', [...framing(route.language), ...body], citations, started, retrieved, `${previous} ${question}`);
  }

  private abstain(question: string, route: Route, results: SearchResult[], started: number, retrieved: number, resolved?: string): Answer {
    const suggestions: Suggestion[] = [];
    for (const r of results) {
      const key = r.paragraph.sectionId ?? r.doc.id;
      if (suggestions.some((s) => (s.sectionId ?? s.docId) === key)) continue;
      suggestions.push({ docId: r.doc.id, docTitle: r.doc.meta.title, sectionId: r.paragraph.sectionId, sectionPath: r.paragraph.sectionPath });
      if (suggestions.length === 3) break;
    }
    const t = TEXT[route.language];
    const hint = suggestions.length ? `\n${t.suggest}${suggestions.map((s) => `《${s.docTitle}》${s.sectionPath.length ? ' · ' + s.sectionPath.join(' › ') : ''}`).join('；')}` : '';
    const answer = this.finish(question, route, 'abstain', [{ text: t.abstain + hint }], new CitationList(), started, retrieved, resolved);
    answer.suggestions = suggestions;
    return answer;
  }

  private finish(question: string, route: Route, mode: AnswerMode, segments: Segment[], citations: CitationList, started: number, retrieved: number, resolvedQuestion?: string): Answer {
    const done = performance.now();
    return {
      question,
      mode,
      answer: segmentsText(segments),
      segments,
      direct: null,
      abstained: mode === 'abstain',
      citations: citations.citations,
      resolvedQuestion,
      language: route.language,
      timings: { retrieveMs: round(retrieved - started), composeMs: round(done - retrieved), totalMs: round(done - started) },
    };
  }

  /** "总结一下新年贺词", "概括新型工业化文章的第二部分", "Summarize the New Year address". */
  private async summaryFromQuestion(question: string, route: Route, started: number): Promise<Answer> {
    const target = this.findSummaryTarget(question, route);
    if (target) return this.summarize(target, {}, question, route.language, started);
    // No document named: summarise what the question is about.
    return this.summarize({ query: question }, {}, question, route.language, started);
  }

  findSummaryTarget(question: string, route: Route): SummaryTarget | undefined {
    const stripped = question.replace(/总结|概括|摘要|概述|归纳|一下|文章|部分|主要内容|summari[sz]e|summary|overview/gi, ' ');
    const translated = this.bridged(stripped, route).filter((w) => w.length >= 2);
    const qGrams = new Set(bigrams(stripped).map((g) => g.slice(1)));
    let best: { doc: CorpusDocument; hits: number } | undefined;
    for (const doc of this.kb.documents) {
      const title = [doc.meta.title, doc.meta.subtitle ?? ''].join(' ');
      // A whole translated word in the title ("New Year" → 新年) counts like two matching bigrams.
      const hits = [...qGrams].filter((g) => title.includes(g)).length + 2 * translated.filter((w) => title.includes(w)).length;
      if (hits > (best?.hits ?? 0)) best = { doc, hits };
    }
    if (!best || best.hits < 2) return undefined;
    const doc = best.doc;
    const top = doc.sections.filter((s) => s.level === Math.min(...doc.sections.map((x) => x.level)));
    if (route.partNumber !== undefined) {
      const section = top[route.partNumber - 1];
      if (section) return { sectionId: section.id };
    }
    const named = doc.sections
      .map((s) => ({ s, hits: [...qGrams].filter((g) => s.title.includes(g)).length }))
      .sort((a, b) => b.hits - a.hits)[0];
    if (named && named.hits >= 3 && named.hits > best.hits) return { sectionId: named.s.id };
    return { docId: doc.id };
  }

  async summarize(target: SummaryTarget, options: SummaryOptions = {}, question?: string, language: 'zh' | 'en' = 'zh', started = performance.now()): Promise<Answer> {
    const route: Route = { type: 'summary', language };
    let title: string;
    let paragraphs: Paragraph[];
    let depth = 0;
    if (target.sectionId) {
      const section = this.kb.sectionById.get(target.sectionId);
      if (!section) throw new UnknownTargetError(`Unknown section id "${target.sectionId}"; GET /api/documents lists the ids.`);
      const doc = this.kb.docById.get(section.docId)!;
      paragraphs = this.sectionParagraphs(doc, section);
      title = `${doc.meta.title} · ${section.title}`;
      depth = section.path.length;
    } else if (target.docId) {
      const doc = this.kb.docById.get(target.docId);
      if (!doc) throw new UnknownTargetError(`Unknown document id "${target.docId}"; GET /api/documents lists the ids.`);
      paragraphs = doc.paragraphs;
      title = doc.meta.title;
    } else {
      const results = await this.searcher.search(target.query ?? '', { k: 6 });
      paragraphs = results.map((r) => r.paragraph).filter((p) => p.ordinal > 0);
      title = language === 'en' ? 'the passages closest to the question' : '与问题最相关的段落';
      depth = 99;
    }
    const retrieved = performance.now();
    const quotes = await summarizeParagraphs(this.kb, paragraphs, depth, options);
    if (quotes.length === 0) return this.abstain(question ?? title, route, [], started, retrieved);
    const citations = new CitationList();
    const body = quotes.map((q) => citations.segment(q));
    return this.finish(question ?? title, route, 'summary', [{ text: `${TEXT[language].summary(title)}\n` }, ...body], citations, started, retrieved);
  }

  private sectionParagraphs(doc: CorpusDocument, section: Section): Paragraph[] {
    const ids = new Set(doc.sections.filter((s) => s.id === section.id || s.id.startsWith(`${section.id}.`)).map((s) => s.id));
    return doc.paragraphs.filter((p) => p.sectionId !== undefined && ids.has(p.sectionId));
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
