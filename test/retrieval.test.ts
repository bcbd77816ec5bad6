/** Retrieval behaviours of the answerer over tiny corpora the tests write. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { Answerer } from '../src/answer/answer.js';
import { ingest } from '../src/index/ingest.js';
import { KnowledgeBase } from '../src/index/knowledge-base.js';
import { DEFAULT_TUNING, withSetting } from '../src/tuning.js';
import { tempDir, testConfig } from './helpers.js';

const SHARED = '各地要加快发展现代化产业体系，推动传统产业转型升级，培育壮大新兴产业。';

describe('a document named by its title', () => {
  let kb: KnowledgeBase;
  before(async () => {
    const corpus = path.join(tempDir(), 'corpus');
    mkdirSync(corpus);
    // Two documents with the same paragraph: only the title tells them apart.
    writeFileSync(path.join(corpus, 'a.txt'), `二〇二四年新年贺词\n\n${SHARED}\n\n大家好，新年快乐。\n`);
    writeFileSync(path.join(corpus, 'b.txt'), `江西省政府工作报告\n\n${SHARED}\n\n全省经济运行稳中向好。\n`);
    const config = testConfig(corpus);
    await ingest(config);
    kb = await KnowledgeBase.load(config);
  });

  it('ranks that document first when the question names it', async () => {
    const { results } = await new Answerer(kb).retrieve('新年贺词里怎么说发展现代化产业体系？');
    assert.equal(results[0].doc.meta.title, '二〇二四年新年贺词');
  });

  it('multiplies the scores of the named document by retrieval.namedDocumentBoost', async () => {
    const plain = new Answerer(kb, withSetting(DEFAULT_TUNING, 'retrieval.namedDocumentBoost', 1));
    const boosted = new Answerer(kb);
    const question = '新年贺词里怎么说发展现代化产业体系？';
    const score = async (a: Answerer) => {
      const { results } = await a.retrieve(question);
      const named = results.find((r) => r.doc.meta.title === '二〇二四年新年贺词')!;
      const other = results.find((r) => r.doc.meta.title === '江西省政府工作报告')!;
      return named.score / other.score;
    };
    assert.ok((await score(boosted)) > (await score(plain)) * 1.4);
  });
});
