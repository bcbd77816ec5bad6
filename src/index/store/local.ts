/**
 * Builds in local files (see layout.ts for the atomic swap). Everything but the manifest is
 * binary or compact JSON read in one pass: postings and vectors are used in place as typed
 * arrays, paragraph texts are sliced from one string, passage texts from their paragraph, keyword
 * terms found by binary search in one string. Every file's SHA-256 is recorded in the manifest and
 * checked at load (on a worker thread, verify.ts), so a corrupt file asks for a rebuild instead of
 * crashing hnswlib.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BridgeTable } from '../../lexicon/bridge.js';
import { BuiltinEmbeddings } from '../embedders/builtin.js';
import { FILES } from '../files.js';
import { Bm25Index, FIELDS, type Field, type PackedField, TermTable } from '../keyword.js';
import { currentDir, prepareIndexDir, scratchFile, writeBuild } from '../layout.js';
import { FORMAT_VERSION, isManifest, type Manifest } from '../manifest.js';
import { type BuildContents, IndexLoadError, type IndexStore, type LoadedBuild, type PreviousBuild } from './build.js';
import { decodeCorpus, decodePassages, encodeCorpus, encodePassages } from './columns.js';
import { MemoryDocumentStore } from './documents.js';
import { HnswVectorIndex, VectorIndexAhead } from './hnsw.js';
import { verifyFiles } from './verify.js';

const keywordFile = (
  field: Field,
  part: 'terms.txt' | 'terms.u32' | 'offsets.u32' | 'docs.bin' | 'tfs.bin' | 'lengths.u32',
) => path.join(FILES.keyword, `${field}.${part}`);

/**
 * Bump when the local files change layout but not meaning (FORMAT_VERSION, which PostgreSQL builds
 * share, covers meaning): builds of another layout are rebuilt. 2: keyword terms as text + offsets,
 * postings as narrowest-integer passages and counts.
 */
const LOCAL_LAYOUT = 2;

/** Paragraph text as UTF-16: smaller than UTF-8 for Chinese, and decoded at memory speed. */
const TEXT_ENCODING = 'utf16le';

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function u32(buffer: Buffer): Uint32Array {
  if (buffer.byteLength % 4 !== 0) throw new Error('a binary index file has a length that is not a multiple of 4');
  // Typed-array views need 4-byte alignment; readFile's buffers normally have it.
  const aligned = buffer.byteOffset % 4 === 0 ? buffer : Buffer.from(buffer);
  return new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}

function concat(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

type UintArray = Uint8Array | Uint16Array | Uint32Array;

/** `count` integers whose width (one of `kinds`) is the buffer's length over the count. */
function narrowest(
  buffer: Buffer,
  count: number,
  kinds: Array<Uint8ArrayConstructor | Uint16ArrayConstructor | Uint32ArrayConstructor>,
): UintArray {
  const kind = kinds.find((k) => k.BYTES_PER_ELEMENT * count === buffer.byteLength);
  if (!kind) throw new Error(`a binary index file holds ${buffer.byteLength} bytes for ${count} values`);
  const aligned = buffer.byteOffset % kind.BYTES_PER_ELEMENT === 0 ? buffer : Buffer.from(buffer);
  return new kind(aligned.buffer as ArrayBuffer, aligned.byteOffset, count);
}

function bytes(array: UintArray): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out;
}

export class LocalStore implements IndexStore {
  constructor(readonly indexDir: string) {}

  get location(): string {
    return this.indexDir;
  }

  async currentBuildId(): Promise<string | undefined> {
    return fs.readlink(currentDir(this.indexDir)).catch(() => undefined);
  }

  async currentManifest(): Promise<Manifest | undefined> {
    try {
      const m: unknown = JSON.parse(await fs.readFile(path.join(currentDir(this.indexDir), FILES.manifest), 'utf8'));
      return isManifest(m) && m.layout === LOCAL_LAYOUT ? m : undefined;
    } catch {
      return undefined;
    }
  }

  async previous(): Promise<PreviousBuild | undefined> {
    const id = await this.currentBuildId();
    if (!id) return undefined;
    const dir = path.resolve(this.indexDir, id);
    const manifest = await this.currentManifest();
    if (!manifest) return undefined;
    const read = (file: string) => fs.readFile(path.join(dir, file));
    const documents = decodeCorpus({
      structure: (await read(FILES.corpus)).toString('utf8'),
      text: (await read(FILES.corpusText)).toString(TEXT_ENCODING),
      paragraphs: u32(await read(FILES.corpusParagraphs)),
      sentences: u32(await read(FILES.corpusSentences)),
    });
    const passages = decodePassages(documents, {
      positions: u32(await read(FILES.passages)),
      hashes: (await read(FILES.passageHashes)).toString('utf8'),
    });
    return {
      manifest,
      passages,
      vectors: async () => {
        const index = await HnswVectorIndex.read(path.join(dir, FILES.vectors), manifest.embedder.dims, passages);
        return passages.map((p) => index.vector(p.id)!);
      },
      builtinEmbedder:
        manifest.embedder.kind === 'builtin' ? () => BuiltinEmbeddings.load(path.join(dir, FILES.embedder)) : undefined,
    };
  }

  prepare(): Promise<void> {
    return prepareIndexDir(this.indexDir);
  }

  /** Start building the vector index of a build on a worker thread (after prepare()). */
  vectorIndexAhead(dims: number, count: number): VectorIndexAhead {
    return new VectorIndexAhead(dims, count, scratchFile(this.indexDir, FILES.vectors));
  }

  async write(build: BuildContents): Promise<string> {
    return writeBuild(this.indexDir, async (tmp) => {
      // Ingest builds the HNSW graph ahead, on a worker, while it embeds (vectorIndexAhead).
      if (!build.vectorIndexFile)
        throw new Error('a local build needs its vector index, started with vectorIndexAhead');
      await fs.rename(await build.vectorIndexFile, path.join(tmp, FILES.vectors));
      if (build.embedder instanceof BuiltinEmbeddings) {
        await fs.mkdir(path.join(tmp, FILES.embedder));
        await build.embedder.save(path.join(tmp, FILES.embedder));
      }
      const corpus = encodeCorpus(build.documents);
      await fs.writeFile(path.join(tmp, FILES.corpus), corpus.structure);
      await fs.writeFile(path.join(tmp, FILES.corpusText), corpus.text, TEXT_ENCODING);
      await fs.writeFile(path.join(tmp, FILES.corpusParagraphs), bytes(corpus.paragraphs));
      await fs.writeFile(path.join(tmp, FILES.corpusSentences), bytes(corpus.sentences));
      const passages = encodePassages(build.documents, build.passages);
      await fs.writeFile(path.join(tmp, FILES.passages), bytes(passages.positions));
      await fs.writeFile(path.join(tmp, FILES.passageHashes), passages.hashes);
      await fs.writeFile(path.join(tmp, FILES.bridge), JSON.stringify(build.bridge));
      await fs.mkdir(path.join(tmp, FILES.keyword));
      const packed = build.keyword.packed();
      for (const f of FIELDS) {
        const { text, offsets, sorted } = packed[f].terms;
        await fs.writeFile(path.join(tmp, keywordFile(f, 'terms.txt')), text, TEXT_ENCODING);
        await fs.writeFile(path.join(tmp, keywordFile(f, 'terms.u32')), bytes(concat(offsets, sorted)));
        await fs.writeFile(path.join(tmp, keywordFile(f, 'offsets.u32')), bytes(packed[f].offsets));
        await fs.writeFile(path.join(tmp, keywordFile(f, 'docs.bin')), bytes(packed[f].docs));
        await fs.writeFile(path.join(tmp, keywordFile(f, 'tfs.bin')), bytes(packed[f].tfs));
        await fs.writeFile(path.join(tmp, keywordFile(f, 'lengths.u32')), bytes(packed[f].lengths));
      }
      const checksums: Record<string, string> = {};
      for (const file of (await listFiles(tmp)).sort())
        checksums[file] = sha256(await fs.readFile(path.join(tmp, file)));
      build.manifest.ingestMs = Math.round(performance.now() - build.startedAt);
      // The manifest goes last: a build without one is never taken for complete.
      await fs.writeFile(
        path.join(tmp, FILES.manifest),
        JSON.stringify({ ...build.manifest, layout: LOCAL_LAYOUT, checksums }, null, 2),
      );
    });
  }

  async load(): Promise<LoadedBuild> {
    // Resolve `current` once, so a build swapped in meanwhile is not mixed with this one.
    const id = await this.currentBuildId();
    const dir = id ? path.resolve(this.indexDir, id) : currentDir(this.indexDir);
    const where = this.indexDir;
    const location = currentDir(this.indexDir);
    const broken = (problem: string) => new IndexLoadError(`${problem}; run \`npm run ingest\` to rebuild it.`);
    const errorCode = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    let manifestText: string;
    try {
      manifestText = await fs.readFile(path.join(dir, FILES.manifest), 'utf8');
    } catch (err) {
      throw broken(`The index at ${where} is missing ${FILES.manifest} (${errorCode(err)})`);
    }
    let manifest: unknown;
    try {
      manifest = JSON.parse(manifestText);
    } catch {
      throw broken(`The index file ${FILES.manifest} in ${where} is corrupt (not valid JSON)`);
    }
    if (!isManifest(manifest) || manifest.layout !== LOCAL_LAYOUT || !manifest.checksums) {
      throw broken(
        `The index at ${where} has an unknown format (expected version ${FORMAT_VERSION}, layout ${LOCAL_LAYOUT})`,
      );
    }
    const checksums = manifest.checksums;
    // Every listed file is hashed on a worker thread while this one reads and decodes (verify.ts);
    // the files libraries read themselves (hnswlib, the embedder) are checked first.
    const byLibrary = (f: string) => f === FILES.vectors || f.startsWith(FILES.embedder + path.sep);
    const files = Object.keys(checksums).sort((a, b) => Number(byLibrary(b)) - Number(byLibrary(a)));
    const checks = verifyFiles(dir, files, checksums);
    const checked = async (file: string): Promise<void> => {
      const problem = await checks.get(file);
      if (problem?.kind === 'missing') throw broken(`The index at ${where} is missing ${file} (${problem.code})`);
      if (problem)
        throw broken(`The index file ${file} in ${where} is corrupt (its checksum does not match the manifest)`);
    };
    const read = async (file: string): Promise<Buffer> => {
      if (!checksums[file]) throw broken(`The index at ${where} does not list ${file} in its manifest`);
      try {
        return await fs.readFile(path.join(dir, file));
      } catch (err) {
        throw broken(`The index at ${where} is missing ${file} (${errorCode(err)})`);
      }
    };
    const json = async <T>(file: string): Promise<T> => {
      const data = await read(file);
      try {
        return JSON.parse(data.toString('utf8')) as T;
      } catch {
        throw broken(`The index file ${file} in ${where} is corrupt (not valid JSON)`);
      }
    };
    try {
      const build = await this.decode(dir, read, json, () => checked(FILES.vectors), manifest);
      await Promise.all(files.map(checked));
      return { ...build, id: id ?? dir, location };
    } catch (err) {
      // A file that fails its checksum explains any other error: report that.
      await Promise.all(files.map(checked));
      if (err instanceof IndexLoadError) throw err;
      throw new IndexLoadError(
        `The index at ${where} is inconsistent: ${(err as Error).message}. Run \`npm run ingest\` to rebuild it.`,
      );
    }
  }

  /** The build's contents from its files (`read` and `json` give their bytes, checked or not yet). */
  private async decode(
    dir: string,
    read: (file: string) => Promise<Buffer>,
    json: <T>(file: string) => Promise<T>,
    vectorsChecked: () => Promise<void>,
    manifest: Manifest,
  ): Promise<Omit<LoadedBuild, 'id' | 'location'>> {
    const [structure, text, paragraphs, sentences, positions, hashes, bridge] = await Promise.all([
      read(FILES.corpus),
      read(FILES.corpusText),
      read(FILES.corpusParagraphs).then(u32),
      read(FILES.corpusSentences).then(u32),
      read(FILES.passages).then(u32),
      read(FILES.passageHashes),
      json<BridgeTable>(FILES.bridge),
    ]);
    const fields = {} as Record<Field, PackedField>;
    for (const f of FIELDS) {
      const [termText, termNumbers, offsets, docs, tfs, lengths] = await Promise.all([
        read(keywordFile(f, 'terms.txt')),
        read(keywordFile(f, 'terms.u32')).then(u32),
        read(keywordFile(f, 'offsets.u32')).then(u32),
        read(keywordFile(f, 'docs.bin')),
        read(keywordFile(f, 'tfs.bin')),
        read(keywordFile(f, 'lengths.u32')).then(u32),
      ]);
      const count = (termNumbers.length - 1) / 2;
      fields[f] = {
        terms: new TermTable(
          termText.toString(TEXT_ENCODING),
          termNumbers.subarray(0, count + 1),
          termNumbers.subarray(count + 1),
        ),
        offsets,
        // As narrow as the writer could make them: the width is the file's length over the postings.
        docs: narrowest(docs, offsets[offsets.length - 1], [Uint16Array, Uint32Array]) as Uint16Array | Uint32Array,
        tfs: narrowest(tfs, offsets[offsets.length - 1], [Uint8Array, Uint16Array]) as Uint8Array | Uint16Array,
        lengths,
      };
    }
    const documents = decodeCorpus({
      structure: structure.toString('utf8'),
      text: text.toString(TEXT_ENCODING),
      paragraphs,
      sentences,
    });
    const passages = decodePassages(documents, { positions, hashes: hashes.toString('utf8') });
    const store = new MemoryDocumentStore(documents, passages);
    await vectorsChecked();
    const vectors = await HnswVectorIndex.read(path.join(dir, FILES.vectors), manifest.embedder.dims, passages);
    return {
      manifest,
      documents: store,
      vectors,
      keyword: new Bm25Index(passages, fields),
      bridge,
      builtinEmbedder:
        manifest.embedder.kind === 'builtin' ? () => BuiltinEmbeddings.load(path.join(dir, FILES.embedder)) : undefined,
    };
  }
}
