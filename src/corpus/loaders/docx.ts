/** DOCX → lines: mammoth maps Word heading styles to headings and Word numbering to list items. */

import { parseHTML } from 'linkedom';
import mammoth from 'mammoth';
import type { SourceLine } from '../types.js';
import { blockLines } from './blocks.js';
import { UnreadableFileError } from './errors.js';
import { DOCX_MAX_UNZIPPED_BYTES, inspectZip, ZipTooLargeError } from './zip.js';

export async function readDocx(bytes: Uint8Array, maxUnzippedBytes = DOCX_MAX_UNZIPPED_BYTES): Promise<SourceLine[]> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    await inspectZip(buffer, maxUnzippedBytes);
  } catch (err) {
    if (err instanceof ZipTooLargeError) {
      throw new UnreadableFileError(
        `the Word file unzips to more than ${Math.round(maxUnzippedBytes / 2 ** 20)} MB ` +
          '(a zip bomb, or a file full of embedded media); save the text as a new .docx without images',
      );
    }
    throw new UnreadableFileError(
      `the Word file is damaged (${(err as Error).message}); open and save it again in Word or LibreOffice`,
    );
  }
  let html: string;
  try {
    // Images are not text: skip them rather than inline them as data URLs.
    ({ value: html } = await mammoth.convertToHtml(
      { buffer },
      { convertImage: mammoth.images.imgElement(async () => ({ src: '' })) },
    ));
  } catch (err) {
    throw new UnreadableFileError(
      `the Word file cannot be read (${(err as Error).message}); open and save it again as .docx`,
    );
  }
  return blockLines(
    parseHTML(`<!doctype html><html><body>${html}</body></html>`).document.body as unknown as Parameters<
      typeof blockLines
    >[0],
  );
}
