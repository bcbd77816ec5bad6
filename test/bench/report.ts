/** BENCHMARKS.md is partly written by hand: each bench replaces only its own marked section. */
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Put `body` between `<!-- name -->` and `<!-- /name -->` in `file`, replacing what was there; a
 * new section goes right after the first heading (`top`) or at the end.
 */
export function writeSection(file: string, name: string, body: string, where: 'top' | 'end'): void {
  const start = `<!-- ${name} -->`;
  const end = `<!-- /${name} -->`;
  const section = `${start}\n${body.trim()}\n${end}`;
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // A missing file starts empty.
  }
  const at = text.indexOf(start);
  const after = text.indexOf(end, at);
  if (at >= 0 && after >= 0) text = text.slice(0, at) + section + text.slice(after + end.length);
  else if (where === 'top' && text.startsWith('# ')) {
    const line = text.indexOf('\n');
    text = `${text.slice(0, line + 1)}\n${section}\n${text.slice(line + 1)}`;
  } else text = `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, text);
}
