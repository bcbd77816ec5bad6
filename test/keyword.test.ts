/** Bm25Index (BM25 over words and bigrams, three boosted fields) on tiny hand-written corpora. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bm25Index, FIELD_BOOST, type KeywordDoc, TermTable } from '../src/index/keyword.js';

const doc = (id: string, text: string, section = '', document = ''): KeywordDoc => ({
  id,
  docId: id,
  text,
  section,
  document,
});

const CORPUS: KeywordDoc[] = [
  doc('industry', '推进新型工业化，建设制造强国。', '一、总体要求', '工业文章'),
  doc('grain', '乡村振兴要抓好粮食生产。', '二、农业农村', '工业文章'),
  doc('innovation', '科技创新是发展的第一动力。', '三、科技创新', '新年贺词'),
];

const ids = async (index: Bm25Index, query: string, k = 10) => (await index.query(query, k)).map((h) => h.id);

describe('Bm25Index.query', async () => {
  it('ranks the passage that contains the query words first', async () => {
    assert.equal((await ids(Bm25Index.build(CORPUS), '新型工业化'))[0], 'industry');
  });

  it('returns only passages that share a term with the query', async () => {
    assert.deepEqual(await ids(Bm25Index.build(CORPUS), '粮食'), ['grain']);
  });

  it('returns nothing for words no passage uses', async () => {
    assert.deepEqual(await Bm25Index.build(CORPUS).query('火星探测', 10), []);
  });

  it('returns at most k hits', async () => {
    const index = Bm25Index.build([doc('a', '农业发展'), doc('b', '农业改革'), doc('c', '农业生产')]);
    assert.equal((await index.query('农业', 2)).length, 2);
  });

  it('returns no hits for k = 0 instead of throwing', async () => {
    assert.deepEqual(await Bm25Index.build(CORPUS).query('粮食', 0), []);
  });

  it('reports the query terms each hit matched', async () => {
    const [hit] = await Bm25Index.build(CORPUS).query('粮食', 10);
    assert.deepEqual([...hit.terms].sort(), ['_粮食', '粮食']);
  });

  it('weighs a match in the text, section and document fields by FIELD_BOOST', async () => {
    // Each field holds 粮食 in exactly one passage and 农业 in the others, so only the boost differs.
    const index = Bm25Index.build([
      doc('text', '粮食', '农业', '农业'),
      doc('section', '农业', '粮食', '农业'),
      doc('document', '农业', '农业', '粮食'),
    ]);
    const score = new Map((await index.query('粮食', 10)).map((h) => [h.id, h.score]));
    assert.deepEqual([...score.keys()], ['text', 'section', 'document']);
    assert.ok(Math.abs(score.get('section')! / score.get('text')! - FIELD_BOOST.section / FIELD_BOOST.text) < 1e-9);
    assert.ok(Math.abs(score.get('document')! / score.get('text')! - FIELD_BOOST.document / FIELD_BOOST.text) < 1e-9);
  });

  it('ranks a passage matching a rare term above one matching a common term (IDF)', async () => {
    const index = Bm25Index.build([
      doc('common', '农业生产'),
      doc('rare', '粮食生产'),
      doc('other1', '农业发展'),
      doc('other2', '农业改革'),
    ]);
    assert.deepEqual((await ids(index, '粮食农业')).slice(0, 2), ['rare', 'common']);
  });

  it('ranks a passage matching more distinct query terms higher (coordination)', async () => {
    const index = Bm25Index.build([doc('one', '粮食安全'), doc('both', '粮食生产安全'), doc('none', '科技创新')]);
    assert.equal((await ids(index, '粮食生产'))[0], 'both');
  });

  it('returns an array for every Object.prototype name as a query, without throwing', async () => {
    const index = Bm25Index.build(CORPUS);
    for (const name of Object.getOwnPropertyNames(Object.prototype)) {
      const hits = await index.query(name, 10);
      assert.ok(Array.isArray(hits), name);
      assert.deepEqual(hits, [], name);
    }
  });

  it('finds a passage whose text is an Object.prototype name (constructor)', async () => {
    const index = Bm25Index.build([doc('ctor', 'the constructor pattern'), doc('other', '粮食生产')]);
    assert.deepEqual(await ids(index, 'constructor'), ['ctor']);
  });
});

describe('Bm25Index.knows and idf', async () => {
  it('knows a word of a passage text and not an unknown word', async () => {
    const index = Bm25Index.build(CORPUS);
    assert.equal(index.knows('粮食'), true);
    assert.equal(index.knows('火星'), false);
  });

  it('knows no Object.prototype name', async () => {
    const index = Bm25Index.build(CORPUS);
    for (const name of Object.getOwnPropertyNames(Object.prototype)) assert.equal(index.knows(name), false, name);
  });

  it('gives a rare word a higher idf than a common one, and an unknown word the highest', async () => {
    const index = Bm25Index.build([doc('a', '农业生产'), doc('b', '粮食生产'), doc('c', '农业发展')]);
    assert.ok(index.idf('粮食') > index.idf('农业'));
    assert.ok(index.idf('火星') > index.idf('粮食'));
  });

  it('lists only words, not bigrams, in its vocabulary', async () => {
    const vocabulary = [...Bm25Index.build([doc('a', '粮食生产')]).vocabulary()].sort();
    assert.deepEqual(vocabulary, ['生产', '粮食']);
  });
});

describe('TermTable', () => {
  it('finds every term by binary search, and nothing else', () => {
    const terms = ['粮食', '_粮食', 'a', '生产', 'ab', '_生产', '', 'constructor'];
    const table = TermTable.of(terms);
    assert.equal(table.size, terms.length);
    for (const [i, t] of terms.entries()) {
      assert.equal(table.indexOf(t), i, t);
      assert.equal(table.at(i), t);
    }
    for (const absent of ['粮', '粮食生产', 'b', 'A', '_', 'toString']) assert.equal(table.indexOf(absent), undefined);
  });
});

describe('Bm25Index.query within documents', () => {
  it('returns only passages of the documents named, scored as without the filter', async () => {
    const index = Bm25Index.build([
      { ...doc('a1', '粮食生产稳定'), docId: 'a' },
      // Interleaved: a document's passages need not be numbered together.
      { ...doc('b1', '粮食生产粮食安全'), docId: 'b' },
      { ...doc('a2', '粮食安全与农业发展'), docId: 'a' },
    ]);
    const all = await index.query('粮食安全', 10);
    const within = await index.query('粮食安全', 10, undefined, { docIds: ['a'] });
    assert.deepEqual(
      within,
      all.filter((h) => h.id.startsWith('a')),
    );
    assert.deepEqual(await index.query('粮食安全', 10, undefined, { docIds: ['nowhere'] }), []);
  });
});

describe('Bm25Index packed postings', () => {
  it('gives identical results when rebuilt from its packed postings', async () => {
    const index = Bm25Index.build(CORPUS);
    const restored = new Bm25Index(CORPUS, index.packed());
    for (const query of ['新型工业化', '粮食', '科技创新', '工业文章', '贺词', '火星']) {
      assert.deepEqual(await restored.query(query, 10), await index.query(query, 10), query);
    }
    assert.equal(restored.size, index.size);
    assert.equal(restored.idf('粮食'), index.idf('粮食'));
  });
});
