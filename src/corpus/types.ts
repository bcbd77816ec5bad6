/** The shapes the corpus parser produces. Offsets are UTF-16 indices into `text`. */

export interface DocumentMeta {
  title: string;
  subtitle?: string;
  /** The byline as printed, e.g. "(2023年12月26日上午习近平)". */
  byline?: string;
  author?: string;
  /** The author's office when the byline gives one, e.g. 国家主席. */
  role?: string;
  organisation?: string;
  date?: string;
  /** Corpus file the document came from, relative to the corpus dir. */
  source: string;
  /** Source format: txt, md, pdf, docx, html. */
  format?: string;
  /** Page count of paginated sources. */
  pages?: number;
}

export interface Section {
  id: string;
  docId: string;
  title: string;
  level: number;
  /** Titles from the outermost section down to this one. */
  path: string[];
  parentId?: string;
}

export interface Paragraph {
  id: string;
  docId: string;
  sectionId?: string;
  /** 1-based position of the paragraph in its document. */
  ordinal: number;
  sectionPath: string[];
  text: string;
  /** [start, end) of each sentence in `text`. */
  sentences: Array<[number, number]>;
  /** Enumerated item number when the paragraph opens with 一是/二是…. */
  item?: number;
  /** Paginated sources (PDF): 1-based page where each sentence starts, parallel to `sentences`. */
  pages?: number[];
}

export interface CorpusDocument {
  id: string;
  meta: DocumentMeta;
  sections: Section[];
  paragraphs: Paragraph[];
}

export interface FileError {
  file: string;
  message: string;
}

export interface ParsedCorpus {
  documents: CorpusDocument[];
  /** Files that could not be ingested, with the reason. */
  errors: FileError[];
  /** sha256 of each ingested file, for the manifest. */
  fileHashes: Record<string, string>;
}

/** One line of a source as a loader reads it, before the parser builds paragraphs from it. */
export interface SourceLine {
  text: string;
  /** 1-based page the line is printed on (paginated sources). */
  page?: number;
  /** Heading level the source itself gives (a Word heading style, a larger PDF font). */
  heading?: number;
  /** Item number from the source's list numbering. */
  item?: number;
  /** The line continues the previous one across a page break, whatever its punctuation. */
  continues?: boolean;
}
