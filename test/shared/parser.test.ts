/** Parser checks against the shared datasets (../shared): run by `npm run test:shared` and .ci/run. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseDocuments } from '../../src/corpus/parse.js';
import { CORPUS, shared } from '../helpers.js';

describe('corpus file', () => {
  it('is the user-supplied file, unchanged', () => {
    const file = '000_4d85f24a15212bac.txt';
    assert.deepEqual(readFileSync(path.join(CORPUS, file)), readFileSync(shared('corpus', file)));
  });
});

describe('parser on real government work reports', () => {
  const reports = (...parts: string[]) => readFileSync(shared('datasets', 'gov-work-reports', ...parts), 'utf8');

  it('parses the 2024 State Council report (Markdown) into titled sections', () => {
    const [report] = parseDocuments(reports('state-council', '2024.md'), { source: '2024.md', markdown: true });
    assert.match(report.meta.title, /政府工作报告/);
    assert.ok(report.sections.length >= 3);
    assert.ok(report.paragraphs.length > 30);
  });

  it('parses the 2025 Shanghai report (plain text) with its title, date and 一、 sections', () => {
    const [province] = parseDocuments(reports('provinces-2025', '2025年上海市政府工作报告.txt'), {
      source: 'sh.txt',
      markdown: false,
    });
    assert.equal(province.meta.title, '2025年上海市政府工作报告');
    assert.equal(province.meta.date, '2025-01-15');
    assert.ok(province.sections.some((s) => s.title.startsWith('一、')));
  });
});
