import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { type DatabaseHandle, openDatabase } from '../src/db/index.ts';
import { createMailTransport } from '../src/modules/mail/transport.ts';

/*
 * What the benchmarks share: a fresh, migrated and seeded database (PostgreSQL named by
 * BENCH_DATABASE_URL, which is dropped and recreated, or the embedded PGlite in a temporary
 * directory), the real app listening on the loopback address only, the load generator
 * (autocannon in a child process, so that it does not share the server's event loop) and the
 * server's resident memory, sampled all along.
 */

export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ipcoop_bench';
export const DEMO_PASSWORD = 'demo-password-2019';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function maintenance<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const target = new URL(url);
  target.pathname = '/postgres';
  const client = new pg.Client({ connectionString: target.toString() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A URL for a second, driver-level connection to the PostgreSQL database behind `handle`. */
export async function connectionUrl(handle: DatabaseHandle): Promise<string> {
  const { rows } = await sql<{ db: string }>`select current_database() as db`.execute(handle.db);
  const url = new URL(process.env.TEST_DATABASE_URL || BENCH_DATABASE_URL);
  url.pathname = `/${encodeURIComponent(rows[0]!.db)}`;
  return url.toString();
}

const databaseName = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

export async function freshPostgres(url = BENCH_DATABASE_URL, poolSize = 20): Promise<DatabaseHandle> {
  const name = databaseName(url);
  // Dropped and recreated: only a database named for benchmarks (ipcoop_bench…, ipcoop_…_bench).
  if (!/^ipcoop_(\w+_)?bench/.test(name)) throw new Error(`BENCH_DATABASE_URL must name a database ipcoop_bench… or ipcoop_…_bench, not ${name}`);
  await maintenance(url, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  });
  await seedInChild({ DATABASE_URL: url });
  const handle = await openDatabase({ databaseUrl: url, poolSize });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await maintenance(url, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/**
 * Migrates and seeds in a process of its own (`npm run seed`), so that the memory the seeding
 * takes is not counted as the server's.
 */
async function seedInChild(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/seed.ts')], {
    cwd: ROOT, env: { ...process.env, ...env, DEMO_PASSWORD, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`seeding the benchmark database failed (${code})`);
}

/** The embedded database in a temporary directory, migrated and seeded (or copied from `template`). */
export async function freshPglite(template?: string): Promise<DatabaseHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'ipcoop-bench-'));
  if (template) await cp(template, join(dir, 'pglite'), { recursive: true });
  else await seedInChild({ DATA_DIR: dir, DATABASE_URL: '' });
  const handle = await openDatabase({ pgliteDir: join(dir, 'pglite') });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A running app: its address, and how to stop it. */
export type Listening = { url: string; close: () => Promise<void> };

/**
 * The app on 127.0.0.1, its mail kept in the outbox (no worker), logging off. On PostgreSQL (unless `inProcess`) in a
 * process of its own, compiled as `npm start` runs it (bench/server.mjs), whose resident memory
 * `rss` then samples: the server's, without the benchmark's own work beside it. The embedded PGlite belongs to one process, so
 * there the app runs in this one.
 */
export async function listen(handle: DatabaseHandle, options: { inProcess?: boolean; nodeArgs?: string[] } = {}): Promise<Listening> {
  if (handle.kind === 'postgres' && !options.inProcess) return listenInChild(await connectionUrl(handle), options.nodeArgs ?? []);
  // The benchmarks send their load from one address: the public forms' limits would refuse it.
  const config = loadConfig({
    LOG_LEVEL: 'silent', BASE_URL: 'http://127.0.0.1', DATA_DIR: join(tmpdir(), 'ipcoop-bench'), DEMO_PASSWORD, RATE_LIMITS: 'off',
  });
  const transport = createMailTransport({ dataDir: config.dataDir, from: config.mailFrom });
  const app: FastifyInstance = await buildApp({ config, db: handle.db, logger: false, mailTransport: transport });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

let built = false;

/** Compiles the app to dist/ (`npm run build`) once per run, so the server measured is the code as it is now. */
export function buildOnce() {
  if (built) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  built = true;
}

async function listenInChild(databaseUrl: string, nodeArgs: string[]): Promise<Listening> {
  buildOnce();
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bench/server.mjs')], {
    cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl, DEMO_PASSWORD, POOL_SIZE: '20', RATE_LIMITS: 'off' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = /^\{"port":(\d+)\}$/m.exec(out);
      if (line) resolve(Number(line[1]));
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the benchmark server exited with ${code} before listening`)));
  });
  rss.watch(child.pid!);
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      child.kill('SIGTERM');
      await exited;
      rss.unwatch(child.pid!);
    },
  };
}

const MiB = 2 ** 20;

/** A process's resident set from /proc, in bytes (0 once it has gone). */
function residentBytes(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/**
 * The server's resident set, sampled every 20 ms from the moment the module loads: `peak` over
 * the whole run and `window` around one piece of work. The server is the app's own process while
 * one is watched (PostgreSQL), else this process (PGlite, where the app runs here). In a suite
 * on PostgreSQL (`serverOnly`), nothing is sampled while no server runs.
 */
class RssSampler {
  peakBytes = 0;
  serverOnly = false;
  private server: number | null = null;
  private windows = new Set<{ peak: number }>();
  constructor() {
    setInterval(() => this.sample(), 20).unref();
  }
  watch(pid: number) {
    this.server = pid;
  }
  unwatch(pid: number) {
    this.sample();
    if (this.server === pid) this.server = null;
  }
  current(): number {
    if (this.server !== null) return residentBytes(this.server);
    return this.serverOnly ? 0 : process.memoryUsage().rss;
  }
  sample() {
    const rss = this.current();
    if (rss > this.peakBytes) this.peakBytes = rss;
    for (const w of this.windows) if (rss > w.peak) w.peak = rss;
  }
  get peakMiB() {
    return this.peakBytes / MiB;
  }
  resetPeak(serverOnly: boolean) {
    globalThis.gc?.();
    this.serverOnly = serverOnly;
    this.peakBytes = this.current();
  }
  async window<T>(run: () => Promise<T>): Promise<{ result: T; baseRssMiB: number; peakRssMiB: number }> {
    globalThis.gc?.();
    const base = this.current();
    const w = { peak: base };
    this.windows.add(w);
    try {
      const result = await run();
      this.sample();
      return { result, baseRssMiB: base / MiB, peakRssMiB: w.peak / MiB };
    } finally {
      this.windows.delete(w);
    }
  }
}

export const rss = new RssSampler();

/** Samples the resident set size while `run` goes on. */
export const peakMemory = <T>(run: () => Promise<T>) => rss.window(run);

export type LoadOptions = {
  url: string;
  connections: number;
  /** Seconds; `amount` (a number of requests) wins when both are given. */
  seconds?: number;
  amount?: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Run autocannon in this process (smoke runs: quicker to start, measures less faithfully). */
  inProcess?: boolean;
  /** For POSTs: form fields; every `{n}` in a value becomes the request's own number. */
  form?: Record<string, string>;
};

export type LoadResult = {
  requests: number; seconds: number; perSecond: number; p50Ms: number; p99Ms: number;
  errors: number; timeouts: number; statuses: Record<string, number>;
};

/** Runs autocannon in a child process (bench/load.ts) and returns what it measured. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  if (options.inProcess) return (await import('./load.ts')).runLoad(options);
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/load.ts'), JSON.stringify(options)], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`the load generator exited with ${code}`);
  return JSON.parse(out) as LoadResult;
}

/** Runs `task` `total` times, at most `concurrency` at once; latencies in ms, in completion order. */
export async function pooled(total: number, concurrency: number, task: (n: number) => Promise<void>) {
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, async () => {
    while (next < total) {
      const n = ++next;
      const t0 = performance.now();
      await task(n);
      latencies.push(performance.now() - t0);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  return { seconds, perSecond: total / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! * 10) / 10;
}

export const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

export const isMain = (meta: ImportMeta) => process.argv[1] !== undefined && meta.url === new URL(`file://${process.argv[1]}`).href;

/** The database a benchmark script run on its own uses: `--pglite`, else PostgreSQL. */
export const standaloneDatabase = () => (process.argv.includes('--pglite') ? freshPglite() : freshPostgres());
