import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { seed } from '../../seeds/index.ts';
import { type DatabaseHandle, openDatabase } from '../../src/db/index.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

/*
 * Tests run on the embedded PGlite by default and on PostgreSQL when TEST_DATABASE_URL names a
 * database. Either way the migrated, seeded database is built once per run (test/setup.ts) and
 * each test file works on its own copy: a copied data directory, or CREATE DATABASE ... TEMPLATE.
 */

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const PGLITE_TEMPLATE = process.env.TEST_PGLITE_TEMPLATE
  || fileURLToPath(new URL('../../.tap/pglite-template', import.meta.url));
export const DEMO_PASSWORD = 'demo-password-2019';
/** The moment the seeds are laid at, so that "upcoming" stays upcoming however long a run takes. */
export const SEED_NOW = new Date();

const maintenanceUrl = (url: string) => {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
};
const databaseName = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));
const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
};

async function admin<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: maintenanceUrl(url) });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Builds the template database: fresh, migrated and seeded. */
export async function buildTemplate(): Promise<void> {
  if (TEST_DATABASE_URL) {
    const name = databaseName(TEST_DATABASE_URL);
    await admin(TEST_DATABASE_URL, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.query(`CREATE DATABASE "${name}"`);
    });
    const handle = await openDatabase({ databaseUrl: TEST_DATABASE_URL, poolSize: 2 });
    await prepare(handle);
    return;
  }
  await rm(PGLITE_TEMPLATE, { recursive: true, force: true });
  await prepare(await openDatabase({ pgliteDir: PGLITE_TEMPLATE }));
}

async function prepare(handle: DatabaseHandle) {
  try {
    await migrateToLatest(handle.db);
    await seed(handle.db, { demoPassword: DEMO_PASSWORD });
  } finally {
    await handle.close();
  }
}

/** A private copy of the seeded database for one test file. */
export async function cloneTemplate(): Promise<DatabaseHandle> {
  if (TEST_DATABASE_URL) {
    const template = databaseName(TEST_DATABASE_URL);
    const name = `${template}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await admin(TEST_DATABASE_URL, async (client) => {
      // Two files cloning at once can briefly see each other on the template; try again.
      for (let attempt = 0; ; attempt++) {
        try {
          await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
          return;
        } catch (error) {
          if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
          await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
        }
      }
    });
    const handle = await openDatabase({ databaseUrl: withDatabase(TEST_DATABASE_URL, name), poolSize: 10 });
    return {
      ...handle,
      close: async () => {
        await handle.close();
        await admin(TEST_DATABASE_URL, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      },
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'ipcoop-test-'));
  await cp(PGLITE_TEMPLATE, dir, { recursive: true });
  const handle = await openDatabase({ pgliteDir: dir });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
