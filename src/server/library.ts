/**
 * The document library behind upload and delete: originals kept under CORPUS_DIR/uploads/,
 * every change indexed by one queue of rebuilds (a rebuild requested while one runs waits
 * and covers all changes made meanwhile), and the status of each uploaded document until
 * the server answers from an index that holds it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { loadFileCached } from '../corpus/cache.js';
import { formatOfName, UnreadableFileError, UnsupportedFileError } from '../corpus/loaders/index.js';
import { fileHash } from '../corpus/read.js';
import type { CorpusDocument } from '../corpus/types.js';
import type { DocumentNode, KnowledgeBase } from '../index/knowledge-base.js';
import { type BuildResult, buildIndex } from './build.js';
import { HttpError } from './errors.js';

export const UPLOADS_DIR = 'uploads';
const MAX_NAME = 100;
/** How long a finished build may take to be loaded by the server before the change is reported as failed. */
const SERVE_TIMEOUT_MS = 120_000;

export type DocumentStatus = 'indexing' | 'ready' | 'failed';

export interface DocumentEntry extends DocumentNode {
  format?: string;
  pages?: number;
  status: DocumentStatus;
  error?: string;
}

export interface UploadedDocument {
  id: string;
  title: string;
  status: DocumentStatus;
}

export interface UploadFile {
  name: string;
  bytes: Uint8Array;
}

interface Upload {
  source: string;
  hash: string;
  documents: CorpusDocument[];
  status: 'indexing' | 'failed';
  error?: string;
}

export interface LibraryOptions {
  config: Config;
  /** The index the server answers from now. */
  current: () => KnowledgeBase;
  /** Make the server load the newest build (LiveAnswerer.check). */
  reload: () => Promise<unknown>;
  maxUnzippedBytes?: number;
  build?: (config: Config) => Promise<BuildResult>;
  log?: (message: string) => void;
}

/** A file name safe to create under uploads/: no folders, no control or reserved characters, not hidden. */
export function sanitizeFileName(name: string): string {
  const base = name.normalize('NFC').split(/[/\\]/).pop() ?? '';
  const clean = base
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
    .replace(/[\u0000-\u001f\u007f<>:"|?*\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/^[.\s]+|[.\s]+$/g, '');
  const ext = /\.[A-Za-z0-9]{1,8}$/.exec(clean)?.[0] ?? '';
  const stem = clean.slice(0, clean.length - ext.length).slice(0, MAX_NAME) || 'document';
  return stem + ext.toLowerCase();
}

function entry(
  node: DocumentNode,
  meta: CorpusDocument['meta'],
  status: DocumentStatus,
  error?: string,
): DocumentEntry {
  return {
    ...node,
    format: meta.format ?? formatOfName(meta.source),
    pages: meta.pages,
    status,
    ...(error ? { error } : {}),
  };
}

function pendingNode(d: CorpusDocument): DocumentNode {
  return {
    id: d.id,
    title: d.meta.title,
    subtitle: d.meta.subtitle,
    date: d.meta.date,
    source: d.meta.source,
    paragraphs: d.paragraphs.length,
    sections: [],
  };
}

/** Every document: those the server answers from, then uploads still indexing or failed. */
export function documentList(kb: KnowledgeBase, library?: Library): DocumentEntry[] {
  const ready = kb.tree().map((node) => entry(node, kb.docById.get(node.id)!.meta, 'ready'));
  const served = new Set(ready.map((d) => d.id));
  const pending = (library?.pending() ?? []).flatMap((u) =>
    u.documents.filter((d) => !served.has(d.id)).map((d) => entry(pendingNode(d), d.meta, u.status, u.error)),
  );
  return [...ready, ...pending];
}

export class Library {
  private readonly uploads = new Map<string, Upload>();
  private adding: Promise<unknown> = Promise.resolve();
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  private readonly build: (config: Config) => Promise<BuildResult>;
  private readonly log: (message: string) => void;

  constructor(private readonly options: LibraryOptions) {
    this.build = options.build ?? buildIndex;
    this.log = options.log ?? console.log;
  }

  private get corpusDir(): string {
    return this.options.config.corpusDir;
  }

  pending(): Upload[] {
    return [...this.uploads.values()];
  }

  /**
   * Validate every file, then store them all and queue one rebuild; a file that cannot be read
   * stops the whole batch before anything is stored. A file already in the library (same bytes)
   * answers with its existing documents.
   */
  add(files: UploadFile[]): Promise<{ documents: UploadedDocument[]; created: boolean }> {
    // One batch at a time, so two uploads of the same bytes cannot both be stored.
    const result = this.adding.then(() => this.addBatch(files));
    this.adding = result.catch(() => undefined);
    return result;
  }

  private async addBatch(files: UploadFile[]): Promise<{ documents: UploadedDocument[]; created: boolean }> {
    const accepted: Upload[] = [];
    const bytesOf = new Map<Upload, Uint8Array>();
    const documents: UploadedDocument[] = [];
    for (const file of files) {
      const hash = fileHash(file.bytes);
      const existing =
        this.byHash(hash) ??
        accepted
          .find((u) => u.hash === hash)
          ?.documents.map((d) => ({ id: d.id, title: d.meta.title, status: 'indexing' as const }));
      if (existing) {
        documents.push(...existing);
        continue;
      }
      const source = this.placeFor(file.name, hash, accepted);
      let loaded: Awaited<ReturnType<typeof loadFileCached>>;
      try {
        // Cached, so the rebuild does not parse the file again.
        loaded = await loadFileCached(source, file.bytes, {
          maxUnzippedBytes: this.options.maxUnzippedBytes,
          cacheDir: this.options.config.cacheDir,
        });
      } catch (err) {
        const reason = `${file.name}: ${(err as Error).message}`;
        if (err instanceof UnsupportedFileError) throw new HttpError(415, 'unsupported_type', reason);
        if (err instanceof UnreadableFileError) throw new HttpError(422, 'unreadable_document', reason);
        throw err;
      }
      const upload: Upload = { source, hash, documents: loaded.documents, status: 'indexing' };
      accepted.push(upload);
      bytesOf.set(upload, file.bytes);
      documents.push(...loaded.documents.map((d) => ({ id: d.id, title: d.meta.title, status: 'indexing' as const })));
    }
    for (const upload of accepted) {
      await this.store(upload.source, bytesOf.get(upload)!);
      this.uploads.set(upload.source, upload);
    }
    if (accepted.length)
      this.requestBuild().catch((err) => this.log(`indexing the upload failed: ${(err as Error).message}`));
    return { documents, created: accepted.length > 0 };
  }

  /** The documents of a file with these bytes already in the library, if any. */
  private byHash(hash: string): UploadedDocument[] | undefined {
    const upload = this.pending().find((u) => u.hash === hash && u.status === 'indexing');
    if (upload) return upload.documents.map((d) => ({ id: d.id, title: d.meta.title, status: 'indexing' }));
    const kb = this.options.current();
    const source = Object.entries(kb.manifest.corpus.files).find(
      ([file, h]) => h === hash && existsSync(path.join(this.corpusDir, file)),
    )?.[0];
    if (!source) return undefined;
    return kb.documents
      .filter((d) => d.meta.source === source)
      .map((d) => ({ id: d.id, title: d.meta.title, status: 'ready' }));
  }

  /** uploads/<sanitised name>, made unique with the content hash when the name is taken. */
  private placeFor(name: string, hash: string, accepted: Upload[]): string {
    const clean = sanitizeFileName(name);
    const taken = (source: string) =>
      existsSync(path.join(this.corpusDir, source)) ||
      this.uploads.get(source)?.status === 'indexing' || // a failed upload's name is free again
      accepted.some((u) => u.source === source);
    const plain = `${UPLOADS_DIR}/${clean}`;
    if (!taken(plain)) return plain;
    const ext = path.extname(clean);
    return `${UPLOADS_DIR}/${clean.slice(0, clean.length - ext.length)}-${hash.slice(0, 8)}${ext}`;
  }

  /** The absolute path of a corpus file, refusing anything outside the corpus folder. */
  private pathOf(source: string): string {
    const root = path.resolve(this.corpusDir);
    const full = path.resolve(root, source);
    if (!full.startsWith(root + path.sep))
      throw new HttpError(400, 'bad_path', `"${source}" is outside the corpus folder.`);
    return full;
  }

  private async store(source: string, bytes: Uint8Array): Promise<void> {
    const target = this.pathOf(source);
    await fs.mkdir(path.dirname(target), { recursive: true });
    // Hidden until complete: the corpus reader skips dot files.
    const tmp = path.join(path.dirname(target), `.upload-${randomBytes(6).toString('hex')}`);
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, target);
  }

  /** Delete a document's file and wait until the server answers from an index without it. */
  async remove(id: string): Promise<void> {
    const upload = this.pending().find((u) => u.documents.some((d) => d.id === id));
    if (upload?.status === 'failed') {
      this.uploads.delete(upload.source);
      return;
    }
    const kb = this.options.current();
    const all = [
      ...kb.documents,
      ...this.pending()
        .filter((u) => u.status === 'indexing')
        .flatMap((u) => u.documents),
    ];
    const doc = all.find((d) => d.id === id);
    if (!doc) throw new HttpError(404, 'unknown_document', `No document with id "${id}".`);
    const source = doc.meta.source;
    const siblings = all.filter((d) => d.meta.source === source && d.id !== id);
    if (siblings.length) {
      throw new HttpError(
        409,
        'shared_file',
        `"${doc.meta.title}" is one of ${siblings.length + 1} documents in the file ${source}; ` +
          'remove that file from the corpus folder to delete them all.',
      );
    }
    if (all.every((d) => d.meta.source === source)) {
      throw new HttpError(
        409,
        'last_document',
        'This is the last document in the library; upload another one before deleting it.',
      );
    }
    await fs.rm(this.pathOf(source), { force: true });
    this.uploads.delete(source);
    await this.requestBuild();
  }

  /** Resolves once a rebuild that started after this call is being served. */
  requestBuild(): Promise<void> {
    if (!this.running) {
      this.running = this.runBuild().finally(() => (this.running = undefined));
      return this.running;
    }
    this.next ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.requestBuild();
      });
    return this.next;
  }

  private async runBuild(): Promise<void> {
    const batch = this.pending().filter((u) => u.status === 'indexing');
    try {
      const result = await this.build(this.options.config);
      await this.waitUntilServed(result.createdAt);
      for (const upload of batch) {
        const error = result.errors.find((e) => e.file === upload.source);
        if (error) await this.fail(upload, error.message);
        else this.uploads.delete(upload.source);
      }
    } catch (err) {
      for (const upload of batch) await this.fail(upload, `indexing failed: ${(err as Error).message}`);
      throw err;
    }
  }

  /** A failed upload leaves nothing behind: its file goes, so the corpus matches the served index. */
  private async fail(upload: Upload, error: string): Promise<void> {
    upload.status = 'failed';
    upload.error = error;
    await fs.rm(this.pathOf(upload.source), { force: true });
  }

  private async waitUntilServed(createdAt: string): Promise<void> {
    const deadline = Date.now() + SERVE_TIMEOUT_MS;
    while (this.options.current().manifest.createdAt < createdAt) {
      if (Date.now() > deadline) throw new Error('the server did not load the new index in time');
      await this.options.reload();
      if (this.options.current().manifest.createdAt < createdAt) await new Promise((r) => setTimeout(r, 50));
    }
  }
}
