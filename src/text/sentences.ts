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

function pushTrimmed(text: string, start: number, end: number, spans: Array<[number, number]>): void {
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  if (end > start) spans.push([start, end]);
}
