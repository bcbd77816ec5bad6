/**
 * npm run eval [-- --quick] [--set cmrc|covid] [--limit N]: the gold set over corpus/, then CMRC 2018 dev and
 * COVID policy QA from DATASETS_DIR (default ../shared/datasets), each indexed like a user corpus. Prints a table
 * and writes eval-results/eval.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Answerer } from '../answer/answer.js';
import { loadConfig, parseArgs } from '../config.js';
import { cmrc2018, covidPolicy, requireDatasets } from '../eval/datasets.js';
import { runExternal, type ExternalMetrics } from '../eval/external.js';
import { loadGold, runGold, type GoldMetrics } from '../eval/gold.js';
import { openKnowledgeBase } from '../index/open.js';
import { runCli } from './run.js';

const pct = (x: number) => (Number.isNaN(x) ? '  –  ' : `${(100 * x).toFixed(1)}%`);

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
  requireDatasets(config.datasetsDir, external.map((s) => s.name));
  mkdirSync(workDir, { recursive: true });
  const report: { date: string; embedder?: unknown; gold?: GoldMetrics; external: Record<string, ExternalMetrics> } = { date: new Date().toISOString(), external: {} };

  const kb = await openKnowledgeBase(config);
  report.embedder = kb.embedder.info;
  const { metrics: gold } = await runGold(new Answerer(kb), loadGold(path.resolve('test', 'gold', 'gold.jsonl')));
  report.gold = gold;
  console.log(`\nGold set (${gold.questions} questions, ${kb.embedder.info.kind} embedder)`);
  console.log('retrieval      recall@1  recall@5');
  for (const [name, r] of Object.entries(gold.recall)) console.log(`${name.padEnd(14)} ${pct(r.at1).padStart(8)}  ${pct(r.at5).padStart(8)}   (n=${r.n})`);
  console.log(`answer keys: zh ${pct(gold.keyContainment.zh)}, en ${pct(gold.keyContainment.en)}, all ${pct(gold.keyContainment.all)}`);
  console.log(`citation precision ${pct(gold.citationPrecision)}; out-of-corpus declined or partial ${pct(gold.abstention.outOfCorpus)}; false abstention ${pct(gold.abstention.falseAbstention)}`);
  console.log(`latency p50 ${gold.latencyMs.p50.toFixed(1)} ms, p95 ${gold.latencyMs.p95.toFixed(1)} ms; mean answer ${gold.meanAnswerChars.toFixed(0)} chars`);
  if (gold.failures.length) console.log(`misses:\n  ${gold.failures.join('\n  ')}`);

  for (const set of external.map((s) => s.load(config.datasetsDir, workDir))) {
    const started = Date.now();
    const setConfig = { ...config, corpusDir: set.corpusDir, indexDir: path.join(workDir, 'indexes', set.name) };
    const setKb = await openKnowledgeBase(setConfig, { log: (m) => console.error(`[${set.name}] ${m}`) });
    const questions = set.questions.slice(0, limit);
    const m = await runExternal(new Answerer(setKb), questions, (n) => console.error(`[${set.name}] ${n}/${questions.length}`));
    report.external[set.name] = m;
    console.log(`\n${set.name}: ${m.questions} questions over ${setKb.documents.length} documents / ${setKb.passages.length} passages (${((Date.now() - started) / 1000).toFixed(0)} s incl. indexing)`);
    console.log(`document recall@1 ${pct(m.documentRecall.at1)}, @5 ${pct(m.documentRecall.at5)}; answer-passage recall@5 ${pct(m.answerPassageRecall5)}`);
    console.log(`answer contains reference ${pct(m.answerContainment)}; reference coverage ${pct(m.answerCoverage)}; abstained ${pct(m.abstained)}`);
    console.log(`mean answer ${m.meanAnswerChars.toFixed(0)} chars / ${m.meanAnswerSentences.toFixed(2)} sentences; latency p50 ${m.latencyMs.p50.toFixed(1)} ms, p95 ${m.latencyMs.p95.toFixed(1)} ms`);
  }
  writeFileSync(path.join(workDir, 'eval.json'), JSON.stringify(report, null, 2));
  console.log(`\nwrote ${path.join(workDir, 'eval.json')}`);
});
