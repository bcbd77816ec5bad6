/**
 * A loaded index: the corpus structure, the passages, the vector store and the keyword
 * index, with lookups by id. Everything downstream (retrieval, answers, server) reads this.
 */
import { HNSWLib } from '@langchain/community/vectorstores/hnswlib';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { CorpusDocument, Paragraph, Section } from '../corpus/types.js';
import { EnglishBridge, type BridgeTable } from '../lexicon/bridge.js';
import { BuiltinEmbeddings } from './embedders/builtin.js';
import type { Embedder } from './embedders/types.js';
import { FILES } from './files.js';
import { KeywordIndex } from './keyword.js';
import { currentDir } from './layout.js';
import { FORMAT_VERSION, isManifest, type Manifest } from './manifest.js';
import { headerParagraph, type Passage } from './passages.js';

/** hnswlib's search breadth: well above k so recall stays near exact. */
const EF_SEARCH = 128;

export class IndexLoadError extends Error {}

export interface SectionNode {
  id: string;
  title: string;
  level: number;
  path: string[];
  parentId?: string;
  paragraphs: number;
}

export interface DocumentNode {
  id: string;
  title: string;
  subtitle?: string;
  byline?: string;
  author?: string;
  organisation?: string;
  date?: string;
  source: string;
  paragraphs: number;
  sections: SectionNode[];
}

export class KnowledgeBase {
  readonly paragraphs = new Map<string, Paragraph>();
  readonly passageById = new Map<string, Passage>();
  readonly docById = new Map<string, CorpusDocument>();
  readonly sectionById = new Map<string, Section>();
  /** Passage ids in the HNSW store, by label. */
  readonly labels: string[];

  constructor(
    readonly dir: string,
    readonly manifest: Manifest,
    readonly documents: CorpusDocument[],
    readonly passages: Passage[],
    readonly vectors: HNSWLib,
    readonly keyword: KeywordIndex,
    readonly embedder: Embedder,
    readonly bridge: EnglishBridge,
  ) {
    for (const doc of documents) {
      this.docById.set(doc.id, doc);
      const header = headerParagraph(doc);
      this.paragraphs.set(header.id, header);
      for (const p of doc.paragraphs) this.paragraphs.set(p.id, p);
      for (const s of doc.sections) this.sectionById.set(s.id, s);
    }
    for (const p of passages) this.passageById.set(p.id, p);
    this.labels = passages.map((p) => p.id);
    vectors.index.setEf(EF_SEARCH);
  }

  paragraph(id: string): Paragraph | undefined {
    return this.paragraphs.get(id);
  }

  /** Paragraphs of a document in order, header first. */
  documentParagraphs(docId: string): Paragraph[] {
    const doc = this.docById.get(docId);
    if (!doc) return [];
    return [this.paragraphs.get(`${doc.id}/header`)!, ...doc.paragraphs];
  }

  /** Documents with their section trees and paragraph counts, for browsing and "summarize this". */
  tree(): DocumentNode[] {
    return this.documents.map((d) => ({
      id: d.id,
      title: d.meta.title,
      subtitle: d.meta.subtitle,
      byline: d.meta.byline,
      author: d.meta.author,
      organisation: d.meta.organisation,
      date: d.meta.date,
      source: d.meta.source,
      paragraphs: d.paragraphs.length,
      sections: d.sections.map((s) => ({
        id: s.id,
        title: s.title,
        level: s.level,
        path: s.path,
        parentId: s.parentId,
        paragraphs: d.paragraphs.filter((p) => p.sectionId === s.id || p.sectionId?.startsWith(`${s.id}.`)).length,
      })),
    }));
  }

  static async load(config: Config): Promise<KnowledgeBase> {
    const dir = currentDir(config.indexDir);
    const read = async (name: string) => {
      try {
        return await fs.readFile(path.join(dir, name), 'utf8');
      } catch (err) {
        throw new IndexLoadError(`The index at ${config.indexDir} is missing ${name} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); run \`npm run ingest\` to build it.`);
      }
    };
    const parse = <T>(name: string, text: string): T => {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new IndexLoadError(`The index file ${name} in ${config.indexDir} is corrupt (not valid JSON); run \`npm run ingest\` to rebuild it.`);
      }
    };
    const manifest = parse<unknown>(FILES.manifest, await read(FILES.manifest));
    if (!isManifest(manifest)) throw new IndexLoadError(`The index at ${config.indexDir} has an unknown format (expected version ${FORMAT_VERSION}); run \`npm run ingest\` to rebuild it.`);
    try {
      const embedder: Embedder =
        manifest.embedder.kind === 'builtin'
          ? await BuiltinEmbeddings.load(dir)
          : await (await import('./embedders/transformer.js')).TransformerEmbeddings.load({ modelId: manifest.embedder.model, modelsDir: config.modelsDir, offline: config.offline });
      const [corpus, passages, keyword, vectors, bridge] = await Promise.all([
        read(FILES.corpus).then((t) => parse<{ documents: CorpusDocument[] }>(FILES.corpus, t)),
        read(FILES.passages).then((t) => parse<Passage[]>(FILES.passages, t)),
        read(FILES.keyword).then((t) => KeywordIndex.fromJSON(t)),
        HNSWLib.load(path.join(dir, FILES.vectors), embedder),
        read(FILES.bridge).then((t) => new EnglishBridge(parse<BridgeTable>(FILES.bridge, t))),
      ]);
      if (vectors.index.getCurrentCount() !== passages.length) {
        throw new IndexLoadError(`The vector index holds ${vectors.index.getCurrentCount()} vectors but there are ${passages.length} passages; run \`npm run ingest\` to rebuild it.`);
      }
      return new KnowledgeBase(dir, manifest, corpus.documents, passages, vectors, keyword, embedder, bridge);
    } catch (err) {
      if (err instanceof IndexLoadError) throw err;
      throw new IndexLoadError(`The index at ${config.indexDir} could not be loaded: ${(err as Error).message}. Run \`npm run ingest\` to rebuild it.`);
    }
  }
}
