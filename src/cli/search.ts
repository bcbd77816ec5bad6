/**
 * npm run search -- "问题" [--k N] [--json]
 * npm run search -- --jsonl < questions.txt   (one JSON object per input line, in order)
 */
import { loadConfig, parseArgs } from '../config.js';
import { openKnowledgeBase } from '../index/open.js';
import { isHeader } from '../index/passages.js';
import { expandedSearch } from '../retrieval/expand.js';
import { HybridSearcher, type SearchResult } from '../retrieval/hybrid.js';
import { DEFAULT_TUNING } from '../tuning.js';
import { stdinLines } from './lines.js';
import { runCli } from './run.js';

function toJson(results: SearchResult[]) {
  return {
    results: results.map((r) => ({
      passageId: r.passage.id,
      paragraphId: r.paragraph.id,
      docId: r.doc.id,
      docTitle: r.doc.meta.title,
      sectionPath: r.paragraph.sectionPath,
      paragraph: r.paragraph.ordinal,
      text: r.paragraph.text,
      score: Number(r.score.toFixed(4)),
      scores: {
        dense: Number(r.scores.dense.toFixed(4)),
        keyword: Number(r.scores.keyword.toFixed(4)),
        fused: Number(r.scores.fused.toFixed(4)),
      },
    })),
  };
}

runCli(async (argv) => {
  const args = parseArgs(argv);
  const config = loadConfig(args.settings);
  const searcher = new HybridSearcher(await openKnowledgeBase(config), DEFAULT_TUNING.retrieval);
  const search = async (q: string) =>
    q.trim()
      ? (await expandedSearch(searcher, q.trim(), DEFAULT_TUNING.evidence, q.trim(), { k: config.k })).results
      : [];
  if (args.switches.has('jsonl')) {
    for await (const line of stdinLines()) process.stdout.write(`${JSON.stringify(toJson(await search(line)))}\n`);
    return;
  }
  const question = args.positional.join(' ').trim();
  if (!question) throw new Error('give a question: npm run search -- "毛泽东思想活的灵魂是什么"');
  const results = await search(question);
  if (args.switches.has('json')) {
    console.log(JSON.stringify(toJson(results)));
    return;
  }
  if (results.length === 0) console.log('no matching passages');
  results.forEach((r, i) => {
    const where = [r.doc.meta.title, ...r.paragraph.sectionPath].join(' › ');
    console.log(
      `${i + 1}. ${where} · ${isHeader(r.paragraph) ? '标题' : `第${r.paragraph.ordinal}段`}  [fused ${r.score.toFixed(3)} | dense ${r.scores.dense.toFixed(3)} | keyword ${r.scores.keyword.toFixed(2)}]`,
    );
    console.log(`   ${r.paragraph.text.length > 160 ? `${r.paragraph.text.slice(0, 160)}…` : r.paragraph.text}\n`);
  });
});
