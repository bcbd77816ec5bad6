/** Readable terminal rendering of an answer and its sources. */
import type { Answer } from '../answer/types.js';

export function formatAnswer(a: Answer): string {
  const lines = [a.answer, ''];
  for (const c of a.citations) {
    lines.push(
      `[${c.n}] ${[c.docTitle, ...c.sectionPath].join(' › ')} · ${c.paragraph === 0 ? '标题/署名' : `第${c.paragraph}段`}`,
    );
    lines.push(`    “${c.quote}”`);
  }
  lines.push(`(${a.mode}, ${a.timings.totalMs.toFixed(1)} ms)`);
  return lines.join('\n');
}
