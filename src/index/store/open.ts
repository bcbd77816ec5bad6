/** The store the settings select: PostgreSQL when a database URL is set, else local files. */
import type { Config } from '../../config.js';
import type { IndexStore } from './build.js';
import { LocalStore } from './local.js';
import { PostgresStore } from './postgres.js';

export function openStore(settings: Pick<Config, 'indexDir' | 'databaseUrl' | 'databaseReadUrl'>): IndexStore {
  return settings.databaseUrl
    ? new PostgresStore(settings.databaseUrl, settings.databaseReadUrl)
    : new LocalStore(settings.indexDir);
}
