/**
 * npm run train:direct: learn the direct-span ranker (src/answer/direct.ts) on the tune half
 * of CMRC 2018 dev, report 5-fold cross-validated EM/F1 on that half and EM/F1 on the report
 * half it never saw, and write src/answer/models/direct-span.json (weights, and per-kind score
 * thresholds below which the cross-validated best span was mostly wrong).
 *
 * The ranker is a softmax over the candidate spans of the sentence that holds the answer,
 * linear in binary features, fitted with AdaGrad; the target is every candidate that matches
 * a reference exactly (or, failing that, the best-overlapping one).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type DirectModel, extractDirect, type QuestionKind, questionKind, rankSpans } from '../answer/direct.js';
import { loadConfig } from '../config.js';
import { type CmrcItem, cmrcExact, cmrcF1, cmrcFold, cmrcHalf, loadCmrc } from '../eval/cmrc.js';
import { directMetrics, directOracle } from '../eval/direct.js';
import { splitSentences } from '../text/sentences.js';
import { runCli } from './run.js';

const FOLDS = 5;
const EPOCHS = 10;
const LEARNING_RATE = 0.2;
const L2 = 1e-4;
/** A candidate this close to a reference serves as the target when none matches exactly. */
const MIN_TARGET_F1 = 0.5;
/** Other sentences of the context each question is trained with, so sentence relevance is learned too. */
const DISTRACTORS = 8;
/** A kind's threshold covers at least this many questions whose best span averages below this F1. */
const MIN_DISTRUSTED = 20;
const MAX_DISTRUSTED_F1 = 0.1;

/** Sentences of the same context sharing most characters with the question: what retrieval could quote instead. */
function distractors(item: CmrcItem): string[] {
  const chars = new Set(item.question);
  const overlap = (s: string) => [...new Set(s)].filter((c) => chars.has(c)).length / Math.sqrt(s.length + 1);
  return splitSentences(item.context)
    .map(([s, e]) => item.context.slice(s, e))
    .filter((s) => s !== item.sentence)
    .sort((a, b) => overlap(b) - overlap(a))
    .slice(0, DISTRACTORS);
}

interface Example {
  item: CmrcItem;
  kind: QuestionKind;
  texts: string[];
  candidates: string[][];
  /** Candidates that match a reference (empty: the question teaches nothing and is skipped in training). */
  targets: number[];
}

/** Candidates of the answer sentence plus its distractors, once per question (tagging is the slow part). */
function examples(items: CmrcItem[]): Example[] {
  return items.map((item) => {
    const kind = questionKind(item.question);
    const spans = rankSpans(item.question, [item.sentence, ...distractors(item)].join(''), kind);
    let targets = spans.flatMap((s, i) => (cmrcExact(s.text, item.answers) ? [i] : []));
    if (!targets.length) {
      const f1 = spans.map((s) => cmrcF1(s.text, item.answers));
      const best = Math.max(0, ...f1);
      if (best >= MIN_TARGET_F1) targets = [f1.indexOf(best)];
    }
    return { item, kind, texts: spans.map((s) => s.text), candidates: spans.map((s) => s.features), targets };
  });
}

/** The top candidate under `model`: its score and its F1 against the references. */
function topPrediction(ex: Example, model: DirectModel): { kind: QuestionKind; score: number; f1: number } {
  let best = -1;
  let bestScore = -Infinity;
  ex.candidates.forEach((features, i) => {
    const score = features.reduce((s, name) => s + (model.weights[name] ?? 0), 0);
    if (score > bestScore) [best, bestScore] = [i, score];
  });
  return { kind: ex.kind, score: bestScore, f1: best < 0 ? 0 : cmrcF1(ex.texts[best], ex.item.answers) };
}

/**
 * Per kind, the score below which the best span is mostly wrong (mean F1 of everything
 * scoring lower < MAX_DISTRUSTED_F1): below it the product shows no direct answer.
 */
function thresholds(predictions: Array<{ kind: QuestionKind; score: number; f1: number }>): DirectModel['threshold'] {
  const out: DirectModel['threshold'] = {};
  for (const kind of new Set(predictions.map((p) => p.kind))) {
    const sorted = predictions.filter((p) => p.kind === kind && p.score > -Infinity).sort((a, b) => a.score - b.score);
    let sum = 0;
    sorted.forEach((p, i) => {
      sum += p.f1;
      if (i + 1 < MIN_DISTRUSTED || sum / (i + 1) >= MAX_DISTRUSTED_F1) return;
      out[kind] = Number((sorted[i + 1]?.score ?? p.score).toFixed(4));
    });
  }
  return out;
}

/** Deterministic shuffle (a linear congruential generator), so training is reproducible. */
function shuffled<T>(list: T[], seed: number): T[] {
  const out = [...list];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function train(all: Example[]): DirectModel {
  const data = all.filter((ex) => ex.targets.length > 0);
  const weights = new Map<string, number>();
  const squares = new Map<string, number>();
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (const ex of shuffled(data, epoch + 1)) {
      const scores = ex.candidates.map((f) => f.reduce((s, name) => s + (weights.get(name) ?? 0), 0));
      const top = Math.max(...scores);
      const exp = scores.map((s) => Math.exp(s - top));
      const total = exp.reduce((a, b) => a + b, 0);
      const targetMass = ex.targets.reduce((s, i) => s + exp[i], 0);
      const isTarget = new Set(ex.targets);
      const gradient = new Map<string, number>();
      ex.candidates.forEach((features, i) => {
        const g = exp[i] / total - (isTarget.has(i) ? exp[i] / targetMass : 0);
        if (Math.abs(g) < 1e-6) return;
        for (const name of features) gradient.set(name, (gradient.get(name) ?? 0) + g);
      });
      for (const [name, g0] of gradient) {
        const w = weights.get(name) ?? 0;
        const g = g0 + L2 * w;
        const sq = (squares.get(name) ?? 0) + g * g;
        squares.set(name, sq);
        weights.set(name, w - (LEARNING_RATE * g) / Math.sqrt(sq + 1e-8));
      }
    }
  }
  const rounded = [...weights].filter(([, w]) => Math.abs(w) >= 1e-3).sort(([a], [b]) => a.localeCompare(b));
  return { weights: Object.fromEntries(rounded.map(([name, w]) => [name, Number(w.toFixed(4))])), threshold: {} };
}

const fmt = (m: { em: number; f1: number; questions: number }) =>
  `EM ${(100 * m.em).toFixed(1)}  F1 ${(100 * m.f1).toFixed(1)}  (n=${m.questions})`;

runCli(async () => {
  const items = loadCmrc(loadConfig().datasetsDir);
  const tune = examples(items.filter((i) => cmrcHalf(i.articleId) === 'tune'));
  const report = items.filter((i) => cmrcHalf(i.articleId) === 'report');
  const held: CmrcItem[] = [];
  const cvRows: Array<{ kind: QuestionKind; prediction: string | null; answers: string[] }> = [];
  const cvTop: Array<{ kind: QuestionKind; score: number; f1: number }> = [];
  for (let fold = 0; fold < FOLDS; fold++) {
    const inFold = (ex: Example) => cmrcFold(ex.item.articleId, FOLDS) === fold;
    const model = train(tune.filter((ex) => !inFold(ex)));
    for (const ex of tune.filter(inFold)) {
      held.push(ex.item);
      const prediction = extractDirect(ex.item.question, ex.item.sentence, ex.kind, model);
      cvRows.push({ kind: ex.kind, prediction, answers: ex.item.answers });
      cvTop.push(topPrediction(ex, model));
    }
    console.error(`fold ${fold + 1}/${FOLDS} trained`);
  }
  console.log(`tune half, ${FOLDS}-fold CV, oracle sentence: ${fmt(directMetrics(cvRows))}`);
  const model = { ...train(tune), threshold: thresholds(cvTop) };
  const ungated = directOracle(report, { ...model, threshold: {} });
  const gated = directOracle(report, model);
  console.log(`report half (never tuned on), oracle sentence: ${fmt(ungated)}`);
  for (const [kind, k] of Object.entries(ungated.byKind)) {
    console.log(`  ${kind.padEnd(9)} ${fmt({ ...k, questions: k.n })}`);
  }
  console.log(`  with the shipped thresholds: ${fmt(gated)}, a span for ${(100 * gated.answered).toFixed(1)}%`);
  const file = path.resolve('src', 'answer', 'models', 'direct-span.json');
  writeFileSync(file, `${JSON.stringify(model, null, 1)}\n`);
  const size = Object.keys(model.weights).length;
  console.log(`wrote ${file} (${size} weights; thresholds ${JSON.stringify(model.threshold)})`);
});
