/**
 * Paragraphs → passages, the unit that is embedded and searched. A paragraph that
 * fits the embedder's budget is one passage; a longer one becomes sentence-aligned
 * windows (one sentence of overlap) that each keep the paragraph id, so a hit on
 * any window cites the whole paragraph.
 */
import { createHash } from 'node:crypto';
import type { CorpusDocument, Paragraph } from '../corpus/types.js';

export interface Passage {
  id: string;
  paragraphId: string;
  docId: string;
  /** Offsets of the window in the paragraph text. */
  start: number;
  end: number;
  text: string;
  /** Hash of the embedded text: the embedding cache key. */
  textHash: string;
}

/** Measures text in the embedder's units (tokens for a transformer, characters otherwise). */
export type LengthFn = (text: string) => number;

export const HEADER_ORDINAL = 0;

/**
 * The document's title, subtitle and byline as a citable paragraph (ordinal 0), so
 * "who gave the speech" or "when" questions are answered from the source as printed.
 */
export function headerId(docId: string): string {
  return `${docId}/header`;
}

/** The id of a paragraph's `window`-th passage (0: the first, the only one of a short paragraph). */
export function passageId(paragraphId: string, window: number): string {
  return `${paragraphId}#${window}`;
}

export function isHeader(paragraph: Paragraph): boolean {
  return paragraph.ordinal === HEADER_ORDINAL;
}

export function headerParagraph(doc: CorpusDocument): Paragraph {
  const lines = [doc.meta.title, doc.meta.subtitle, doc.meta.byline].filter((l): l is string => Boolean(l));
  const text = lines.join('\n');
  const sentences: Array<[number, number]> = [];
  let offset = 0;
  for (const line of lines) {
    sentences.push([offset, offset + line.length]);
    offset += line.length + 1;
  }
  return { id: headerId(doc.id), docId: doc.id, ordinal: HEADER_ORDINAL, sectionPath: [], text, sentences };
}

export function textHash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 16);
}

export function splitParagraph(paragraph: Paragraph, budget: number, length: LengthFn): Passage[] {
  const make = (start: number, end: number, n: number): Passage => {
    const text = paragraph.text.slice(start, end);
    return {
      id: passageId(paragraph.id, n),
      paragraphId: paragraph.id,
      docId: paragraph.docId,
      start,
      end,
      text,
      textHash: textHash(text),
    };
  };
  if (length(paragraph.text) <= budget || paragraph.sentences.length <= 1) return [make(0, paragraph.text.length, 0)];
  const windows: Passage[] = [];
  const spans = paragraph.sentences;
  let first = 0;
  while (first < spans.length) {
    let last = first;
    while (last + 1 < spans.length && length(paragraph.text.slice(spans[first][0], spans[last + 1][1])) <= budget)
      last++;
    windows.push(make(spans[first][0], spans[last][1], windows.length));
    if (last + 1 >= spans.length) break;
    // Overlap by one sentence when the window holds more than one.
    first = last > first ? last : last + 1;
  }
  return windows;
}

export function buildPassages(documents: CorpusDocument[], budget: number, length: LengthFn): Passage[] {
  const passages: Passage[] = [];
  for (const doc of documents) {
    passages.push(...splitParagraph(headerParagraph(doc), budget, length));
    for (const paragraph of doc.paragraphs) passages.push(...splitParagraph(paragraph, budget, length));
  }
  return passages;
}
