/** One ingest in its own process, so wall time and peak RSS are its own. Prints one JSON line. */
import { loadConfig } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { KnowledgeBase } from '../../src/index/knowledge-base.js';

const started = performance.now();
const config = loadConfig();
const { manifest } = await ingest(config);
const ms = performance.now() - started;
const kb = await KnowledgeBase.load(config);
const chars = kb.passages.reduce((n, p) => n + p.text.length, 0);
console.log(
  JSON.stringify({
    ms,
    passages: manifest.counts.passages,
    documents: manifest.counts.documents,
    chars,
    embedded: manifest.embedded,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }),
);
