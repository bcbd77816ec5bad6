/** The document store held in memory: both stores load documents whole (answers browse them). */
import type { CorpusDocument, Paragraph, Section } from '../../corpus/types.js';
import { headerParagraph, type Passage } from '../passages.js';
import type { DocumentStore } from './types.js';

/** A passage as stored: its text is a slice of its paragraph, so it is not stored twice. */
export type StoredPassage = Omit<Passage, 'text'>;

export class MemoryDocumentStore implements DocumentStore {
  readonly docById = new Map<string, CorpusDocument>();
  readonly sectionById = new Map<string, Section>();
  readonly passageById = new Map<string, Passage>();
  readonly passages: Passage[];
  private readonly paragraphs = new Map<string, Paragraph>();

  /** Takes ownership of `stored`: each passage gets its text added. */
  constructor(
    readonly documents: CorpusDocument[],
    stored: StoredPassage[],
  ) {
    for (const doc of documents) {
      this.docById.set(doc.id, doc);
      const header = headerParagraph(doc);
      this.paragraphs.set(header.id, header);
      for (const p of doc.paragraphs) this.paragraphs.set(p.id, p);
      for (const s of doc.sections) this.sectionById.set(s.id, s);
    }
    // The stored passages are completed in place: on large corpora a copy of each costs start-up time.
    this.passages = stored.map((p) => {
      const paragraph = this.paragraphs.get(p.paragraphId);
      if (!paragraph) throw new Error(`passage ${p.id} refers to a missing paragraph ${p.paragraphId}`);
      return Object.assign(p, { text: paragraph.text.slice(p.start, p.end) });
    });
    for (const p of this.passages) this.passageById.set(p.id, p);
  }

  paragraph(id: string): Paragraph | undefined {
    return this.paragraphs.get(id);
  }
}

export function storedPassage({ text: _text, ...rest }: Passage): StoredPassage {
  return rest;
}
