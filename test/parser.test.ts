import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeText } from '../src/corpus/loaders/text.js';
import { parseDocuments } from '../src/corpus/parse.js';
import { readCorpus } from '../src/corpus/read.js';
import { normalizeLine } from '../src/text/normalize.js';
import { splitSentences } from '../src/text/sentences.js';
import { CORPUS, tempDir } from './helpers.js';

describe('parser on the real corpus', async () => {
  const { documents, errors } = await readCorpus(CORPUS);
  const byTitle = (t: string) => documents.find((d) => d.meta.title.includes(t))!;
  const allText = documents.flatMap((d) => d.paragraphs.map((p) => p.text));

  it('finds the four documents with titles, bylines and dates, and no 附件 document', () => {
    assert.deepEqual(errors, []);
    assert.deepEqual(
      documents.map((d) => d.meta.title),
      [
        '在纪念毛泽东同志诞辰130周年座谈会上的讲话',
        '二〇二四年新年贺词',
        '中共中央政治局召开专题民主生活会强调',
        '坚决扛牢实现新型工业化这个关键任务',
      ],
    );
    const speech = byTitle('纪念毛泽东');
    assert.equal(speech.meta.date, '2023-12-26');
    assert.equal(speech.meta.author, '习近平');
    assert.equal(speech.meta.byline, '(2023年12月26日上午习近平)');
    assert.equal(byTitle('新年贺词').meta.author, '习近平');
    assert.equal(byTitle('新年贺词').meta.role, '国家主席');
    assert.equal(byTitle('新型工业化').meta.organisation, '中共工业和信息化部党组');
    assert.match(byTitle('民主生活会').meta.subtitle ?? '', /巩固拓展主题教育成果/);
    assert.ok(!documents.some((d) => d.meta.title.startsWith('附件')));
  });

  it('joins paragraphs broken at page ends, with no space', () => {
    assert.ok(allText.some((t) => t.includes('新中国的成立，实现了中国向人民民主制度的伟大跨越')));
    assert.ok(allText.some((t) => t.includes('在反复比较和鉴别中，毅然选择了马克思列宁主义')));
    assert.ok(
      allText.some((t) => t.includes('方法，体现为实事求是、群众路线、独立自主三个基本方面。这是毛泽东思想活的灵魂。')),
    );
    assert.ok(allText.some((t) => t.includes('让传统产业“老树发新芽”')));
    assert.ok(
      !allText.some(
        (t) => t === '毅然选择了马克思列宁主义，选择了为实现共产主义而奋斗的崇高理想，从此一生追寻，矢志不移。',
      ),
    );
  });

  it('keeps a paragraph that ends without a full stop apart from the next one', () => {
    const industry = byTitle('新型工业化');
    const tasks = industry.paragraphs.find((p) => p.text.startsWith('深刻认识和准确把握推进新型工业化的重大任务'))!;
    assert.ok(tasks.text.endsWith('推进新型工业化取得新进展新成效'));
    assert.ok(industry.paragraphs.some((p) => p.text.startsWith('深刻认识和准确把握推进新型工业化的方法路径')));
  });

  it('normalises spaces and half-width punctuation but keeps other text verbatim', () => {
    assert.ok(allText.some((t) => t.includes('毛泽东同志诞辰130周年')));
    assert.ok(allText.some((t) => t.includes('2023年，我们接续奋斗、砥砺前行，经历了风雨洗礼')));
    assert.ok(
      allText.some((t) => t.includes('所犯的 error。')),
      'the English word stays as it is',
    );
    assert.ok(!allText.some((t) => /[\u4e00-\u9fff] +[\u4e00-\u9fff\d]/.test(t)));
  });

  it('treats salutations as part boundaries, never as content', () => {
    assert.ok(!allText.some((t) => /^同志们[，、]朋友们[：！]$/.test(t) || t === '谢谢大家！'));
    const speech = byTitle('纪念毛泽东');
    assert.deepEqual(
      speech.sections.map((s) => s.title),
      ['第一部分', '第二部分', '第三部分', '第四部分'],
    );
    assert.ok(speech.paragraphs.at(-1)!.text.startsWith('一百多年前'));
  });

  it('finds the ministry article sections and its seven enumerated tasks', () => {
    const industry = byTitle('新型工业化');
    assert.deepEqual(
      industry.sections.map((s) => s.title),
      [
        '一、切实把思想和行动统一到党中央决策部署上来',
        '二、扎实推进新型工业化各项重点任务落实',
        '三、汇聚加快推进新型工业化的强大合力',
      ],
    );
    const items = industry.paragraphs.filter((p) => p.item !== undefined);
    assert.deepEqual(
      items.map((p) => p.item),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.ok(items.every((p) => p.sectionPath[0].startsWith('二、')));
    assert.ok(items[6].text.startsWith('七是加快建设世界一流企业'));
  });

  it('gives every paragraph a stable id, document id, ordinal, section path and sentence offsets', async () => {
    const again = await readCorpus(CORPUS);
    for (const [i, doc] of documents.entries()) {
      assert.deepEqual(
        doc.paragraphs.map((p) => p.id),
        again.documents[i].paragraphs.map((p) => p.id),
      );
      doc.paragraphs.forEach((p, j) => {
        assert.equal(p.docId, doc.id);
        assert.equal(p.ordinal, j + 1);
        assert.ok(Array.isArray(p.sectionPath));
        assert.ok(p.sentences.length > 0);
        const rebuilt = p.sentences.map(([s, e]) => p.text.slice(s, e)).join('');
        assert.equal(rebuilt.replace(/\s/g, ''), p.text.replace(/\s/g, ''), 'sentences cover the paragraph');
      });
    }
    assert.equal(new Set(documents.flatMap((d) => d.paragraphs.map((p) => p.id))).size, allText.length);
  });
});

describe('parser details', () => {
  it('splits sentences at terminal punctuation, keeping closing quotes and quoted sentences together', () => {
    const text = '毛泽东同志说，“我们总要努力！我们总要拼命的向前！”这是号召。Is it? Yes.';
    const parts = splitSentences(text).map(([s, e]) => text.slice(s, e));
    assert.deepEqual(parts, ['毛泽东同志说，“我们总要努力！我们总要拼命的向前！”', '这是号召。', 'Is it?', 'Yes.']);
  });

  it('normalises one line', () => {
    assert.equal(normalizeLine('(2023 年 12 月 26 日 上午 习近平)'), '(2023年12月26日上午习近平)');
    assert.equal(normalizeLine('2023 年, 我们接续奋斗! 好吗?'), '2023年，我们接续奋斗！好吗？');
    assert.equal(normalizeLine('所犯的 error。'), '所犯的 error。');
  });

  it('does not let a paragraph without a full stop swallow a heading', () => {
    const docs = parseDocuments('标题\n\n第一段落在页末，没有句号\n\n一、第一部分标题\n\n正文内容在这里。', {
      source: 't.txt',
      markdown: false,
    });
    assert.equal(docs[0].paragraphs[0].text, '第一段落在页末，没有句号');
    assert.deepEqual(
      docs[0].sections.map((s) => s.title),
      ['一、第一部分标题'],
    );
    assert.deepEqual(docs[0].paragraphs[1].sectionPath, ['一、第一部分标题']);
  });

  it('reads Markdown with front matter and headings', () => {
    const md =
      '---\ntitle: 测试报告\ndate: 2025-01-15\nauthor: 某某\n---\n\n## 一、回顾\n\n过去一年，我们做了很多工作。\n\n### （一）经济\n\n经济稳中向好。\n';
    const [doc] = parseDocuments(md, { source: 'r.md', markdown: true });
    assert.equal(doc.meta.title, '测试报告');
    assert.equal(doc.meta.date, '2025-01-15');
    assert.equal(doc.meta.author, '某某');
    assert.deepEqual(
      doc.sections.map((s) => s.path),
      [['一、回顾'], ['一、回顾', '（一）经济']],
    );
    assert.deepEqual(doc.paragraphs[1].sectionPath, ['一、回顾', '（一）经济']);
  });

  it('reads a State Council-style report: bold title, byline, ## sections', () => {
    const md = [
      '**政府工作报告**',
      '——2024年3月5日在第十四届全国人民代表大会第二次会议上',
      '各位代表：',
      '现在，我代表国务院，向大会报告政府工作，请予审议。',
      '## 一、2023年工作回顾',
      '过去一年，经济回升向好。',
      '## 二、总体要求和政策取向',
      '今年发展主要预期目标是国内生产总值增长5%左右。',
      '## 三、政府工作任务',
      '大力推进现代化产业体系建设。',
    ].join('\n\n');
    const [report] = parseDocuments(md, { source: '2024.md', markdown: true });
    assert.equal(report.meta.title, '政府工作报告');
    assert.deepEqual(
      report.sections.map((s) => s.title),
      ['一、2023年工作回顾', '二、总体要求和政策取向', '三、政府工作任务'],
    );
    assert.deepEqual(report.paragraphs.at(-1)!.sectionPath, ['三、政府工作任务']);
  });

  it('reads a provincial report in plain text: title line, dated byline, 一、 headings', () => {
    const text = [
      '2025年上海市政府工作报告',
      '----2025年1月15日龚正市长在上海市第十六届人民代表大会第三次会议的政府工作报告',
      '各位代表：',
      '现在，我代表上海市人民政府，向大会报告工作，请予审议。',
      '一、2024年工作回顾',
      '过去一年，全市经济社会发展总体平稳、稳中有进。',
      '二、2025年主要任务',
      '今年是“十四五”规划收官之年。',
    ].join('\n');
    const [province] = parseDocuments(text, { source: 'sh.txt', markdown: false });
    assert.equal(province.meta.title, '2025年上海市政府工作报告');
    assert.equal(province.meta.date, '2025-01-15');
    assert.deepEqual(
      province.sections.map((s) => s.title),
      ['一、2024年工作回顾', '二、2025年主要任务'],
    );
  });

  it('starts a new paragraph at each bulleted line, even after one without closing punctuation', () => {
    const text = '工作要点\n\n• 加强数据安全管理，健全制度\n• 推进数据开放共享，服务发展\n';
    const [doc] = parseDocuments(text, { source: 'b.txt', markdown: false });
    assert.deepEqual(
      doc.paragraphs.map((p) => p.text),
      ['• 加强数据安全管理，健全制度', '• 推进数据开放共享，服务发展'],
    );
  });

  it('reports an undecodable file by name and still ingests the others', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'good.txt'), '好标题\n\n这是一段正文。');
    writeFileSync(path.join(dir, 'gbk.txt'), Buffer.from([0xd6, 0xd0, 0xce, 0xc4, 0xff, 0xfe]));
    writeFileSync(path.join(dir, 'empty.md'), '');
    writeFileSync(path.join(dir, 'binary.txt'), Buffer.from([0x00, 0x01, 0x02, 0x03]));
    const { documents, errors } = await readCorpus(dir);
    assert.deepEqual(
      documents.map((d) => d.meta.title),
      ['好标题'],
    );
    assert.deepEqual(errors.map((e) => e.file).sort(), ['binary.txt', 'empty.md', 'gbk.txt']);
    assert.match(errors.find((e) => e.file === 'gbk.txt')!.message, /gbk\.txt: .*UTF-8/);
    assert.throws(() => decodeText(new Uint8Array()), /empty/);
  });
});
