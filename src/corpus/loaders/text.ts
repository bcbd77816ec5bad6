/**
 * Text bytes → string, with the encoding detected: a BOM (UTF-8, UTF-16LE/BE), UTF-16 without
 * a BOM (NUL bytes in every other position), then strict UTF-8, then GB18030 (a superset of GBK
 * and GB2312, the usual encodings of Chinese text files).
 */
import { UnreadableFileError, UnsupportedFileError } from './errors.js';

const SNIFF_BYTES = 8192;

function decode(encoding: string, bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** UTF-16 without a BOM: ASCII-range text puts a NUL in every high byte. */
function utf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(bytes.length, SNIFF_BYTES) & ~1;
  if (n < 4) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul > pairs * 0.3 && evenNul === 0) return 'utf-16le';
  if (evenNul > pairs * 0.3 && oddNul === 0) return 'utf-16be';
  return undefined;
}

function detectEncoding(bytes: Uint8Array): { encoding: string; skip: number } | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', skip: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', skip: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', skip: 2 };
  const utf16 = utf16WithoutBom(bytes);
  return utf16 ? { encoding: utf16, skip: 0 } : undefined;
}

/** Decode a text file's bytes, or explain what is wrong with it. */
export function decodeText(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new UnreadableFileError('the file is empty');
  const declared = detectEncoding(bytes);
  let text: string | undefined;
  if (declared) {
    text = decode(declared.encoding, bytes.subarray(declared.skip));
    const name = declared.encoding.toUpperCase();
    if (text === undefined) {
      throw new UnreadableFileError(`the file starts like ${name} text but is not valid ${name}; re-save it as UTF-8`);
    }
  } else {
    if (bytes.subarray(0, SNIFF_BYTES).includes(0))
      throw new UnsupportedFileError('the file looks binary (it contains NUL bytes), not text; save it as UTF-8 text');
    text = decode('utf-8', bytes) ?? decode('gb18030', bytes);
    if (text === undefined)
      throw new UnreadableFileError(
        'the file is not valid UTF-8, UTF-16 or GB18030/GBK text; re-save it as UTF-8 (e.g. iconv -f BIG5 -t UTF-8)',
      );
  }
  if (!text.trim()) throw new UnreadableFileError('the file has no text');
  return text;
}
