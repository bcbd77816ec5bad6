/**
 * Which format a file is, judged by its content as well as its name: a name the content
 * contradicts (a PNG called .pdf) or a content type the corpus cannot read is refused.
 */
import { UnreadableFileError, UnsupportedFileError } from './errors.js';
import { inspectZip, ZipTooLargeError } from './zip.js';

export type Format = 'txt' | 'md' | 'pdf' | 'docx' | 'html';

const BY_EXTENSION: Record<string, Format> = {
  txt: 'txt',
  text: 'txt',
  md: 'md',
  markdown: 'md',
  pdf: 'pdf',
  docx: 'docx',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
};
export const SUPPORTED = 'PDF (with a text layer), Word .docx, HTML, Markdown or plain text';

/** Binary types people try to upload, with what to do instead. */
const KNOWN_BINARY: Array<{ magic: number[]; what: string }> = [
  { magic: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image (images are not read: there is no OCR)' },
  { magic: [0xff, 0xd8, 0xff], what: 'a JPEG image (images are not read: there is no OCR)' },
  { magic: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image' },
  {
    magic: [0xd0, 0xcf, 0x11, 0xe0],
    what: 'a legacy Office file (.doc/.xls) or an encrypted Office file (save it as an unprotected .docx)',
  },
  { magic: [0x7b, 0x5c, 0x72, 0x74, 0x66], what: 'an RTF file (save it as .docx)' },
  { magic: [0x7f, 0x45, 0x4c, 0x46], what: 'a program (ELF)' },
  { magic: [0x4d, 0x5a], what: 'a Windows program' },
  { magic: [0x1f, 0x8b], what: 'a gzip archive (unpack it first)' },
];

function startsWith(bytes: Uint8Array, magic: number[], at = 0): boolean {
  return magic.every((b, i) => bytes[at + i] === b);
}

export function extensionOf(name: string): string {
  const m = /\.([A-Za-z0-9]+)$/.exec(name);
  return m ? m[1].toLowerCase() : '';
}

/** The format a file name claims (for indexes built before formats were recorded). */
export function formatOfName(name: string): Format | undefined {
  return BY_EXTENSION[extensionOf(name)];
}

function isPdf(bytes: Uint8Array): boolean {
  // The header may follow up to 1 KB of junk (PDF 1.7, 7.5.2 note).
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024)).includes('%PDF-');
}

async function isWordZip(bytes: Uint8Array, maxUnzippedBytes: number): Promise<boolean> {
  try {
    return (await inspectZip(bytes, maxUnzippedBytes)).names.includes('word/document.xml');
  } catch (err) {
    if (err instanceof ZipTooLargeError) return true; // the DOCX reader reports it as a zip bomb
    throw new UnreadableFileError(
      `the file is a damaged zip archive (${(err as Error).message}); save the document again`,
    );
  }
}

export async function detectFormat(name: string, bytes: Uint8Array, maxUnzippedBytes: number): Promise<Format> {
  const ext = extensionOf(name);
  const named = BY_EXTENSION[ext];
  if (ext && !named) throw new UnsupportedFileError(`.${ext} files are not supported; use ${SUPPORTED}`);
  if (isPdf(bytes)) {
    if (named && named !== 'pdf')
      throw new UnsupportedFileError(`the file is named .${ext} but is a PDF; rename it to .pdf`);
    return 'pdf';
  }
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) {
    if ((named === undefined || named === 'docx') && (await isWordZip(bytes, maxUnzippedBytes))) return 'docx';
    throw new UnsupportedFileError(
      `the file is a zip archive${named === 'docx' ? ' without a Word document in it' : ''}; use ${SUPPORTED}`,
    );
  }
  const binary = KNOWN_BINARY.find((k) => startsWith(bytes, k.magic));
  if (binary) {
    if (named === 'docx' && binary.magic[0] === 0xd0)
      throw new UnreadableFileError(
        'the Word file is encrypted (password-protected); remove the password and save it as .docx again',
      );
    throw new UnsupportedFileError(`the file is ${binary.what}; use ${SUPPORTED}`);
  }
  if (named === 'pdf' || named === 'docx')
    throw new UnsupportedFileError(`the file is named .${ext} but its content is not a ${ext.toUpperCase()} file`);
  if (named) return named;
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024)).toString('latin1');
  return /^\s*(<!doctype html|<html|<head|<body)/i.test(head.replace(/^\ufeff|^\xef\xbb\xbf/, '')) ? 'html' : 'txt';
}
