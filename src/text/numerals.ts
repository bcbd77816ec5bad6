/** Chinese numerals as written in headings and ordinals (一、 第十二点 二十一是), and their values. */
export const NUMERAL_CHARS = '一二三四五六七八九十';
const DIGITS = '零一二三四五六七八九';
const UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
/** Chinese numeral characters or ASCII digits, as one regex class body. */
export const ORDINAL_CHARS = `${NUMERAL_CHARS}百零〇两\\d`;

/**
 * The value of a Chinese numeral up to 9999 (十二 → 12, 二十 → 20, 一百零五 → 105) or of ASCII
 * digits; NaN when the text is neither.
 */
export function parseNumeral(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  if (!text || ![...text].every((c) => DIGITS.includes(c) || c === '〇' || c === '两' || Object.hasOwn(UNITS, c)))
    return Number.NaN;
  // Without 十/百/千 a numeral of several digits reads position by position (二〇二四 → 2024).
  if (text.length > 1 && ![...text].some((c) => Object.hasOwn(UNITS, c))) {
    return Number([...text].map((c) => (c === '〇' ? 0 : c === '两' ? 2 : DIGITS.indexOf(c))).join(''));
  }
  let total = 0;
  let digit = 0;
  for (const c of text) {
    if (Object.hasOwn(UNITS, c)) {
      total += (digit || 1) * UNITS[c];
      digit = 0;
    } else digit = c === '两' ? 2 : c === '〇' ? 0 : DIGITS.indexOf(c);
  }
  return total + digit;
}

const YEAR_DIGITS = '〇一二三四五六七八九';

/** Digits written one by one in Chinese, as years are (2024 → 二〇二四). */
export function digitsAsChinese(digits: string): string {
  return digits.replace(/\d/g, (d) => YEAR_DIGITS[Number(d)]);
}
