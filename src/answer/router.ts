/**
 * What kind of question is this? The route decides how sentences are chosen: a "when"
 * question wants the sentence with the date, a list question gets its items, a summary
 * request goes to the summariser, small talk gets no retrieval at all.
 */
import { detectLanguage, type Language } from '../text/language.js';
import { ORDINAL_CHARS, parseNumeral } from '../text/numerals.js';

export type QuestionType =
  | 'fact'
  | 'when'
  | 'who'
  | 'where'
  | 'howMany'
  | 'why'
  | 'how'
  | 'list'
  | 'summary'
  | 'smalltalk';

export interface Route {
  type: QuestionType;
  language: Language;
  /** The N of "第N点" / "the third point", when the question picks one item of a list. */
  itemNumber?: number;
  /** The N of "第N部分" / "part two": a section ordinal for summaries. */
  partNumber?: number;
  /** A "who" question about who wrote, gave or issued a document (its byline answers it). */
  asksAuthor?: boolean;
  /** "X在Y中起什么作用", "X对于Y是什么定位": the role of X in Y, which texts state as "X是Y的…". */
  role?: { subject: string; context: string };
}

/** "讲了什么": a summary request, unless it asks about one item of a list (第二点具体说了什么). */
const ABOUT_WHAT = /总结|概括|主要内容|讲了什么|说了什么|大意|what (is|was) .* about/i;

const RULES: Array<[QuestionType, RegExp]> = [
  [
    'smalltalk',
    /^\s*(你好|您好|嗨|哈喽|早上好|晚上好|谢谢|多谢|再见|拜拜|hi|hello|hey|thanks|thank you|bye|good (morning|evening))[\s!！。.,，~～]*$/i,
  ],
  [
    'summary',
    /^(请|帮我|麻烦)?(简单|简要)?(总结|概括|归纳|概述|梳理)|摘要|summari[sz]e|summary|overview|gist|main points of/i,
  ],
  [
    'list',
    /哪些|哪几(?![天日月年次届])|有几[个项点条方]|分别|列举|几个方面|几点|包括什么|包含什么|有什么措施|重点任务|what are the|list (the|all)|which (tasks|aspects|points|measures|priorities)|enumerate/i,
  ],
  ['summary', ABOUT_WHAT],
  [
    'when',
    /什么时候|何时|哪一天|哪天|哪几天|几号|几月几日|日期|哪一?年|年份|时间是|\bwhen\b|\bwhat date|\bwhich (day|year|month)|\bwhat year/i,
  ],
  [
    'who',
    /谁|哪个部门|哪个单位|哪家|哪位|作者|署名|讲话人|发表者|主持|\bwho\b|\bwhom\b|\bwhich (organi[sz]ation|ministry|department|body)|\bauthors?\b/i,
  ],
  ['where', /在哪里|在哪儿|哪个城市|在哪|地点|\bwhere\b|\bwhich city/i],
  [
    'howMany',
    /多少|多大|多长|多高|多深|多远|几[个项年次艘枚人位名条种天届家]|\bhow many|\bhow much|\bnumber of|\bhow long/i,
  ],
  ['why', /为什么|为何|原因|\bwhy\b|\breason\b/i],
  ['how', /怎么|怎样|如何|\bhow\b/i],
];

const EN_ORDINALS = new Map<string, number>([
  ['first', 1],
  ['second', 2],
  ['third', 3],
  ['fourth', 4],
  ['fifth', 5],
  ['sixth', 6],
  ['seventh', 7],
  ['eighth', 8],
  ['ninth', 9],
  ['tenth', 10],
  ['last', -1],
  ['one', 1],
  ['two', 2],
  ['three', 3],
  ['four', 4],
  ['five', 5],
]);

/** The N of "第N点" (any Chinese numeral or digits) or of "the Nth point". */
function ordinal(question: string, zh: RegExp, en: RegExp): number | undefined {
  const z = question.match(zh)?.[1];
  if (z) {
    const n = parseNumeral(z);
    return Number.isNaN(n) ? undefined : n;
  }
  const word = question
    .match(en)
    ?.slice(1)
    .find((g) => g !== undefined && !/^(st|nd|rd|th)$/.test(g))
    ?.toLowerCase();
  if (!word) return undefined;
  return EN_ORDINALS.get(word) ?? Number(word);
}

const ITEM_ZH = new RegExp(`第([${ORDINAL_CHARS}]+)[点条项个]`);
const ITEM_EN =
  /\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|\d+)(st|nd|rd|th)? (point|item|task|one|priority)/i;
const PART_ZH = new RegExp(`第([${ORDINAL_CHARS}]+)(部分|节|章|段落)`);
const PART_EN =
  /\b(?:part|section) (one|two|three|four|five|\d+)|\b(first|second|third|fourth|fifth|\d+)(?:st|nd|rd|th)? (?:part|section)/i;

/** Who wrote, delivered or issued something: "作者是谁", "谁发表的", "who wrote", "the author of". */
const AUTHORSHIP =
  /作者|署名|谁写|谁撰写|谁发表|谁作的|谁讲的|谁致|发表者|讲话人|由谁|出自谁|\bwho (wrote|writes|authored|delivered|gave|gives|issued|published|signed|made)\b|\bauthors?\b|\bauthored\b|\b(written|delivered|given|issued|published|signed) by\b|\bwhose (article|speech|address)\b/i;

const ABOUT = /关于(.+?)的|\b(?:on|about|regarding|concerning)\b(.+?)(?:[?？.!]|$)/i;

/** What a question says a document is about: "关于X的文章", "the article on X"; undefined when it says nothing. */
export function aboutPhrase(question: string): string | undefined {
  const m = ABOUT.exec(question);
  return (m?.[1] ?? m?.[2])?.trim() || undefined;
}

const ROLE =
  /^[“"]?([^“”"，,？?]{2,12}?)[”"]?(?:在|对于|对)([^，,？?]{2,24}?)(?:中|里|上|来说|而言)?(?:起|发挥|是|有|处于|居于|占)?着?(?:什么|怎样|何种)(?:样的)?(?:作用|地位|定位|角色|位置)/;

/** The subject and context of a question about a role ("创新在推进新型工业化中起什么作用？"). */
function roleOf(question: string): Route['role'] {
  const m = ROLE.exec(question.trim());
  return m ? { subject: m[1], context: m[2] } : undefined;
}

export function routeQuestion(question: string): Route {
  const language = detectLanguage(question);
  const itemNumber = /最后一?[点条项个]/.test(question) ? -1 : ordinal(question, ITEM_ZH, ITEM_EN);
  const rule = RULES.find(
    ([type, re]) => re.test(question) && !(itemNumber !== undefined && re === ABOUT_WHAT && type === 'summary'),
  );
  const type = rule?.[0] ?? 'fact';
  return {
    type,
    language,
    itemNumber,
    partNumber: ordinal(question, PART_ZH, PART_EN),
    asksAuthor: type === 'who' && AUTHORSHIP.test(question),
    role: roleOf(question),
  };
}
