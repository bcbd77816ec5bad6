/**
 * question (+ history) → cited answer. Routes the question, resolves follow-ups, retrieves,
 * lets the abstention policy decide whether the sources answer it at all, and hands the
 * passages to the composer, which quotes source sentences only. `events()` streams the answer;
 * `answer()` waits for the whole of it.
 */
import type { CorpusDocument, Paragraph, Section } from '../corpus/types.js';
import type { KnowledgeBase } from '../index/knowledge-base.js';
import { headerId, isHeader, passageId } from '../index/passages.js';
import { type Genre, genresMentioned, genresOf } from '../lexicon/genres.js';
import { type ExpandedResults, expandedSearch, profileQuery, type QueryProfile } from '../retrieval/expand.js';
import { HybridSearcher, type SearchOptions, type SearchResult } from '../retrieval/hybrid.js';
import type { Language } from '../text/language.js';
import { longestCommonRun } from '../text/overlap.js';
import { bigrams, words } from '../text/tokens.js';
import { DEFAULT_TUNING, type Tuning } from '../tuning.js';
import { type Quote, quoteText } from './citations.js';
import { findEnumeration, rolePattern } from './compose.js';
import {
  type Composer,
  ExtractiveComposer,
  emitPlan,
  framing,
  type Part,
  type Plan,
  quotesOf,
  withDirect,
} from './composer.js';
import { partialAnswer } from './partial.js';
import { type PolicyFeatures, policyFeatures, shouldDecline } from './policy.js';
import { aboutPhrase, type QuestionType, type Route, routeQuestion } from './router.js';
import { type SummaryOptions, summarizeParagraphs } from './summarize.js';
import { TEXT } from './text.js';
import type { Answer, AnswerEvent, AnswerOptions, Suggestion, Turn } from './types.js';

const RETRIEVE_K = 8;
/** A question that points at more documents than this (by title or kind) points at none in particular. */
const NAMED_MAX_DOCUMENTS = 2;
/** A title names a document only through a run of at least this many characters the question shares with it. */
const MIN_NAME_RUN = 3;

/** Each document's title and subtitle, its title alone, and the titles (with subtitles) holding each bigram. */
interface TitleIndex {
  titles: string[];
  names: string[];
  byGram: Map<string, number[]>;
}

/**
 * Whether a question's words name document `i` rather than brush past its title: they share a run of MIN_NAME_RUN
 * characters or more with the title itself (scattered bigrams are no name: "中央经济工作会议" shares 中央 and 会议
 * with the Politburo meeting's title; nor is a subtitle's slogan, "全面建设小康社会"), and that run is in at most
 * NAMED_MAX_DOCUMENTS titles ("政府工作报告" names none of 714 reports).
 */
function namesTitle(question: string, i: number, names: string[]): boolean {
  const run = longestCommonRun(question, names[i]);
  if (run.length < MIN_NAME_RUN) return false;
  const phrase = question.slice(run.end - run.length, run.end);
  let holders = 0;
  for (const name of names) if (name.includes(phrase) && ++holders > NAMED_MAX_DOCUMENTS) return false;
  return true;
}
/** Questions this short may lean on the previous one (see isFollowUp). */
const FOLLOW_UP_MAX_CHARS = 14;
const FOLLOW_UP_MAX_ENGLISH_WORDS = 6;
const SUGGESTIONS = 3;
/** A refusal suggests sections holding a topic word with at least this share of the question's weight. */
const SUGGEST_MIN_SHARE = 0.15;
/** Question types a document's title and byline can answer. */
const METADATA_TYPES: ReadonlySet<QuestionType> = new Set(['who', 'when']);

export interface SummaryTarget {
  docId?: string;
  sectionId?: string;
  query?: string;
}

export class UnknownTargetError extends Error {}

/** One summary to plan: what to summarise, how long, and for which question. */
interface SummaryJob {
  target: SummaryTarget;
  options: SummaryOptions;
  question: string | undefined;
  language: Language;
  started: number;
  answerOptions: AnswerOptions;
}

/**
 * Whether a question leans on the previous one: it opens with 那/它/具体…, picks an item ("第三点"),
 * is a short English question that refers back ("Who chaired it?"), or is short and either ends in
 * 呢 ("体育方面呢？") or has no subject of its own ("谁主持的？": one verb, no noun). A short question
 * with a subject of its own ("工业化和现代化是什么关系？") stands alone, whatever was asked before it.
 */
function isFollowUp(question: string, route: Route, profile: QueryProfile, pointsAtDocument: boolean): boolean {
  const bare = question.replace(/[\s？?。.!！]/g, '');
  // "讲话把腐败比作什么？" names its document and one word of its own: a question of its own.
  const ownSubject =
    profile.words.some((w) => w.topic && w.present) ||
    profile.words.length >= 2 ||
    (pointsAtDocument && profile.words.length >= 1);
  const englishWords = question.split(/\s+/).filter(Boolean).length;
  return (
    /^(那|它|其|这|该|那么|还有|具体|and\b|what about|how about)/i.test(question.trim()) ||
    route.itemNumber !== undefined ||
    (englishWords <= FOLLOW_UP_MAX_ENGLISH_WORDS && /\b(it|its|they|them|their|he|his|she|her)\b/i.test(question)) ||
    (bare.length <= FOLLOW_UP_MAX_CHARS && (bare.endsWith('呢') || !ownSubject))
  );
}

/**
 * Results worth suggesting after a refusal: those holding one of the question's topic words that
 * carries real weight. An off-topic question gets none rather than three unrelated sections.
 */
function relatedResults(results: SearchResult[], profile: QueryProfile): SearchResult[] {
  const topics = profile.words.filter((w) => w.topic && w.present && w.weight >= SUGGEST_MIN_SHARE * profile.total);
  return results.filter((r) =>
    topics.some((w) => [w.word, ...w.alternatives].some((a) => r.paragraph.text.includes(a))),
  );
}

/** The `done` event's answer: what `answer()` returns after draining the events. */
async function finalAnswer(events: AsyncIterable<AnswerEvent>): Promise<Answer> {
  for await (const event of events) if (event.type === 'done') return event.answer;
  throw new Error('the composer ended without a done event');
}

/** Retrieval results, with the documents the question points at (by title or kind; none when it points at none). */
export interface AnswererResults extends ExpandedResults {
  pointed: string[];
}

export class Answerer {
  readonly searcher: HybridSearcher;
  private readonly extractive: ExtractiveComposer;
  /** Document and section summaries are deterministic: made once per index, then reused. */
  private readonly summaryPlans = new Map<string, Promise<Plan>>();
  /** Each document's title and subtitle, and the titles holding each bigram (see titleIndex). */
  private titles: TitleIndex | undefined;
  /** Each document's kinds (speech, report…), for questions that name a document by its kind. */
  private genres: Set<Genre>[] | undefined;

  /**
   * `composer` writes the final answer once the policy has accepted the question (default: the
   * extractive composer, whose choice of sentence the policy reads in any case).
   */
  constructor(
    readonly kb: KnowledgeBase,
    readonly tuning: Tuning = DEFAULT_TUNING,
    private readonly composer?: Composer,
  ) {
    this.searcher = new HybridSearcher(kb, tuning.retrieval);
    this.extractive = new ExtractiveComposer(kb, tuning.sentences);
  }

  /**
   * Search with the question's synonyms and translations (see retrieval/expand). Title/byline
   * passages take part only when the question asks who or when.
   */
  async retrieve(query: string, focus = query, options: SearchOptions = {}): Promise<AnswererResults> {
    const route = routeQuestion(focus);
    const includeHeaders = METADATA_TYPES.has(route.type);
    // A follow-up ("它的目标年份是？") is about the document its previous question pointed at.
    const docBoosts = this.documentBoosts(query, route.language);
    const k = options.k ?? RETRIEVE_K;
    const named = docBoosts.size > 0 && docBoosts.size <= NAMED_MAX_DOCUMENTS && !options.docIds;
    const { candidates, roleBoost } = this.tuning.retrieval;
    const found = await expandedSearch(this.searcher, query, this.tuning.evidence, focus, {
      k: RETRIEVE_K,
      includeHeaders,
      docBoosts,
      ...options,
      // Every candidate, to find the named documents' best ones, or those stating a role, below the top k.
      ...(named || route.role ? { k: Math.max(k, candidates) } : {}),
    });
    const states = route.role && rolePattern(route.role);
    const ranked = states
      ? found.results
          .map((r) => (states.test(r.paragraph.text) ? { ...r, score: r.score * roleBoost } : r))
          .sort((a, b) => b.score - a.score)
      : found.results;
    const results = named ? await this.withNamedPlaces(ranked, query, focus, k, docBoosts, includeHeaders) : ranked;
    // "Who wrote the MIIT article?": the byline of the document it points at answers it, whatever the words.
    const bylines =
      route.asksAuthor && named
        ? this.headerResults(
            [...docBoosts.keys()].filter((id) => this.isAbout(id, focus, route.language)),
            results[0]?.score ?? 1,
          )
        : [];
    const shown = new Set(bylines.map((r) => r.paragraph.id));
    return {
      ...found,
      results: [...bylines, ...results.filter((r) => !shown.has(r.paragraph.id))].slice(0, Math.max(k, bylines.length)),
      pointed: named ? [...docBoosts.keys()] : [],
    };
  }

  /**
   * The documents a question points at (two at most: more is no pointing) keep a few places among the
   * results however well the others score: among hundreds of reports, the named document's best paragraph
   * can rank below five reports that share the question's words. Their best are those the first search
   * found below the top k, then those a keyword search within them finds (no candidate pool to fall
   * out of).
   */
  private async withNamedPlaces(
    candidates: SearchResult[],
    query: string,
    focus: string,
    k: number,
    docBoosts: ReadonlyMap<string, number>,
    includeHeaders: boolean,
  ): Promise<SearchResult[]> {
    const { namedDocumentSlots } = this.tuning.retrieval;
    const top = candidates.slice(0, k);
    const within = await expandedSearch(this.searcher, query, this.tuning.evidence, focus, {
      k: namedDocumentSlots,
      includeHeaders,
      mode: 'keyword',
      docIds: [...docBoosts.keys()],
    });
    const have = top.filter((r) => docBoosts.has(r.doc.id)).length;
    const shown = new Set(top.map((r) => r.paragraph.id));
    const add = [
      ...candidates
        .slice(k)
        .filter((r) => docBoosts.has(r.doc.id))
        .slice(0, Math.max(0, namedDocumentSlots - have)),
      ...within.results,
    ]
      .filter((r) => !shown.has(r.paragraph.id) && shown.add(r.paragraph.id))
      .slice(0, namedDocumentSlots);
    return [...top.slice(0, Math.max(0, k - add.length)), ...add];
  }

  /** The title/byline paragraphs of these documents, scored `score`. */
  private headerResults(docIds: string[], score: number): SearchResult[] {
    return docIds.flatMap((docId) => {
      const paragraph = this.kb.paragraph(headerId(docId));
      const passage = this.kb.passageById.get(passageId(headerId(docId), 0));
      const doc = this.kb.docById.get(docId);
      if (!paragraph || !passage || !doc) return [];
      return [{ passage, paragraph, doc, score, scores: { dense: 0, keyword: 0, fused: score }, matched: [] }];
    });
  }

  /**
   * Whether a question pointing at a document describes it: named by its title, or pointed at by
   * kind ("the MIIT article") with whatever it says the document is about ("the article on X") in its
   * text. "Who wrote the article on climate change?" is not about the one article there is.
   */
  private isAbout(docId: string, question: string, language: Language): boolean {
    const titled = this.namedDocument(question, language);
    if (titled?.doc.id === docId && titled.hits >= this.tuning.retrieval.namedDocumentHits) return true;
    const about = aboutPhrase(question);
    if (!about) return true;
    // A Chinese word the corpus never uses (气候变化) is one the document cannot be about: every word must be
    // in it. English words may lack a translation ("shouldering") or have a wrong one among their senses,
    // so those found must carry half the weight (an untranslated word weighs less: EvidenceTuning).
    const { words, translated } = profileQuery(this.kb.keyword, about, this.kb.bridge, this.tuning.evidence);
    const texts = this.kb.documentParagraphs(docId).map((p) => p.text);
    const used = words.filter((w) => [w.word, ...w.alternatives].some((x) => texts.some((t) => t.includes(x))));
    const weight = (list: typeof words) => list.reduce((sum, w) => sum + w.weight, 0);
    return used.length > 0 && weight(used) >= (translated ? 0.5 : 1) * weight(words);
  }

  answer(question: string, history: Turn[] = [], options: AnswerOptions = {}): Promise<Answer> {
    return finalAnswer(this.events(question, history, options));
  }

  async *events(question: string, history: Turn[] = [], options: AnswerOptions = {}): AsyncGenerator<AnswerEvent> {
    const started = performance.now();
    const { signal } = options;
    const route = routeQuestion(question);
    const { language } = route;
    if (route.type === 'smalltalk') {
      yield* emitPlan(
        {
          question,
          language,
          mode: 'abstain',
          parts: [{ text: TEXT[language].smalltalk }],
          started,
          retrieved: started,
        },
        options,
      );
      return;
    }
    if (route.type === 'summary') {
      yield* this.summaryEvents(question, route, started, options);
      return;
    }
    const previous = [...history].reverse().find((t) => t.role === 'user')?.content;
    const followUp =
      previous !== undefined &&
      isFollowUp(
        question,
        route,
        profileQuery(this.kb.keyword, question, this.kb.bridge, this.tuning.evidence),
        this.documentBoosts(question, language).size > 0,
      );
    // "那第三点呢？": pick the item from the enumeration the previous question was about.
    if (followUp && route.itemNumber !== undefined) {
      const picked = await this.pickItem(previous, route, started, question);
      if (picked) {
        yield* emitPlan(picked, options);
        return;
      }
    }
    const query = followUp ? `${previous} ${question}` : question;
    const { results: found, profile, pointed } = await this.retrieve(query, followUp ? question : query);
    signal?.throwIfAborted();
    // "Who wrote the MIIT article?": the byline found first answers it alone, even when the question's
    // other words (English ones the bridge cannot translate: "MIIT", "author") leave the coverage the
    // policy reads low.
    const byline = route.asksAuthor === true && found[0] !== undefined && isHeader(found[0].paragraph);
    // "讲话里…", "新年贺词里…": a question that points at documents is answered from them whenever the search
    // found one of their paragraphs (or declined from them), not from a report sharing more of its words.
    const fromPointed = found.filter((r) => pointed.includes(r.doc.id));
    const usePointed = fromPointed.length > 0;
    const results = byline ? found.slice(0, 1) : usePointed ? fromPointed : found;
    const retrieved = performance.now();
    const resolvedQuestion = followUp ? query : undefined;
    const previousProfile = followUp
      ? profileQuery(this.kb.keyword, previous, this.kb.bridge, this.tuning.evidence)
      : undefined;
    const request = { question, route, results, profile, resolvedQuestion, started, retrieved };
    const plan = this.extractive.plan(request);
    const quotes = quotesOf(plan);
    const [first] = quotes;
    const quote = quotes.map(quoteText).join('');
    const embedder = this.kb.embedder.info.kind;
    const input = {
      embedder,
      question,
      results,
      profile,
      language,
      type: route.type,
      quote,
      previous: previousProfile,
    };
    if (!byline && shouldDecline(input, this.tuning.abstain)) {
      const minSubjectShare = this.tuning.abstain.partialSubjectShare;
      const partial =
        first && partialAnswer({ question, type: route.type, language, profile, quote: first, minSubjectShare });
      const declined = partial
        ? { question, language, mode: 'partial' as const, parts: partial, resolvedQuestion, started, retrieved }
        : this.refusal(question, language, relatedResults(results, profile), started, retrieved, resolvedQuestion);
      yield* emitPlan(declined, options);
      return;
    }
    yield* this.composer ? this.composer.compose(request, options) : emitPlan(withDirect(plan), options);
  }

  /** The abstention policy's view of a stand-alone question (for evaluation and training). */
  async policyFeatures(question: string): Promise<PolicyFeatures> {
    const route = routeQuestion(question);
    const { results, profile } = await this.retrieve(question);
    const plan = this.extractive.plan({ question, route, results, profile, started: 0, retrieved: 0 });
    const quote = quotesOf(plan).map(quoteText).join('');
    return policyFeatures(
      {
        embedder: this.kb.embedder.info.kind,
        question,
        results,
        profile,
        language: route.language,
        type: route.type,
        quote,
      },
      this.tuning.abstain,
    );
  }

  private async pickItem(previous: string, route: Route, started: number, question: string): Promise<Plan | undefined> {
    const { results, profile } = await this.retrieve(previous);
    const enumeration = findEnumeration(this.kb, results, profile, this.tuning.sentences);
    const n = route.itemNumber!;
    const item = enumeration?.items[n === -1 ? enumeration.items.length - 1 : n - 1];
    if (!item) return undefined;
    const retrieved = performance.now();
    // The item's heading sentence plus the one after it say what the item is about.
    const next = item.paragraph.sentences.find(([s]) => s >= item.end);
    const quotes: Quote[] = [
      item,
      ...(next && item.end - item.start < 40 ? [{ ...item, start: next[0], end: next[1] }] : []),
    ];
    return {
      question,
      language: route.language,
      mode: 'answer',
      parts: [...framing(route.language), ...quotes.map((quote) => ({ quote }))],
      resolvedQuestion: `${previous} ${question}`,
      started,
      retrieved,
    };
  }

  private refusal(
    question: string,
    language: Language,
    results: SearchResult[],
    started: number,
    retrieved: number,
    resolvedQuestion?: string,
  ): Plan {
    const suggestions: Suggestion[] = [];
    for (const r of results) {
      const key = r.paragraph.sectionId ?? r.doc.id;
      if (suggestions.some((s) => (s.sectionId ?? s.docId) === key)) continue;
      suggestions.push({
        docId: r.doc.id,
        docTitle: r.doc.meta.title,
        sectionId: r.paragraph.sectionId,
        sectionPath: r.paragraph.sectionPath,
      });
      if (suggestions.length === SUGGESTIONS) break;
    }
    const t = TEXT[language];
    const where = (s: Suggestion) =>
      `《${s.docTitle}》${s.sectionPath.length ? ` · ${s.sectionPath.join(' › ')}` : ''}`;
    const hint = suggestions.length ? `\n${t.suggest}${suggestions.map(where).join('；')}` : '';
    const parts: Part[] = [{ text: t.abstain + hint }];
    return { question, language, mode: 'abstain', parts, suggestions, resolvedQuestion, started, retrieved };
  }

  /** "总结一下新年贺词", "概括新型工业化文章的第二部分", "Summarize the New Year address". */
  private async *summaryEvents(
    question: string,
    route: Route,
    started: number,
    options: AnswerOptions,
  ): AsyncGenerator<AnswerEvent> {
    // No document named: summarise what the question is about.
    const target = this.findSummaryTarget(question, route) ?? { query: question };
    const job = { target, options: {}, question, language: route.language, started, answerOptions: options };
    yield* emitPlan(await this.summaryPlan(job), options);
  }

  /**
   * Documents the question points at, each with the factor on its passages' fused scores: the one
   * it names by title ("新年贺词…"), and those of a kind it mentions ("讲话里…", "文章提到…") when
   * few documents are of that kind (among 714 reports, "报告" points at none of them).
   */
  documentBoosts(question: string, language: Language): Map<string, number> {
    const { namedDocumentHits, namedDocumentBoost, genreBoost, genreMaxShare } = this.tuning.retrieval;
    const boosts = new Map<string, number>();
    const docs = this.kb.documents;
    this.genres ??= docs.map((d) => genresOf(d.meta.title, d.meta.organisation !== undefined));
    const genres = this.genres;
    for (const genre of genresMentioned(question)) {
      const of = docs.filter((_, i) => genres[i].has(genre));
      if (of.length <= genreMaxShare * docs.length) for (const d of of) boosts.set(d.id, genreBoost);
    }
    const named = this.namedDocument(question, language);
    if (named && named.hits >= namedDocumentHits)
      boosts.set(named.doc.id, Math.max(namedDocumentBoost, boosts.get(named.doc.id) ?? 1));
    return boosts;
  }

  /**
   * The document a question names by its title ("新年贺词", "the New Year address"), with how
   * strongly: matching title bigrams, double for a bigram only one title has. A Chinese question must also
   * share a run of characters with the title proper (see namesTitle).
   */
  namedDocument(question: string, language: Language): { doc: CorpusDocument; hits: number } | undefined {
    const bare = question.replace(
      /总结|概括|摘要|概述|归纳|一下|文章|部分|主要内容|summari[sz]e|summary|overview/gi,
      ' ',
    );
    // A question names a title in its synonyms too: "缅怀毛主席" names the speech "纪念毛泽东同志…".
    const stripped = [bare, ...words(bare).flatMap((w) => this.kb.bridge.synonyms(w))].join(' ');
    const translated =
      language === 'en' ? this.kb.bridge.translate(stripped).filter((w) => w.length >= 2 && !/^\d+$/.test(w)) : [];
    const qGrams = new Set(bigrams(stripped).map((g) => g.slice(1)));
    const numbers = stripped.match(/\d{2,}/g) ?? [];
    const { titles, names, byGram } = this.titleIndex();
    // A bigram found in one title only ("讲话") names that document as well as two shared ones do.
    const named = new Map<number, number>();
    const add = (doc: number, hits: number) => named.set(doc, (named.get(doc) ?? 0) + hits);
    for (const g of qGrams) {
      const docs = byGram.get(g) ?? [];
      for (const doc of docs) add(doc, docs.length === 1 ? 2 : 1);
    }
    // A whole translated word in the title ("New Year" → 新年) counts like two matching bigrams.
    for (const w of translated)
      titles.forEach((title, doc) => {
        if (title.includes(w)) add(doc, 2);
      });
    const { namedDocumentHits } = this.tuning.retrieval;
    let best: { doc: CorpusDocument; hits: number } | undefined;
    let tied = false;
    for (const [i, n] of named) {
      // A number (a year) refines a name but does not name a document: "2024年政府工作报告" picks that year's
      // report among the others, "2024年是新中国成立多少周年" names none.
      const hits = n >= namedDocumentHits ? n + numbers.filter((x) => titles[i].includes(x)).length : n;
      if (hits >= namedDocumentHits && !translated.length && !namesTitle(stripped, i, names)) continue;
      if (hits > (best?.hits ?? 0)) {
        best = { doc: this.kb.documents[i], hits };
        tied = false;
      } else if (best && hits === best.hits) tied = true;
    }
    // Titles that match equally well ("2024年…" in every report of that year) name none of them.
    return tied ? undefined : best;
  }

  /**
   * Each document's title and subtitle, and which titles hold each two-character string: a question's
   * bigrams are looked up there rather than searched for in every title (this runs several times per
   * question, over hundreds of documents).
   */
  private titleIndex(): TitleIndex {
    if (!this.titles) {
      const titles = this.kb.documents.map((doc) => [doc.meta.title, doc.meta.subtitle ?? ''].join(' '));
      const byGram = new Map<string, number[]>();
      titles.forEach((title, doc) => {
        for (const g of new Set(
          Array.from({ length: Math.max(0, title.length - 1) }, (_, i) => title.slice(i, i + 2)),
        )) {
          const docs = byGram.get(g);
          if (docs) docs.push(doc);
          else byGram.set(g, [doc]);
        }
      });
      this.titles = { titles, names: this.kb.documents.map((doc) => doc.meta.title), byGram };
    }
    return this.titles;
  }

  findSummaryTarget(question: string, route: Route): SummaryTarget | undefined {
    const best = this.namedDocument(question, route.language);
    if (!best || best.hits < 2) return undefined;
    const doc = best.doc;
    const qGrams = new Set(bigrams(question).map((g) => g.slice(1)));
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

  /** A cited summary of a document, a section, or the passages closest to a query. */
  async summarize(
    target: SummaryTarget,
    options: SummaryOptions = {},
    question?: string,
    language: Language = 'zh',
    answerOptions: AnswerOptions = {},
  ): Promise<Answer> {
    const plan = await this.summaryPlan({
      target,
      options,
      question,
      language,
      started: performance.now(),
      answerOptions,
    });
    return finalAnswer(emitPlan(plan, answerOptions));
  }

  /**
   * Document and section summaries at default lengths are deterministic, so each is planned once
   * per index and reused (only the question and the timings differ between requests).
   */
  private summaryPlan(job: SummaryJob): Promise<Plan> {
    const { target, options, question, language, started } = job;
    const cacheable = !target.query && options.maxChars === undefined && options.maxSentences === undefined;
    if (!cacheable) return this.planSummary(job);
    const key = `${target.sectionId ?? ''}|${target.docId ?? ''}|${language}`;
    let cached = this.summaryPlans.get(key);
    if (!cached) {
      cached = this.planSummary({ target, options, question: undefined, language, started, answerOptions: {} });
      this.summaryPlans.set(key, cached);
      cached.catch(() => this.summaryPlans.delete(key));
    }
    return cached.then((plan) => {
      const now = performance.now();
      return { ...plan, question: question ?? plan.question, started: Math.min(started, now), retrieved: now };
    });
  }

  private async planSummary(job: SummaryJob): Promise<Plan> {
    const { target, options, question, language, started, answerOptions } = job;
    let title: string;
    let paragraphs: Paragraph[];
    let depth = 0;
    if (target.sectionId) {
      const section = this.kb.sectionById.get(target.sectionId);
      if (!section)
        throw new UnknownTargetError(`Unknown section id "${target.sectionId}"; GET /api/documents lists the ids.`);
      const doc = this.kb.docById.get(section.docId)!;
      paragraphs = this.sectionParagraphs(doc, section);
      title = `${doc.meta.title} · ${section.title}`;
      depth = section.path.length;
    } else if (target.docId) {
      const doc = this.kb.docById.get(target.docId);
      if (!doc)
        throw new UnknownTargetError(`Unknown document id "${target.docId}"; GET /api/documents lists the ids.`);
      paragraphs = doc.paragraphs;
      title = doc.meta.title;
    } else {
      const results = await this.searcher.search(target.query ?? '', { k: 6 });
      paragraphs = results.map((r) => r.paragraph).filter((p) => p.ordinal > 0);
      title = TEXT[language].closestPassages;
      depth = 99;
    }
    answerOptions.signal?.throwIfAborted();
    const retrieved = performance.now();
    const quotes = await summarizeParagraphs(this.kb, paragraphs, depth, this.tuning.summary, options);
    const asked = question ?? title;
    if (quotes.length === 0) return this.refusal(asked, language, [], started, retrieved);
    const parts: Part[] = [{ text: `${TEXT[language].summary(title)}\n` }, ...quotes.map((quote) => ({ quote }))];
    return { question: asked, language, mode: 'summary', parts, started, retrieved };
  }

  private sectionParagraphs(doc: CorpusDocument, section: Section): Paragraph[] {
    const ids = new Set(
      doc.sections.filter((s) => s.id === section.id || s.id.startsWith(`${section.id}.`)).map((s) => s.id),
    );
    return doc.paragraphs.filter((p) => p.sectionId !== undefined && ids.has(p.sectionId));
  }
}
