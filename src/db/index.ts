import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from './types.ts';

export type Database = Kysely<DB>;
/** What query functions take: the database itself or a transaction on it. */
export type Executor = Kysely<DB> | Transaction<DB>;

export type DatabaseHandle = {
  db: Database;
  kind: 'postgres' | 'pglite';
  close: () => Promise<void>;
};

// Same shapes on both engines: dates as 'YYYY-MM-DD' (a Date would shift with the server's
// time zone), numeric and int8 as JS numbers (our values stay far below 2^53).
const OID = { INT8: 20, NUMERIC: 1700, DATE: 1082 } as const;
const asNumber = (v: string) => Number(v);
const asIs = (v: string) => v;

pg.types.setTypeParser(OID.INT8, asNumber);
pg.types.setTypeParser(OID.NUMERIC, asNumber);
pg.types.setTypeParser(OID.DATE, asIs);

export class DatabaseUnavailableError extends Error {}

export type DatabaseOptions = {
  databaseUrl?: string | undefined;
  /** Directory of the embedded database; `memory://` keeps it in memory. */
  pgliteDir?: string;
  poolSize?: number;
};

/**
 * How a new embedded database is created (nothing changes for one that exists): WAL in 1 MB
 * segments instead of 16 MB, so that a new database has less to write (PGlite's initdb is the
 * slowest part of a first start) and to copy (the test template, once per test file): 31 MB
 * migrated and seeded instead of 42. Checkpoints still wait for 1 GB of WAL, as by default.
 */
const INITDB_PARAMS = ['--wal-segsize=1', '-c', 'max_wal_size=1GB'];

/** PostgreSQL when a URL is given, else the embedded PGlite under the data directory. */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    let url: URL;
    try {
      url = new URL(options.databaseUrl);
    } catch {
      throw new DatabaseUnavailableError('DATABASE_URL is not a valid URL');
    }
    const pool = new pg.Pool({
      connectionString: url.toString(),
      max: options.poolSize ?? 10,
      // Waiting this long for a free connection rides out a rush; longer, the caller gets a 503.
      connectionTimeoutMillis: 10_000,
    });
    // A client losing its server (a restart ends every connection) must not crash the process.
    // The pool drops an idle one itself; a checked-out one has no listener of its own, so its
    // 'error' event would be thrown: the query in hand fails instead, and the pool drops it on release.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    try {
      const client = await pool.connect();
      client.release();
    } catch (error) {
      await pool.end().catch(() => {});
      const reason = error instanceof Error ? error.message : String(error);
      throw new DatabaseUnavailableError(`cannot reach PostgreSQL at ${url.host}${url.pathname}: ${reason}`);
    }
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    pools.set(db, pool);
    return { db, kind: 'postgres', close: () => db.destroy() };
  }

  // Loaded only for the embedded database: tens of MiB a server on PostgreSQL never needs.
  const [{ PGlite }, { PGliteDialect }, { pg_trgm }, { btree_gin }] = await Promise.all([
    import('@electric-sql/pglite'), import('kysely-pglite-dialect'),
    // The search index (migrations/2026-12-04T08-00_search-index.ts): trigrams, beside the event's id.
    import('@electric-sql/pglite/contrib/pg_trgm'), import('@electric-sql/pglite/contrib/btree_gin'),
  ]);
  const dir = options.pgliteDir ?? 'memory://';
  if (!dir.startsWith('memory://')) await mkdir(resolve(dir), { recursive: true });
  const pglite = await PGlite.create({
    dataDir: dir.startsWith('memory://') ? undefined : resolve(dir),
    parsers: { [OID.INT8]: asNumber, [OID.NUMERIC]: asNumber, [OID.DATE]: asIs },
    initDbStartParams: INITDB_PARAMS,
    extensions: { pg_trgm, btree_gin },
  });
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return { db, kind: 'pglite', close: () => db.destroy() };
}

const pools = new WeakMap<Database, pg.Pool>();

/** A PostgreSQL database's connection pool, for /metrics: its size, idle and waiting; null on PGlite (one connection, in process). */
export function poolStats(db: Database): { max: number; total: number; idle: number; waiting: number } | null {
  const pool = pools.get(db);
  return pool ? { max: pool.options.max, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } : null;
}

const UNAVAILABLE_CODES = new Set([
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT',
]);

/**
 * Whether an error means the database cannot be reached right now (restarting, overloaded,
 * connection lost) rather than that the request was wrong: such requests get a 503.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|encountered a connection error and is not queryable/.test(error.message);
}
