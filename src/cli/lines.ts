/** Read stdin line by line (for --jsonl batch modes). */
import { createInterface } from 'node:readline';

export async function* stdinLines(): AsyncGenerator<string> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) yield line;
}
