/**
 * Quoted sentences → `[n]` markers and citation objects. One citation per paragraph,
 * numbered in order of first use; only paragraphs the answer really quotes are listed.
 */
import type { CorpusDocument, Paragraph } from '../corpus/types.js';
import { type Passage, passageId } from '../index/passages.js';
import type { Citation, Segment } from './types.js';

/** A span of a paragraph that the answer quotes verbatim. */
export interface Quote {
  paragraph: Paragraph;
  doc: CorpusDocument;
  passage?: Passage;
  start: number;
  end: number;
  score: number;
}

export function quoteText(q: Quote): string {
  return q.paragraph.text.slice(q.start, q.end);
}

/** Page where the sentence holding `offset` starts (paginated sources only). */
function pageAt(paragraph: Paragraph, offset: number): number | undefined {
  return paragraph.pages?.[paragraph.sentences.findIndex(([s, e]) => offset >= s && offset < e)];
}

export class CitationList {
  readonly citations: Citation[] = [];
  private byParagraph = new Map<string, Citation>();

  /** Register a quote and return its citation number. */
  cite(q: Quote): number {
    let c = this.byParagraph.get(q.paragraph.id);
    if (!c) {
      c = {
        n: this.citations.length + 1,
        passageId: q.passage?.id ?? passageId(q.paragraph.id, 0),
        paragraphId: q.paragraph.id,
        docId: q.doc.id,
        docTitle: q.doc.meta.title,
        sectionPath: q.paragraph.sectionPath,
        paragraph: q.paragraph.ordinal,
        text: q.paragraph.text,
        quote: '',
        highlights: [],
        score: Number(q.score.toFixed(4)),
      };
      this.byParagraph.set(q.paragraph.id, c);
      this.citations.push(c);
    }
    if (!c.highlights.some(([s, e]) => s === q.start && e === q.end)) {
      c.highlights.push([q.start, q.end]);
      c.highlights.sort((a, b) => a[0] - b[0]);
      c.page = pageAt(q.paragraph, c.highlights[0][0]);
      c.quote = c.highlights
        .map(([s, e], i) => (i > 0 && c!.highlights[i - 1][1] < s - 1 ? '…' : '') + c!.text.slice(s, e))
        .join('');
    }
    return c.n;
  }

  /** The quote as an answer segment carrying its citation number. */
  segment(q: Quote): Segment {
    return { text: quoteText(q), n: this.cite(q) };
  }
}

/** Segments as plain text, with `[n]` after each cited one (CLI and OpenAI-compatible output). */
export function segmentsText(segments: Segment[]): string {
  return segments.map((s) => (s.n === undefined ? s.text : `${s.text}[${s.n}]`)).join('');
}
