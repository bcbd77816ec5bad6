/**
 * npm run train:abstain — fit the abstention policy's logistic weights (answer/policy.ts).
 *
 * Negatives: CMRC 2018 dev and COVID-QA questions asked of the seed corpus, the gold set's
 * out-of-corpus questions and test/gold/offtopic.jsonl. Positives: the gold set's in-corpus
 * questions, and CMRC / COVID-QA questions asked of their own documents. Every set is split by
 * question hash: the model and threshold are fitted on the tune half only, and the report half
 * is printed beside it. Prints the weights to paste into DEFAULT_TUNING.abstain.models[embedder]
 * (`-- --embeddings transformer` for the transformer's; the built-in embedder's by default).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Answerer } from '../answer/answer.js';
import { POLICY_FEATURES } from '../answer/policy.js';
import { loadConfig, parseArgs } from '../config.js';
import { cmrc2018, covidPolicy } from '../eval/datasets.js';
import { loadGold } from '../eval/gold.js';
import { type Example, fitLogistic, predict } from '../eval/logistic.js';
import { type Half, halfOf } from '../eval/split.js';
import { openKnowledgeBase } from '../index/open.js';
import { runCli } from './run.js';

interface Row {
  set: string;
  half: Half;
  x: number[];
  y: 0 | 1;
}

/** How much each set weighs in the fit: the gold set is small but closest to real use. */
const SET_WEIGHT: Record<string, number> = {
  'gold+': 20,
  'gold-': 5,
  offtopic: 5,
  'cmrc>seed': 0.5,
  'covid>seed': 1,
  'cmrc>cmrc': 1,
  'covid>covid': 1,
};
/** The threshold keeps false refusals on the tune half of the gold set at or under this. */
const MAX_GOLD_FALSE_REFUSALS = 0.05;

runCli(async (argv) => {
  // One model per embedder (--embeddings builtin|transformer): their retrieval, and so the features, differ.
  const config = loadConfig({ EMBEDDINGS: 'builtin', ...parseArgs(argv).settings });
  const work = path.resolve('eval-results');
  const cmrc = cmrc2018(config.datasetsDir, work);
  const covid = covidPolicy(config.datasetsDir, work);
  // The indexes npm run eval builds for this embedder.
  const open = (corpusDir: string, name: string) =>
    openKnowledgeBase({ ...config, corpusDir, indexDir: path.join(work, 'indexes', config.embeddings, name) });
  const seed = new Answerer(await open(config.corpusDir, 'seed'));
  const rows: Row[] = [];
  const add = async (answerer: Answerer, set: string, questions: string[], y: 0 | 1) => {
    for (const q of questions) {
      const f = await answerer.policyFeatures(q);
      rows.push({ set, half: halfOf(q), x: POLICY_FEATURES.map((name) => f[name]), y });
    }
    console.error(`${set}: ${questions.length} questions`);
  };
  const gold = loadGold(path.resolve('test', 'gold', 'gold.jsonl')).filter(
    (g) => !g.history?.length && g.type !== 'summary',
  );
  await add(
    seed,
    'gold+',
    gold.filter((g) => !g.abstain).map((g) => g.question),
    1,
  );
  await add(
    seed,
    'gold-',
    gold.filter((g) => g.abstain).map((g) => g.question),
    0,
  );
  const offtopic = path.resolve('test', 'gold', 'offtopic.jsonl');
  if (existsSync(offtopic)) {
    const lines = readFileSync(offtopic, 'utf8')
      .split('\n')
      .filter((l) => l.trim());
    await add(
      seed,
      'offtopic',
      lines.map((l) => (JSON.parse(l) as { q: string }).q),
      0,
    );
  }
  await add(
    seed,
    'cmrc>seed',
    cmrc.questions.map((q) => q.question),
    0,
  );
  await add(
    seed,
    'covid>seed',
    covid.questions.map((q) => q.question),
    0,
  );
  await add(
    new Answerer(await open(cmrc.corpusDir, 'cmrc2018')),
    'cmrc>cmrc',
    cmrc.questions.filter((_, i) => i % 4 === 0).map((q) => q.question),
    1,
  );
  await add(
    new Answerer(await open(covid.corpusDir, 'covid-policy-qa')),
    'covid>covid',
    covid.questions.filter((_, i) => i % 2 === 0).map((q) => q.question),
    1,
  );

  const tune = rows.filter((r) => r.half === 'tune');
  const examples: Example[] = tune.map((r) => ({ x: r.x, y: r.y, weight: SET_WEIGHT[r.set] }));
  const model = fitLogistic(examples);
  const declined = (r: Row, threshold: number) => predict(model, r.x) < threshold;
  const rate = (set: string, half: Half, threshold: number) => {
    const list = rows.filter((r) => r.set === set && r.half === half);
    return list.filter((r) => declined(r, threshold)).length / Math.max(1, list.length);
  };
  const thresholds = Array.from({ length: 19 }, (_, i) => 0.05 + i * 0.05);
  const threshold = Math.max(0.05, ...thresholds.filter((t) => rate('gold+', 'tune', t) <= MAX_GOLD_FALSE_REFUSALS));
  const sets = [...new Set(rows.map((r) => r.set))];
  console.log(`declined share per set (tune / report half); threshold ${threshold.toFixed(2)}`);
  for (const t of thresholds) {
    const cells = sets.map((s) => `${s} ${rate(s, 'tune', t).toFixed(3)}/${rate(s, 'report', t).toFixed(3)}`);
    console.log(`${t === threshold ? '*' : ' '}${t.toFixed(2)}  ${cells.join('  ')}`);
  }
  const weights = Object.fromEntries(POLICY_FEATURES.map((f, i) => [f, Number(model.weights[i].toFixed(3))]));
  console.log(
    `\nmodel: ${JSON.stringify({ weights, bias: Number(model.bias.toFixed(3)), threshold: Number(threshold.toFixed(2)) })}`,
  );
});
