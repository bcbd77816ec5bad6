/**
 * Parsed PDF and DOCX files kept on disk by content hash, so a rebuild after an upload parses
 * only the new file (a 20-page PDF takes about a second; plain text is cheaper to parse than to cache).
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { formatOfName, type LoadedFile, type LoadOptions, loadFile } from './loaders/index.js';

/** Bump when a loader or the parser changes what it produces, so cached parses are not reused. */
export const PARSER_VERSION = 1;
const CACHED_FORMATS = new Set(['pdf', 'docx']);

export interface CachedLoadOptions extends LoadOptions {
  /** Folder for parsed files (CACHE_DIR); without it nothing is cached. */
  cacheDir?: string;
}

export async function loadFileCached(
  source: string,
  bytes: Uint8Array,
  options: CachedLoadOptions = {},
): Promise<LoadedFile> {
  if (!options.cacheDir || !CACHED_FORMATS.has(formatOfName(source) ?? '')) return loadFile(source, bytes, options);
  const key = createHash('sha256').update(`${PARSER_VERSION}\n${source}\n`).update(bytes).digest('hex');
  const file = path.join(options.cacheDir, 'parsed', `${key}.json`);
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as LoadedFile;
  } catch {
    // Not cached yet (or unreadable): parse and cache below.
  }
  const loaded = await loadFile(source, bytes, options);
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(loaded));
    await fs.rename(tmp, file);
  } catch {
    // A cache that cannot be written only costs time.
  }
  return loaded;
}
