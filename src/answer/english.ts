/** Placeholder replaced below. */
export interface EnglishBridge {
  translate(text: string): string[];
}
