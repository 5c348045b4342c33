import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { seed } from '../seeds/index.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { type DatabaseHandle, openDatabase } from '../src/db/index.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createMailTransport } from '../src/modules/mail/transport.ts';

/*
 * What the benchmarks share: a fresh, migrated and seeded database (PostgreSQL named by
 * BENCH_DATABASE_URL, which is dropped and recreated, or a handle the caller passes), and the
 * real app listening on the loopback address only.
 */

export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ipcoop_bench';

export async function freshPostgres(url = BENCH_DATABASE_URL): Promise<DatabaseHandle> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new pg.Client({ connectionString: maintenance.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const handle = await openDatabase({ databaseUrl: url, poolSize: 20 });
  await migrateToLatest(handle.db);
  await seed(handle.db, { demoPassword: 'demo-password-2019' });
  return handle;
}

/** The app on 127.0.0.1, its mail kept in the outbox (no worker), logging off. */
export async function listen(handle: DatabaseHandle): Promise<{ app: FastifyInstance; url: string }> {
  const config = loadConfig({ LOG_LEVEL: 'silent', BASE_URL: 'http://127.0.0.1', DATA_DIR: '/tmp/ipcoop-bench' });
  const transport = createMailTransport({ dataDir: '/tmp/ipcoop-bench', from: config.mailFrom });
  const app = await buildApp({ config, db: handle.db, logger: false, mailTransport: transport });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

/** Samples the resident set size while `run` goes on; returns the peak in MiB. */
export async function peakMemory<T>(run: () => Promise<T>): Promise<{ result: T; peakRssMiB: number; baseRssMiB: number }> {
  globalThis.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  try {
    const result = await run();
    return { result, peakRssMiB: peak / 2 ** 20, baseRssMiB: base / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

export const isMain = (meta: ImportMeta) => process.argv[1] !== undefined && meta.url === new URL(`file://${process.argv[1]}`).href;
