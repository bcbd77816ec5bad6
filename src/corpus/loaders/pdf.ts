/**
 * PDF → lines with their page, from the text layer (pdf.js). Running headers and footers
 * (a line repeating at the top or bottom of most pages) and page numbers are dropped;
 * wrapped lines are joined into paragraphs by geometry (indent, short last line, spacing);
 * a paragraph cut by a page break is marked as continuing; larger fonts become headings.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { getDocument, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { PDFDocumentProxy, TextItem } from 'pdfjs-dist/types/src/display/api.js';
import type { SourceLine } from '../types.js';
import { UnreadableFileError } from './errors.js';

const PDFJS_DIR = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
/** Lines at each end of a page that may be a running header, footer or page number. */
const EDGE_LINES = 2;
/** A line at a page edge on at least this share of pages is running text. */
const RUNNING_SHARE = 0.5;
const PAGE_NUMBER =
  /^[-–—－\s]*(第\s*)?[\d一二三四五六七八九十]+\s*页?(\s*[/／]\s*\d+|\s*共\s*\d+\s*页)?[-–—－\s]*$|^page\s*\d+(\s*of\s*\d+)?$/i;
/** A font this much larger than the body text marks a heading. */
const HEADING_SCALE = 1.15;
const MAX_HEADING = 60;
/** A table-of-contents entry: dot leaders (. · …) up to a page number; it would only add noise to answers. */
const TOC_ENTRY = /(?:[.·…]\s*){4,}\s*[\dIVXLCivxlc]*\s*$/;
/** Items further apart than this share of the font size have a word space between them. */
const WORD_GAP = 0.15;

interface PdfLine {
  text: string;
  page: number;
  x0: number;
  x1: number;
  y: number;
  size: number;
}

export interface PdfText {
  lines: SourceLine[];
  pages: number;
}

function mode(values: number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? 0;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

/** Text items on one baseline become one line, ordered left to right. */
function linesOfPage(items: TextItem[], page: number): PdfLine[] {
  const placed = items
    .filter((i) => i.str.trim() && i.transform[1] === 0 && i.transform[2] === 0)
    .map((i) => ({
      str: i.str,
      x: i.transform[4],
      y: i.transform[5],
      w: i.width,
      size: Math.abs(i.transform[3]) || i.height,
    }))
    .sort((a, b) => b.y - a.y || a.x - b.x);
  const lines: Array<typeof placed> = [];
  for (const item of placed) {
    const line = lines[lines.length - 1];
    if (line && Math.abs(line[0].y - item.y) <= 0.4 * Math.max(line[0].size, item.size)) line.push(item);
    else lines.push([item]);
  }
  return lines.map((parts) => {
    parts.sort((a, b) => a.x - b.x);
    let text = '';
    let end = parts[0].x;
    for (const p of parts) {
      if (text && p.x - end > WORD_GAP * p.size && !text.endsWith(' ')) text += ' ';
      text += p.str;
      end = p.x + p.w;
    }
    return {
      text: text.replace(/\s+/g, ' ').trim(),
      page,
      x0: parts[0].x,
      x1: Math.max(...parts.map((p) => p.x + p.w)),
      y: parts[0].y,
      size: Math.max(...parts.map((p) => p.size)),
    };
  });
}

/** Drop page numbers, table-of-contents entries and lines that repeat at a page edge on most pages. */
function dropRunningLines(pages: PdfLine[][]): PdfLine[][] {
  const edges = (lines: PdfLine[]) => new Set([...lines.slice(0, EDGE_LINES), ...lines.slice(-EDGE_LINES)]);
  // The size is part of the key: a title printed large on page 1 is not the small running header that repeats it.
  const key = (l: PdfLine) => `${l.text.replace(/\d+/g, '#').replace(/\s/g, '')}@${Math.round(l.size)}`;
  const pagesWith = new Map<string, number>();
  for (const lines of pages)
    for (const k of new Set([...edges(lines)].map(key))) pagesWith.set(k, (pagesWith.get(k) ?? 0) + 1);
  const minPages = Math.max(2, Math.ceil(pages.length * RUNNING_SHARE));
  return pages.map((lines) => {
    const edge = edges(lines);
    const running = (l: PdfLine) => PAGE_NUMBER.test(l.text) || (pagesWith.get(key(l)) ?? 0) >= minPages;
    return lines.filter((l) => !TOC_ENTRY.test(l.text) && !(edge.has(l) && running(l)));
  });
}

interface Layout {
  left: number;
  right: number;
  bodySize: number;
  lineGap: number;
  headingLevels: Map<number, number>;
}

function layoutOf(pages: PdfLine[][]): Layout {
  const lines = pages.flat();
  const bodySize = mode(lines.flatMap((l) => Array<number>(l.text.length).fill(Math.round(l.size * 2) / 2)));
  const body = lines.filter((l) => Math.abs(l.size - bodySize) < 0.5);
  const gaps = pages.flatMap((ls) => ls.slice(1).map((l, i) => ls[i].y - l.y)).filter((g) => g > 0);
  const headingSizes = [
    ...new Set(
      lines
        .filter((l) => l.size >= bodySize * HEADING_SCALE && l.text.length <= MAX_HEADING)
        .map((l) => Math.round(l.size)),
    ),
  ];
  headingSizes.sort((a, b) => b - a);
  return {
    left: mode(body.map((l) => Math.round(l.x0))),
    right: percentile(
      body.map((l) => l.x1),
      90,
    ),
    bodySize,
    lineGap: percentile(gaps, 50) || bodySize * 1.5,
    headingLevels: new Map(headingSizes.map((s, i) => [s, Math.min(i + 1, 6)])),
  };
}

function endsShort(line: PdfLine, layout: Layout): boolean {
  return line.x1 < layout.right - 2 * line.size;
}

function isIndented(line: PdfLine, layout: Layout): boolean {
  return line.x0 > layout.left + 0.8 * line.size;
}

/** A centred heading line (a long title wraps onto centred lines that continue it). */
function isCentredHeading(line: PdfLine, layout: Layout): boolean {
  return (
    line.size >= layout.bodySize * HEADING_SCALE &&
    Math.abs((line.x0 + line.x1) / 2 - (layout.left + layout.right) / 2) < line.size
  );
}

function startsParagraph(prev: PdfLine, line: PdfLine, layout: Layout): boolean {
  return (
    endsShort(prev, layout) ||
    (isIndented(line, layout) && !isCentredHeading(line, layout)) ||
    Math.abs(prev.size - line.size) > 0.15 * Math.min(prev.size, line.size) ||
    prev.y - line.y > 1.6 * layout.lineGap
  );
}

function join(a: string, b: string): string {
  return /[A-Za-z0-9,.;:]$/.test(a) && /^[A-Za-z0-9]/.test(b) ? `${a} ${b}` : a + b;
}

/** Lines of a page grouped into paragraph pieces; a page's first piece may continue the previous page. */
function toSourceLines(pages: PdfLine[][], layout: Layout): SourceLine[] {
  const out: SourceLine[] = [];
  let previous: PdfLine | undefined;
  for (const lines of pages) {
    let current: SourceLine | undefined;
    for (const line of lines) {
      if (!current || startsParagraph(previous!, line, layout)) {
        const continues =
          !current &&
          previous !== undefined &&
          !endsShort(previous, layout) &&
          !isIndented(line, layout) &&
          Math.abs(previous.size - line.size) < 0.5;
        const level = layout.headingLevels.get(Math.round(line.size));
        current = { text: line.text, page: line.page };
        if (continues) current.continues = true;
        else if (level !== undefined) current.heading = level;
        out.push(current);
      } else {
        current.text = join(current.text, line.text);
      }
      previous = line;
    }
  }
  for (const l of out) if (l.heading !== undefined && l.text.length > MAX_HEADING) delete l.heading;
  return out;
}

export async function readPdf(bytes: Uint8Array): Promise<PdfText> {
  let doc: PDFDocumentProxy;
  try {
    doc = await getDocument({
      data: new Uint8Array(bytes),
      cMapUrl: `${PDFJS_DIR}/cmaps/`,
      cMapPacked: true,
      standardFontDataUrl: `${PDFJS_DIR}/standard_fonts/`,
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      verbosity: VerbosityLevel.ERRORS,
    }).promise;
  } catch (err) {
    const e = err as Error;
    if (e.name === 'PasswordException')
      throw new UnreadableFileError(
        'the PDF is password-protected; remove the password (e.g. print it to a new PDF) and upload it again',
      );
    throw new UnreadableFileError(
      `the PDF is damaged and cannot be read (${e.message}); export it again from the original document`,
    );
  }
  try {
    const pages: PdfLine[][] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      pages.push(
        linesOfPage(
          content.items.filter((i): i is TextItem => 'str' in i),
          n,
        ),
      );
    }
    if (pages.every((p) => p.length === 0)) {
      throw new UnreadableFileError(
        'the PDF has no text layer (it is probably scanned images); ' +
          'run OCR on it first (e.g. ocrmypdf) or upload the text as .docx or .txt',
      );
    }
    const kept = dropRunningLines(pages);
    return { lines: toSourceLines(kept, layoutOf(kept)), pages: doc.numPages };
  } catch (err) {
    if (err instanceof UnreadableFileError) throw err;
    throw new UnreadableFileError(
      `the PDF is damaged and cannot be read (${(err as Error).message}); export it again from the original document`,
    );
  } finally {
    await doc.destroy();
  }
}
