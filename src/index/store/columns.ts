/**
 * The local build's documents and passages as columns rather than JSON objects: paragraph
 * texts in one string read by offset, sentence spans and passage positions in typed arrays.
 * Parsing millions of small JSON objects was most of the start-up time on large corpora.
 */
import type { CorpusDocument, Paragraph } from '../../corpus/types.js';
import { headerParagraph, passageId } from '../passages.js';
import type { StoredPassage } from './documents.js';

/** A document as stored in JSON: its paragraphs without text or sentence spans. */
type StoredDocument = Omit<CorpusDocument, 'paragraphs'> & { paragraphs: Array<Omit<Paragraph, 'text' | 'sentences'>> };

export interface CorpusColumns {
  /** Documents, sections and paragraph metadata. */
  structure: string;
  /** Every paragraph's text, concatenated. */
  text: string;
  /** Per paragraph: text start, text end, first sentence, sentence count. */
  paragraphs: Uint32Array;
  /** Sentence [start, end) pairs, flat. */
  sentences: Uint32Array;
}

export function encodeCorpus(documents: readonly CorpusDocument[]): CorpusColumns {
  const all = documents.flatMap((d) => d.paragraphs);
  const paragraphs = new Uint32Array(all.length * 4);
  const sentences = new Uint32Array(all.reduce((n, p) => n + p.sentences.length, 0) * 2);
  let offset = 0;
  let sentence = 0;
  all.forEach((p, i) => {
    paragraphs.set([offset, offset + p.text.length, sentence, p.sentences.length], i * 4);
    offset += p.text.length;
    for (const [start, end] of p.sentences) sentences.set([start, end], 2 * sentence++);
  });
  const structure: StoredDocument[] = documents.map((d) => ({
    ...d,
    paragraphs: d.paragraphs.map(({ text: _text, sentences: _sentences, ...rest }) => rest),
  }));
  return { structure: JSON.stringify(structure), text: all.map((p) => p.text).join(''), paragraphs, sentences };
}

export function decodeCorpus(columns: CorpusColumns): CorpusDocument[] {
  const stored = JSON.parse(columns.structure) as StoredDocument[];
  const { text, paragraphs, sentences } = columns;
  let i = 0;
  // The parsed paragraphs are completed in place: copies ({ ...p }) held 12 MB more of heap on the
  // 53,000-passage corpus (V8 gave the copies shapes of their own).
  for (const d of stored) {
    for (const p of d.paragraphs as Paragraph[]) {
      const [start, end, first, count] = paragraphs.subarray(i * 4, ++i * 4);
      const spans: Array<[number, number]> = new Array(count);
      for (let s = 0; s < count; s++) spans[s] = [sentences[2 * (first + s)], sentences[2 * (first + s) + 1]];
      p.text = text.slice(start, end);
      p.sentences = spans;
    }
  }
  return stored as CorpusDocument[];
}

export interface PassageColumns {
  /** Per passage: paragraph (header first, in document order), window number, start, end. */
  positions: Uint32Array;
  /** Text hashes, concatenated (each HASH_LENGTH characters). */
  hashes: string;
}

const HASH_LENGTH = 16;

/** Every paragraph a passage can point to, the synthetic header first, in document order. */
function paragraphIds(documents: readonly CorpusDocument[]): string[] {
  return documents.flatMap((d) => [headerParagraph(d).id, ...d.paragraphs.map((p) => p.id)]);
}

export function encodePassages(
  documents: readonly CorpusDocument[],
  passages: readonly StoredPassage[],
): PassageColumns {
  const index = new Map(paragraphIds(documents).map((id, i) => [id, i]));
  const positions = new Uint32Array(passages.length * 4);
  passages.forEach((p, i) => {
    const n = Number(p.id.slice(p.paragraphId.length + 1));
    if (p.id !== passageId(p.paragraphId, n) || p.textHash.length !== HASH_LENGTH)
      throw new Error(`passage ${p.id} has an unexpected id or hash`);
    positions.set([index.get(p.paragraphId)!, n, p.start, p.end], i * 4);
  });
  return { positions, hashes: passages.map((p) => p.textHash).join('') };
}

export function decodePassages(documents: readonly CorpusDocument[], columns: PassageColumns): StoredPassage[] {
  const ids = paragraphIds(documents);
  const docOf = documents.flatMap((d) => new Array<string>(d.paragraphs.length + 1).fill(d.id));
  const { positions, hashes } = columns;
  const out: StoredPassage[] = new Array(positions.length / 4);
  for (let i = 0; i < out.length; i++) {
    const [paragraph, n, start, end] = positions.subarray(i * 4, i * 4 + 4);
    const paragraphId = ids[paragraph];
    out[i] = {
      id: passageId(paragraphId, n),
      paragraphId,
      docId: docOf[paragraph],
      start,
      end,
      textHash: hashes.slice(i * HASH_LENGTH, (i + 1) * HASH_LENGTH),
    };
  }
  return out;
}
