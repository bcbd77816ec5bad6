/** The English bridge on a hand-written table (no CC-CEDICT load): gloss cleaning, stemming, alignment. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type BridgeTable, EnglishBridge, GLOSS_CACHE, glossPhrases, normalizeEnglish } from '../src/lexicon/bridge.js';
import { tempDir } from './helpers.js';

/** Table keys as `EnglishBridge.build` stores them: each word of the phrase normalised. */
function normalizedKeys(entries: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(entries).map(([k, v]) => [k.split(' ').map(normalizeEnglish).join(' '), v]));
}

const TABLE: BridgeTable = {
  en: normalizedKeys({
    'new industrialization': ['新型工业化'],
    industrialization: ['工业化'],
    'key task': ['重点任务'],
    task: ['任务'],
    commemorate: ['纪念'],
    'according to': ['按照', '根据'],
  }),
  token: normalizedKeys({ manufacturing: ['制造'] }),
  zh: { 缅怀: ['纪念'], 毛主席: ['毛泽东'] },
  broad: normalizedKeys({ work: ['工作'], task: ['工作'], manufacturing: ['生产'] }),
};

const bridge = () => new EnglishBridge(TABLE);
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

describe('glossPhrases', () => {
  it('splits definitions at ";" and drops a leading "to" and parenthesised notes', () => {
    assert.deepEqual(glossPhrases(['to commemorate; to honor (sb)']), ['commemorate', 'honor']);
  });

  it('lowercases and deduplicates phrases across definitions', () => {
    assert.deepEqual(glossPhrases(['To Commemorate', 'to commemorate']), ['commemorate']);
  });

  it('drops classifier (CL:) and cross-reference lines', () => {
    assert.deepEqual(glossPhrases(['CL:個[ge4]', 'variant of 它[ta1]', 'see 什么[shen2 me5]', 'surname Mao']), []);
  });

  it('drops a whole CL: line, leaking no pinyin from classifiers after "|" or "," (no ge4, tao4)', () => {
    assert.deepEqual(glossPhrases(['CL:條|条[tiao2], 套[tao4], 個|个[ge4]']), []);
  });

  it('drops a whole "variant of" line whose target is written traditional|simplified (no ji4 nian4)', () => {
    assert.deepEqual(glossPhrases(['variant of 紀念|纪念[ji4 nian4]']), []);
  });

  it("drops a possessive 's, as questions do", () => {
    assert.deepEqual(glossPhrases(["People's Republic of China"]), ['people republic of china']);
  });

  it('drops a phrase longer than four words', () => {
    assert.deepEqual(glossPhrases(['a phrase of far too many words']), []);
  });
});

describe('normalizeEnglish', () => {
  it('maps British -isation and American -ization to one form', () => {
    assert.equal(normalizeEnglish('industrialisation'), normalizeEnglish('industrialization'));
  });

  it('maps a plural to its singular (tasks/task, priorities/priority)', () => {
    assert.equal(normalizeEnglish('tasks'), normalizeEnglish('task'));
    assert.equal(normalizeEnglish('priorities'), normalizeEnglish('priority'));
  });

  it('maps an -ing form and the base verb to one stem (commemorating/commemorate)', () => {
    assert.equal(normalizeEnglish('commemorating'), normalizeEnglish('commemorate'));
  });

  it('maps a plural ending in -ises to its singular (enterprises/enterprise, promises/promise)', () => {
    assert.equal(normalizeEnglish('enterprises'), normalizeEnglish('enterprise'));
    assert.equal(normalizeEnglish('promises'), normalizeEnglish('promise'));
  });

  it('maps British -ised/-ising inflections to the American ones (realised/realized, realising/realizing)', () => {
    assert.equal(normalizeEnglish('realised'), normalizeEnglish('realized'));
    assert.equal(normalizeEnglish('realising'), normalizeEnglish('realizing'));
  });

  it('keeps a word ending in -ss (class)', () => assert.equal(normalizeEnglish('class'), 'class'));

  it('lowercases', () => assert.equal(normalizeEnglish('Task'), 'task'));
});

describe('EnglishBridge.align and translate', () => {
  it('matches the longest phrase first, so "new industrialisation" is not also read as industrialisation', () => {
    assert.deepEqual(bridge().translate('new industrialisation'), ['新型工业化']);
  });

  it('ignores question stopwords and aligns only content words', () => {
    assert.deepEqual(bridge().align('What are the key tasks?'), [{ source: 'key tasks', words: ['重点任务'] }]);
  });

  it('reads a phrase of framing words alone ("according to") as no content, though the dictionary glosses it', () => {
    assert.deepEqual(bridge().align('according to the key tasks'), [{ source: 'key tasks', words: ['重点任务'] }]);
  });

  it('keeps numbers and alphanumeric names as themselves', () => {
    assert.deepEqual(bridge().align('C919 by 2035'), [
      { source: 'c919', words: ['c919'] },
      { source: '2035', words: ['2035'] },
    ]);
  });

  it('lists an unknown content word with no alternatives', () => {
    assert.deepEqual(bridge().align('zebras'), [{ source: 'zebras', words: [] }]);
  });

  it('falls back to the gloss-token table for a single word with no whole-gloss entry, marked weak', () => {
    assert.deepEqual(new EnglishBridge({ ...TABLE, broad: {} }).align('manufacturing'), [
      { source: 'manufacturing', words: ['制造'], weak: true },
    ]);
  });

  it('translates each corpus word once, however often the question names it', () => {
    assert.deepEqual(bridge().translate('task, tasks and more tasks'), ['任务']);
  });

  it('takes a broad whole gloss after a specific one, before the gloss-token table, and marks it weak', () => {
    assert.deepEqual(bridge().align('work'), [{ source: 'work', words: ['工作'], weak: true }]);
    assert.deepEqual(bridge().align('task'), [{ source: 'task', words: ['任务'] }]);
    assert.deepEqual(bridge().align('manufacturing'), [{ source: 'manufacturing', words: ['生产'], weak: true }]);
  });

  it("drops a possessive 's before looking a word up", () => {
    assert.deepEqual(bridge().translate("the task's owner"), ['任务']);
  });
});

describe('EnglishBridge.build', () => {
  /** A bridge over `corpus` from a hand-written gloss index (what the CC-CEDICT cache holds). */
  const built = (glosses: Record<string, string[]>, corpus: string[], frequency?: (w: string) => number) => {
    const dir = tempDir();
    writeFileSync(path.join(dir, GLOSS_CACHE), JSON.stringify(glosses));
    return EnglishBridge.build(corpus, dir, frequency);
  };
  const many = (n: number) => Array.from({ length: n }, (_, i) => `词${i}`);

  it("orders a gloss's corpus words by how often the corpus uses them", async () => {
    const uses: Record<string, number> = { 钥匙: 1, 关键: 9 };
    const bridge = await built({ key: ['钥匙', '关键'] }, ['钥匙', '关键'], (w) => uses[w] ?? 0);
    assert.deepEqual(bridge.table.en.key, ['关键', '钥匙']);
  });

  it('keeps a gloss shared by more than 12 words as broad: its two most used corpus words, no synonyms', async () => {
    const words = [...many(11), '建设', '建立', '修建'];
    const uses: Record<string, number> = { 建设: 30, 建立: 20, 修建: 1 };
    const bridge = await built({ build: words }, ['建设', '建立', '修建'], (w) => uses[w] ?? 0);
    assert.equal(bridge.table.en.build, undefined);
    assert.deepEqual(bridge.table.broad.build, ['建设', '建立']);
    assert.deepEqual(bridge.synonyms('词0'), []);
  });

  it('links a word the corpus does not use to the corpus words of a specific gloss', async () => {
    const bridge = await built({ commemorate: ['纪念', '缅怀'] }, ['纪念']);
    assert.deepEqual(bridge.synonyms('缅怀'), ['纪念']);
  });

  it('links a word the corpus uses 20 times less than a synonym to it, but not one used about as often', async () => {
    const uses: Record<string, number> = { 纪念: 60, 缅怀: 3, 怀念: 10 };
    const bridge = await built(
      { commemorate: ['纪念', '缅怀', '怀念'] },
      ['纪念', '缅怀', '怀念'],
      (w) => uses[w] ?? 0,
    );
    assert.deepEqual(bridge.synonyms('缅怀'), ['纪念']);
    assert.deepEqual(bridge.synonyms('怀念'), []);
    assert.deepEqual(bridge.synonyms('纪念'), []);
  });

  it('links only the words of the most specific gloss the two share (毛主席 → 毛泽东, not 邓小平)', async () => {
    const leaders = ['毛主席', '毛泽东', '邓小平', ...many(4)];
    const uses: Record<string, number> = { 毛泽东: 5, 邓小平: 50 };
    const glosses = { 'chinese communist leader': leaders, 'mao zedong': ['毛主席', '毛泽东'] };
    const bridge = await built(glosses, ['毛泽东', '邓小平'], (w) => uses[w] ?? 0);
    assert.deepEqual(bridge.synonyms('毛主席'), ['毛泽东']);
  });
});

describe('EnglishBridge table', () => {
  it('refuses a table stored by another version, naming the missing section', () => {
    const { broad: _broad, ...older } = TABLE;
    assert.throws(() => new EnglishBridge(older as BridgeTable), /no broad section/);
  });
});

describe('EnglishBridge.synonyms', () => {
  it('gives the corpus words for a Chinese word the corpus does not use', () => {
    assert.deepEqual(bridge().synonyms('缅怀'), ['纪念']);
  });

  it('gives nothing for a word without an entry', () => assert.deepEqual(bridge().synonyms('纪念'), []));
});

describe('EnglishBridge with Object.prototype names as input', () => {
  for (const name of PROTOTYPE_NAMES) {
    it(`"${name}" gives only strings from translate, align and synonyms`, () => {
      const b = bridge();
      assert.deepEqual(b.translate(name), []);
      assert.deepEqual(b.synonyms(name), []);
      for (const a of b.align(name)) {
        assert.equal(typeof a.source, 'string');
        assert.deepEqual(a.words, []);
      }
    });
  }

  it('never throws and returns only strings for questions mixing them with table words (fast-check)', () => {
    const tableWords = ['key', 'tasks', 'new', 'industrialisation', 'the', 'of', '2035', '缅怀'];
    const word = fc.constantFrom(...PROTOTYPE_NAMES, ...tableWords);
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), (words) => {
        const b = bridge();
        const text = words.join(' ');
        const strings = (xs: unknown[]) => xs.every((x) => typeof x === 'string');
        assert.ok(strings(b.translate(text)), text);
        assert.ok(
          b.align(text).every((a) => typeof a.source === 'string' && strings(a.words)),
          text,
        );
        for (const w of words) assert.ok(strings(b.synonyms(w)), w);
      }),
      { numRuns: 300 },
    );
  });
});
