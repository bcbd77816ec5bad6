/**
 * Read every .txt/.md file under the corpus dir. A file that cannot be ingested
 * (not UTF-8, binary, empty) is reported by name and skipped; the others go on.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseDocuments } from './parse.js';
import type { CorpusDocument, FileError, ParsedCorpus } from './types.js';

const TEXT_FILE = /\.(txt|md|markdown)$/i;

export async function listCorpusFiles(corpusDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(corpusDir, { recursive: true, withFileTypes: true });
  } catch (err) {
    throw new Error(`Cannot read the corpus directory ${corpusDir}: ${(err as Error).message}. Set CORPUS_DIR or --corpus to a folder of .txt/.md files.`);
  }
  return entries
    .filter((e) => e.isFile() && TEXT_FILE.test(e.name))
    .map((e) => path.relative(corpusDir, path.join(e.parentPath, e.name)))
    .sort();
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decode one file's bytes, or explain what is wrong with it. */
export function decodeCorpusFile(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new Error('the file is empty');
  if (bytes.subarray(0, 8192).includes(0)) throw new Error('the file looks binary (it contains NUL bytes); save it as UTF-8 text');
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new Error('the file is not valid UTF-8; re-save it as UTF-8 (e.g. iconv -f GBK -t UTF-8)');
  }
  if (!text.trim()) throw new Error('the file has no text');
  return text.replace(/^\ufeff/, '');
}

export function parseCorpusFile(relativePath: string, text: string): CorpusDocument[] {
  return parseDocuments(text, { source: relativePath, markdown: /\.(md|markdown)$/i.test(relativePath) });
}

export async function readCorpus(corpusDir: string): Promise<ParsedCorpus> {
  const files = await listCorpusFiles(corpusDir);
  const documents: CorpusDocument[] = [];
  const errors: FileError[] = [];
  const fileHashes: Record<string, string> = {};
  for (const file of files) {
    const bytes = await fs.readFile(path.join(corpusDir, file));
    try {
      const docs = parseCorpusFile(file, decodeCorpusFile(bytes));
      if (docs.length === 0) throw new Error('no paragraphs found in the file');
      documents.push(...docs);
      fileHashes[file] = createHash('sha256').update(bytes).digest('hex');
    } catch (err) {
      errors.push({ file, message: `${file}: ${(err as Error).message}` });
    }
  }
  if (files.length === 0) errors.push({ file: corpusDir, message: `No .txt or .md files in ${corpusDir}` });
  return { documents, errors, fileHashes };
}
