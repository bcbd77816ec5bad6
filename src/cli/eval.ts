/**
 * npm run eval [-- --quick] [--set cmrc|covid|scale|refusal] [--limit N] [--sweep path=v1,v2]: the gold set over corpus/, then CMRC 2018 dev and
 * COVID policy QA from DATASETS_DIR (default ../shared/datasets), each indexed like a user corpus. Every set also gets
 * the bigram-BM25 baseline's paragraph recall beside ours (CMRC per tune/report half), CMRC the
 * direct span's EM/F1 on its report half; the gold set again among 714 provincial reports (scale); last,
 * refusal rates on questions corpus/ cannot answer.
 * Prints a table and writes eval-results/eval.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Answerer } from '../answer/answer.js';
import { loadConfig, parseArgs } from '../config.js';
import {
  BigramBm25,
  compareRetrieval,
  externalRecallQuestions,
  goldRecallQuestions,
  type RecallRow,
} from '../eval/baseline.js';
import { cmrcHalf, cmrcSourceHalf, loadCmrc } from '../eval/cmrc.js';
import { cmrc2018, covidPolicy, type ExternalSet, goldAtScale, requireDatasets } from '../eval/datasets.js';
import { directEndToEnd, directGold, directOracle } from '../eval/direct.js';
import { type ExternalMetrics, runExternal } from '../eval/external.js';
import { type GoldMetrics, keysAfterUnrelated, loadGold, runGold } from '../eval/gold.js';
import { falseRefusals, loadOfftopic, type RefusalRow, refusals } from '../eval/offtopic.js';
import { halfOf } from '../eval/split.js';
import type { KnowledgeBase } from '../index/knowledge-base.js';
import { openKnowledgeBase } from '../index/open.js';
import { DEFAULT_TUNING, withSetting } from '../tuning.js';
import { runCli } from './run.js';

const pct = (x: number) => (Number.isNaN(x) ? '  –  ' : `${(100 * x).toFixed(1)}%`);
const recallLine = (label: string, r: { baseline: RecallRow; ours: RecallRow }) =>
  `${label.padEnd(22)} baseline ${pct(r.baseline.at1)} / ${pct(r.baseline.at5)}   ` +
  `ours ${pct(r.ours.at1)} / ${pct(r.ours.at5)}   (n=${r.ours.n})`;
const refusalLine = (label: string, r: RefusalRow) =>
  `${label.padEnd(26)} ${String(r.questions).padStart(5)}  ${pct(r.declined).padStart(7)}  ` +
  `${pct(r.declinedOrPartial).padStart(7)}  ${r.seconds.toFixed(0).padStart(5)} s`;

/**
 * `--sweep path=v1,v2,…`: the gold set once per value of one tuning setting (src/tuning.ts), so a
 * weight can be chosen on numbers rather than by hand. Prints one row per value.
 */
async function sweepGold(kb: KnowledgeBase, spec: string): Promise<void> {
  const [setting, list] = spec.split('=');
  const values = (list ?? '').split(',').map(Number);
  if (!setting || values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    throw new Error(`--sweep takes a tuning path and numbers, e.g. --sweep abstain.model.threshold=0.2,0.3,0.4`);
  }
  const items = loadGold(path.resolve('test', 'gold', 'gold.jsonl'));
  console.log(`${setting.padEnd(12)}  keys zh  keys en  recall@1 zh  out-of-corpus  false refusals`);
  for (const value of values) {
    const { metrics: m } = await runGold(new Answerer(kb, withSetting(DEFAULT_TUNING, setting, value)), items);
    console.log(
      `${String(value).padEnd(12)}  ${pct(m.keyContainment.zh).padStart(7)}  ${pct(m.keyContainment.en).padStart(7)}  ` +
        `${pct(m.recall['hybrid/zh'].at1).padStart(11)}  ${pct(m.abstention.outOfCorpus).padStart(13)}  ` +
        `${pct(m.abstention.falseAbstention).padStart(14)}`,
    );
  }
}

runCli(async (argv) => {
  const option = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv.splice(at, 2)[1] : undefined;
  };
  const limit = Number(option('--limit') ?? Infinity);
  const only = option('--set');
  const args = parseArgs(argv);
  const config = loadConfig(args.settings);
  const workDir = path.resolve('eval-results');
  const external = [
    { name: 'cmrc2018', load: cmrc2018 },
    { name: 'covid-policy-qa', load: covidPolicy },
  ].filter((s) => !args.switches.has('quick') && (!only || s.name.startsWith(only)));
  const atScale = !args.switches.has('quick') && (!only || only === 'scale');
  requireDatasets(config.datasetsDir, [...external.map((s) => s.name), ...(atScale ? ['gov-work-reports'] : [])]);
  mkdirSync(workDir, { recursive: true });
  const report: {
    date: string;
    embedder?: unknown;
    gold?: GoldMetrics;
    external: Record<string, ExternalMetrics>;
    [extra: string]: unknown;
  } = {
    date: new Date().toISOString(),
    external: {},
  };

  const kb = await openKnowledgeBase(config);
  report.embedder = kb.embedder.info;
  const sweep = option('--sweep');
  if (sweep) {
    await sweepGold(kb, sweep);
    return;
  }
  const answerer = new Answerer(kb);
  const goldItems = loadGold(path.resolve('test', 'gold', 'gold.jsonl'));
  const { metrics: gold } = await runGold(answerer, goldItems);
  report.gold = gold;
  console.log(`\nGold set (${gold.questions} questions, ${kb.embedder.info.kind} embedder)`);
  console.log('retrieval      recall@1  recall@5');
  for (const [name, r] of Object.entries(gold.recall))
    console.log(`${name.padEnd(14)} ${pct(r.at1).padStart(8)}  ${pct(r.at5).padStart(8)}   (n=${r.n})`);
  console.log(
    `answer keys: zh ${pct(gold.keyContainment.zh)}, en ${pct(gold.keyContainment.en)}, all ${pct(gold.keyContainment.all)}`,
  );
  console.log(
    `evidence cited zh ${pct(gold.evidenceCited.zh)}, en ${pct(gold.evidenceCited.en)}; citation precision ${pct(gold.citationPrecision)}; out-of-corpus declined or partial ${pct(gold.abstention.outOfCorpus)}; false abstention ${pct(gold.abstention.falseAbstention)}`,
  );
  console.log(
    `latency p50 ${gold.latencyMs.p50.toFixed(1)} ms, p95 ${gold.latencyMs.p95.toFixed(1)} ms; mean answer ${gold.meanAnswerChars.toFixed(0)} chars`,
  );
  if (gold.failures.length) console.log(`misses:\n  ${gold.failures.join('\n  ')}`);
  const afterUnrelated = await keysAfterUnrelated(answerer, goldItems);
  console.log(`answer keys when an unrelated question was asked just before: ${pct(afterUnrelated)}`);
  report.goldAfterUnrelated = afterUnrelated;
  const goldRetrieval = await compareRetrieval(answerer, new BigramBm25(kb), goldRecallQuestions(goldItems));
  const goldDirect = await directGold(answerer, goldItems);
  console.log(recallLine('paragraph top-1 / top-5', goldRetrieval));
  console.log(
    `direct span holds the key: ${pct(goldDirect.containsKey)} of ${goldDirect.questions} date/number/when/who/how-many questions`,
  );
  Object.assign(report, { goldRetrieval, goldDirect });
  for (const set of external.map((s) => s.load(config.datasetsDir, workDir))) {
    const started = Date.now();
    const setConfig = { ...config, corpusDir: set.corpusDir, indexDir: path.join(workDir, 'indexes', set.name) };
    const setKb = await openKnowledgeBase(setConfig, { log: (m) => console.error(`[${set.name}] ${m}`) });
    const questions = set.questions.slice(0, limit);
    const m = await runExternal(new Answerer(setKb), questions, (n) =>
      console.error(`[${set.name}] ${n}/${questions.length}`),
    );
    report.external[set.name] = m;
    console.log(
      `\n${set.name}: ${m.questions} questions over ${setKb.documents.length} documents / ${setKb.passages.length} passages (${((Date.now() - started) / 1000).toFixed(0)} s incl. indexing)`,
    );
    console.log(
      `document recall@1 ${pct(m.documentRecall.at1)}, @5 ${pct(m.documentRecall.at5)}; answer-passage recall@5 ${pct(m.answerPassageRecall5)}`,
    );
    console.log(
      `answer contains reference ${pct(m.answerContainment)}; reference coverage ${pct(m.answerCoverage)}; abstained ${pct(m.abstained)}`,
    );
    console.log(
      `mean answer ${m.meanAnswerChars.toFixed(0)} chars / ${m.meanAnswerSentences.toFixed(2)} sentences; latency p50 ${m.latencyMs.p50.toFixed(1)} ms, p95 ${m.latencyMs.p95.toFixed(1)} ms`,
    );
    const setAnswerer = new Answerer(setKb);
    const baseline = new BigramBm25(setKb);
    const isCmrc = set.name === 'cmrc2018';
    // CMRC questions split by article: tune on one half, report on the other (src/eval/cmrc.ts).
    const halves = isCmrc ? (['tune', 'report'] as const) : (['all'] as const);
    for (const half of halves) {
      const chosen = questions.filter((q) => half === 'all' || cmrcSourceHalf(q.source) === half);
      const r = await compareRetrieval(setAnswerer, baseline, externalRecallQuestions(chosen));
      console.log(recallLine(`paragraph top-1/5 ${half}`, r));
      Object.assign(m, { [`retrieval_${half}`]: r });
    }
    if (isCmrc) {
      const reportHalf = loadCmrc(config.datasetsDir)
        .filter((i) => cmrcHalf(i.articleId) === 'report')
        .slice(0, limit);
      const oracle = directOracle(reportHalf);
      const endToEnd = await directEndToEnd(setAnswerer, reportHalf);
      console.log(
        `direct EM/F1, report half (n=${reportHalf.length}): ` +
          `oracle sentence ${pct(oracle.em)} / ${pct(oracle.f1)}; ` +
          `first quote ${pct(endToEnd.em)} / ${pct(endToEnd.f1)} ` +
          `(it holds a reference for ${pct(endToEnd.quoteHoldsAnswer)})`,
      );
      Object.assign(m, { direct: { oracle, endToEnd } });
    }
  }
  if (atScale) {
    // The gold set again, with the 714 provincial reports added to corpus/ (issue 12, item 6).
    const started = Date.now();
    const corpusDir = goldAtScale(config.datasetsDir, workDir, config.corpusDir);
    const scaleKb = await openKnowledgeBase(
      { ...config, corpusDir, indexDir: path.join(workDir, 'indexes', 'gold-at-scale') },
      { log: (m) => console.error(`[gold-at-scale] ${m}`) },
    );
    const { rows, metrics } = await runGold(new Answerer(scaleKb), goldItems);
    const zh = rows.filter((r) => r.item.lang === 'zh' && !r.item.abstain && r.item.type !== 'summary');
    const at5 = (half: string) => {
      const set = zh.filter((r) => half === 'all' || halfOf(r.item.question) === half);
      return `${pct(set.filter((r) => r.ranks.hybrid >= 0).length / set.length)} (n=${set.length})`;
    };
    console.log(
      `\nGold set inside corpus/ + 714 provincial reports: ${scaleKb.documents.length} documents / ${scaleKb.passages.length} passages (${((Date.now() - started) / 1000).toFixed(0)} s incl. indexing)`,
    );
    console.log(
      `hybrid recall@5 zh ${at5('all')} against ${pct(gold.recall['hybrid/zh'].at5)} on corpus/ alone; tune half ${at5('tune')}, report half ${at5('report')}`,
    );
    console.log(
      `answer keys zh ${pct(metrics.keyContainment.zh)}, en ${pct(metrics.keyContainment.en)}; evidence cited zh ${pct(metrics.evidenceCited.zh)}, en ${pct(metrics.evidenceCited.en)}; citation precision ${pct(metrics.citationPrecision)}; false abstention ${pct(metrics.abstention.falseAbstention)}`,
    );
    report.goldAtScale = metrics;
  }
  if (!args.switches.has('quick') && (!only || only === 'refusal')) {
    // Questions the seed documents cannot answer, asked against the seed index.
    const offtopic = loadOfftopic(path.resolve('test', 'gold', 'offtopic.jsonl'));
    const ask = (set: ExternalSet) =>
      refusals(
        answerer,
        set.questions.map((q) => q.question),
        (n) => console.error(`[refusal ${set.name}] ${n}`),
      );
    const rows: Record<string, RefusalRow> = {
      general: await refusals(
        answerer,
        offtopic.filter((o) => o.kind === 'general').map((o) => o.q),
      ),
      near: await refusals(
        answerer,
        offtopic.filter((o) => o.kind === 'near').map((o) => o.q),
      ),
      'cmrc2018 vs seed': await ask(cmrc2018(config.datasetsDir, workDir)),
      'covid-policy-qa vs seed': await ask(covidPolicy(config.datasetsDir, workDir)),
      'gold in-corpus (false)': await falseRefusals(answerer, goldItems),
    };
    console.log('\nRefusals against corpus/          n  declined  +partial   time');
    for (const [name, row] of Object.entries(rows)) console.log(refusalLine(name, row));
    Object.assign(report, { refusals: rows });
  }
  writeFileSync(path.join(workDir, 'eval.json'), JSON.stringify(report, null, 2));
  console.log(`\nwrote ${path.join(workDir, 'eval.json')}`);
});
