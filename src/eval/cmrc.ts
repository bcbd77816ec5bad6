/**
 * CMRC 2018 dev for answer extraction and honest tuning: the questions with their contexts,
 * a deterministic split of the articles into a tune half and a report half, folds inside a
 * half, and CMRC's official exact match and character F1.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { longestCommonRun } from '../text/overlap.js';
import { splitSentences } from '../text/sentences.js';
import type { Squad } from './datasets.js';

export type CmrcHalf = 'tune' | 'report';

export interface CmrcItem {
  id: string;
  /** The article (= context) id, DEV_12: the unit of the split. */
  articleId: string;
  question: string;
  context: string;
  /** All reference answers (CMRC gives three; the first is a verbatim span). */
  answers: string[];
  /** The sentence of the context that holds the first answer's start. */
  sentence: string;
}

/** FNV-1a: a stable 32-bit hash, so the split never changes between runs or machines. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Tune on one half, report on the other: the half an article (and all its questions) belongs to. */
export function cmrcHalf(articleId: string): CmrcHalf {
  return hash(articleId) % 2 === 0 ? 'tune' : 'report';
}

/** The half of a question of the `cmrc2018` external set (its source file is `<article id>.md`). */
export function cmrcSourceHalf(source: string): CmrcHalf {
  return cmrcHalf(source.replace(/\.md$/, ''));
}

/** Fold (0…folds-1) of an article inside its half, for cross-validation. */
export function cmrcFold(articleId: string, folds: number): number {
  return Math.floor(hash(articleId) / 2) % folds;
}

export function loadCmrc(datasetsDir: string): CmrcItem[] {
  const file = path.join(datasetsDir, 'cmrc2018', 'cmrc2018_dev.json');
  const squad = JSON.parse(readFileSync(file, 'utf8')) as Squad & {
    data: Array<{ paragraphs: Array<{ qas: Array<{ answers: Array<{ answer_start: number }> }> }> }>;
  };
  const items: CmrcItem[] = [];
  for (const article of squad.data) {
    for (const p of article.paragraphs) {
      const context = p.context.replace(/\s*\n\s*/g, ' ');
      const sentences = splitSentences(context);
      for (const qa of p.qas) {
        const first = qa.answers[0];
        // Collapsing newlines can shift offsets: find the answer nearest its recorded start.
        const at = context.indexOf(first.text, Math.max(0, first.answer_start - 20));
        const start = at >= 0 ? at : context.indexOf(first.text);
        const span = sentences.find(([s, e]) => start >= s && start < e) ?? [0, context.length];
        items.push({
          id: qa.id,
          articleId: p.id,
          question: qa.question,
          context,
          answers: qa.answers.map((a) => a.text),
          sentence: context.slice(span[0], span[1]),
        });
      }
    }
  }
  return items;
}

/** The punctuation CMRC's evaluation script drops before comparing. */
const CMRC_PUNCTUATION = new Set([...'-:_*^/\\~`+=，。：？！“”；’《》·、「」（）－～『』', '……']);

/** CMRC's mixed segmentation: each CJK character is a token, other runs split into words. */
function segments(text: string): string[] {
  const out: string[] = [];
  let run = '';
  const flush = () => {
    out.push(...(run.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []));
    run = '';
  };
  for (const ch of text.toLowerCase().trim()) {
    if (CMRC_PUNCTUATION.has(ch)) continue;
    if (/[\u4e00-\u9fa5]/.test(ch)) {
      flush();
      out.push(ch);
    } else run += ch;
  }
  flush();
  return out;
}

/** CMRC F1: longest common substring of the segmentations, max over the references; 0 for no answer. */
export function cmrcF1(prediction: string | null, references: string[]): number {
  if (!prediction) return 0;
  const p = segments(prediction);
  let best = 0;
  for (const reference of references) {
    const r = segments(reference);
    const common = longestCommonRun(r, p).length;
    if (common === 0) continue;
    const precision = common / p.length;
    const recall = common / r.length;
    best = Math.max(best, (2 * precision * recall) / (precision + recall));
  }
  return best;
}

const stripPunctuation = (text: string) =>
  [...text.toLowerCase().trim()].filter((c) => !CMRC_PUNCTUATION.has(c)).join('');

/** CMRC exact match: equal to some reference once punctuation is removed. */
export function cmrcExact(prediction: string | null, references: string[]): boolean {
  return prediction !== null && references.some((r) => stripPunctuation(r) === stripPunctuation(prediction));
}
