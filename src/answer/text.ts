/** The fixed wording of answers, in both languages: one table, so phrasing lives in one place. */
import type { Language } from '../text/language.js';

interface Wording {
  abstain: string;
  suggest: string;
  smalltalk: string;
  list: (n: number) => string;
  summary: (title: string) => string;
  /** Introduces quoted Chinese sentences (empty when the question is Chinese). */
  framing: string;
  /** Title of a summary of the passages closest to a question. */
  closestPassages: string;
}

const WORDING: Record<Language, Wording> = {
  zh: {
    abstain: '资料中没有找到与该问题相关的内容。',
    suggest: '可以看看这些相关部分：',
    smalltalk: '你好！我可以回答关于资料中文件的问题，并给出处。例如可以问：“毛泽东思想活的灵魂是什么？”',
    list: (n) => `资料列出以下${n}点：`,
    summary: (title) => `《${title}》摘要：`,
    framing: '',
    closestPassages: '与问题最相关的段落',
  },
  en: {
    abstain: 'No relevant content was found in the documents for this question.',
    suggest: 'These sections come closest:',
    smalltalk:
      'Hello! I answer questions about the documents in this knowledge base, with sources. ' +
      'Try: "What is the living soul of Mao Zedong Thought?"',
    list: (n) => `The documents list ${n} points (quoted in Chinese):`,
    summary: (title) => `Summary of “${title}” (quoted in Chinese):`,
    framing: 'The documents say (quoted in Chinese): ',
    closestPassages: 'the passages closest to the question',
  },
};

export const TEXT = {
  ...WORDING,
  /** "哪篇文章提到…": the answer names the document first. */
  whichDocument:
    /哪篇|哪一篇|哪份|哪个文件|出自|来自哪|which (document|text|article|speech|report)|in which (document|text)/i,
};
