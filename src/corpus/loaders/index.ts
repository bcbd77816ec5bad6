/** One corpus file → its documents, whatever the format (detected from name and content). */

import { parseDocuments, parseLines } from '../parse.js';
import type { CorpusDocument } from '../types.js';
import { detectFormat, type Format } from './detect.js';
import { UnreadableFileError } from './errors.js';
import { decodeText } from './text.js';
import { DOCX_MAX_UNZIPPED_BYTES } from './zip.js';

export { type Format, formatOfName, SUPPORTED } from './detect.js';
export { UnreadableFileError, UnsupportedFileError } from './errors.js';

export interface LoadOptions {
  /** A DOCX (zip) that unzips to more than this is refused as a zip bomb. */
  maxUnzippedBytes?: number;
}

export interface LoadedFile {
  format: Format;
  documents: CorpusDocument[];
}

async function parse(
  source: string,
  format: Format,
  bytes: Uint8Array,
  options: LoadOptions,
): Promise<CorpusDocument[]> {
  // The PDF, DOCX and HTML libraries are imported when a file needs them: together they cost a
  // server that only serves an index about half a second of start-up and tens of MB.
  switch (format) {
    case 'pdf': {
      const { readPdf } = await import('./pdf.js');
      const { lines, pages } = await readPdf(bytes);
      return parseLines(lines, { source }).map((d) => ({ ...d, meta: { ...d.meta, pages } }));
    }
    case 'docx': {
      const { readDocx } = await import('./docx.js');
      return parseLines(await readDocx(bytes, options.maxUnzippedBytes), { source });
    }
    case 'html': {
      const { readHtml } = await import('./html.js');
      const { lines, title } = readHtml(decodeText(bytes));
      return parseLines(lines, { source, title });
    }
    case 'md':
    case 'txt':
      return parseDocuments(decodeText(bytes), { source, markdown: format === 'md' });
  }
}

/**
 * Read one file. Throws UnsupportedFileError for a type the corpus does not read and
 * UnreadableFileError for a file of a supported type that is damaged, encrypted or empty.
 */
export async function loadFile(source: string, bytes: Uint8Array, options: LoadOptions = {}): Promise<LoadedFile> {
  const format = await detectFormat(source, bytes, options.maxUnzippedBytes ?? DOCX_MAX_UNZIPPED_BYTES);
  const documents = await parse(source, format, bytes, options);
  if (documents.length === 0) throw new UnreadableFileError('no paragraphs of text found in the file');
  for (const d of documents) d.meta.format = format;
  return { format, documents };
}
