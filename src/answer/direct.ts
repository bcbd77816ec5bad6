/**
 * The direct answer: the exact span of a quoted sentence that answers a when / who / where /
 * how-many / which question (2023年12月21日至22日, 习近平, 1.3万亿元, 《…》), verbatim.
 *
 * Candidate spans are runs of jieba words inside one clause (plus whole bracketed titles);
 * a linear ranker scores each against the question (type of the span, which question words
 * sit next to it, whether it repeats the question) and the best one wins. The weights are
 * learned on CMRC 2018 by `npm run train:direct` (src/cli/train-direct.ts) and shipped in
 * models/direct-span.json. Pure: no I/O besides reading those weights once.
 */
import { readFileSync } from 'node:fs';
import { splitSentences } from '../text/sentences.js';
import { posTags, type TaggedWord } from '../text/tokens.js';

export type QuestionKind = 'when' | 'who' | 'where' | 'how-many' | 'which' | 'other';

/** Chinese and English patterns per kind. First match wins: 哪几天 is a date before a 几 question, 什么时候 before 什么. */
const KIND_RULES: Array<[QuestionKind, ...RegExp[]]> = [
  [
    'when',
    /什么时候|什么时间|何时|哪一?年|哪几?天|哪一?日|几月|几日|几号|哪个(月|时期|朝代|年代|世纪)|时间是/,
    /when\b|what (date|year|time)|which (day|year|month)|on which days?/i,
  ],
  [
    'how-many',
    /多少|多大|多长|多高|多久|多远|多重|(?<!哪)几[个位名项次条种年天月岁倍家所辆届首部本只座张人号]/,
    /how (many|much|long|old|far|large|big|tall)|what (percentage|share|number)/i,
  ],
  [
    'who',
    /谁|哪位|哪一位|哪个人|何人|什么人|哪个(部门|单位|机构|组织|公司|国家领导)/,
    /who\b|whom\b|which (person|organi[sz]ation|ministry|department|company)/i,
  ],
  [
    'where',
    /哪里|哪儿|在哪|何地|何处|哪个(地方|城市|省|国家|地区)|哪座/,
    /where\b|which (city|country|place|province)/i,
  ],
  [
    'which',
    /哪几|哪[个篇部本首种一项条所家座]|什么(名字|名称|称号|书|文件|作品)|叫什么|名为/,
    /which\b|what (is|was) the (name|title)/i,
  ],
];

export function questionKind(question: string): QuestionKind {
  return KIND_RULES.find(([, ...patterns]) => patterns.some((re) => re.test(question)))?.[0] ?? 'other';
}

/** The question word, whose neighbours in the question tell where the answer sits in the sentence. */
const WH =
  /什么时候|什么时间|何时|多少|多大|多长|多久|几|谁|哪里|哪儿|哪|何地|何处|何人|什么|怎么|怎样|如何|为什么|为何|是否/;

export interface Span {
  start: number;
  end: number;
  text: string;
}

export interface ScoredSpan extends Span {
  score: number;
  features: string[];
}

interface Token {
  word: string;
  tag: string;
  start: number;
  end: number;
  punct: boolean;
  /** The token also occurs in the question. */
  inQuestion: boolean;
}

const CONTENT = /[\p{L}\p{N}]/u;
const DIGIT_START = /^[0-9０-９]/;
const TIME_UNIT = /^(年|月|日|号|时|分|秒|世纪|年代|年间|年底|年初|月底|月初)$/;
const NUMBER_JOIN = /^[.．,，%％]$/;
const NAME_JOIN = /^[·•・-]$/;
const BRACKETS: Array<[string, string]> = [
  ['《', '》'],
  ['「', '」'],
  ['“', '”'],
  ['『', '』'],
  ['"', '"'],
];
/** What a when-question's answer must contain: a dated numeral, an era, or a relative date word. */
const DATE =
  /[\d〇零一二三四五六七八九十百]+(年|月|日|号)|世纪|年代|[朝代]$|末年|初年|时期|(今|明|去|前|后)年|(今|明|昨)天|当天|当年/;
const MAX_SPAN_TOKENS = 12;
const MAX_SPAN_CHARS = 40;
/** Characters on each side of a span searched for the question's words next to its question word. */
const WINDOW = 6;
/** Characters too common to count as a question word on their own. */
const WEAK_WORDS = new Set(
  '的 了 是 在 和 与 及 或 也 都 就 而 并 又 这 那 之 其 于 以 为 对 把 被 从 向 到 等 着 过 吗 呢 有 个 一 中 上 下 里 年 月 日'.split(
    ' ',
  ),
);
/** Tags that mark a type of answer (persons, places, organisations, other proper nouns, time, numerals). */
const TYPE_TAGS = ['nr', 'ns', 'nt', 'nz', 't', 'm', 'eng', 'q'];

/** Merge what jieba splits but an answer never separates: 1 . 3 → 1.3; 2023 年 → 2023年; 乔治 · 华盛顿. */
function mergeTokens(tagged: TaggedWord[]): Array<{ word: string; tag: string }> {
  const out: Array<{ word: string; tag: string }> = [];
  for (let i = 0; i < tagged.length; i++) {
    const { word, tag } = tagged[i];
    const prev = out[out.length - 1];
    const next = tagged[i + 1];
    const between = (join: RegExp) => prev && next && join.test(word);
    if (between(NUMBER_JOIN) && /\d$/.test(prev.word) && DIGIT_START.test(next.word) && word !== '，') {
      prev.word += word + next.word;
      i++;
    } else if (between(NAME_JOIN) && CONTENT.test(prev.word) && CONTENT.test(next.word) && !/\d/.test(next.word)) {
      prev.word += word + next.word;
      prev.tag = 'nr';
      i++;
    } else if (prev && /\d$/.test(prev.word) && (TIME_UNIT.test(word) || /^[%％]$/.test(word))) {
      prev.word += word;
      prev.tag = TIME_UNIT.test(word) ? 't' : 'm';
    } else out.push({ word, tag });
  }
  return out;
}

/**
 * The word occurs in the text, or (being longer than two characters) shares a two-character
 * piece with it: jieba keeps 主持会议 whole in a sentence but cuts 主持 … 会议 in the question.
 */
function sharesWord(word: string, text: string): boolean {
  if (text.includes(word)) return true;
  for (let i = 0; word.length > 2 && i + 2 <= word.length; i++) if (text.includes(word.slice(i, i + 2))) return true;
  return false;
}

function tokenize(sentence: string, question: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  for (const { word, tag } of mergeTokens(posTags(sentence))) {
    const start = sentence.indexOf(word, at);
    if (start < 0) continue;
    at = start + word.length;
    const punct = !CONTENT.test(word);
    const inQuestion = !punct && !WEAK_WORDS.has(word) && sharesWord(word, question);
    tokens.push({ word, tag: tag || 'x', start, end: at, punct, inQuestion });
  }
  return tokens;
}

interface QuestionContext {
  kind: QuestionKind;
  /** Content words just before and just after the question word. */
  left: string[];
  right: string[];
  /** The noun or unit right after the question word (哪个国家 → 国家, 多少万元 → 万元). */
  head: string;
  /** Every content word of the question but the question word. */
  words: string[];
}

function contextOf(question: string, kind: QuestionKind): QuestionContext {
  const m = WH.exec(question);
  const cut = (s: string) =>
    posTags(s)
      .map((t) => t.word)
      .filter((w) => CONTENT.test(w) && !WEAK_WORDS.has(w));
  if (!m) return { kind, left: [], right: [], head: '', words: cut(question) };
  const before = cut(question.slice(0, m.index));
  const afterWords = posTags(question.slice(m.index + m[0].length))
    .map((t) => t.word)
    .filter((w) => CONTENT.test(w));
  const head = (afterWords[0] ?? '').replace(MEASURE, '') || (afterWords[1] ?? '');
  const after = afterWords.filter((w) => !WEAK_WORDS.has(w));
  return { kind, left: before.slice(-2), right: after.slice(0, 2), head, words: [...before, ...after] };
}

/** A measure word right after 几/多少 (几次飞跃): the head noun is the word after it. */
const MEASURE = /^[个位名项种一次条届座家所部本只张件批]/;
/** A span never starts with a conjunction, nor ends with a conjunction or preposition. */
const BAD_FIRST = /^c/;
const BAD_LAST = /^(c|p)$/;

/** Punctuation a span may cross (inside lists, quotes and names), unlike clause breaks such as ，。；：. */
const SOFT_PUNCT = /^[、“”「」《》『』（）()&＆/·—-]+$/;

/** Token index ranges [i, j) of candidate spans: word runs inside a clause, and whole bracketed titles. */
function candidateRanges(tokens: Token[]): Array<[number, number, boolean]> {
  const out: Array<[number, number, boolean]> = [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].punct) continue;
    for (let j = i + 1; j <= Math.min(tokens.length, i + MAX_SPAN_TOKENS); j++) {
      const last = tokens[j - 1];
      if (last.punct && !SOFT_PUNCT.test(last.word)) break;
      if (last.end - tokens[i].start > MAX_SPAN_CHARS) break;
      if (!last.punct && !BAD_FIRST.test(tokens[i].tag) && !BAD_LAST.test(last.tag)) out.push([i, j, false]);
    }
  }
  for (let i = 0; i < tokens.length; i++) {
    const pair = BRACKETS.find(([open]) => tokens[i].word.startsWith(open));
    if (!pair) continue;
    for (let j = i + 1; j < tokens.length && tokens[j].end - tokens[i].start <= MAX_SPAN_CHARS + 2; j++) {
      if (!tokens[j].word.includes(pair[1])) continue;
      if (j > i + 1) out.push([i, j + 1, true], [i + 1, j, true]);
      break;
    }
  }
  return out;
}

/** Index of the first edge x does not exceed (edges.length past the last). */
function bucket(x: number, edges: number[]): number {
  const at = edges.findIndex((e) => x <= e);
  return at >= 0 ? at : edges.length;
}

/** Up to WINDOW characters of text on one side of tokens[from] (inclusive), crossing words that jieba cut small. */
function window(tokens: Token[], from: number, step: 1 | -1): string {
  let text = '';
  for (let i = from; i >= 0 && i < tokens.length && text.length < WINDOW; i += step) {
    text = step > 0 ? text + tokens[i].word : tokens[i].word + text;
  }
  return step > 0 ? text.slice(0, WINDOW) : text.slice(-WINDOW);
}

/** Share of the question (by characters of its words) that a sentence repeats. */
function questionCoverage(sentence: string, q: QuestionContext): number {
  const total = q.words.reduce((n, w) => n + w.length, 0);
  const found = q.words.filter((w) => sentence.includes(w)).reduce((n, w) => n + w.length, 0);
  return total ? found / total : 0;
}

/** Sentence features: its coverage of the question, and its rank by coverage among the text's sentences. */
function sentenceFeatures(coverages: number[], at: number, kind: QuestionKind): string[] {
  const rank = coverages.filter((c) => c > coverages[at]).length;
  const best = Math.max(...coverages);
  return [
    `${kind}|sq${bucket(coverages[at], [0.1, 0.2, 0.35, 0.5, 0.7, 0.85])}`,
    `${kind}|srank${Math.min(rank, 2)}`,
    `${kind}|sgap${bucket(best - coverages[at], [0, 0.1, 0.25])}`,
  ];
}

function spanFeatures(tokens: Token[], i: number, j: number, bracketed: boolean, q: QuestionContext): string[] {
  const k = q.kind;
  const span = tokens.slice(i, j).filter((t) => !t.punct);
  const text = span.map((t) => t.word).join('');
  const f: string[] = [
    `${k}|bias`,
    `${k}|n${Math.min(span.length, 6)}`,
    `${k}|len${bucket(text.length, [1, 2, 3, 4, 6, 9, 14, 20])}`,
  ];
  const tagOf = (t: Token | undefined) => {
    if (!t) return 'E';
    return t.punct ? 'P' : t.tag.replace(/^(nr|ns|nt|nz|n|v|a|u|m|t|d).*/, '$1');
  };
  const functionWord = (t: Token | undefined) => t && !t.punct && t.word.length <= 2 && /^(p|v|c|u|d)/.test(t.tag);
  f.push(`${k}|ft:${tagOf(span[0])}`, `${k}|lt:${tagOf(span[span.length - 1])}`);
  for (const tag of TYPE_TAGS) if (span.some((t) => t.tag.startsWith(tag))) f.push(`${k}|has:${tag}`);
  if (/\d|[零〇一二三四五六七八九十百千万亿两]{1,}[个年月日位名项次条种倍]/.test(text)) f.push(`${k}|digit`);
  if (DATE.test(text)) f.push(`${k}|date`);
  if (bracketed) f.push(`${k}|bracket`);
  if (j - i > span.length) f.push(`${k}|punctIn`);
  // A verb or preposition inside the span usually means it runs past the answer (北京向大家).
  for (const t of span.slice(1, -1)) if (/^[pv]/.test(t.tag)) f.push(`${k}|inner:${t.tag[0]}`);
  const covered = span.filter((t) => t.inQuestion).length / span.length;
  f.push(`${k}|ov${bucket(covered, [0, 0.34, 0.67])}`);
  const before = tokens[i - 1];
  const after = tokens[j];
  f.push(`${k}|L:${tagOf(before)}`, `${k}|R:${tagOf(after)}`);
  if (before?.inQuestion) f.push(`${k}|Lq`);
  if (after?.inQuestion) f.push(`${k}|Rq`);
  if (functionWord(before)) f.push(`${k}|Lw:${before.word}`);
  if (functionWord(after)) f.push(`${k}|Rw:${after.word}`);
  const leftText = window(tokens, i - 1, -1);
  const rightText = window(tokens, j, 1);
  const near = (words: string[], side: string) => words.some((w) => sharesWord(w, side));
  if (near(q.left, leftText)) f.push(`${k}|alignL`);
  if (near(q.right, rightText)) f.push(`${k}|alignR`);
  if (near(q.left, rightText)) f.push(`${k}|crossR`);
  if (near(q.right, leftText)) f.push(`${k}|crossL`);
  let distance = Infinity;
  let matched = 0;
  tokens.forEach((t, at) => {
    if (!t.inQuestion || (at >= i && at < j)) return;
    const d = at < i ? i - at : at - j + 1;
    distance = Math.min(distance, d);
    if (d <= 6) matched++;
  });
  f.push(`${k}|d${bucket(distance, [1, 2, 4, 8, 16])}`, `${k}|m${bucket(matched, [0, 1, 2, 4])}`);
  if (q.head && q.head.length <= 4) {
    if (text.endsWith(q.head.slice(-1))) f.push(`${k}|headEnd`);
    if (text.includes(q.head)) f.push(`${k}|headIn`);
    if (after?.word === q.head) f.push(`${k}|headNext`);
  }
  return f;
}

/** Last characters of bodies and people that jieba does not tag as names (总参谋部, 党组, 出版社). */
const AGENT_END = /[人者家员部局委会院所组社司团府党军队王帝氏族校学]$/;
/** Last characters of places and locations (…省, …站, 口中, 旁边). */
const PLACE_END = /[省市县区镇乡村州国洲岛山河江湖海洋路街港站馆院寺庙宫城厂场域口带地内中里上下旁边处外侧间底端线境]$/;
/** The span holds a tagged name: person, place, organisation, other proper noun, Latin word. */
const NAMED = (kind: QuestionKind) => ['nr', 'nt', 'nz', 'ns', 'eng'].map((tag) => `${kind}|has:${tag}`);

/**
 * The span is of the asked type at all: a date for when, a number for how-many, a name or an
 * agent for who, a name or a place for where (on CMRC 96% and 93% of the exact who/where answers
 * pass). Which and other questions take any span. No span of the type: no direct answer, which
 * also tells the caller that the sentence names the subject but not what was asked.
 */
function fitsKind(kind: QuestionKind, text: string, features: string[]): boolean {
  const has = (names: string[]) => names.some((name) => features.includes(name));
  if (kind === 'when') return has(['when|date']);
  if (kind === 'how-many') return has(['how-many|digit', 'how-many|has:m']);
  if (kind === 'who') return has(NAMED(kind)) || AGENT_END.test(text);
  if (kind === 'where') return has(NAMED(kind)) || PLACE_END.test(text);
  return true;
}

export interface DirectModel {
  weights: Record<string, number>;
  /** Below this score the best span is not trusted (per kind); tuned with the weights. */
  threshold: Partial<Record<QuestionKind, number>>;
}

/**
 * Every candidate span of `text` (one sentence or a quote of several) with its features and,
 * given a model, its score; best first. Offsets are into `text`.
 */
export function rankSpans(question: string, text: string, kind: QuestionKind, model?: DirectModel): ScoredSpan[] {
  const q = contextOf(question, kind);
  const out: ScoredSpan[] = [];
  const sentences = splitSentences(text);
  const coverages = sentences.map(([from, to]) => questionCoverage(text.slice(from, to), q));
  for (const [at, [from, to]] of sentences.entries()) {
    const sentence = text.slice(from, to);
    const tokens = tokenize(sentence, question);
    const perSentence = sentenceFeatures(coverages, at, kind);
    const seen = new Set<string>();
    for (const [i, j, bracketed] of candidateRanges(tokens)) {
      const start = from + tokens[i].start;
      const end = from + tokens[j - 1].end;
      const key = `${start}:${end}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const features = [...spanFeatures(tokens, i, j, bracketed, q), ...perSentence];
      if (!fitsKind(kind, text.slice(start, end), features)) continue;
      const score = model ? features.reduce((s, name) => s + (model.weights[name] ?? 0), 0) : 0;
      out.push({ start, end, text: text.slice(start, end), score, features });
    }
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * 6个 → 6个重点 when the question asks 几个重点: the counted noun the question names, right
 * after the number (at most one word character between, as in 10大行业), reads better than
 * the bare count. CMRC's references include it about half the time, so it costs EM, not F1.
 */
function withCountedNoun(question: string, text: string, span: Span): string {
  const { head } = contextOf(question, 'how-many');
  if (!head) return span.text;
  const after = text.slice(span.end);
  if (after.startsWith(head)) return text.slice(span.start, span.end + head.length);
  const oneBetween = /^[\p{Script=Han}\p{N}]/u.test(after) && after.slice(1).startsWith(head);
  if (oneBetween) return text.slice(span.start, span.end + 1 + head.length);
  return span.text;
}

/** The rest of a date range after its first date: 至22日, 到2024年1月, —12月31日. */
const RANGE_END =
  /^(至|到|—|–|-|～|~)([\d〇零一二三四五六七八九十]+年)?([\d〇零一二三四五六七八九十]+月)?([\d〇零一二三四五六七八九十]+[日号])?/;

/** 12月21日 → 12月21日至22日: a when-question about a span of days is answered by the whole range. */
function withDateRange(text: string, span: Span): string {
  const rest = RANGE_END.exec(text.slice(span.end));
  return rest && rest[0].length > 1 ? text.slice(span.start, span.end + rest[0].length) : span.text;
}

let shipped: DirectModel | undefined;
export function directModel(): DirectModel {
  shipped ??= JSON.parse(readFileSync(new URL('./models/direct-span.json', import.meta.url), 'utf8')) as DirectModel;
  return shipped;
}

/**
 * The exact answer to `question` inside `text` (a quoted sentence or several; the answer is a
 * substring of it), or null when it holds no span of the asked kind or none the model trusts.
 */
export function extractDirect(
  question: string,
  text: string,
  kind: QuestionKind = questionKind(question),
  model: DirectModel = directModel(),
): string | null {
  const best = rankSpans(question, text, kind, model)[0];
  if (!best || best.score < (model.threshold[kind] ?? -Infinity)) return null;
  if (kind === 'how-many') return withCountedNoun(question, text, best);
  if (kind === 'when') return withDateRange(text, best);
  return best.text;
}
