/**
 * Undo PDF-extraction artefacts without touching meaning: spaces the extractor put
 * between CJK characters and digits go, and half-width punctuation inside CJK text
 * becomes full width. Everything else (Latin words, brackets) stays verbatim.
 */

const CJK = '\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u3007';
const CJK_PUNCT = '\\u3000-\\u303f\\uff00-\\uffef\\u2018-\\u201d\\u2026\\u2014';
const FULL_WIDTH: Record<string, string> = { ',': '，', '!': '！', '?': '？', ':': '：', ';': '；' };

const HALF_PUNCT_AFTER_CJK = new RegExp(`([${CJK}${CJK_PUNCT}])\\s*([,!?:;])`, "g");
const SPACE_BETWEEN_CJK_OR_DIGIT = new RegExp(`([${CJK}${CJK_PUNCT}])[ \\t\\u00a0\\u3000]+(?=[${CJK}${CJK_PUNCT}\\d])|(\\d)[ \\t\\u00a0\\u3000]+(?=[${CJK}${CJK_PUNCT}])`, 'g');
const INVISIBLE = /[\u200b-\u200d\u2060\ufeff\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function normalizeLine(line: string): string {
  let out = line.normalize('NFC').replace(INVISIBLE, '').replace(/\t/g, ' ');
  out = out.replace(HALF_PUNCT_AFTER_CJK, (_m, ch: string, p: string) => ch + FULL_WIDTH[p]);
  // Two passes: a match consumes its left character, so "1 2 3" style runs need a second look.
  out = out.replace(SPACE_BETWEEN_CJK_OR_DIGIT, '$1$2').replace(SPACE_BETWEEN_CJK_OR_DIGIT, '$1$2');
  return out.trim();
}

/** Share of CJK characters among the letters of a text (0 when it has none). */
export function cjkShare(text: string): number {
  const letters = text.match(/[\p{L}]/gu) ?? [];
  if (letters.length === 0) return 0;
  const cjk = text.match(new RegExp(`[${CJK}]`, 'g')) ?? [];
  return cjk.length / letters.length;
}
