/**
 * The hand-written gold set over corpus/ (test/gold/gold.jsonl): retrieval recall,
 * answer-key containment, evidence cited, citation precision, abstention, latency.
 */
import { readFileSync } from 'node:fs';
import type { Answerer } from '../answer/answer.js';
import type { Answer, Turn } from '../answer/types.js';
import type { SearchMode } from '../retrieval/hybrid.js';
import { mean, percentile, share } from './stats.js';

export interface GoldItem {
  id: string;
  question: string;
  type: string;
  lang: 'zh' | 'en';
  history?: Turn[];
  evidence: string[];
  keys: string[];
  abstain: boolean;
}

export function loadGold(file: string): GoldItem[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as GoldItem);
}

export interface GoldRow {
  item: GoldItem;
  answer: Answer;
  /** Rank (0-based) of the first paragraph holding evidence, per search mode; -1 when missing from the top 5. */
  ranks: Record<SearchMode, number>;
  keysFound: boolean;
  /** The answer cites a paragraph holding the evidence (what issue 12 calls "the right paragraph is cited"). */
  evidenceCited: boolean;
  citationPrecision: number;
}

export interface GoldMetrics {
  questions: number;
  recall: Record<string, { at1: number; at5: number; n: number }>;
  keyContainment: { zh: number; en: number; all: number };
  /** Share of the answerable, non-summary questions whose answer cites a paragraph holding the evidence. */
  evidenceCited: { zh: number; en: number };
  citationPrecision: number;
  /** outOfCorpus: declined or partial (quoting what the documents say and naming what they lack). */
  abstention: { outOfCorpus: number; falseAbstention: number };
  latencyMs: { p50: number; p95: number };
  meanAnswerChars: number;
  failures: string[];
}

const MODES: SearchMode[] = ['keyword', 'dense', 'hybrid'];

function holdsEvidence(text: string, item: GoldItem): boolean {
  return item.evidence.some((e) => text.includes(e));
}

export async function runGold(
  answerer: Answerer,
  items: GoldItem[],
): Promise<{ rows: GoldRow[]; metrics: GoldMetrics }> {
  const rows: GoldRow[] = [];
  for (const item of items) {
    const answer = await answerer.answer(item.question, item.history ?? []);
    const ranks = {} as Record<SearchMode, number>;
    const previous = item.history?.find((t) => t.role === 'user')?.content;
    const query = answer.resolvedQuestion ?? (previous ? `${previous} ${item.question}` : item.question);
    for (const mode of MODES) {
      const { results } = await answerer.retrieve(query, query, { k: 5, mode });
      ranks[mode] = results.findIndex((r) => holdsEvidence(r.paragraph.text, item));
    }
    const cited = answer.citations.map((c) => c.text);
    const keysFound = item.keys.every((k) => answer.answer.includes(k));
    const citationPrecision = cited.length
      ? cited.filter((t) => holdsEvidence(t, item) || item.keys.some((k) => t.includes(k))).length / cited.length
      : 0;
    const evidenceCited = answer.citations.some((c) =>
      holdsEvidence(answerer.kb.paragraph(c.paragraphId)?.text ?? c.text, item),
    );
    rows.push({ item, answer, ranks, keysFound, evidenceCited, citationPrecision });
  }
  const inCorpus = rows.filter((r) => !r.item.abstain);
  const retrievable = inCorpus.filter((r) => r.item.type !== 'summary');
  const recall: GoldMetrics['recall'] = {};
  for (const mode of MODES) {
    for (const lang of ['zh', 'en'] as const) {
      const set = retrievable.filter((r) => r.item.lang === lang);
      recall[`${mode}/${lang}`] = {
        at1: share(set.map((r) => r.ranks[mode] === 0)),
        at5: share(set.map((r) => r.ranks[mode] >= 0)),
        n: set.length,
      };
    }
  }
  const answered = inCorpus.filter((r) => !r.answer.abstained);
  const keyed = inCorpus.filter((r) => r.item.keys.length > 0);
  const latencies = rows.map((r) => r.answer.timings.totalMs);
  const failures = rows
    .filter((r) =>
      r.item.abstain ? !r.answer.abstained : r.answer.abstained || (r.item.keys.length > 0 && !r.keysFound),
    )
    .map(
      (r) =>
        `${r.item.id} ${r.item.type}/${r.item.lang} ${r.item.abstain ? 'should abstain' : r.answer.abstained ? 'abstained' : 'missing keys'} (rank ${r.ranks.hybrid}): ${r.item.question}`,
    );
  return {
    rows,
    metrics: {
      questions: rows.length,
      recall,
      keyContainment: {
        zh: share(keyed.filter((r) => r.item.lang === 'zh').map((r) => r.keysFound)),
        en: share(keyed.filter((r) => r.item.lang === 'en').map((r) => r.keysFound)),
        all: share(keyed.map((r) => r.keysFound)),
      },
      evidenceCited: {
        zh: share(retrievable.filter((r) => r.item.lang === 'zh').map((r) => r.evidenceCited)),
        en: share(retrievable.filter((r) => r.item.lang === 'en').map((r) => r.evidenceCited)),
      },
      citationPrecision: mean(answered.filter((r) => r.item.type !== 'summary').map((r) => r.citationPrecision)),
      abstention: {
        outOfCorpus: share(
          rows.filter((r) => r.item.abstain).map((r) => r.answer.abstained || r.answer.mode === 'partial'),
        ),
        falseAbstention: share(inCorpus.map((r) => r.answer.abstained)),
      },
      latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
      meanAnswerChars: mean(answered.map((r) => r.answer.answer.length)),
      failures,
    },
  };
}

/**
 * The gold questions that stand alone, each asked after another, unrelated one (as in a chat that
 * changes subject): the share whose answer still holds its keys. Compare with keyContainment.
 */
export async function keysAfterUnrelated(answerer: Answerer, items: GoldItem[]): Promise<number> {
  const alone = items.filter((i) => !i.history && !i.abstain && i.keys.length > 0);
  const kept: boolean[] = [];
  for (const [n, item] of alone.entries()) {
    // A question a fixed stride away: a different subject, the same pairs every run.
    const before = alone[(n + 7) % alone.length].question;
    const answer = await answerer.answer(item.question, [{ role: 'user', content: before }]);
    kept.push(item.keys.every((k) => answer.answer.includes(k)));
  }
  return share(kept);
}
