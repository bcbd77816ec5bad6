/**
 * Undo PDF-extraction artefacts without touching meaning: spaces the extractor put
 * between CJK characters and digits go, and half-width punctuation inside CJK text
 * becomes full width. Everything else (Latin words, brackets) stays verbatim.
 */

import { CJK_RANGES as CJK, CJK_PUNCTUATION as CJK_PUNCT } from './cjk.js';

const FULL_WIDTH: Record<string, string> = { ',': '，', '!': '！', '?': '？', ':': '：', ';': '；' };

const HALF_PUNCT_AFTER_CJK = new RegExp(`([${CJK}${CJK_PUNCT}])\\s*([,!?:;])`, 'g');
const SPACE_BETWEEN_CJK_OR_DIGIT = new RegExp(
  `([${CJK}${CJK_PUNCT}])[ \\t\\u00a0\\u3000]+(?=[${CJK}${CJK_PUNCT}\\d])|(\\d)[ \\t\\u00a0\\u3000]+(?=[${CJK}${CJK_PUNCT}])`,
  'g',
);
/** Zero-width and control characters, and bidirectional controls (U+202E could make quoted text display reversed). */
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
  /[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\u061c\ufeff\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function normalizeLine(line: string): string {
  let out = line.normalize('NFC').replace(INVISIBLE, '').replace(/\t/g, ' ');
  out = out.replace(HALF_PUNCT_AFTER_CJK, (_m, ch: string, p: string) => ch + FULL_WIDTH[p]);
  // Two passes: a match consumes its left character, so "1 2 3" style runs need a second look.
  out = out.replace(SPACE_BETWEEN_CJK_OR_DIGIT, '$1$2').replace(SPACE_BETWEEN_CJK_OR_DIGIT, '$1$2');
  return out.trim();
}
