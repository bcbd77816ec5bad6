/** The store the settings select: PostgreSQL when a database URL is set, else local files. */
import type { Config } from '../../config.js';
import type { IndexStore } from './build.js';
import { LocalStore } from './local.js';

export async function openStore(
  settings: Pick<Config, 'indexDir' | 'databaseUrl' | 'databaseReadUrl'>,
): Promise<IndexStore> {
  if (!settings.databaseUrl) return new LocalStore(settings.indexDir);
  // Imported when selected: the PostgreSQL client is a tenth of a second of every local start.
  const { PostgresStore } = await import('./postgres.js');
  return new PostgresStore(settings.databaseUrl, settings.databaseReadUrl);
}
