/**
 * External evaluation sets from ../shared/datasets, turned into corpora the product can
 * ingest like any user folder (one file per context/document) plus their questions.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

function requireFile(file: string): string {
  if (!existsSync(file)) throw new Error(`Missing ${file}: the evaluation needs ../shared/datasets beside the project.`);
  return file;
}

/** Write files only when the corpus folder is new, so indexes built from it stay fresh. */
function materialise(dir: string, files: Array<[string, string]>): void {
  if (existsSync(path.join(dir, '.complete'))) return;
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of files) writeFileSync(path.join(dir, name), text);
  writeFileSync(path.join(dir, '.complete'), String(files.length));
}

/** SQuAD v1 layout (CMRC 2018). */
export interface Squad {
  data: Array<{ paragraphs: Array<{ id: string; context: string; qas: Array<{ id: string; question: string; answers: Array<{ text: string }> }> }> }>;
}

/** CMRC 2018 dev: 848 Wikipedia paragraphs, one Markdown file each, 3,219 questions. */
export function cmrc2018(sharedDir: string, workDir: string): ExternalSet {
  const squad = JSON.parse(readFileSync(requireFile(path.join(sharedDir, 'datasets', 'cmrc2018', 'cmrc2018_dev.json')), 'utf8')) as Squad;
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
  materialise(corpusDir, files);
  return { name: 'cmrc2018', corpusDir, questions };
}

/** COVID policy QA: 599 notices, one text file each, 1,262 questions. */
export function covidPolicy(sharedDir: string, workDir: string): ExternalSet {
  const dir = path.join(sharedDir, 'datasets', 'covid-policy-qa');
  const lines = (file: string) => readFileSync(requireFile(path.join(dir, file)), 'utf8').split('\n').filter((l) => l.trim());
  const files = lines('corpus_docs_subset.jsonl').map((l) => {
    const d = JSON.parse(l) as { docid: string; text: string };
    return [`${d.docid}.txt`, d.text] as [string, string];
  });
  const questions = lines('qa_answerable_from_subset_corpus.jsonl').map((l) => {
    const q = JSON.parse(l) as { id: string; docid: string; question: string; answer: string };
    return { id: q.id, question: q.question, source: `${q.docid}.txt`, answer: q.answer };
  });
  const corpusDir = path.join(workDir, 'corpora', 'covid-policy-qa');
  materialise(corpusDir, files);
  return { name: 'covid-policy-qa', corpusDir, questions };
}
