/**
 * Plain text or Markdown → documents → sections → paragraphs.
 *
 * The input is usually a PDF extraction, so the parser works line by line and repairs
 * what the extraction broke: a paragraph cut at a page end (line without closing
 * punctuation) is joined to the next line, unless that line is clearly a new unit
 * (heading, enumerated item, salutation, or a paragraph opening like its siblings).
 * One file may hold several documents (a compilation headed "附件 1"): there a short
 * unpunctuated line after a finished paragraph starts a new document.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { normalizeLine } from '../text/normalize.js';
import { NUMERAL_CHARS, parseNumeral } from '../text/numerals.js';
import { splitSentences } from '../text/sentences.js';
import type { CorpusDocument, DocumentMeta, Paragraph, Section, SourceLine } from './types.js';

/** YAML is required on the first front matter: a server that only serves an index never parses one. */
let yaml: typeof import('yaml') | undefined;
const parseYaml = (text: string): unknown =>
  (yaml ??= createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);

const NUMERALS = NUMERAL_CHARS;
const ATTACHMENT = /^附件\s*\d*$/;
const BYLINE = /^[（(][^（()）]{2,80}[)）]$/;
const SALUTATION = /^[^。；]{2,18}[：:！!]$/;
const LEVEL1 = new RegExp(`^[${NUMERALS}]+、`);
const LEVEL2 = new RegExp(`^[（(][${NUMERALS}]+[）)]`);
const CHAPTER = new RegExp(`^第[${NUMERALS}百\\d]+[章编]`);
const SUBCHAPTER = new RegExp(`^第[${NUMERALS}百\\d]+节`);
const ITEM = new RegExp(`^([${NUMERALS}]{1,3})是`);
/** A bulleted line starts a list item of its own, whatever the line before ends with. */
const BULLET = /^[•●■◆▪◦‣]/;
const MD_HEADING = /^(#{1,6})\s+(.*)$/;
const TERMINAL_END = /[。！？!?…：:]$|[。！？!?][”’」』）)]$/;
const DATE = /(\d{4})年(\d{1,2})月(\d{1,2})日/;
const ROLE = /^(国家主席|国务院总理|中共中央总书记|总书记|主席|总理|省长|市长|部长)/;
const MAX_HEADING = 60;
/** Longer than any real paragraph here (the corpus tops out near 700 characters). */
const RUN_ON_LINE = 1500;
const RUN_ON_PIECE = 500;
const MAX_TITLE = 60;
/** Paragraphs in a section that open with the same words are siblings, never one broken paragraph. */
const SIBLING_PREFIX = 6;

function hash(text: string, length: number): string {
  return createHash('sha1').update(text).digest('hex').slice(0, length);
}

interface Heading {
  level: number;
  title: string;
}

function headingOf(line: string, markdownLevel: number | undefined): Heading | undefined {
  if (markdownLevel !== undefined) return { level: markdownLevel, title: line };
  if (line.length > MAX_HEADING || /[。！？]./.test(line)) return undefined;
  if (CHAPTER.test(line)) return { level: 1, title: line };
  if (LEVEL1.test(line)) return { level: 1, title: line };
  if (SUBCHAPTER.test(line) || LEVEL2.test(line)) return { level: 2, title: line };
  return undefined;
}

function isTerminated(text: string): boolean {
  return TERMINAL_END.test(text);
}

function isShortUnpunctuated(line: string): boolean {
  return line.length <= MAX_TITLE && !/[。！？!?，,；;：:]$/.test(line) && !/[。！？，]/.test(line);
}

/** Fill author/organisation/date from a byline such as "(2023年12月26日上午习近平)" or "(中共工业和信息化部党组)". */
function describeByline(byline: string, meta: DocumentMeta): void {
  const inner = byline.replace(/^[（(]|[)）]$/g, '').trim();
  const date = inner.match(DATE);
  if (date && !meta.date) meta.date = `${date[1]}-${date[2].padStart(2, '0')}-${date[3].padStart(2, '0')}`;
  const rest = inner
    .replace(DATE, '')
    .replace(/^(上午|下午|晚上)/, '')
    .trim();
  if (!rest) return;
  if (/(部|委|局|院|厅|办|党组|委员会|中心|协会|政府|办公室)$/.test(rest)) {
    meta.organisation = rest;
    return;
  }
  const role = rest.match(ROLE);
  meta.author = role ? rest.slice(role[0].length) || rest : rest;
  if (role) meta.role = role[0];
}

interface FrontMatter {
  body: string;
  data: Record<string, unknown>;
}

function splitFrontMatter(raw: string): FrontMatter {
  const match = raw.match(/^---\r?\n([\s\S]*?)\r?\n---\r?\n?/);
  if (!match) return { body: raw, data: {} };
  try {
    const data = parseYaml(match[1]);
    return {
      body: raw.slice(match[0].length),
      data: data && typeof data === 'object' ? (data as Record<string, unknown>) : {},
    };
  } catch {
    return { body: raw.slice(match[0].length), data: {} };
  }
}

/**
 * Text whose line breaks were collapsed (a whole notice on one line) has no paragraphs to
 * cite; such a run-on line is cut at sentence ends into paragraph-sized pieces. Each piece
 * keeps its offset in the line, so page marks still apply.
 */
function splitRunOn<T extends { text: string }>(p: T): Array<T & { offset: number }> {
  if (p.text.length <= RUN_ON_LINE) return [{ ...p, offset: 0 }];
  const pieces: Array<T & { offset: number }> = [];
  let start = -1;
  let end = 0;
  for (const [s, e] of splitSentences(p.text)) {
    if (start >= 0 && e - start > RUN_ON_PIECE) {
      pieces.push({ ...p, text: p.text.slice(start, end), offset: start });
      start = -1;
    }
    if (start < 0) start = s;
    end = e;
  }
  if (start >= 0) pieces.push({ ...p, text: p.text.slice(start, end), offset: start });
  return pieces;
}

/** [offset, page]: the text from offset on was printed on page (ascending offsets). */
type PageMark = [number, number];

function pageAt(marks: PageMark[], offset: number): number {
  let page = marks[0][1];
  for (const [at, p] of marks) if (at <= offset) page = p;
  return page;
}

/** A paragraph while lines are still being added: its speech part, and where its pages begin. */
type OpenParagraph = Omit<Paragraph, 'id' | 'docId' | 'sentences' | 'pages'> & { part: number; marks?: PageMark[] };

class DocumentBuilder {
  readonly meta: DocumentMeta;
  readonly sections: Section[] = [];
  readonly paragraphs: Array<OpenParagraph> = [];
  private stack: Section[] = [];
  private counters: number[] = [];
  private part = 0;
  /** Whether the last unit added was a paragraph (so a broken line may continue it). */
  private openParagraph = false;
  private siblingOpenings = new Set<string>();
  readonly id: string;

  constructor(title: string, source: string) {
    this.meta = { title, source };
    this.id = `d-${hash(`${source}\n${title}`, 10)}`;
  }

  get hasContent(): boolean {
    return this.paragraphs.length > 0;
  }

  get lastParagraphTerminated(): boolean {
    const last = this.paragraphs[this.paragraphs.length - 1];
    return !this.openParagraph || !last || isTerminated(last.text);
  }

  addHeading(heading: Heading): void {
    while (this.stack.length && this.stack[this.stack.length - 1].level >= heading.level) this.stack.pop();
    const depth = this.stack.length;
    this.counters = this.counters.slice(0, depth + 1);
    this.counters[depth] = (this.counters[depth] ?? 0) + 1;
    const parent = this.stack[this.stack.length - 1];
    const section: Section = {
      id: `${this.id}/s${this.counters.join('.')}`,
      docId: this.id,
      title: heading.title,
      level: heading.level,
      path: [...this.stack.map((s) => s.title), heading.title],
      parentId: parent?.id,
    };
    this.sections.push(section);
    this.stack.push(section);
    this.openParagraph = false;
    this.siblingOpenings.clear();
  }

  /** A salutation such as "同志们、朋友们！" closes a part of a speech. */
  addBoundary(): void {
    if (this.hasContent) this.part++;
    this.openParagraph = false;
  }

  /** Whether a line may be appended to the last paragraph (that paragraph is still open). */
  get canContinue(): boolean {
    return this.openParagraph && this.paragraphs.length > 0;
  }

  addLine(line: string, source: Omit<SourceLine, 'text'> = {}): void {
    const last = this.paragraphs[this.paragraphs.length - 1];
    const opening = line.slice(0, SIBLING_PREFIX);
    const continues =
      this.canContinue &&
      (source.continues ||
        (!isTerminated(last.text) &&
          source.item === undefined &&
          !ITEM.test(line) &&
          !BULLET.test(line) &&
          !this.siblingOpenings.has(opening)));
    if (continues) {
      const joined = /[A-Za-z0-9]$/.test(last.text) && /^[A-Za-z0-9]/.test(line) ? ` ${line}` : line;
      const at = last.text.length + joined.length - line.length;
      const lastPage = last.marks?.[last.marks.length - 1][1];
      if (source.page !== undefined && lastPage !== undefined && lastPage !== source.page)
        last.marks!.push([at, source.page]);
      last.text += joined;
      return;
    }
    const item = line.match(ITEM);
    const section = this.stack[this.stack.length - 1];
    this.paragraphs.push({
      ordinal: this.paragraphs.length + 1,
      sectionId: section?.id,
      sectionPath: section ? section.path : [],
      text: line,
      item: source.item ?? (item ? parseNumeral(item[1]) : undefined),
      part: this.part,
      marks: source.page === undefined ? undefined : [[0, source.page]],
    });
    this.siblingOpenings.add(opening);
    this.openParagraph = true;
  }

  build(): CorpusDocument {
    // A speech divided only by salutations gets one section per part, so parts can be summarised.
    const parts = this.part + 1;
    if (this.sections.length === 0 && parts > 1 && this.paragraphs.some((p) => p.part > 0)) {
      for (let n = 0; n < parts; n++) {
        const title = `第${n < 10 ? NUMERALS[n] : n + 1}部分`;
        this.sections.push({ id: `${this.id}/s${n + 1}`, docId: this.id, title, level: 1, path: [title] });
      }
      for (const p of this.paragraphs) {
        p.sectionId = this.sections[p.part].id;
        p.sectionPath = this.sections[p.part].path;
      }
    }
    const seen = new Map<string, number>();
    const pieces = this.paragraphs.flatMap(splitRunOn);
    const paragraphs: Paragraph[] = pieces.map(({ part: _part, marks, offset, ...p }, i) => {
      let id = `p-${hash(`${this.id}\n${p.text}`, 12)}`;
      const dup = seen.get(id) ?? 0;
      seen.set(id, dup + 1);
      if (dup) id = `${id}-${dup}`;
      const sentences = splitSentences(p.text);
      const pages = marks && sentences.map(([s]) => pageAt(marks, offset + s));
      return { ...p, ordinal: i + 1, id, docId: this.id, sentences, ...(pages ? { pages } : {}) };
    });
    return { id: this.id, meta: this.meta, sections: this.sections, paragraphs };
  }
}

export interface ParseOptions {
  /** Corpus-relative file name, recorded as the document source and part of its id. */
  source: string;
  markdown: boolean;
  /** Title for text that does not open with one (default: the file name). */
  title?: string;
}

/** A Markdown line keeps its `#` level: an author's explicit heading outranks every text rule. */
interface Line extends SourceLine {
  markdownLevel?: number;
}

export function parseDocuments(raw: string, options: ParseOptions): CorpusDocument[] {
  const { body, data } = options.markdown ? splitFrontMatter(raw) : { body: raw, data: {} as Record<string, unknown> };
  const lines = body.split(/\r\n|\r|\n/).map((rawLine): Line => {
    if (!options.markdown) return { text: rawLine };
    const md = rawLine.match(MD_HEADING);
    return { text: (md ? md[2] : rawLine).replace(/\*\*|__/g, ''), markdownLevel: md ? md[1].length : undefined };
  });
  return parseLines(lines, options, data);
}

/**
 * Lines from any loader (PDF, DOCX, HTML) → documents, with the same repairs as text.
 * A line's page is recorded on the sentences it holds; its heading level and item number
 * (from font sizes, Word styles or list numbering) apply where the text itself says nothing.
 */
export function parseLines(
  lines: Line[],
  options: Omit<ParseOptions, 'markdown'>,
  data: Record<string, unknown> = {},
): CorpusDocument[] {
  const compilation = lines.slice(0, 10).some((l) => ATTACHMENT.test(l.text.trim()));
  const docs: DocumentBuilder[] = [];
  let doc: DocumentBuilder | undefined;
  let expectingSubtitle = false;
  const fallbackTitle = options.title ?? options.source.replace(/^.*\//, '').replace(/\.[a-z]+$/i, '');
  const frontTitle = typeof data.title === 'string' ? normalizeLine(data.title) : undefined;

  const start = (title: string) => {
    doc = new DocumentBuilder(title, options.source);
    docs.push(doc);
    expectingSubtitle = true;
  };
  if (frontTitle) {
    start(frontTitle);
    const fm = doc!.meta;
    const date =
      data.date instanceof Date
        ? data.date.toISOString().slice(0, 10)
        : typeof data.date === 'string'
          ? data.date
          : undefined;
    if (date) fm.date = date;
    if (typeof data.author === 'string') fm.author = data.author;
    if (typeof data.organisation === 'string') fm.organisation = data.organisation;
  }

  for (const source of lines) {
    const { markdownLevel } = source;
    const line = normalizeLine(source.text)
      .replace(/^-{2,}/, '')
      .trim();
    if (!line || ATTACHMENT.test(line) || /^-{3,}$/.test(line)) continue;

    if (!doc) {
      // The first line of a file is its title when it looks like one; otherwise the file name is.
      if (isShortUnpunctuated(line) || markdownLevel === 1) {
        start(line);
        continue;
      }
      start(fallbackTitle);
      expectingSubtitle = false;
    }
    const current: DocumentBuilder = doc!;
    if (source.continues && current.canContinue) {
      current.addLine(line, source);
      continue;
    }
    if (!current.hasContent && BYLINE.test(line)) {
      current.meta.byline = line;
      describeByline(line, current.meta);
      expectingSubtitle = false;
      continue;
    }
    const heading = headingOf(line, markdownLevel);
    if (
      markdownLevel === 1 &&
      !current.hasContent &&
      current.sections.length === 0 &&
      !frontTitle &&
      current.meta.title === fallbackTitle
    ) {
      current.meta.title = line;
      continue;
    }
    if (heading) {
      current.addHeading(heading);
      expectingSubtitle = false;
      continue;
    }
    if (SALUTATION.test(line)) {
      current.addBoundary();
      expectingSubtitle = false;
      continue;
    }
    if (isShortUnpunctuated(line) && current.lastParagraphTerminated) {
      if (compilation && current.hasContent) {
        start(line);
        continue;
      }
      if (expectingSubtitle && !current.hasContent && source.heading === undefined) {
        current.meta.subtitle = current.meta.subtitle ? `${current.meta.subtitle} ${line}` : line;
        const date = line.match(DATE);
        if (date && !current.meta.date)
          current.meta.date = `${date[1]}-${date[2].padStart(2, '0')}-${date[3].padStart(2, '0')}`;
        continue;
      }
      if (current.hasContent) {
        current.addHeading({ level: source.heading ?? 1, title: line });
        continue;
      }
    }
    expectingSubtitle = false;
    if (source.heading !== undefined && line.length <= MAX_HEADING) {
      current.addHeading({ level: source.heading, title: line });
      continue;
    }
    current.addLine(line, source);
  }
  return docs.map((d) => d.build()).filter((d) => d.paragraphs.length > 0);
}
