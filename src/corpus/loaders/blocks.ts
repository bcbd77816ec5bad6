/**
 * An HTML element → one line per block (paragraph, heading, list item, table row), with
 * heading levels from h1–h6 and item numbers from ordered lists. Shared by the HTML and
 * DOCX loaders (mammoth turns Word styles into these elements).
 */
import type { SourceLine } from '../types.js';

const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'IFRAME', 'OBJECT']);
const BLOCK = new Set([
  'P',
  'DIV',
  'SECTION',
  'ARTICLE',
  'MAIN',
  'ASIDE',
  'HEADER',
  'FOOTER',
  'NAV',
  'BLOCKQUOTE',
  'PRE',
  'TABLE',
  'THEAD',
  'TBODY',
  'TFOOT',
  'TR',
  'DL',
  'DT',
  'DD',
  'FIGURE',
  'FIGCAPTION',
  'ADDRESS',
  'HR',
  'CAPTION',
  'LI',
]);

/** The DOM subset the walk needs (linkedom's nodes satisfy it). */
interface WalkNode {
  nodeType: number;
  textContent: string | null;
  childNodes: ArrayLike<WalkNode>;
  tagName?: string;
  getAttribute?(name: string): string | null;
}

export function blockLines(root: WalkNode): SourceLine[] {
  const out: SourceLine[] = [];
  let buffer = '';
  const flush = (extra: Omit<SourceLine, 'text'> = {}) => {
    const text = buffer.replace(/\s+/g, ' ').trim();
    if (text) out.push({ text, ...extra });
    buffer = '';
  };
  const visit = (node: WalkNode) => {
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType === 3) {
        buffer += child.textContent ?? '';
        continue;
      }
      if (child.nodeType !== 1) continue;
      const tag = (child.tagName ?? '').toUpperCase();
      if (SKIP.has(tag)) continue;
      if (tag === 'BR') {
        flush();
        continue;
      }
      const heading = /^H([1-6])$/.exec(tag);
      if (heading) {
        flush();
        visit(child);
        flush({ heading: Number(heading[1]) });
      } else if (tag === 'OL' || tag === 'UL') {
        flush();
        let n = Number(child.getAttribute?.('start')) || 1;
        for (const li of Array.from(child.childNodes)) {
          if (li.nodeType !== 1) continue;
          visit(li);
          flush(tag === 'OL' ? { item: n++ } : {});
        }
      } else if (tag === 'TD' || tag === 'TH') {
        visit(child);
        buffer += ' ';
      } else if (BLOCK.has(tag)) {
        flush();
        visit(child);
        flush();
      } else {
        visit(child);
      }
    }
  };
  visit(root);
  flush();
  return out;
}
