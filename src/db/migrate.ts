import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { FileMigrationProvider, type MigrationResultSet, Migrator } from 'kysely/migration';
import type { Database } from './index.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

export class MigrationError extends Error {}

/** What a failed migration threw, as text: Kysely types it `unknown`. */
const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Brings the schema to the latest migration; a failure stops whoever called it. */
export async function migrateToLatest(db: Database): Promise<MigrationResultSet> {
  // Most starts find nothing to do: say so from one query, without loading every migration.
  if (await upToDate(db)) return { results: [] };
  const migrator = new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }),
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`migration ${failed} failed: ${reasonOf(result.error)}`);
  }
  return result;
}

/** The migration files' names as the migrator records them (FileMigrationProvider's rule). */
async function migrationNames(): Promise<string[]> {
  const migration = /^(.+)\.(?:js|mjs|cjs|ts|mts|cts)$/;
  return (await fs.readdir(MIGRATIONS_DIR))
    .filter((file) => !/\.d\.[mc]?ts$/.test(file))
    .flatMap((file) => migration.exec(file)?.[1] ?? []);
}

/**
 * Whether the database has run exactly the migrations there are, no more and no fewer. Anything
 * else (a new migration, an empty database, a name it does not know) is the migrator's to handle.
 */
async function upToDate(db: Database): Promise<boolean> {
  try {
    const [files, applied] = await Promise.all([
      migrationNames(),
      sql<{ name: string }>`select name from kysely_migration`.execute(db),
    ]);
    const done = new Set(applied.rows.map((r) => r.name));
    return files.length > 0 && done.size === files.length && files.every((name) => done.has(name));
  } catch {
    return false;
  }
}
