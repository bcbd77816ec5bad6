/** npm run summarize -- --doc ID | --section ID [--json]; without an id, lists the ids. */
import { Answerer } from '../answer/answer.js';
import { loadConfig, parseArgs } from '../config.js';
import { openKnowledgeBase } from '../index/open.js';
import { formatAnswer } from './format.js';
import { runCli } from './run.js';

runCli(async (argv) => {
  // --doc/--section take values; parseArgs only knows config flags, so pick them out first.
  const take = (flag: string) => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const value = argv[i + 1];
    if (!value) throw new Error(`${flag} needs an id`);
    argv.splice(i, 2);
    return value;
  };
  const docId = take('--doc');
  const sectionId = take('--section');
  const args = parseArgs(argv);
  const kb = await openKnowledgeBase(loadConfig(args.settings));
  if (!docId && !sectionId) {
    console.log('Give --doc ID or --section ID. Documents and sections:');
    for (const d of kb.documents) {
      console.log(`${d.id}  ${d.meta.title}`);
      for (const s of d.sections) console.log(`  ${s.id}  ${'  '.repeat(s.level - 1)}${s.title}`);
    }
    return;
  }
  const answer = await new Answerer(kb).summarize({ docId, sectionId });
  console.log(args.switches.has('json') ? JSON.stringify(answer) : formatAnswer(answer));
});
