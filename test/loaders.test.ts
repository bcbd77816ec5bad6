import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { TextItem } from 'pdfjs-dist/types/src/display/api.js';
import { Answerer } from '../src/answer/answer.js';
import { loadFile, UnreadableFileError, UnsupportedFileError } from '../src/corpus/loaders/index.js';
import { readCorpus } from '../src/corpus/read.js';
import type { CorpusDocument } from '../src/corpus/types.js';
import { type GoldMetrics, loadGold, runGold } from '../src/eval/gold.js';
import { ingest } from '../src/index/ingest.js';
import { KnowledgeBase } from '../src/index/knowledge-base.js';
import {
  closeBrowser,
  FOOTER_TEXT,
  makeDocx,
  makeEncryptedPdf,
  makeGbk,
  makeHtml,
  makeNumberedDocx,
  makePdf,
  makeScannedPdf,
  makeUtf16,
  makeZipBombDocx,
  NAV_LINKS,
  RUNNING_HEADER,
  seedLines,
  seedText,
} from './fixtures/documents.js';
import { CORPUS, ROOT, tempDir, testConfig } from './helpers.js';

const squash = (s: string) => s.normalize('NFKC').replace(/\s+/g, '');
const paragraphs = (docs: CorpusDocument[]) => docs.flatMap((d) => d.paragraphs.map((p) => squash(p.text)));

/** Share of paragraphs identical (after normalisation) between two parses, over the larger count. */
function identicalShare(a: string[], b: string[]): number {
  const other = new Set(b);
  return a.filter((p) => other.has(p)).length / Math.max(a.length, b.length);
}

let pdf: Buffer;
let reference: CorpusDocument[];
/** A one-page PDF with headings in a larger font. */
let rulesPdf: Buffer;
const RULES = [
  { text: '数据管理办法', title: true },
  { text: '总则', heading: true },
  { text: '为了规范数据处理活动，保障数据安全，制定本办法。' },
  { text: '适用范围', heading: true },
  { text: '本办法适用于本市行政区域内的数据处理活动。' },
];
before(async () => {
  // One page: a running header cannot be told from the title there, so it gets none.
  [pdf, rulesPdf] = await Promise.all([makePdf(), makePdf(RULES, { header: '' })]);
  reference = (await loadFile('seed.txt', Buffer.from(seedText()))).documents;
});
after(closeBrowser);

describe('round trip: other formats of the seed text parse into the same paragraphs', () => {
  for (const [name, make] of [
    ['seed.pdf', async () => pdf],
    ['seed.docx', () => makeDocx()],
    ['seed.html', async () => Buffer.from(makeHtml())],
    ['seed-gbk.txt', async () => makeGbk()],
    ['seed-utf16.txt', async () => makeUtf16()],
  ] as const) {
    it(`${name}: at least 98% of paragraphs identical to the text version's, same documents`, async () => {
      const { documents } = await loadFile(name, await make());
      const share = identicalShare(paragraphs(reference), paragraphs(documents));
      assert.ok(share >= 0.98, `${(share * 100).toFixed(1)}% identical`);
      assert.deepEqual(
        documents.map((d) => d.meta.title),
        reference.map((d) => d.meta.title),
      );
    });
  }
});

describe('PDF', () => {
  let docs: CorpusDocument[];
  let pageTexts: string[];
  before(async () => {
    docs = (await loadFile('seed.pdf', pdf)).documents;
    const doc = await getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise;
    pageTexts = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const content = await (await doc.getPage(n)).getTextContent();
      pageTexts.push(squash(content.items.map((i) => (i as TextItem).str ?? '').join('')));
    }
    await doc.destroy();
  });

  it('records the format and page count of the file', () => {
    assert.deepEqual(
      new Set(docs.map((d) => `${d.meta.format} ${d.meta.pages}`)),
      new Set([`pdf ${pageTexts.length}`]),
    );
  });

  it('records for each sentence the page it starts on', () => {
    let checked = 0;
    let total = 0;
    for (const p of docs.flatMap((d) => d.paragraphs)) {
      assert.equal(p.pages?.length, p.sentences.length);
      p.sentences.forEach(([s, e], i) => {
        total++;
        const start = squash(p.text.slice(s, e)).slice(0, 12);
        const printedOn = pageTexts.flatMap((t, n) => (t.includes(start) ? [n + 1] : []));
        if (printedOn.length !== 1) return; // the opening words straddle a page break, or repeat elsewhere
        checked++;
        assert.equal(p.pages![i], printedOn[0], `sentence "${start}…"`);
      });
    }
    assert.ok(checked >= total * 0.9, `${checked} of ${total} sentences checked`);
  });

  it('joins sentences that cross a page break, keeping the page where they start', () => {
    const crossing = docs
      .flatMap((d) => d.paragraphs)
      .flatMap((p) =>
        p.sentences.flatMap(([s, e], i) => {
          const sentence = squash(p.text.slice(s, e));
          const page = p.pages![i];
          const onOnePage = pageTexts.some((t) => t.includes(sentence));
          return !onOnePage &&
            pageTexts[page - 1].includes(sentence.slice(0, 8)) &&
            pageTexts[page].includes(sentence.slice(-8))
            ? [sentence]
            : [];
        }),
      );
    assert.ok(crossing.length >= 3, `${crossing.length} sentences cross a page break`);
  });

  it('drops the running header and the page numbers', () => {
    const texts = docs.flatMap((d) => d.paragraphs.map((p) => p.text));
    assert.deepEqual(
      texts.filter((t) => t.includes(RUNNING_HEADER) || /^\d+$/.test(t.trim())),
      [],
    );
  });

  it('keeps a title printed large on page 1 when the running header repeats it in small type', async () => {
    const text = seedText().split('\n');
    const title = '二〇二四年新年贺词';
    const lines = seedLines(
      text.slice(text.indexOf(title), text.indexOf('中共中央政治局召开专题民主生活会强调')).join('\n'),
    );
    const bytes = await makePdf(
      lines.map((l, i) => ({ ...l, title: i === 0 })),
      { format: 'A5', header: title },
    );
    const [doc] = (await loadFile('address.pdf', bytes)).documents;
    assert.ok(Math.max(...doc.paragraphs.flatMap((p) => p.pages!)) >= 3, 'the header repeats on several pages');
    assert.equal(doc.meta.title, title);
    assert.deepEqual(
      doc.paragraphs.filter((p) => p.text.includes(title)).map((p) => p.text),
      [],
    );
  });

  it('takes section headings from a larger font where the text alone would not show them', async () => {
    const [doc] = (await loadFile('rules.pdf', rulesPdf)).documents;
    assert.equal(doc.meta.title, '数据管理办法');
    assert.deepEqual(
      doc.sections.map((s) => s.title),
      ['总则', '适用范围'],
    );
    assert.deepEqual(
      doc.paragraphs.map((p) => p.sectionPath),
      [['总则'], ['适用范围']],
    );
  });

  it('leaves out table-of-contents entries', async () => {
    const lines = [
      { text: '数据管理办法', title: true },
      { text: '第一章 总则……………………………1' },
      { text: '第二章 数据安全. . . . . . . . . . . . 2' },
      { text: '为了规范数据处理活动，保障数据安全，制定本办法。' },
    ];
    const [doc] = (await loadFile('toc.pdf', await makePdf(lines, { header: '' }))).documents;
    assert.deepEqual(
      doc.paragraphs.map((p) => p.text),
      ['为了规范数据处理活动，保障数据安全，制定本办法。'],
    );
  });

  it('explains a PDF without a text layer, a password-protected PDF and a damaged one', async () => {
    await assert.rejects(
      loadFile('scan.pdf', await makeScannedPdf()),
      (e: Error) => e instanceof UnreadableFileError && /no text layer.*OCR/.test(e.message),
    );
    await assert.rejects(
      loadFile('secret.pdf', await makeEncryptedPdf()),
      (e: Error) => e instanceof UnreadableFileError && /password/.test(e.message),
    );
    await assert.rejects(
      loadFile('cut.pdf', pdf.subarray(0, 2000)),
      (e: Error) => e instanceof UnreadableFileError && /damaged/.test(e.message),
    );
  });
});

describe('DOCX', () => {
  it('turns heading styles into sections and numbered lists into items', async () => {
    const bytes = await makeNumberedDocx('数据管理办法', '总则', '为了规范数据处理活动，制定本办法。', [
      '保障数据安全。',
      '促进数据开发利用。',
      '保护个人权益。',
    ]);
    const [doc] = (await loadFile('rules.docx', bytes)).documents;
    assert.equal(doc.meta.title, '数据管理办法');
    assert.deepEqual(
      doc.sections.map((s) => s.title),
      ['总则'],
    );
    assert.deepEqual(
      doc.paragraphs.map((p) => p.item),
      [undefined, 1, 2, 3],
    );
    assert.equal(doc.meta.format, 'docx');
  });

  it('refuses a file that unzips past the limit (zip bomb)', async () => {
    const bomb = await makeZipBombDocx(3 * 2 ** 20);
    assert.ok(bomb.length < 100_000, `${bomb.length} bytes zipped`);
    await assert.rejects(
      loadFile('bomb.docx', bomb, { maxUnzippedBytes: 2 ** 20 }),
      (e: Error) => e instanceof UnreadableFileError && /unzips to more than 1 MB/.test(e.message),
    );
  });
});

describe('HTML', () => {
  it('keeps the article and drops navigation and footer', async () => {
    const { documents } = await loadFile('page.html', Buffer.from(makeHtml()));
    const texts = documents.flatMap((d) => [d.meta.title, ...d.paragraphs.map((p) => p.text)]).join('\n');
    assert.deepEqual(
      [...NAV_LINKS, FOOTER_TEXT.slice(0, 8)].filter((l) => texts.includes(l)),
      [],
    );
  });
});

describe('type sniffing', () => {
  it('judges the content, not only the name', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
    await assert.rejects(
      loadFile('report.pdf', png),
      (e: Error) => e instanceof UnsupportedFileError && /PNG/.test(e.message),
    );
    await assert.rejects(loadFile('report.docx', Buffer.from('plain words')), UnsupportedFileError);
    await assert.rejects(loadFile('tool.exe', Buffer.from('MZ')), UnsupportedFileError);
    assert.equal((await loadFile('no-extension', rulesPdf)).format, 'pdf');
    assert.equal((await loadFile('page', Buffer.from(makeHtml()))).format, 'html');
  });
});

describe('corpus folder', () => {
  it('reads every format, follows symlinked files and lists each unreadable entry with its reason', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'rules.pdf'), rulesPdf);
    writeFileSync(
      path.join(dir, 'sub', 'gbk.txt'),
      makeGbk('国库管理办法\n\n国库资金的收纳、划分、留解和拨付，依照本办法执行。\n'),
    );
    writeFileSync(
      path.join(dir, 'utf16.txt'),
      makeUtf16('预算管理条例\n\n各级预算应当遵循统筹兼顾、勤俭节约的原则。\n'),
    );
    writeFileSync(path.join(dir, 'photo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const elsewhere = path.join(tempDir(), 'linked.md');
    writeFileSync(elsewhere, '# 链接文件\n\n这是通过符号链接加入的文件。\n');
    symlinkSync(elsewhere, path.join(dir, 'linked.md'));
    symlinkSync(path.join(dir, 'missing.txt'), path.join(dir, 'broken.txt'));
    const { documents, errors } = await readCorpus(dir);
    const titles = documents.map((d) => d.meta.title);
    assert.deepEqual(
      ['国库管理办法', '预算管理条例', '链接文件', '数据管理办法'].filter((t) => !titles.includes(t)),
      [],
    );
    assert.deepEqual(errors.map((e) => e.file).sort(), ['broken.txt', 'photo.png']);
    assert.match(errors.find((e) => e.file === 'broken.txt')!.message, /broken link/);
    assert.match(errors.find((e) => e.file === 'photo.png')!.message, /\.png files are not supported/);
  });

  it('keeps parsed DOCX and PDF files in the cache folder and reads them back unchanged', async () => {
    const dir = tempDir();
    const cacheDir = tempDir();
    writeFileSync(path.join(dir, 'seed.docx'), await makeDocx());
    const first = await readCorpus(dir, { cacheDir });
    assert.equal(readdirSync(path.join(cacheDir, 'parsed')).length, 1);
    // As JSON, the form the index stores them in (fields left undefined are dropped).
    assert.deepEqual((await readCorpus(dir, { cacheDir })).documents, JSON.parse(JSON.stringify(first.documents)));
  });
});

describe('gold set from a PDF-only corpus', () => {
  it('scores within 2 points of the same documents as text', async () => {
    const gold = loadGold(path.join(ROOT, 'test', 'gold', 'gold.jsonl'));
    const score = async (corpus: string): Promise<GoldMetrics> => {
      const config = testConfig(corpus);
      await ingest(config);
      return (await runGold(new Answerer(await KnowledgeBase.load(config)), gold)).metrics;
    };
    const pdfCorpus = tempDir();
    writeFileSync(path.join(pdfCorpus, 'seed.pdf'), pdf);
    const [text, fromPdf] = [await score(CORPUS), await score(pdfCorpus)];
    const points = (m: GoldMetrics) =>
      [m.keyContainment.all, m.citationPrecision, m.abstention.outOfCorpus, m.recall['hybrid/zh'].at5].map(
        (x) => x * 100,
      );
    const gaps = points(text).map((t, i) => Math.abs(t - points(fromPdf)[i]));
    assert.ok(
      gaps.every((g) => g <= 2),
      `gaps in points (keys, citation precision, abstention, recall@5): ${gaps.join(', ')}`,
    );
  });
});
