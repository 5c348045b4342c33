import { sql } from 'kysely';
import t from 'tap';
import { newSecret } from '../../../src/modules/webhooks/service.ts';
import { Agent } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { TEST_DATABASE_URL } from '../../helpers/database.ts';

/*
 * /metrics: the Prometheus text format, read back by a strict parser; its figures checked
 * against the database and the app; the token required.
 */

const TOKEN = 'metrics-token-for-the-test-0123456789';

type Sample = { name: string; labels: Record<string, string>; value: number };

/** The exposition format 0.0.4, line by line: every line must be a comment, a HELP/TYPE line or a sample. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sampleLine = new RegExp(`^(${name})(?:\\{(.*)\\})? (\\S+)$`);
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (type) {
      types.set(type[1] ?? '', type[2] ?? '');
      continue;
    }
    if (new RegExp(`^# HELP ${name} .*$`).test(line)) continue;
    const match = sampleLine.exec(line);
    if (!match) throw new Error(`not the Prometheus text format: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').split(/,(?=[a-zA-Z_][a-zA-Z0-9_]*=")/).filter(Boolean)) {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"$/.exec(pair);
      if (!label) throw new Error(`bad label in: ${line}`);
      labels[label[1] ?? ''] = label[2] ?? '';
    }
    // Go's float parsing, as Prometheus reads values: NaN in any case, ±Inf.
    const raw = match[3] ?? '';
    const value = /^nan$/i.test(raw) ? NaN : /^[+-]?inf$/i.test(raw) ? (raw.startsWith('-') ? -Infinity : Infinity) : Number(raw);
    if (Number.isNaN(value) && !/^nan$/i.test(raw)) throw new Error(`bad value in: ${line}`);
    samples.push({ name: match[1] ?? '', labels, value });
  }
  return { samples, types };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

t.test('without METRICS_TOKEN there is no /metrics', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  t.equal(res.statusCode, 404);
});

t.test('with METRICS_TOKEN', async (t) => {
  const { app, db } = await build(t, { env: { METRICS_TOKEN: TOKEN } });
  const scrape = (authorization?: string) => app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });

  t.test('the token is required, as a bearer token', async (t) => {
    for (const authorization of [undefined, `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`, 'Bearer ']) {
      const res = await scrape(authorization);
      t.equal(res.statusCode, 401, `${authorization ?? 'no header'}: 401`);
      t.equal(res.headers['www-authenticate'], 'Bearer realm="metrics"');
      t.notMatch(res.body, 'http_request_duration_seconds');
    }
    t.equal((await scrape(`Bearer ${TOKEN}`)).statusCode, 200);
  });

  t.test('the format parses, and the figures are the database\'s and the app\'s', async (t) => {
    const event = await db.selectFrom('events').where('status', '=', 'published').select('slug').orderBy('id').executeTakeFirstOrThrow();
    const visitor = new Agent(app);
    for (let i = 0; i < 3; i++) await visitor.get(`/events/${event.slug}`);
    await visitor.get('/no/such/page/at/all');
    // A webhook delivery waiting for an hour.
    const organisation = await db.selectFrom('organisations').select('id').orderBy('id').executeTakeFirstOrThrow();
    const endpoint = await db.insertInto('webhook_endpoints').values({
      organisation_id: organisation.id, url: 'https://example.org/hook', event_types: ['checkin.created'], secret: newSecret(),
    }).returning('id').executeTakeFirstOrThrow();
    const hook = await db.insertInto('webhook_events').values({ message_id: 'msg_metrics', type: 'checkin.created', payload: '{}' })
      .returning('id').executeTakeFirstOrThrow();
    await db.insertInto('webhook_deliveries').values({ endpoint_id: endpoint.id, event_id: hook.id, created_at: sql<Date>`now() - interval '1 hour'` })
      .execute();

    const res = await scrape(`Bearer ${TOKEN}`);
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
    t.equal(res.headers['cache-control'], 'no-store');
    const { samples, types } = parse(res.body);
    t.equal(types.get('http_request_duration_seconds'), 'histogram');
    t.equal(types.get('ipcoop_page_cache_hits_total'), 'counter');

    const route = { method: 'GET', route: '/events/:slug', status_code: '200' };
    t.equal(value(samples, 'http_request_duration_seconds_count', route), 3, 'requests counted by route pattern and status');
    t.equal(value(samples, 'http_request_duration_seconds_bucket', { ...route, le: '+Inf' }), 3);
    t.ok((value(samples, 'http_request_duration_seconds_sum', route) ?? 0) > 0);
    t.equal(value(samples, 'http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_code: '404' }), 1,
      'an unknown address counts under one label');
    t.notOk(res.body.includes(event.slug), 'never the address itself');
    t.notOk(res.body.includes('/no/such/page'));

    const byStatus = await db.selectFrom('registrations').groupBy('status').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).execute();
    for (const { status, n } of byStatus) t.equal(value(samples, 'ipcoop_registrations', { status }), Number(n), `${status} registrations`);
    const checkedIn = await db.selectFrom('registrations').where('checked_in_at', 'is not', null).select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    t.equal(value(samples, 'ipcoop_checkins'), Number(checkedIn.n));

    const mail = await db.selectFrom('mail_outbox').where('status', '=', 'pending').select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    t.equal(value(samples, 'ipcoop_mail_outbox_messages', { status: 'pending' }), Number(mail.n));
    t.ok((value(samples, 'ipcoop_mail_outbox_oldest_pending_seconds') ?? -1) >= 0);
    t.equal(value(samples, 'ipcoop_webhook_deliveries', { status: 'pending' }), 1);
    t.equal(value(samples, 'ipcoop_webhook_deliveries', { status: 'failed' }), 0);
    t.ok((value(samples, 'ipcoop_webhook_oldest_pending_seconds') ?? 0) >= 3600, 'the oldest waiting delivery\'s age');

    t.equal(app.pageCache.hits, 2, 'the page was rendered once and served twice from the cache');
    t.equal(value(samples, 'ipcoop_page_cache_hits_total'), app.pageCache.hits);
    t.equal(value(samples, 'ipcoop_page_cache_misses_total'), app.pageCache.misses);
    t.equal(value(samples, 'ipcoop_page_cache_entries'), app.pageCache.size);

    const engine = TEST_DATABASE_URL ? 'postgres' : 'pglite';
    t.equal(value(samples, 'ipcoop_database_info', { engine }), 1);
    t.equal(value(samples, 'ipcoop_database_pool_connections', { state: 'max' }), TEST_DATABASE_URL ? 10 : 1);
    t.ok((value(samples, 'ipcoop_database_pool_connections', { state: 'open' }) ?? 0) >= 1);
    t.ok(value(samples, 'process_cpu_user_seconds_total') !== undefined, 'the process\'s own figures too');
  });
});
