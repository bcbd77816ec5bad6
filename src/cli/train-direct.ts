/**
 * npm run train:direct: learn the direct-span ranker (src/answer/direct.ts) on the tune half
 * of CMRC 2018 dev, report 5-fold cross-validated EM/F1 on that half and EM/F1 on the report
 * half it never saw, and write src/answer/models/direct-span.json.
 *
 * The ranker is a softmax over the candidate spans of the sentence that holds the answer,
 * linear in binary features, fitted with AdaGrad; the target is every candidate that matches
 * a reference exactly (or, failing that, the best-overlapping one).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { questionKind, rankSpans, type DirectModel } from '../answer/direct.js';
import { cmrcExact, cmrcF1, cmrcFold, cmrcHalf, loadCmrc, type CmrcItem } from '../eval/cmrc.js';
import { directOracle } from '../eval/direct.js';
import { runCli } from './run.js';

const FOLDS = 5;
const EPOCHS = 10;
const LEARNING_RATE = 0.2;
const L2 = 1e-5;
/** A candidate this close to a reference serves as the target when none matches exactly. */
const MIN_TARGET_F1 = 0.5;

interface Example {
  candidates: string[][];
  targets: number[];
}

function examples(items: CmrcItem[]): Example[] {
  const out: Example[] = [];
  for (const item of items) {
    const spans = rankSpans(item.question, item.sentence, questionKind(item.question));
    let targets = spans.flatMap((s, i) => (cmrcExact(s.text, item.answers) ? [i] : []));
    if (!targets.length) {
      const f1 = spans.map((s) => cmrcF1(s.text, item.answers));
      const best = Math.max(0, ...f1);
      if (best >= MIN_TARGET_F1) targets = [f1.indexOf(best)];
    }
    if (targets.length) out.push({ candidates: spans.map((s) => s.features), targets });
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

function train(data: Example[]): DirectModel {
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

const fmt = (m: { em: number; f1: number; questions: number }) => `EM ${(100 * m.em).toFixed(1)}  F1 ${(100 * m.f1).toFixed(1)}  (n=${m.questions})`;

runCli(async () => {
  const sharedDir = path.resolve(process.env.SHARED_DIR ?? '../shared');
  const items = loadCmrc(sharedDir);
  const tune = items.filter((i) => cmrcHalf(i.articleId) === 'tune');
  const report = items.filter((i) => cmrcHalf(i.articleId) === 'report');
  let cvEm = 0;
  let cvF1 = 0;
  for (let fold = 0; fold < FOLDS; fold++) {
    const held = tune.filter((i) => cmrcFold(i.articleId, FOLDS) === fold);
    const model = train(examples(tune.filter((i) => cmrcFold(i.articleId, FOLDS) !== fold)));
    const m = directOracle(held, model);
    cvEm += m.em * held.length;
    cvF1 += m.f1 * held.length;
    console.log(`fold ${fold}: ${fmt(m)}`);
  }
  console.log(`tune half, ${FOLDS}-fold CV (oracle sentence): EM ${(100 * cvEm / tune.length).toFixed(1)}  F1 ${(100 * cvF1 / tune.length).toFixed(1)}  (n=${tune.length})`);
  const model = train(examples(tune));
  const held = directOracle(report, model);
  console.log(`report half (never tuned on, oracle sentence): ${fmt(held)}`);
  for (const [kind, k] of Object.entries(held.byKind)) console.log(`  ${kind.padEnd(9)} EM ${(100 * k.em).toFixed(1)}  F1 ${(100 * k.f1).toFixed(1)}  (n=${k.n})`);
  const file = path.resolve('src', 'answer', 'models', 'direct-span.json');
  writeFileSync(file, `${JSON.stringify(model, null, 1)}\n`);
  console.log(`wrote ${file} (${Object.keys(model.weights).length} weights)`);
});
