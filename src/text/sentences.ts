/**
 * Sentence boundaries for Chinese (and mixed) text, as [start, end) offsets so that
 * a citation can highlight exactly the quoted span. A sentence ends at 。！？!? or
 * ；… followed by closing quotes/brackets; quotes that open mid-sentence stay inside it.
 */

const TERMINAL = new Set(['。', '！', '？', '!', '?']);
const OPEN_QUOTES = new Set(['“', '「', '『']);
const CLOSE_QUOTES = new Set(['”', '」', '』']);
/** A quotation longer than this is treated as running text (unbalanced quotes in the source). */
const MAX_QUOTE = 240;
const CLOSERS = new Set(['”', '’', '」', '』', '）', ')', '》', '"', '…']);

export function splitSentences(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let start = 0;
  let i = 0;
  let quoteStart = -1;
  while (i < text.length) {
    const ch = text[i];
    if (OPEN_QUOTES.has(ch)) quoteStart = i;
    else if (CLOSE_QUOTES.has(ch)) quoteStart = -1;
    const inQuote = quoteStart >= 0 && i - quoteStart < MAX_QUOTE;
    const quoteEndsSentence = CLOSE_QUOTES.has(ch) && TERMINAL.has(text[i - 1] ?? '');
    const latinFullStop = ch === '.' && /\s/.test(text[i + 1] ?? '') && /[a-z)]/i.test(text[i - 1] ?? '');
    if (quoteEndsSentence || (!inQuote && (TERMINAL.has(ch) || latinFullStop))) {
      let end = i + 1;
      while (end < text.length && (TERMINAL.has(text[end]) || CLOSERS.has(text[end]))) end++;
      pushTrimmed(text, start, end, spans);
      start = end;
      i = end;
      quoteStart = -1;
      continue;
    }
    i++;
  }
  if (start < text.length) pushTrimmed(text, start, text.length, spans);
  return spans;
}

/**
 * A sentence longer than this is cut, at commas and the like first, then at this length: a line
 * with no punctuation at all must not become one unquotable (and unbounded) sentence.
 */
export const MAX_SENTENCE = 400;
const SOFT_BREAK = /[，,、；;：:]/;

function pushTrimmed(text: string, start: number, end: number, spans: Array<[number, number]>): void {
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  while (end - start > MAX_SENTENCE) {
    let cut = start + MAX_SENTENCE;
    for (let i = cut - 1; i > start + MAX_SENTENCE / 2; i--) {
      if (SOFT_BREAK.test(text[i])) {
        cut = i + 1;
        break;
      }
    }
    // Never cut between the halves of a surrogate pair.
    if (/[\ud800-\udbff]/.test(text[cut - 1])) cut--;
    spans.push([start, cut]);
    start = cut;
    while (start < end && /\s/.test(text[start])) start++;
  }
  if (end > start) spans.push([start, end]);
}
