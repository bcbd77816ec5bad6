/** The two languages a question can be asked in; answers quote the (Chinese) sources either way. */
import { cjkShare } from './cjk.js';

export type Language = 'zh' | 'en';

/** English when the text has Latin letters and under 30% of its letters are CJK. */
export function detectLanguage(text: string): Language {
  return /[A-Za-z]/.test(text) && cjkShare(text) < 0.3 ? 'en' : 'zh';
}
