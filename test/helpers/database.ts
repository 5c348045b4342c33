import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { DatabaseHandle, DatabaseOptions } from '../../src/db/index.ts';

/*
 * Tests run on the embedded PGlite by default and on PostgreSQL when TEST_DATABASE_URL names a
 * database. Either way each test file works on its own copy of one migrated, seeded template: a
 * copied data directory, or CREATE DATABASE ... TEMPLATE.
 *
 * Building the template (a new database, the migrations, the seeds) is the slow part, so it is
 * kept between runs and built again only when it could differ: when the files it is made from
 * change (their hash, TEMPLATE_KEY), or when it is too old for the seeds' dates. The seeds lay
 * the demo year around the moment they run ("upcoming" events 3 to 11 weeks ahead, the
 * reporting year and the contest year of that day), so a template is reused only on the Hong
 * Kong day it was built and for at most 12 hours.
 *
 * - PGlite: the templates live under .tap/pglite-templates/, one directory per build, named
 *   KEY-BUILTAT (ms). A build goes to a directory of its own and is renamed into place when
 *   complete, so no run ever sees half a template; a lock file keeps two runs from building the
 *   same one at once. TEST_PGLITE_TEMPLATE=/some/dir puts the template at that one directory
 *   instead (a marker file in it records what it was built from and when).
 * - PostgreSQL: the database TEST_DATABASE_URL names is the template; its comment records what
 *   it was built from and when, and an advisory lock serialises the check and the build.
 *
 * test/setup.ts (tap's `before`) makes sure a fresh template exists before the files start; a
 * test file makes sure one exists too (building it only when there is none that matches the
 * files), so that a file run without the setup still works.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const DEMO_PASSWORD = 'demo-password-2019';

/**
 * Everything the template is made from: the migrations, the seeds (they import nothing else at
 * run time), how the database is created and migrated, and this file (how they are applied).
 */
const TEMPLATE_INPUTS = ['migrations', 'seeds', 'src/db/index.ts', 'src/db/migrate.ts', 'test/helpers/database.ts'];
/** A template older than this, or built on another Hong Kong day, is built again by the setup. */
const FRESH_FOR_MS = 12 * 3600_000;
/** A test file accepts a matching template up to this age (the setup has already refreshed it). */
const USABLE_FOR_MS = 48 * 3600_000;
/** Templates unused for this long (and not the newest one of the current files) are removed. */
const UNUSED_FOR_MS = 3 * 3600_000;
const MARKER = 'ipcoop-template.json';

function filesUnder(path: string): string[] {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return [];
  if (!s.isDirectory()) return [path];
  // Editors' swap and backup files come and go; they are not part of the schema or the seeds.
  return readdirSync(path).filter((name) => !name.startsWith('.') && !name.endsWith('~')).sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

/** A hash of the files the template is made from and of the PGlite that writes it. */
export const TEMPLATE_KEY = (() => {
  const hash = createHash('sha256');
  try {
    const pglite = JSON.parse(readFileSync(join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version?: string };
    hash.update(`pglite ${pglite.version}\n`);
  } catch { /* not where expected: the files alone decide */ }
  for (const file of TEMPLATE_INPUTS.flatMap((input) => filesUnder(join(ROOT, input)))) {
    hash.update(`${relative(ROOT, file)}\n`);
    hash.update(readFileSync(file));
    hash.update('\n');
  }
  return hash.digest('hex').slice(0, 16);
})();

const hongKongDay = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);

/** Whether a template built at `builtAt` still has the dates the tests expect. */
function fresh(builtAt: number, now = Date.now()): boolean {
  return builtAt <= now + 60_000 && now - builtAt < FRESH_FOR_MS && hongKongDay(builtAt) === hongKongDay(now);
}

type Template = { dir: string; builtAt: number };

const OVERRIDE = process.env.TEST_PGLITE_TEMPLATE ? resolve(process.env.TEST_PGLITE_TEMPLATE) : undefined;
const TEMPLATES = join(ROOT, '.tap/pglite-templates');
const NAME = /^([0-9a-f]{16})-(\d+)$/;

/** The newest complete PGlite template built from the current files, if there is one. */
function findTemplate(): Template | null {
  if (OVERRIDE) {
    if (!existsSync(join(OVERRIDE, 'PG_VERSION'))) return null;
    try {
      const marker = JSON.parse(readFileSync(join(OVERRIDE, MARKER), 'utf8')) as { key?: string; builtAt?: number };
      return marker.key === TEMPLATE_KEY && typeof marker.builtAt === 'number' ? { dir: OVERRIDE, builtAt: marker.builtAt } : null;
    } catch {
      // Built without a marker (by an earlier version of this file): usable as it is, never fresh.
      return { dir: OVERRIDE, builtAt: 0 };
    }
  }
  let best: Template | null = null;
  for (const name of existsSync(TEMPLATES) ? readdirSync(TEMPLATES) : []) {
    const m = NAME.exec(name);
    if (m?.[1] !== TEMPLATE_KEY) continue;
    const builtAt = Number(m[2]);
    if (!best || builtAt > best.builtAt) best = { dir: join(TEMPLATES, name), builtAt };
  }
  return best;
}

const found = TEST_DATABASE_URL ? null : findTemplate();
/**
 * The PGlite template directory (TEST_PGLITE_TEMPLATE when set). Updated once a file has made
 * sure of its template; before that, the newest one built from the current files.
 */
export let PGLITE_TEMPLATE = OVERRIDE ?? found?.dir ?? join(TEMPLATES, TEMPLATE_KEY);
/** The moment the seeds of the template in use were laid at (their "now"), once known. */
export let SEED_NOW = new Date(found?.builtAt || Date.now());

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

// Loaded when first needed: finding a template that is already there (all the setup does on most
// runs) needs neither the database layer nor the PostgreSQL client.
const openDatabase = async (options: DatabaseOptions) => (await import('../../src/db/index.ts')).openDatabase(options);

async function admin<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const { default: { Client } } = await import('pg');
  const client = new Client({ connectionString: maintenanceUrl(url) });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Migrates and seeds a new, empty database, with `builtAt` as the seeds' "now". */
async function prepare(handle: DatabaseHandle, builtAt: Date) {
  try {
    // Loaded only to build: a test file that finds its template never needs them.
    const [{ migrateToLatest }, { seed }] = await Promise.all([import('../../src/db/migrate.ts'), import('../../seeds/index.ts')]);
    await migrateToLatest(handle.db);
    await seed(handle.db, { demoPassword: DEMO_PASSWORD, now: builtAt });
  } finally {
    await handle.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Runs `build` holding `lockFile` (the pid of its holder); waits while a live process holds it. */
async function withLock<T>(lockFile: string, build: () => Promise<T>, ready: () => T | null): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      await writeFile(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // Someone else is building: use theirs once it is there, or take over a lock its holder left.
    const done = ready();
    if (done) return done;
    const holder = Number(await readFile(lockFile, 'utf8').catch(() => ''));
    const age = Date.now() - ((await stat(lockFile).catch(() => null))?.mtimeMs ?? Date.now());
    if ((holder > 0 && !alive(holder)) || age > 10 * 60_000) await rm(lockFile, { force: true });
    else if (Date.now() - started > 15 * 60_000) throw new Error(`gave up waiting for ${lockFile}`);
    else await sleep(250);
  }
  try {
    return ready() ?? await build();
  } finally {
    await rm(lockFile, { force: true });
  }
}

async function buildPgliteTemplate(): Promise<Template> {
  const builtAt = new Date();
  const base = OVERRIDE ?? join(TEMPLATES, `${TEMPLATE_KEY}-${builtAt.getTime()}`);
  const building = OVERRIDE
    ? `${OVERRIDE}.building-${process.pid}`
    : join(TEMPLATES, `.building-${TEMPLATE_KEY}-${process.pid}`);
  await rm(building, { recursive: true, force: true });
  if (OVERRIDE) await removeAbandoned(OVERRIDE);
  await prepare(await openDatabase({ pgliteDir: building }), builtAt);
  await writeFile(join(building, MARKER), `${JSON.stringify({ key: TEMPLATE_KEY, builtAt: builtAt.getTime() })}\n`);
  if (OVERRIDE && existsSync(OVERRIDE)) {
    // The one fixed directory: swap the new template in, then drop the old one.
    const old = `${OVERRIDE}.old-${process.pid}`;
    await rename(OVERRIDE, old);
    await rename(building, OVERRIDE);
    await rm(old, { recursive: true, force: true });
  } else {
    await rename(building, base);
  }
  return { dir: base, builtAt: builtAt.getTime() };
}

/** Removes what builds of the fixed directory `dir` left behind when their process died. */
async function removeAbandoned(dir: string) {
  const parent = join(dir, '..');
  const prefix = `${dir.slice(parent.length + 1)}.`;
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const m = /^(?:building|old)-(\d+)$/.exec(name.startsWith(prefix) ? name.slice(prefix.length) : '');
    if (m && !alive(Number(m[1]))) await rm(join(parent, name), { recursive: true, force: true });
  }
}

/** Removes templates and abandoned builds nobody has used for a while; keeps the one in use. */
async function removeOldTemplates(keep: string) {
  const now = Date.now();
  for (const name of await readdir(TEMPLATES).catch(() => [] as string[])) {
    const path = join(TEMPLATES, name);
    if (path === keep || name.endsWith('.lock')) continue;
    const building = /^\.building-[0-9a-f]{16}-(\d+)$/.exec(name);
    const s = await stat(path).catch(() => null);
    if (!s) continue;
    const old = building ? !alive(Number(building[1])) : NAME.test(name) && now - s.mtimeMs > UNUSED_FOR_MS;
    if (old) await rm(path, { recursive: true, force: true });
  }
  // Where the template lived before it was kept between runs.
  const legacy = join(ROOT, '.tap/pglite-template');
  const s = await stat(legacy).catch(() => null);
  if (s && now - s.mtimeMs > UNUSED_FOR_MS) await rm(legacy, { recursive: true, force: true });
}

async function ensurePgliteTemplate(strict: boolean): Promise<Template> {
  const usable = (): Template | null => {
    const found = findTemplate();
    if (!found) return null;
    const age = Date.now() - found.builtAt;
    if (strict ? fresh(found.builtAt) : (found.builtAt === 0 || (age >= -60_000 && age < USABLE_FOR_MS))) return found;
    return null;
  };
  let template = usable();
  if (!template) {
    await mkdir(OVERRIDE ? join(OVERRIDE, '..') : TEMPLATES, { recursive: true });
    const lockFile = OVERRIDE ? `${OVERRIDE}.lock` : join(TEMPLATES, `${TEMPLATE_KEY}.lock`);
    template = await withLock(lockFile, buildPgliteTemplate, usable);
  }
  // Its modification time says when it was last used (see removeOldTemplates).
  const now = new Date();
  await utimes(template.dir, now, now).catch(() => {});
  if (strict && !OVERRIDE) await removeOldTemplates(template.dir);
  return template;
}

const COMMENT = /^ipcoop test template ([0-9a-f]{16}) built (\d+)$/;

async function ensurePostgresTemplate(url: string, strict: boolean): Promise<Template> {
  const name = databaseName(url);
  return admin(url, async (client) => {
    // One check-and-build at a time per template name, across processes.
    const lock = createHash('sha256').update(`ipcoop test template ${name}`).digest().readBigInt64BE(0).toString();
    await client.query('SELECT pg_advisory_lock($1::bigint)', [lock]);
    try {
      const { rows } = await client.query<{ comment: string | null }>(
        `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`, [name]);
      const m = COMMENT.exec(rows[0]?.comment ?? '');
      if (m?.[1] === TEMPLATE_KEY) {
        const builtAt = Number(m[2]);
        if (strict ? fresh(builtAt) : Date.now() - builtAt < USABLE_FOR_MS) return { dir: name, builtAt };
      } else if (!strict && rows[0] && rows[0].comment === null) {
        // Built without a comment (by an earlier version of this file): usable as it is, never fresh.
        return { dir: name, builtAt: 0 };
      }
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.query(`CREATE DATABASE "${name}"`);
      const builtAt = new Date();
      await prepare(await openDatabase({ databaseUrl: url, poolSize: 2 }), builtAt);
      // Written last: a build that did not finish has no comment and is built again.
      await client.query(`COMMENT ON DATABASE "${name}" IS 'ipcoop test template ${TEMPLATE_KEY} built ${builtAt.getTime()}'`);
      return { dir: name, builtAt: builtAt.getTime() };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [lock]);
    }
  });
}

let ensured: Promise<Template> | undefined;

/**
 * Makes sure a template built from the current files exists, building it if not. `strict` (the
 * setup) also builds it again when it is no longer fresh, and removes old ones.
 */
export function ensureTemplate(options: { strict?: boolean } = {}): Promise<Template> {
  const strict = options.strict ?? false;
  const run = async () => {
    const template = TEST_DATABASE_URL
      ? await ensurePostgresTemplate(TEST_DATABASE_URL, strict)
      : await ensurePgliteTemplate(strict);
    if (!TEST_DATABASE_URL) PGLITE_TEMPLATE = template.dir;
    SEED_NOW = new Date(template.builtAt || Date.now());
    return template;
  };
  if (strict) return run();
  ensured ??= run();
  return ensured;
}

/** Builds the template database, or reuses the one from an earlier run when it is still fresh. */
export async function buildTemplate(): Promise<void> {
  await ensureTemplate({ strict: true });
}

/** A private copy of the seeded template: a PostgreSQL URL, or a PGlite data directory. */
async function copyTemplate(): Promise<{ databaseUrl: string; dir?: undefined } | { dir: string; databaseUrl?: undefined }> {
  const template = await ensureTemplate();
  if (TEST_DATABASE_URL) {
    const name = `${template.dir}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await admin(TEST_DATABASE_URL, async (client) => {
      // Two files cloning at once can briefly see each other on the template; try again.
      for (let attempt = 0; ; attempt++) {
        try {
          await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template.dir}"`);
          return;
        } catch (error) {
          if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
          await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
        }
      }
    });
    return { databaseUrl: withDatabase(TEST_DATABASE_URL, name) };
  }
  const dir = await mkdtemp(join(tmpdir(), 'ipcoop-test-'));
  await cp(template.dir, dir, { recursive: true });
  return { dir };
}

/** Removes a copy made by copyTemplate. */
async function removeCopy(copy: Awaited<ReturnType<typeof copyTemplate>>) {
  if (copy.databaseUrl !== undefined) {
    const name = databaseName(copy.databaseUrl);
    await admin(copy.databaseUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  } else {
    await rm(copy.dir, { recursive: true, force: true });
  }
}

/** A private copy of the seeded database for one test file. */
export async function cloneTemplate(): Promise<DatabaseHandle> {
  const copy = await copyTemplate();
  const handle = await openDatabase(copy.databaseUrl !== undefined
    ? { databaseUrl: copy.databaseUrl, poolSize: 10 }
    : { pgliteDir: copy.dir });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await removeCopy(copy);
    },
  };
}

/**
 * A private copy of the seeded database for a command run in a process of its own: the
 * environment that points it there (DATABASE_URL, or a DATA_DIR holding the embedded database),
 * and what removes it.
 */
export async function templateForProcess(): Promise<{
  env: Record<string, string>; open: () => Promise<DatabaseHandle>; remove: () => Promise<void>;
}> {
  const copy = await copyTemplate();
  if (copy.databaseUrl !== undefined) {
    const databaseUrl = copy.databaseUrl;
    return { env: { DATABASE_URL: databaseUrl }, open: () => openDatabase({ databaseUrl, poolSize: 1 }), remove: () => removeCopy(copy) };
  }
  // The embedded database lives under DATA_DIR/pglite (src/db/open.ts); one process at a time opens it.
  const dataDir = await mkdtemp(join(tmpdir(), 'ipcoop-process-'));
  await rename(copy.dir, join(dataDir, 'pglite'));
  return {
    env: { DATA_DIR: dataDir },
    open: () => openDatabase({ pgliteDir: join(dataDir, 'pglite') }),
    remove: () => rm(dataDir, { recursive: true, force: true }),
  };
}
