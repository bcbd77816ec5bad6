/** CitationList and segmentsText on hand-built paragraphs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CitationList, type Quote, quoteText, segmentsText } from '../src/answer/citations.js';
import type { CorpusDocument, Paragraph } from '../src/corpus/types.js';

/** A paragraph of the given sentences, with their offsets (and pages when given). */
function paragraph(id: string, sentences: string[], pages?: number[]): Paragraph {
  const spans: Array<[number, number]> = [];
  let at = 0;
  for (const s of sentences) spans.push([at, (at += s.length)]);
  return {
    id,
    docId: 'doc',
    ordinal: 1,
    sectionPath: ['一、总体要求'],
    text: sentences.join(''),
    sentences: spans,
    pages,
  };
}

const THREE = paragraph('doc/p1', ['第一句。', '第二句。', '第三句。']);
const OTHER = paragraph('doc/p2', ['另一段。']);
const PAGED = paragraph('doc/p3', ['第一页的句子。', '第二页的句子。'], [1, 2]);
const DOC: CorpusDocument = {
  id: 'doc',
  meta: { title: '测试文稿', source: 'doc.txt' },
  sections: [],
  paragraphs: [THREE, OTHER, PAGED],
};

/** A quote of sentence `i` (or sentences i..j) of a paragraph. */
function quote(p: Paragraph, i: number, j = i, score = 1): Quote {
  return { paragraph: p, doc: DOC, start: p.sentences[i][0], end: p.sentences[j][1], score };
}

describe('CitationList.cite', () => {
  it('gives two quotes of one paragraph the same citation', () => {
    const list = new CitationList();
    assert.equal(list.cite(quote(THREE, 0)), 1);
    assert.equal(list.cite(quote(THREE, 2)), 1);
    assert.equal(list.citations.length, 1);
  });

  it('numbers citations by first use', () => {
    const list = new CitationList();
    assert.equal(list.cite(quote(OTHER, 0)), 1);
    assert.equal(list.cite(quote(THREE, 1)), 2);
    assert.equal(list.cite(quote(OTHER, 0)), 1);
    assert.deepEqual(
      list.citations.map((c) => [c.n, c.paragraphId]),
      [
        [1, 'doc/p2'],
        [2, 'doc/p1'],
      ],
    );
  });

  it('keeps highlights sorted by start and without duplicates', () => {
    const list = new CitationList();
    list.cite(quote(THREE, 2));
    list.cite(quote(THREE, 0));
    list.cite(quote(THREE, 2));
    assert.deepEqual(list.citations[0].highlights, [THREE.sentences[0], THREE.sentences[2]]);
  });

  it('joins non-adjacent quoted sentences with "…", in text order', () => {
    const list = new CitationList();
    list.cite(quote(THREE, 2));
    list.cite(quote(THREE, 0));
    assert.equal(list.citations[0].quote, '第一句。…第三句。');
  });

  it('joins adjacent quoted sentences without "…"', () => {
    const list = new CitationList();
    list.cite(quote(THREE, 0));
    list.cite(quote(THREE, 1));
    assert.equal(list.citations[0].quote, '第一句。第二句。');
  });

  it('describes the paragraph and document it cites', () => {
    const list = new CitationList();
    list.cite(quote(THREE, 1, 1, 0.123456));
    const [c] = list.citations;
    assert.equal(c.docId, 'doc');
    assert.equal(c.docTitle, '测试文稿');
    assert.deepEqual(c.sectionPath, ['一、总体要求']);
    assert.equal(c.paragraph, 1);
    assert.equal(c.text, THREE.text);
    assert.equal(c.score, 0.1235);
  });

  it("takes the passage id from the quote, or the paragraph's first passage when it has none", () => {
    const list = new CitationList();
    list.cite(quote(THREE, 0));
    const passage = { id: 'doc/p2#3', paragraphId: 'doc/p2', docId: 'doc', start: 0, end: 4, text: '另一段。' };
    list.cite({ ...quote(OTHER, 0), passage: { ...passage, textHash: '' } });
    assert.deepEqual(
      list.citations.map((c) => c.passageId),
      ['doc/p1#0', 'doc/p2#3'],
    );
  });
});

describe('Citation page', () => {
  it('is the page of the sentence where the quote starts', () => {
    const list = new CitationList();
    list.cite(quote(PAGED, 1));
    assert.equal(list.citations[0].page, 2);
  });

  it('is the page of the enclosing sentence when the quote starts inside it', () => {
    const list = new CitationList();
    const [s, e] = PAGED.sentences[1];
    list.cite({ paragraph: PAGED, doc: DOC, start: s + 3, end: e, score: 1 });
    assert.equal(list.citations[0].page, 2);
  });

  it("follows the quote's start when a sentence on an earlier page is cited after a later one", () => {
    const list = new CitationList();
    list.cite(quote(PAGED, 1));
    list.cite(quote(PAGED, 0));
    assert.equal(list.citations[0].quote, '第一页的句子。第二页的句子。');
    assert.equal(list.citations[0].page, 1);
  });

  it('is absent when the paragraph has no pages', () => {
    const list = new CitationList();
    list.cite(quote(THREE, 2));
    assert.equal(list.citations[0].page, undefined);
    assert.ok(!('page' in JSON.parse(JSON.stringify(list.citations[0]))));
  });
});

describe('CitationList.segment', () => {
  it('returns the quoted text verbatim with its citation number', () => {
    const list = new CitationList();
    list.cite(quote(OTHER, 0));
    assert.deepEqual(list.segment(quote(THREE, 1)), { text: '第二句。', n: 2 });
    assert.equal(quoteText(quote(THREE, 1)), THREE.text.slice(4, 8));
  });
});

describe('segmentsText', () => {
  it('puts [n] after cited segments only', () => {
    const segments = [{ text: '资料指出：' }, { text: '第一句。', n: 1 }, { text: '第二句。', n: 2 }];
    assert.equal(segmentsText(segments), '资料指出：第一句。[1]第二句。[2]');
  });

  it('is the plain text when nothing is cited', () => assert.equal(segmentsText([{ text: '你好' }]), '你好'));
});
