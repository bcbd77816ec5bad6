/**
 * External evaluation sets from DATASETS_DIR (default ../shared/datasets), turned into corpora the product can
 * ingest like any user folder (one file per context/document) plus their questions.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ExternalQuestion {
  id: string;
  question: string;
  /** File (document source) that holds the answer. */
  source: string;
  /** Reference answer text. */
  answer: string;
}

export interface ExternalSet {
  name: string;
  corpusDir: string;
  questions: ExternalQuestion[];
}

/** The files each external set is read from, relative to DATASETS_DIR, and where to get them. */
export const DATASET_FILES: Record<string, { files: string[]; source: string }> = {
  cmrc2018: {
    files: ['cmrc2018/cmrc2018_dev.json'],
    source: 'https://github.com/ymcui/cmrc2018 (squad-style-data/cmrc2018_dev.json)',
  },
  'covid-policy-qa': {
    files: ['covid-policy-qa/corpus_docs_subset.jsonl', 'covid-policy-qa/qa_answerable_from_subset_corpus.jsonl'],
    source: 'the CCF 2020 policy-QA contest data, https://github.com/wjunneng/2020-DataFountain-Outbreak-Assistant',
  },
  'gov-work-reports': {
    files: ['gov-work-reports/state-council', 'gov-work-reports/provinces-2025', 'gov-work-reports/provinces-all'],
    source: 'https://github.com/lawtext/gov and https://github.com/alexzhu0/Jina_Embeddings_v4_RAG',
  },
  paraphrase: {
    files: ['paraphrase/stsb_zh_test.tsv', 'paraphrase/lcqmc_test.tsv'],
    source:
      'the C-MTEB STSB and LCQMC test splits (https://github.com/shibing624/text2vec, https://github.com/IceFlameWorm/NLP_Datasets)',
  },
};

/** Fails, before any work starts, with every missing file of the named sets and where to get it. */
export function requireDatasets(datasetsDir: string, names: string[]): void {
  const missing = names.flatMap((name) =>
    DATASET_FILES[name].files
      .filter((f) => !existsSync(path.join(datasetsDir, f)))
      .map((f) => `  ${f} (${name}: from ${DATASET_FILES[name].source})`),
  );
  if (missing.length) {
    throw new Error(
      `Missing in ${datasetsDir}:\n${missing.join('\n')}\n` +
        'Set DATASETS_DIR to the folder that holds them (default ../shared/datasets); ' +
        'the file formats are described in the README. `npm run eval -- --quick` runs the gold set alone, which needs no datasets.',
    );
  }
}

/**
 * Write files only when the corpus folder is new, so indexes built from it stay fresh. `files` is
 * called only then: some sets read tens of megabytes to make them.
 */
function materialise(dir: string, files: () => Array<[string, string]>): void {
  if (existsSync(path.join(dir, '.complete'))) return;
  mkdirSync(dir, { recursive: true });
  const list = files();
  for (const [name, text] of list) writeFileSync(path.join(dir, name), text);
  writeFileSync(path.join(dir, '.complete'), String(list.length));
}

/** SQuAD v1 layout (CMRC 2018). */
export interface Squad {
  data: Array<{
    paragraphs: Array<{
      id: string;
      context: string;
      qas: Array<{ id: string; question: string; answers: Array<{ text: string }> }>;
    }>;
  }>;
}

/** CMRC 2018 dev: 848 Wikipedia paragraphs, one Markdown file each, 3,219 questions. */
export function cmrc2018(datasetsDir: string, workDir: string): ExternalSet {
  requireDatasets(datasetsDir, ['cmrc2018']);
  const squad = JSON.parse(readFileSync(path.join(datasetsDir, DATASET_FILES.cmrc2018.files[0]), 'utf8')) as Squad;
  const files: Array<[string, string]> = [];
  const questions: ExternalQuestion[] = [];
  for (const article of squad.data) {
    for (const p of article.paragraphs) {
      const source = `${p.id}.md`;
      files.push([source, `---\ntitle: ${p.id}\n---\n\n${p.context.replace(/\s*\n\s*/g, ' ')}\n`]);
      for (const qa of p.qas) questions.push({ id: qa.id, question: qa.question, source, answer: qa.answers[0].text });
    }
  }
  const corpusDir = path.join(workDir, 'corpora', 'cmrc2018');
  materialise(corpusDir, () => files);
  return { name: 'cmrc2018', corpusDir, questions };
}

/** COVID policy QA: 599 notices, one text file each, 1,262 questions. */
export function covidPolicy(datasetsDir: string, workDir: string): ExternalSet {
  requireDatasets(datasetsDir, ['covid-policy-qa']);
  const dir = path.join(datasetsDir, 'covid-policy-qa');
  const lines = (file: string) =>
    readFileSync(path.join(dir, file), 'utf8')
      .split('\n')
      .filter((l) => l.trim());
  const files = lines('corpus_docs_subset.jsonl').map((l) => {
    const d = JSON.parse(l) as { docid: string; text: string };
    return [`${d.docid}.txt`, d.text] as [string, string];
  });
  const questions = lines('qa_answerable_from_subset_corpus.jsonl').map((l) => {
    const q = JSON.parse(l) as { id: string; docid: string; question: string; answer: string };
    return { id: q.id, question: q.question, source: `${q.docid}.txt`, answer: q.answer };
  });
  const corpusDir = path.join(workDir, 'corpora', 'covid-policy-qa');
  materialise(corpusDir, () => files);
  return { name: 'covid-policy-qa', corpusDir, questions };
}

/**
 * The seed corpus among the 714 provincial government work reports (issue 12's scale corpus): the
 * gold set asked inside it shows whether questions about the seed documents still find them.
 */
export function goldAtScale(datasetsDir: string, workDir: string, seedDir: string): string {
  requireDatasets(datasetsDir, ['gov-work-reports']);
  const reports = path.join(datasetsDir, 'gov-work-reports', 'provinces-all');
  const read = (dir: string) =>
    readdirSync(dir)
      .filter((f) => !f.startsWith('.'))
      .map((f) => [f, readFileSync(path.join(dir, f), 'utf8')] as [string, string]);
  const seed = read(seedDir);
  // Named by the seed files' contents: an edited corpus/ gets a new folder, not the stale copy.
  const fingerprint = createHash('sha256').update(JSON.stringify(seed)).digest('hex').slice(0, 12);
  const corpusDir = path.join(workDir, 'corpora', `gold-at-scale-${fingerprint}`);
  materialise(corpusDir, () => [...seed, ...read(reports)]);
  return corpusDir;
}
