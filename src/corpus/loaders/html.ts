/** HTML → the page's main text (Readability drops navigation, sidebars and footers) as lines. */
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import type { SourceLine } from '../types.js';
import { blockLines } from './blocks.js';
import { UnreadableFileError } from './errors.js';

export interface HtmlText {
  lines: SourceLine[];
  title?: string;
}

export function readHtml(html: string): HtmlText {
  const { document } = parseHTML(html);
  const article = new Readability(document as unknown as Document, { charThreshold: 100 }).parse();
  // A page too small for Readability to find an article is taken whole (parsed again: Readability
  // changed the first document), minus its boilerplate elements.
  let root: unknown;
  if (article?.content) {
    root = parseHTML(`<!doctype html><html><body>${article.content}</body></html>`).document.body;
  } else {
    const whole = parseHTML(html).document;
    for (const el of Array.from(whole.querySelectorAll('nav, header, footer, aside, form'))) el.remove();
    root = whole.body ?? whole.documentElement;
  }
  const lines = root ? blockLines(root as Parameters<typeof blockLines>[0]) : [];
  if (lines.length === 0)
    throw new UnreadableFileError(
      'the web page has no readable text; save the article text as .txt or .md and upload that',
    );
  const title = article?.title?.trim() || undefined;
  return { lines, title };
}
