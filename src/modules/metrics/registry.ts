import { sql } from 'kysely';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type Database, poolStats } from '../../db/index.ts';
import type { PageCache } from '../../lib/page-cache.ts';

/*
 * What /metrics reports. Requests are measured as they are answered (one histogram observation,
 * labelled by the route's pattern, never its address, so that private links and ids do not
 * multiply the series). Everything else is read when Prometheus asks: counts from the database,
 * which are the same whichever instance answers, and this instance's pool and page cache.
 */

/** Seconds; from a cached page (under a millisecond) to a slow export. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The label of a request no route matched: one series for all of them. */
export const UNMATCHED = 'unmatched';

type Backlog = { pending: number; failed: number; oldest: number | null };

export class AppMetrics {
  readonly registry = new Registry();
  readonly #requests: Histogram<'method' | 'route' | 'status_code'>;
  readonly #db: Database;
  readonly #gauges;

  constructor(db: Database, pageCache: PageCache) {
    this.#db = db;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#requests = new Histogram({
      name: 'http_request_duration_seconds', help: 'Time to answer a request, by route pattern and status.',
      labelNames: ['method', 'route', 'status_code'], buckets: BUCKETS, registers,
    });
    const gauge = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
      new Gauge<L>({ name, help, labelNames, registers });
    this.#gauges = {
      registrations: gauge('ipcoop_registrations', 'Registrations, by status.', ['status']),
      checkins: gauge('ipcoop_checkins', 'Registrations checked in.'),
      mail: gauge('ipcoop_mail_outbox_messages', 'Messages in the mail outbox waiting to be sent or failed.', ['status']),
      mailOldest: gauge('ipcoop_mail_outbox_oldest_pending_seconds', 'Age of the oldest message waiting in the mail outbox (0: none).'),
      webhooks: gauge('ipcoop_webhook_deliveries', 'Webhook deliveries waiting to be sent or failed.', ['status']),
      webhooksOldest: gauge('ipcoop_webhook_oldest_pending_seconds', 'Age of the oldest webhook delivery waiting (0: none).'),
      database: gauge('ipcoop_database_info', 'The database engine (1).', ['engine']),
      pool: gauge('ipcoop_database_pool_connections',
        'Connections of this instance\'s pool: max, open, idle; PGlite: one, in process.', ['state']),
      poolWaiting: gauge('ipcoop_database_pool_waiting', 'Queries waiting for a free connection of this instance\'s pool.'),
    };
    const counter = (name: string, help: string, read: () => number) => new Counter({
      name, help, registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
    counter('ipcoop_page_cache_hits_total', 'Public pages served from this instance\'s page cache.', () => pageCache.hits);
    counter('ipcoop_page_cache_misses_total', 'Public pages rendered and stored in this instance\'s page cache.', () => pageCache.misses);
    new Gauge({
      name: 'ipcoop_page_cache_entries', help: 'Pages kept in this instance\'s page cache.', registers,
      collect() {
        this.set(pageCache.size);
      },
    });
  }

  /** Called once per answered request. */
  observe(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    this.#requests.observe({ method, route: route ?? UNMATCHED, status_code: statusCode }, seconds);
  }

  /** The exposition, with the figures read from the database now (one round trip). */
  async render(): Promise<{ contentType: string; body: string }> {
    await this.#readDatabase();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  async #readDatabase(): Promise<void> {
    const { rows: [row] } = await sql<{
      registrations: Record<string, number> | null; checkins: number; mail: Backlog; webhooks: Backlog;
    }>`SELECT
      (SELECT json_object_agg(status, n) FROM (SELECT status, count(*)::int AS n FROM registrations GROUP BY status) s) AS registrations,
      (SELECT count(*)::int FROM registrations WHERE checked_in_at IS NOT NULL) AS checkins,
      (SELECT json_build_object(
        'pending', count(*) FILTER (WHERE status = 'pending'), 'failed', count(*) FILTER (WHERE status = 'failed'),
        'oldest', extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending')))
        FROM mail_outbox WHERE status <> 'sent') AS mail,
      (SELECT json_build_object(
        'pending', count(*) FILTER (WHERE status = 'pending'), 'failed', count(*) FILTER (WHERE status = 'failed'),
        'oldest', extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending')))
        FROM webhook_deliveries WHERE status <> 'delivered') AS webhooks`.execute(this.#db);
    const g = this.#gauges;
    g.registrations.reset();
    for (const status of ['confirmed', 'waitlisted', 'unconfirmed', 'awaiting', 'cancelled']) g.registrations.set({ status }, 0);
    for (const [status, n] of Object.entries(row?.registrations ?? {})) g.registrations.set({ status }, n);
    g.checkins.set(row?.checkins ?? 0);
    for (const [backlog, gauge, oldest] of [[row?.mail, g.mail, g.mailOldest], [row?.webhooks, g.webhooks, g.webhooksOldest]] as const) {
      gauge.set({ status: 'pending' }, backlog?.pending ?? 0);
      gauge.set({ status: 'failed' }, backlog?.failed ?? 0);
      oldest.set(Math.max(0, Number(backlog?.oldest ?? 0)));
    }
    const pool = poolStats(this.#db);
    g.database.set({ engine: pool ? 'postgres' : 'pglite' }, 1);
    if (pool) {
      g.pool.set({ state: 'max' }, pool.max);
      g.pool.set({ state: 'open' }, pool.total);
      g.pool.set({ state: 'idle' }, pool.idle);
      g.poolWaiting.set(pool.waiting);
    } else {
      g.pool.set({ state: 'max' }, 1);
      g.pool.set({ state: 'open' }, 1);
    }
  }
}
