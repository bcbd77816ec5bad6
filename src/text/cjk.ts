/** The CJK character ranges every text step agrees on (unified ideographs, extension A, compatibility, 〇). */
export const CJK_RANGES = '\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u3007';
/** CJK punctuation, full-width forms, curly quotes, ellipsis and dash. */
export const CJK_PUNCTUATION = '\\u3000-\\u303f\\uff00-\\uffef\\u2018-\\u201d\\u2026\\u2014';

/** One or more CJK characters. */
export const CJK_RUN = new RegExp(`[${CJK_RANGES}]+`, 'g');
const CJK_ONLY = new RegExp(`^[${CJK_RANGES}]+$`);
const CJK_CHAR = new RegExp(`[${CJK_RANGES}]`, 'g');

export function isCjkOnly(text: string): boolean {
  return CJK_ONLY.test(text);
}

/** Share of CJK characters among the letters of a text (0 when it has none). */
export function cjkShare(text: string): number {
  // 〇 is CJK but not a Unicode letter; count it as one so the share stays within 0–1.
  const letters = text.match(/[\p{L}\u3007]/gu) ?? [];
  if (letters.length === 0) return 0;
  return (text.match(CJK_CHAR) ?? []).length / letters.length;
}
