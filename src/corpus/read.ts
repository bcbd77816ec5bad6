/**
 * Read every file under the corpus dir, in any supported format (PDF, DOCX, HTML, Markdown,
 * text). A file that cannot be ingested (unsupported type, damaged, empty, a broken link) is
 * reported by name with the reason; the others go on. Hidden files (".name") are not documents.
 */
import { createHash } from 'node:crypto';
import { type Dirent, promises as fs } from 'node:fs';
import path from 'node:path';
import { loadFileCached } from './cache.js';
import type { CorpusDocument, FileError, ParsedCorpus } from './types.js';

export interface CorpusScan {
  /** Readable files (symbolic links to files are followed), relative to the corpus dir. */
  files: string[];
  /** Entries that are not readable files: broken links, links to folders. */
  problems: FileError[];
}

export async function scanCorpus(corpusDir: string): Promise<CorpusScan> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(corpusDir, { recursive: true, withFileTypes: true });
  } catch (err) {
    throw new Error(
      `Cannot read the corpus directory ${corpusDir}: ${(err as Error).message}. ` +
        'Set CORPUS_DIR or --corpus to a folder of documents.',
    );
  }
  const files: string[] = [];
  const problems: FileError[] = [];
  for (const e of entries) {
    const file = path.relative(corpusDir, path.join(e.parentPath, e.name));
    if (file.split(path.sep).some((part) => part.startsWith('.'))) continue;
    if (e.isFile()) files.push(file);
    else if (e.isSymbolicLink()) {
      const target = await fs.stat(path.join(corpusDir, file)).catch(() => undefined);
      if (target?.isFile()) files.push(file);
      else
        problems.push({
          file,
          message: `${file}: ${target ? 'is a link to a folder; link the files themselves' : 'is a broken link (no target)'}`,
        });
    }
  }
  return { files: files.sort(), problems };
}

export async function listCorpusFiles(corpusDir: string): Promise<string[]> {
  return (await scanCorpus(corpusDir)).files;
}

export function fileHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface ReadOptions {
  /** Where parsed PDF and DOCX files are cached by content (CACHE_DIR). */
  cacheDir?: string;
}

export async function readCorpus(corpusDir: string, options: ReadOptions = {}): Promise<ParsedCorpus> {
  const { files, problems } = await scanCorpus(corpusDir);
  const documents: CorpusDocument[] = [];
  const errors: FileError[] = [...problems];
  const fileHashes: Record<string, string> = {};
  for (const file of files) {
    try {
      const bytes = await fs.readFile(path.join(corpusDir, file));
      documents.push(...(await loadFileCached(file, bytes, options)).documents);
      fileHashes[file] = fileHash(bytes);
    } catch (err) {
      errors.push({ file, message: `${file}: ${(err as Error).message}` });
    }
  }
  if (files.length === 0) errors.push({ file: corpusDir, message: `No documents in ${corpusDir}` });
  return { documents, errors, fileHashes };
}
