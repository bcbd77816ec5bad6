/**
 * npm run ask -- "问题" [--json]
 * npm run ask -- --jsonl < questions.txt   (one answer object per input line, in order)
 */
import { Answerer } from '../answer/answer.js';
import { loadConfig, parseArgs } from '../config.js';
import { openKnowledgeBase } from '../index/open.js';
import { formatAnswer } from './format.js';
import { stdinLines } from './lines.js';
import { runCli } from './run.js';

runCli(async (argv) => {
  const args = parseArgs(argv);
  const config = loadConfig(args.settings);
  const answerer = new Answerer(await openKnowledgeBase(config));
  if (args.switches.has('jsonl')) {
    for await (const line of stdinLines()) {
      const question = line.trim();
      const out = question
        ? await answerer.answer(question)
        : { question, error: { code: 'empty_question', message: 'empty line: write one question per line' } };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    }
    return;
  }
  const question = args.positional.join(' ').trim();
  if (!question) throw new Error('give a question: npm run ask -- "新型工业化有哪些重点任务？"');
  const answer = await answerer.answer(question);
  console.log(args.switches.has('json') ? JSON.stringify(answer) : formatAnswer(answer));
});
