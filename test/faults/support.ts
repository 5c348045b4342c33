import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { SMTPServer } from 'smtp-server';
import { seed } from '../../seeds/index.ts';
import { type DatabaseHandle, openDatabase } from '../../src/db/index.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

/*
 * What the fault suite runs against: a private PostgreSQL cluster (initdb'd into a temporary
 * directory, on a port of its own, so it can be restarted without touching any other database),
 * the app as real child processes, and a real SMTP server in the test process.
 * Everything started here is stopped in teardown, and again on exit should teardown not run.
 */

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
export const DEMO_PASSWORD = 'demo-password-2019';
export const SESSION_SECRET = 'fault-suite-session-secret-0123456789abcdef';

type Tap = {
  teardown: (fn: () => unknown) => void;
  passing: () => boolean;
  comment: (...args: unknown[]) => void;
};

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const cleanups = new Set<() => void>();
const cleanUp = () => {
  for (const fn of cleanups) {
    try { fn(); } catch { /* best effort */ }
  }
  cleanups.clear();
};
process.on('exit', cleanUp);
// A run stopped from outside (a timeout, ^C) must not leave a cluster or an app behind.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    cleanUp();
    process.kill(process.pid, signal);
  });
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function freePort(from = 0): Promise<number> {
  if (from === 0) {
    return new Promise((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
    });
  }
  for (let port = from; port < from + 200; port++) if (await portIsFree(port)) return port;
  throw new Error(`no free port from ${from}`);
}

/** Waits until `check` returns something truthy, or fails after `ms`. */
export async function until<T>(what: string, check: () => Promise<T> | T, ms = 30_000, every = 100): Promise<T> {
  const deadline = Date.now() + ms;
  let lastError = '';
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = String(error);
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
    }
    await sleep(every);
  }
}

/** PostgreSQL refuses to run as root: as root, its commands run as the postgres user. */
const asRoot = process.getuid?.() === 0;
const pgCommand = (bin: string, args: string[]) =>
  (asRoot ? ['runuser', '-u', 'postgres', '--', join(PG_BIN, bin), ...args] : [join(PG_BIN, bin), ...args]);

export type Cluster = {
  port: number;
  url: (database: string) => string;
  /** `pg_ctl restart -m fast`: every connection is ended, the server is down for a moment. */
  restart: () => Promise<void>;
  stop: (mode?: 'fast' | 'immediate') => Promise<void>;
  start: () => Promise<void>;
  log: () => string;
};

/** Runs a command as the postgres user without blocking the event loop (requests go on meanwhile). */
function asPostgresAsync(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const [command, ...rest] = pgCommand(bin, args);
    const child = spawn(command as string, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${bin} ${args.join(' ')} failed (${code}):\n${out}`))));
  });
}

/** A PostgreSQL cluster of its own, in a temporary directory, on a free port from 55433. */
export async function startCluster(t: Tap): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'ipcoop-faults-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const asPostgres = (bin: string, args: string[]) => {
    const [command, ...rest] = pgCommand(bin, args);
    const res = spawnSync(command as string, rest, { encoding: 'utf8' });
    if (res.error) throw new Error(`cannot run ${join(PG_BIN, bin)} (set PG_BIN to PostgreSQL's bin directory): ${res.error.message}`);
    if (res.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
    return res.stdout;
  };
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
  let port = await freePort(55433);
  const settings = () => `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const ctl = (...args: string[]) => asPostgresAsync('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '30', ...args]);
  const cluster: Cluster = {
    get port() { return port; },
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    restart: async () => { await ctl('-o', settings(), '-m', 'fast', 'restart'); },
    stop: async (mode = 'fast') => { await ctl('-m', mode, 'stop'); },
    start: async () => { await ctl('-o', settings(), 'start'); },
    log: () => spawnSync('tail', ['-n', '60', logFile], { encoding: 'utf8' }).stdout,
  };
  const cleanup = () => {
    if (existsSync(join(data, 'postmaster.pid'))) {
      const [command, ...rest] = pgCommand('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      spawnSync(command as string, rest);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  cleanups.add(cleanup);
  t.teardown(() => {
    if (!t.passing()) process.stderr.write(`--- PostgreSQL log (port ${port}) ---\n${cluster.log()}\n`);
    cleanup();
    cleanups.delete(cleanup);
  });
  // Another run may take the port between the check and the start: then the next one.
  for (let attempt = 1; ; attempt++) {
    try {
      await cluster.start();
      return cluster;
    } catch (error) {
      if (attempt === 5) throw error;
      port = await freePort(port + 1);
    }
  }
}

/** Creates `name` in the cluster, migrated and seeded with the 2018-19 record and the demo data. */
export async function seededDatabase(cluster: Cluster, name = 'ipcoop'): Promise<DatabaseHandle> {
  const admin = await openDatabase({ databaseUrl: cluster.url('postgres'), poolSize: 1 });
  await sql.raw(`CREATE DATABASE "${name}"`).execute(admin.db);
  await admin.close();
  const handle = await openDatabase({ databaseUrl: cluster.url(name), poolSize: 4 });
  await migrateToLatest(handle.db);
  await seed(handle.db, { demoPassword: DEMO_PASSWORD });
  return handle;
}

/** A published event open for registration, with `capacity` places. */
export async function createEvent(handle: DatabaseHandle, slug: string, capacity: number | null, waitlist = true) {
  const template = await handle.db.selectFrom('events').selectAll().where('status', '=', 'published')
    .where('starts_at', '>', new Date()).orderBy('starts_at').executeTakeFirstOrThrow();
  return handle.db.insertInto('events').values({
    item_id: template.item_id, slug, kind: 'seminar', title: `Fault test ${slug}`, starts_at: template.starts_at,
    ends_at: template.ends_at, capacity, status: 'published', waitlist_enabled: waitlist,
  }).returning(['id', 'slug']).executeTakeFirstOrThrow();
}

export type AppProcess = {
  child: ChildProcess;
  port: number;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive: () => boolean;
  output: () => string;
  ready: () => Promise<void>;
};

/** `node --import tsx src/server.ts` with the given environment; its output is kept for diagnosis. */
export async function startApp(t: Tap, env: Record<string, string>, name = 'app'): Promise<AppProcess> {
  const port = Number(env.PORT ?? await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'no',
      SESSION_SECRET,
      // The faults send hundreds of registrations from one address: the limits would refuse them.
      RATE_LIMITS: 'off',
      DATA_DIR: join(tmpdir(), 'ipcoop-faults-unused'),
      ...env,
      PORT: String(port),
      BASE_URL: `http://127.0.0.1:${port}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => {
    output += d.toString();
    if (output.length > 400_000) output = output.slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let alive = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => { alive = false; resolve({ code, signal }); });
  });
  const kill = () => { if (alive) child.kill('SIGKILL'); };
  cleanups.add(kill);
  t.teardown(async () => {
    if (!t.passing()) process.stderr.write(`--- ${name} (pid ${child.pid}, port ${port}) output ---\n${output.slice(-20_000)}\n`);
    kill();
    cleanups.delete(kill);
    if (alive) await exited;
  });
  const url = `http://127.0.0.1:${port}`;
  const app: AppProcess = {
    child, port, url, exited, alive: () => alive, output: () => output,
    ready: async () => {
      await until(`${name} to answer /healthz`, async () => {
        if (!alive) throw new Error(`${name} exited:\n${output}`);
        const res = await fetch(`${url}/healthz`).catch(() => undefined);
        return res?.status === 200;
      }, 60_000, 100);
    },
  };
  return app;
}

/** A browser's CSRF cookie and token, from the event page. */
export async function formSession(baseUrl: string, path: string) {
  const page = await fetch(`${baseUrl}${path}`);
  const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (page.status !== 200 || !csrf) throw new Error(`no form at ${baseUrl}${path} (${page.status})`);
  return { cookie, csrf };
}

export type Attempt = { email: string; status: number | 'network'; error?: string; at: number; done: number; instance: number };

/**
 * Posts registrations, each with a new email, `concurrency` at a time, spread round-robin over
 * `bases`, until `stop()` is true or `limit` were sent. Never throws: each outcome is recorded.
 */
export async function registrationStream(options: {
  bases: string[]; slug: string; concurrency: number; limit?: number; stop?: () => boolean; tag: string; pauseMs?: number;
}): Promise<Attempt[]> {
  const forms = await Promise.all(options.bases.map((b) => formSession(b, `/events/${options.slug}`)));
  const attempts: Attempt[] = [];
  let n = 0;
  const worker = async () => {
    for (;;) {
      if (options.stop?.()) return;
      if (options.limit !== undefined && n >= options.limit) return;
      const i = n++;
      const instance = i % options.bases.length;
      const form = forms[instance];
      const email = `${options.tag}-${i}@faults.test`;
      const body = new URLSearchParams({
        _csrf: form?.csrf ?? '', name: `Participant ${i}`, email, organisation: 'Faults', side: 'HK', consent: 'on',
      });
      const at = Date.now();
      try {
        const res = await fetch(`${options.bases[instance]}/events/${options.slug}/register`, {
          method: 'POST', redirect: 'manual', body,
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form?.cookie ?? '' },
          signal: AbortSignal.timeout(30_000),
        });
        await res.arrayBuffer();
        attempts.push({ email, status: res.status, at, done: Date.now(), instance });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        attempts.push({ email, status: 'network', error: cause?.code ?? cause?.message ?? String(error), at, done: Date.now(), instance });
        await sleep(100);
      }
      if (options.pauseMs) await sleep(options.pauseMs);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return attempts;
}

export function tally(attempts: Attempt[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of attempts) {
    const key = a.status === 'network' ? `network:${a.error}` : String(a.status);
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

export type Delivery = { messageId: string; to: string; subject: string; at: number };

export type Sink = {
  url: string;
  deliveries: Delivery[];
  /** Closes the listener and every open connection: senders get "connection refused". */
  down: () => Promise<void>;
  up: () => Promise<void>;
  /** How long the server takes to accept each message. */
  delayMs: number;
};

/** A real SMTP server on a fixed local port, which can be taken down and brought back. */
export async function startSink(t: Tap): Promise<Sink> {
  const port = await freePort();
  let server: SMTPServer | undefined;
  const closed = new Set<string>();
  const sink: Sink = {
    url: `smtp://127.0.0.1:${port}`,
    deliveries: [],
    delayMs: 0,
    down: async () => {
      const s = server;
      server = undefined;
      if (!s) return;
      // smtp-server waits for clients to leave; don't: an outage drops them.
      const connections = (s as unknown as { connections: Set<{ close: () => void }> }).connections;
      for (const c of connections ?? []) c.close();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    up: async () => {
      if (server) return;
      const s = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        disableReverseLookup: true,
        logger: false,
        onClose(session) {
          closed.add(session.id);
        },
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => void (async () => {
            if (sink.delayMs) await sleep(sink.delayMs);
            // A sender gone before the message was accepted did not send it.
            if (closed.has(session.id)) return callback(new Error('gone'));
            if (server !== s) return callback(Object.assign(new Error('shutting down'), { responseCode: 421 }));
            const raw = Buffer.concat(chunks).toString('utf8');
            const header = raw.split(/\r?\n\r?\n/)[0] ?? '';
            const messageId = /^message-id:\s*(<[^>]+>)/im.exec(header)?.[1] ?? '';
            const subject = /^subject:\s*(.*)$/im.exec(header)?.[1] ?? '';
            for (const rcpt of session.envelope.rcptTo) {
              sink.deliveries.push({ messageId, to: rcpt.address, subject, at: Date.now() });
            }
            callback();
          })());
        },
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      s.on('error', () => {});
      // Without this, delayed ACKs cost each message some 100 ms on loopback.
      s.server.on('connection', (socket: import('node:net').Socket) => socket.setNoDelay(true));
      server = s;
    },
  };
  await sink.up();
  t.teardown(() => sink.down());
  return sink;
}

/** How often each recipient got a message, and which Message-IDs came more than once. */
export function deliveryCounts(deliveries: Delivery[]) {
  const byRecipient = new Map<string, number>();
  const byMessageId = new Map<string, number>();
  for (const d of deliveries) {
    byRecipient.set(d.to, (byRecipient.get(d.to) ?? 0) + 1);
    byMessageId.set(d.messageId, (byMessageId.get(d.messageId) ?? 0) + 1);
  }
  const repeatedIds = [...byMessageId].filter(([, n]) => n > 1).map(([id]) => id);
  return { byRecipient, byMessageId, repeatedIds };
}

/** Registrations of an event by email, with the counter read in the same statement. */
export async function registrationsOf(handle: DatabaseHandle, eventId: number) {
  const rows = await handle.db.selectFrom('registrations').where('event_id', '=', eventId).select(['email', 'status']).execute();
  const event = await handle.db.selectFrom('events').where('id', '=', eventId).select(['confirmed_count', 'capacity']).executeTakeFirstOrThrow();
  return { rows, emails: new Set(rows.map((r) => r.email)), counter: event.confirmed_count, capacity: event.capacity };
}

/** Waits until no message to `like` is pending in the outbox. */
export async function outboxDrained(handle: DatabaseHandle, like: string, ms = 60_000) {
  await until('the outbox to be delivered', async () => {
    const left = await handle.db.selectFrom('mail_outbox').where('to_address', 'like', like).where('status', '!=', 'sent')
      .select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(left.n) === 0;
  }, ms, 250);
  return handle.db.selectFrom('mail_outbox').where('to_address', 'like', like)
    .select(['message_id', 'to_address', 'subject', 'attempts', 'status']).execute();
}

/** One line of figures for the run's record (docs/RELIABILITY.md quotes them). */
export function figure(t: Tap, name: string, values: Record<string, unknown>) {
  t.comment(`FIGURES ${name} ${JSON.stringify(values)}`);
}

export type Probe = { at: number; status: number | 'network' };

/** Asks /healthz every `everyMs` until stopped; returns what it saw. */
export function healthProbe(baseUrl: string, everyMs = 50) {
  const seen: Probe[] = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const at = Date.now();
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(15_000) }).catch(() => undefined);
      if (res) await res.arrayBuffer().catch(() => undefined);
      seen.push({ at, status: res?.status ?? 'network' });
      await sleep(everyMs);
    }
  })();
  return { seen, stop: async () => { stopped = true; await done; return seen; } };
}

/** Notes how long each stage took, as comments in the output. */
export function stopwatch(t: Tap) {
  const start = Date.now();
  let last = start;
  return (stage: string) => {
    const now = Date.now();
    t.comment(`${stage}: ${now - last} ms (${now - start} ms in)`);
    last = now;
  };
}
