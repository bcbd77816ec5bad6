/** A deterministic two-way split by text hash: tune on one half, report on the other. */
import { createHash } from 'node:crypto';

export type Half = 'tune' | 'report';

export function halfOf(key: string): Half {
  return createHash('md5').update(key).digest()[0] % 2 === 0 ? 'tune' : 'report';
}
