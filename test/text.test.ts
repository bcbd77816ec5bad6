/** src/text: tokens, numerals, CJK ranges, language, sentences and line normalisation, one behaviour each. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { cjkShare, isCjkOnly } from '../src/text/cjk.js';
import { detectLanguage } from '../src/text/language.js';
import { normalizeLine } from '../src/text/normalize.js';
import { parseNumeral } from '../src/text/numerals.js';
import { MAX_SENTENCE, splitSentences } from '../src/text/sentences.js';
import { BIGRAM_MARK, bigrams, numberTerms, numberTermsOnCores, terms, words } from '../src/text/tokens.js';

/** The sentences of `text` as strings. */
const sentences = (text: string) => splitSentences(text).map(([s, e]) => text.slice(s, e));

describe('words', () => {
  it('drops Chinese stopwords (的, 是, 什么)', () => {
    const w = words('新型工业化的目标是什么');
    for (const stop of ['的', '是', '什么']) assert.ok(!w.includes(stop), `${stop} in ${w.join(' ')}`);
    assert.ok(w.includes('目标'));
  });

  it('drops English stopwords and lowercases English words', () => {
    assert.deepEqual(words('What is The Digital ECONOMY'), ['digital', 'economy']);
  });

  it('cuts for search: 毛泽东思想 yields both the compound and 毛泽东', () => {
    const w = words('毛泽东思想');
    assert.ok(w.includes('毛泽东思想'), w.join(' '));
    assert.ok(w.includes('毛泽东'), w.join(' '));
  });

  it('drops punctuation-only tokens', () => {
    assert.deepEqual(words('，。！？、'), []);
  });
});

describe('bigrams', () => {
  it('are marked with BIGRAM_MARK and cover each adjacent pair of a content run', () => {
    assert.deepEqual(
      bigrams('新型工业化'),
      ['新型', '型工', '工业', '业化'].map((b) => BIGRAM_MARK + b),
    );
  });

  it('add nothing for a run of stopwords (是什么)', () => {
    assert.deepEqual(bigrams('是什么'), []);
  });

  it('break at a stopword, so no bigram spans it (工业化和信息化 has no 化和 or 和信)', () => {
    const b = bigrams('工业化和信息化');
    assert.ok(!b.includes(`${BIGRAM_MARK}化和`) && !b.includes(`${BIGRAM_MARK}和信`), b.join(' '));
    assert.ok(b.includes(`${BIGRAM_MARK}信息`));
  });

  it('come only from CJK runs, never from Latin words or digits', () => {
    assert.deepEqual(bigrams('C919 digital 2035'), []);
  });
});

describe('terms', () => {
  it('are the words followed by the bigrams', () => {
    const text = '毛泽东思想活的灵魂';
    assert.deepEqual(terms(text), [...words(text), ...bigrams(text)]);
  });
});

describe('numbered terms', () => {
  it('numbers terms in order of first occurrence', () => {
    const { vocab, lists } = numberTerms(['粮食生产', '生产安全']);
    assert.deepEqual(vocab, ['粮食', '生产', '_粮食', '_食生', '_生产', '安全', '_产安', '_安全']);
    assert.deepEqual([...lists[1]], [1, 5, 4, 6, 7]);
  });

  it('gives the same numbers when a worker thread tokenizes half the texts', async () => {
    const texts = Array.from(
      { length: 6000 },
      (_, i) => `第${i}条：推进新型工业化，建设制造强国${i % 7 ? '和质量强国' : ''}。`,
    );
    const parallel = await numberTermsOnCores(texts);
    const serial = numberTerms(texts);
    assert.deepEqual(parallel.vocab, serial.vocab);
    assert.deepEqual(parallel.lists, serial.lists);
  });
});

describe('parseNumeral', () => {
  const cases: Array<[string, number]> = [
    ['一', 1],
    ['十', 10],
    ['十二', 12],
    ['二十', 20],
    ['二十一', 21],
    ['一百零五', 105],
    ['两', 2],
    ['三千零一', 3001],
    ['7', 7],
    ['2035', 2035],
  ];
  for (const [text, value] of cases) {
    it(`reads ${text} as ${value}`, () => assert.equal(parseNumeral(text), value));
  }

  it('reads digit-by-digit numerals positionally (二〇二四 is 2024, 一〇五 is 105)', () => {
    assert.equal(parseNumeral('二〇二四'), 2024);
    assert.equal(parseNumeral('一〇五'), 105);
  });

  for (const text of ['', 'abc', '第二', '1.5', '二a']) {
    it(`returns NaN for the non-numeral ${JSON.stringify(text)}`, () => assert.ok(Number.isNaN(parseNumeral(text))));
  }
});

describe('cjk', () => {
  it('cjkShare is the share of CJK characters among letters, ignoring digits and punctuation', () => {
    assert.equal(cjkShare('中文ab'), 0.5);
    assert.equal(cjkShare('中文，2024！'), 1);
  });

  it('cjkShare never exceeds 1, even with 〇 (a CJK character that is not a letter)', () => {
    assert.equal(cjkShare('二〇二四'), 1);
  });

  it('cjkShare is 0 for text without letters', () => {
    assert.equal(cjkShare('2024, 42!'), 0);
    assert.equal(cjkShare(''), 0);
  });

  it('isCjkOnly is true for CJK characters alone, including 〇', () => {
    assert.ok(isCjkOnly('二〇二四'));
  });

  it('isCjkOnly is false for empty text, Latin letters, digits or CJK punctuation', () => {
    for (const text of ['', '中文a', '中文2', '中文。']) assert.equal(isCjkOnly(text), false, text);
  });
});

describe('detectLanguage', () => {
  it('is zh for a Chinese question', () => assert.equal(detectLanguage('新型工业化的目标是什么？'), 'zh'));

  it('is en for an English question', () => assert.equal(detectLanguage('What are the key tasks?'), 'en'));

  it('is en for an English question quoting a short Chinese term', () => {
    assert.equal(detectLanguage('What are the key tasks of 新型工业化?'), 'en');
  });

  it('is zh for a Chinese question with a Latin acronym', () => {
    assert.equal(detectLanguage('人工智能AI技术的发展方向是什么'), 'zh');
  });

  it('is zh for text without Latin letters (digits only)', () => assert.equal(detectLanguage('2024'), 'zh'));
});

describe('splitSentences', () => {
  it('ends sentences at 。！？ and keeps the punctuation with its sentence', () => {
    assert.deepEqual(sentences('第一句。第二句！第三句？'), ['第一句。', '第二句！', '第三句？']);
  });

  it('keeps a closing quote with the sentence it ends', () => {
    assert.deepEqual(sentences('他说：“我们要奋斗！”大家鼓掌。'), ['他说：“我们要奋斗！”', '大家鼓掌。']);
  });

  it('keeps a quotation that opens mid-sentence inside the sentence, even with a 。 in it', () => {
    assert.deepEqual(sentences('他说“今天很好。明天也好”然后走了。第二句。'), [
      '他说“今天很好。明天也好”然后走了。',
      '第二句。',
    ]);
  });

  it('does not end a sentence at ； or ，', () => {
    assert.deepEqual(sentences('一是做好工作；二是加强管理，落实责任。'), ['一是做好工作；二是加强管理，落实责任。']);
  });

  it('ends a sentence at a Latin full stop followed by a space', () => {
    assert.deepEqual(sentences('Hello world. Next one'), ['Hello world.', 'Next one']);
  });

  it('does not split at a decimal point', () => {
    assert.deepEqual(sentences('增长了5.2%。'), ['增长了5.2%。']);
  });

  it('keeps text after the last terminal as a final sentence, trimmed', () => {
    assert.deepEqual(sentences('  第一句。 没有句号  '), ['第一句。', '没有句号']);
  });

  it('returns ordered, non-overlapping, non-empty, trimmed spans inside the text for any input (fast-check)', () => {
    const unit = fc.constantFrom(
      '。',
      '！',
      '？',
      '!',
      '?',
      '.',
      '“',
      '”',
      '「',
      '」',
      '…',
      '）',
      ' ',
      '\n',
      '中',
      'a',
      '1',
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 60 }), (text) => {
        let previousEnd = 0;
        for (const [s, e] of splitSentences(text)) {
          assert.ok(previousEnd <= s && s < e && e <= text.length, `[${s}, ${e}) in ${JSON.stringify(text)}`);
          assert.ok(!/^\s|\s$/.test(text.slice(s, e)));
          previousEnd = e;
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('splitSentences on text without punctuation', () => {
  it('cuts a 200,000-character run into sentences of at most MAX_SENTENCE characters', () => {
    const text = '长'.repeat(200_000);
    const spans = splitSentences(text);
    assert.ok(spans.every(([s, e]) => e - s <= MAX_SENTENCE));
    assert.equal(spans.map(([s, e]) => text.slice(s, e)).join(''), text);
  });

  it('cuts an over-long sentence at a comma before the limit', () => {
    const text = `${'甲'.repeat(300)}，${'乙'.repeat(300)}。`;
    assert.deepEqual(splitSentences(text)[0], [0, 301]);
  });
});

describe('normalizeLine', () => {
  it('removes spaces between CJK characters', () => assert.equal(normalizeLine('中 国  人民'), '中国人民'));

  it('removes full-width and no-break spaces between CJK characters', () => {
    assert.equal(normalizeLine('中\u3000国\u00a0人民'), '中国人民');
  });

  it('removes spaces between digits and CJK characters', () =>
    assert.equal(normalizeLine('2023 年 12 月'), '2023年12月'));

  it('turns half-width punctuation after CJK into full width', () => {
    assert.equal(normalizeLine('你好, 世界! 对吗? 是: 好; 嗯'), '你好，世界！对吗？是：好；嗯');
  });

  it('leaves Latin words and their punctuation untouched', () => {
    assert.equal(normalizeLine('Hello, world! Is it ok? Yes: fine; done'), 'Hello, world! Is it ok? Yes: fine; done');
  });

  it('removes invisible characters (zero-width space, BOM, control characters)', () => {
    assert.equal(normalizeLine('\ufeff中\u200b国\u0007人民'), '中国人民');
  });

  it('trims the line', () => assert.equal(normalizeLine('  中国  '), '中国'));
});
