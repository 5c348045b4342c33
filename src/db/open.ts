import { join } from 'node:path';
import type { Config } from '../config.ts';
import { type DatabaseHandle, openDatabase } from './index.ts';
import { migrateToLatest } from './migrate.ts';

/** The configured database, migrated to the latest schema. */
export async function openConfiguredDatabase(config: Config): Promise<DatabaseHandle> {
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: join(config.dataDir, 'pglite') });
  try {
    await migrateToLatest(handle.db);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}
