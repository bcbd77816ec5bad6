/** routeQuestion: question type, item and part ordinals, and language, one behaviour each. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { holdsAnswerCue, rolePattern } from '../src/answer/compose.js';
import { aboutPhrase, type QuestionType, routeQuestion } from '../src/answer/router.js';

describe('routeQuestion asksAuthor', () => {
  for (const q of [
    '这篇文章的作者是谁？',
    '新年贺词是谁发表的？',
    'Who wrote the article?',
    'Who is the author of the MIIT article?',
  ])
    it(`marks "${q}" as asking who wrote a document`, () => assert.equal(routeQuestion(q).asksAuthor, true));
  for (const q of ['谁主持了会议？', 'Who chaired the meeting?', '作者提出了哪些任务？'])
    it(`does not mark "${q}"`, () => assert.equal(routeQuestion(q).asksAuthor, false));
});

describe('aboutPhrase', () => {
  it('finds what a question says a document is about', () => {
    assert.equal(aboutPhrase('谁写了关于气候变化的文章？'), '气候变化');
    assert.equal(aboutPhrase('Who wrote the article on new industrialisation?'), 'new industrialisation');
    assert.equal(aboutPhrase('Who is the author of the MIIT article?'), undefined);
  });
});

describe('routeQuestion type', () => {
  const examples: Array<[QuestionType, string, string]> = [
    ['fact', '新型工业化的目标是什么？', 'What is the goal of new industrialization?'],
    ['when', '座谈会是什么时候召开的？', 'When was the speech given?'],
    ['who', '这篇文章的作者是谁？', 'Who wrote the article?'],
    ['where', '会议在哪里举行？', 'Where was the meeting held?'],
    ['howMany', '建成了多少个5G基站？', 'How many 5G base stations were built?'],
    ['why', '为什么要推进新型工业化？', 'Why promote new industrialization?'],
    ['how', '如何推进新型工业化？', 'How should industrialization be promoted?'],
    ['list', '新型工业化有哪些重点任务？', 'What are the key tasks?'],
    ['summary', '总结一下新年贺词', 'Summarize the New Year address'],
    ['smalltalk', '你好', 'Thanks!'],
  ];
  for (const [type, zh, en] of examples) {
    it(`routes "${zh}" to ${type}`, () => assert.equal(routeQuestion(zh).type, type));
    it(`routes "${en}" to ${type}`, () => assert.equal(routeQuestion(en).type, type));
  }

  it('does not route "authorities" to who: English cue words match whole words only', () => {
    assert.equal(routeQuestion('What did the local authorities do to support industry?').type, 'fact');
  });

  it('does not route "elsewhere" to where: English cue words match whole words only', () => {
    assert.equal(routeQuestion('What measures were taken elsewhere in the country?').type, 'fact');
  });

  it('does not route "reasonable" to why: English cue words match whole words only', () => {
    assert.equal(routeQuestion('Is a reasonable growth rate expected?').type, 'fact');
  });

  it('routes "how many" to howMany, not how', () => {
    assert.equal(routeQuestion('How many tasks are there?').type, 'howMany');
  });

  it('routes a greeting followed by a question to that question, not smalltalk', () => {
    assert.equal(routeQuestion('你好！请问新型工业化有哪些重点任务？').type, 'list');
  });

  it('routes "讲了什么" about a whole text to summary', () =>
    assert.equal(routeQuestion('新年贺词讲了什么').type, 'summary'));

  it('does not route "第二点具体说了什么" to summary: it asks for item 2', () => {
    const route = routeQuestion('第二点具体说了什么');
    assert.notEqual(route.type, 'summary');
    assert.equal(route.itemNumber, 2);
  });
});

describe('routeQuestion itemNumber', () => {
  const cases: Array<[string, number]> = [
    ['第二点是什么', 2],
    ['第十二点是什么', 12],
    ['第二十一条是什么', 21],
    ['第12项是什么', 12],
    ['那第三点呢？', 3],
    ['What does the third point say?', 3],
    ['What is the 3rd item?', 3],
    ['What is the last point?', -1],
    ['最后一点呢？', -1],
    ['展开说说第三个', 3],
    ['What is the eighth point?', 8],
    ['What is the tenth item?', 10],
  ];
  for (const [question, n] of cases) {
    it(`is ${n} for "${question}"`, () => assert.equal(routeQuestion(question).itemNumber, n));
  }

  it('is absent when the question names no item', () => {
    assert.equal(routeQuestion('新型工业化有哪些重点任务？').itemNumber, undefined);
    assert.equal(routeQuestion('What are the key tasks?').itemNumber, undefined);
  });
});

describe('routeQuestion partNumber', () => {
  const cases: Array<[string, number]> = [
    ['概括第二部分', 2],
    ['第三章讲了什么', 3],
    ['Summarize part two', 2],
    ['Summarize the second section', 2],
    ['Summarize part 4', 4],
  ];
  for (const [question, n] of cases) {
    it(`is ${n} for "${question}"`, () => assert.equal(routeQuestion(question).partNumber, n));
  }

  it('is absent when the question names no part', () => {
    assert.equal(routeQuestion('总结一下新年贺词').partNumber, undefined);
  });

  it('is not taken for an item (第二点 sets itemNumber only)', () => {
    const route = routeQuestion('第二点是什么');
    assert.equal(route.partNumber, undefined);
    assert.equal(route.itemNumber, 2);
  });
});

describe('routeQuestion role', () => {
  const cases: Array<[string, { subject: string; context: string } | undefined]> = [
    ['创新在推进新型工业化中起什么作用？', { subject: '创新', context: '推进新型工业化' }],
    [
      '高质量发展对于全面建设社会主义现代化国家是什么定位？',
      { subject: '高质量发展', context: '全面建设社会主义现代化国家' },
    ],
    ['“一国两制”在推进祖国统一中处于什么地位？', { subject: '一国两制', context: '推进祖国统一' }],
    ['新型工业化有哪些重点任务？', undefined],
    ['创新有什么作用？', undefined],
  ];
  for (const [question, role] of cases)
    it(`${role ? `reads ${role.subject} in ${role.context}` : 'reads no role'} from "${question}"`, () =>
      assert.deepEqual(routeQuestion(question).role, role));
});

describe('rolePattern', () => {
  const role = { subject: '创新', context: '推进新型工业化' };
  const statesRole = (text: string) => rolePattern(role)?.test(text) ?? false;
  it('finds "X是…Y…" within one sentence', () =>
    assert.ok(statesRole('三是全面提升产业科技创新能力。创新是新型工业化的根本动力。')));
  it('needs the context in the same sentence', () =>
    assert.ok(!statesRole('创新是第一动力。推进新型工业化要靠企业。')));
  it('needs the subject to be what is defined', () =>
    assert.ok(!statesRole('坚持把产业发展基点放在创新上，这是新型工业化的关键。')));
});

describe('routeQuestion language', () => {
  it('is zh for a Chinese question', () => assert.equal(routeQuestion('新型工业化的目标是什么？').language, 'zh'));

  it('is en for an English question', () => assert.equal(routeQuestion('What are the key tasks?').language, 'en'));

  it('is en for an English question quoting a Chinese term', () => {
    assert.equal(routeQuestion('What are the key tasks of 新型工业化?').language, 'en');
  });
});

describe('holdsAnswerCue', () => {
  const cases: Array<[QuestionType, string, string, boolean]> = [
    ['howMany', '工信部要对多少个行业实施稳增长工作方案？', '实施10大行业稳增长工作方案', true],
    ['howMany', '工信部要对多少个行业实施稳增长工作方案？', '实施重点行业稳增长工作方案', false],
    ['howMany', '粮食生产连续丰收了多少年？', '粮食生产“二十连丰”', true],
    ['howMany', '粮食生产丰收了多少年？', '粮食生产“二十连丰”', false],
    ['howMany', '新产品的数量有多少？', '这一年，新产品层出不穷', false],
    ['howMany', '新产品的数量有多少？', '三年来，新产品层出不穷', true],
    ['when', '社会主义经济制度是哪一年建立起来的？', '1956年建立了社会主义基本制度', true],
    ['when', '社会主义经济制度是哪一年建立起来的？', '建立了社会主义基本制度', false],
  ];
  for (const [type, question, text, holds] of cases) {
    it(`${holds ? 'finds' : 'misses'} the ${type} cue of ${question} in ${text}`, () => {
      assert.equal(holdsAnswerCue(type, text, question), holds);
    });
  }
});
