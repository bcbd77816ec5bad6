/** npm run ingest [-- --corpus DIR --index DIR]: build or update the index. */
import { Presets, SingleBar } from 'cli-progress';
import { loadConfig, parseArgs } from '../config.js';
import { ingest, progressLines } from '../index/ingest.js';
import { runCli } from './run.js';

runCli(async (argv) => {
  const args = parseArgs(argv);
  const config = loadConfig(args.settings);
  const started = Date.now();
  let bar: SingleBar | undefined;
  const log = (m: string) => console.error(m);
  const result = await ingest(config, {
    log,
    // cli-progress draws only on a terminal; logs and pipes get a line every few seconds.
    onProgress: !process.stderr.isTTY
      ? progressLines(log)
      : (done, total) => {
          // Only show a bar once embedding is clearly going to take a while.
          if (!bar && total > 0 && Date.now() - started > 1500 && done < total) {
            bar = new SingleBar(
              {
                format: 'embedding [{bar}] {value}/{total} passages | ETA {eta_formatted}',
                hideCursor: true,
                stream: process.stderr,
              },
              Presets.shades_classic,
            );
            bar.start(total, done);
          }
          bar?.update(done);
        },
  });
  bar?.stop();
  const { counts, embedder, embedded, ingestMs } = result.manifest;
  console.log(
    `indexed ${counts.documents} documents, ${counts.sections} sections, ${counts.paragraphs} paragraphs, ${counts.passages} passages ` +
      `(${embedded} embedded, ${counts.passages - embedded} reused) with ${embedder.kind} embedder ${embedder.model} (${embedder.dims} dims) in ${(ingestMs / 1000).toFixed(2)} s → ${result.dir}`,
  );
  if (result.errors.length)
    console.log(`${result.errors.length} file(s) skipped:\n${result.errors.map((e) => `  ${e.message}`).join('\n')}`);
});
