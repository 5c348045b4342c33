import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/*
 * `npm start`: compiles what changed to dist/, then runs the compiled server, dist/src/server.js,
 * in this process. Node runs this file as it is (it strips the types; no build needed first).
 *
 * - Nothing changed since the last build (no file under src/, migrations/ or seeds/, nor a
 *   tsconfig, is newer than dist/.tsbuildinfo): no compiler at all.
 * - Something changed: `tsc -b`, incremental, compiles only what changed.
 * - While the compiler runs, a first start also creates and migrates the embedded database
 *   (PGlite's initdb is the slowest step of a first start), so that the two share the machine's
 *   cores instead of taking turns, and once the compiler is done this process loads the server's
 *   modules while it waits. The server then finds the schema up to date and seeds the database
 *   as it would any new one.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILD_INFO = join(ROOT, 'dist/.tsbuildinfo');
const SERVER = join(ROOT, 'dist/src/server.js');
const SOURCES = ['src', 'migrations', 'seeds', 'tsconfig.json', 'tsconfig.build.json'];
const CREATE_DATABASE = '--create-embedded-database';

// V8 keeps the code it compiles for every module loaded from here on (the server's and its
// dependencies') and reuses it at the next start, which then loads them without compiling.
// A start after an upgrade finds its cache stale and simply writes a new one.
module.enableCompileCache?.(join(ROOT, 'node_modules/.cache/ipcoop-compile'));

/** The newest modification under `path` (a directory's own time covers files removed from it). */
function newest(path: string): number {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return 0;
  let time = s.mtimeMs;
  if (s.isDirectory()) for (const name of readdirSync(path)) time = Math.max(time, newest(join(path, name)));
  return time;
}

function upToDate(): boolean {
  const built = statSync(BUILD_INFO, { throwIfNoEntry: false });
  if (!built || !existsSync(SERVER)) return false;
  return SOURCES.every((source) => newest(join(ROOT, source)) < built.mtimeMs);
}

function compile(): Promise<void> {
  const started = new Date();
  // A dist/ that lost its files while the build info stayed: build everything again.
  const force = existsSync(SERVER) ? [] : ['--force'];
  const tsc = spawn(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', join(ROOT, 'tsconfig.build.json'), ...force], {
    cwd: ROOT, stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    tsc.once('error', reject);
    tsc.once('exit', (code, signal) => {
      if (code !== 0) return reject(new Error(`the build failed (tsc ${signal ?? `exited with ${code}`})`));
      // The build covers the sources as they were when it started; anything changed since is newer.
      if (existsSync(BUILD_INFO)) utimesSync(BUILD_INFO, started, started);
      resolve();
    });
  });
}

/**
 * Creates and migrates the embedded database if this start will use one that does not exist
 * yet. It is only a head start: should it fail, the server tries again and says why. It runs in a
 * process of its own, where V8 runs PGlite's WebAssembly without optimising it (--liftoff-only):
 * for work done once that halves its CPU time, and the server's process stays as it always is.
 */
async function createEmbeddedDatabase(): Promise<void> {
  // As src/config.ts reads them: PostgreSQL when DATABASE_URL is set, else DATA_DIR/pglite.
  if (process.env.DATABASE_URL) return;
  const dir = join(process.env.DATA_DIR ?? './data', 'pglite');
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  const child = spawn(process.execPath, ['--liftoff-only', fileURLToPath(import.meta.url), CREATE_DATABASE, dir], {
    stdio: 'ignore',
  });
  await new Promise((resolve) => child.once('exit', resolve).once('error', resolve));
}

if (process.argv[2] === CREATE_DATABASE && process.argv[3]) {
  // The process createEmbeddedDatabase starts.
  try {
    const [{ openDatabase }, { migrateToLatest }] = await Promise.all([import('../db/index.ts'), import('../db/migrate.ts')]);
    const handle = await openDatabase({ pgliteDir: process.argv[3] });
    try {
      await migrateToLatest(handle.db);
    } finally {
      await handle.close();
    }
  } catch {
    process.exit(1);
  }
  // At once: a timer PGlite leaves behind would keep the process up for another 10 s.
  process.exit(0);
}

/** Loads the server's modules (not the server itself) from the fresh build. */
async function preload() {
  const modules = ['dist/src/app.js', 'dist/src/db/open.js', 'dist/seeds/index.js'];
  await Promise.all([
    ...modules.map((module) => import(pathToFileURL(join(ROOT, module)).href)),
    import('@electric-sql/pglite'), import('kysely-pglite-dialect'),
  ]).catch(() => {}); // the server's own import says what is wrong
}

if (!upToDate()) {
  const [built] = await Promise.allSettled([compile().then(preload), createEmbeddedDatabase()]);
  if (built.status === 'rejected') {
    process.stderr.write(`ipcoop: ${built.reason instanceof Error ? built.reason.message : String(built.reason)}\n`);
    process.exit(1);
  }
}
await import(pathToFileURL(SERVER).href);
