/**
 * A loaded index: a document store, a vector index and a keyword index from one build of
 * the configured store (local files or PostgreSQL), plus the embedder and the English bridge.
 * Everything downstream (retrieval, answers, server) reads this.
 */
import type { Config } from '../config.js';
import type { CorpusDocument, Paragraph, Section } from '../corpus/types.js';
import { EnglishBridge } from '../lexicon/bridge.js';
import type { Embedder } from './embedders/types.js';
import type { Manifest } from './manifest.js';
import type { Passage } from './passages.js';
import { IndexLoadError, type LoadedBuild } from './store/build.js';
import { openStore } from './store/open.js';
import type { DocumentStore, KeywordIndex, VectorIndex } from './store/types.js';

export { IndexLoadError } from './store/build.js';

/** The settings loading an index uses. */
export type LoadSettings = Pick<Config, 'indexDir' | 'databaseUrl' | 'databaseReadUrl' | 'modelsDir' | 'offline'>;

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

/** Why the index being served is older than the corpus (its rebuild failed). */
export interface StaleIndex {
  reason: string;
}

export class KnowledgeBase {
  /** Build id (local: the build directory; PostgreSQL: the builds row). */
  readonly buildId: string;
  /** Where the build lives, for messages. */
  readonly dir: string;
  readonly manifest: Manifest;
  readonly docs: DocumentStore;
  readonly vectors: VectorIndex;
  readonly keyword: KeywordIndex;
  /** Set when this index is served although the corpus changed and the rebuild failed. */
  stale?: StaleIndex;

  constructor(
    build: LoadedBuild,
    readonly embedder: Embedder,
    readonly bridge: EnglishBridge,
  ) {
    this.buildId = build.id;
    this.dir = build.location;
    this.manifest = build.manifest;
    this.docs = build.documents;
    this.vectors = build.vectors;
    this.keyword = build.keyword;
  }

  get documents(): readonly CorpusDocument[] {
    return this.docs.documents;
  }

  get passages(): readonly Passage[] {
    return this.docs.passages;
  }

  get docById(): ReadonlyMap<string, CorpusDocument> {
    return this.docs.docById;
  }

  get sectionById(): ReadonlyMap<string, Section> {
    return this.docs.sectionById;
  }

  get passageById(): ReadonlyMap<string, Passage> {
    return this.docs.passageById;
  }

  paragraph(id: string): Paragraph | undefined {
    return this.docs.paragraph(id);
  }

  /** Paragraphs of a document in order, header first. */
  documentParagraphs(docId: string): Paragraph[] {
    const doc = this.docById.get(docId);
    if (!doc) return [];
    return [this.paragraph(`${doc.id}/header`)!, ...doc.paragraphs];
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

  static async load(settings: LoadSettings): Promise<KnowledgeBase> {
    const build = await (await openStore(settings)).load();
    try {
      const { embedder: info } = build.manifest;
      const embedder: Embedder =
        info.kind === 'builtin'
          ? await build.builtinEmbedder!()
          : await (await import('./embedders/transformer.js')).TransformerEmbeddings.load({
              modelId: info.model,
              modelsDir: settings.modelsDir,
              offline: settings.offline,
            });
      if (embedder.info.dims !== build.vectors.dims) {
        throw new IndexLoadError(
          `The vector index holds ${build.vectors.dims}-dimensional vectors but the embedder makes ` +
            `${embedder.info.dims}; run \`npm run ingest\` to rebuild it.`,
        );
      }
      return new KnowledgeBase(build, embedder, new EnglishBridge(build.bridge));
    } catch (err) {
      if (err instanceof IndexLoadError) throw err;
      throw new IndexLoadError(
        `The index at ${build.location} could not be loaded: ${(err as Error).message}. ` +
          'Run `npm run ingest` to rebuild it.',
      );
    }
  }
}

/** The id of the build a server should be serving now, to notice a re-ingest. */
export async function currentBuildId(
  settings: Pick<Config, 'indexDir' | 'databaseUrl' | 'databaseReadUrl'>,
): Promise<string | undefined> {
  return (await openStore(settings)).currentBuildId();
}
