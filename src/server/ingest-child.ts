/**
 * One index build in its own process, so the server's event loop keeps answering while the
 * corpus is parsed, tokenized and embedded. Receives the Config, replies with the outcome.
 */
import type { Config } from '../config.js';
import { ingest } from '../index/ingest.js';
import type { BuildOutcome } from './build.js';

process.once('message', async (config: Config) => {
  let outcome: BuildOutcome;
  try {
    const { manifest, errors } = await ingest(config);
    outcome = { ok: true, createdAt: manifest.createdAt, errors };
  } catch (err) {
    outcome = { ok: false, message: (err as Error).message };
  }
  // Exit at once: a handle left open by a library must not keep the build queue waiting.
  process.send!(outcome, () => process.exit(0));
});
