import autocannon from 'autocannon';
import { sql } from 'kysely';
import type { DatabaseHandle } from '../src/db/index.ts';
import { freshPostgres, isMain, listen } from './support.ts';

/*
 * A registration rush: autocannon posts registrations, each with a new email, as fast as the
 * server takes them, at one event; afterwards the confirmed count must equal the capacity
 * exactly and every registration beyond it must be on the waiting list.
 *
 *   npx tsx bench/registration-rush.ts            # PostgreSQL at BENCH_DATABASE_URL (recreated)
 *   npx tsx bench/registration-rush.ts --smoke    # one second, for CI
 */

/** `amount` (a number of requests) wins over `seconds` when both are given. */
export type RushOptions = { seconds: number; amount?: number; connections: number; capacity: number; handle?: DatabaseHandle };

export type RushReport = {
  requests: number; perSecond: number; p50Ms: number; p99Ms: number; errors: number; non303: number;
  capacity: number; confirmed: number; waitlisted: number; counter: number; ok: boolean;
};

export async function registrationRush(options: RushOptions): Promise<RushReport> {
  const handle = options.handle ?? await freshPostgres();
  const { app, url } = await listen(handle);
  let closed = false;
  try {
    const template = await handle.db.selectFrom('events').selectAll().where('status', '=', 'published')
      .where('starts_at', '>', new Date()).orderBy('starts_at').executeTakeFirstOrThrow();
    const event = await handle.db.insertInto('events').values({
      item_id: template.item_id, slug: `rush-${Date.now()}`, kind: 'seminar', title: 'Registration rush', starts_at: template.starts_at,
      ends_at: template.ends_at, capacity: options.capacity, status: 'published', waitlist_enabled: true,
    }).returning(['id', 'slug']).executeTakeFirstOrThrow();

    // A CSRF cookie and token, as a browser would have them from the event page.
    const page = await fetch(`${url}/events/${event.slug}`);
    const cookie = (page.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    let n = 0;
    const result = await autocannon({
      url: `${url}/events/${event.slug}/register`,
      connections: options.connections,
      duration: options.seconds,
      ...(options.amount ? { amount: options.amount } : {}),
      requests: [{
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        setupRequest: (request) => ({
          ...request,
          body: new URLSearchParams({
            _csrf: csrf, name: `Rush Participant ${++n}`, email: `rush-${n}-${process.pid}@bench.test`, organisation: 'Bench', side: 'HK', consent: 'on',
          }).toString(),
        }),
      }],
    });
    // Requests still in flight when autocannon stops finish before anything is counted.
    await app.close();
    closed = true;
    // One statement, so the counter and the rows are read from the same snapshot.
    const counted = await handle.db.selectFrom('events as e').where('e.id', '=', event.id).select([
      'e.confirmed_count as counter',
      sql<number>`(select count(*) from registrations r where r.event_id = e.id and r.status = 'confirmed')::int`.as('confirmed'),
      sql<number>`(select count(*) from registrations r where r.event_id = e.id and r.status = 'waitlisted')::int`.as('waitlisted'),
    ]).executeTakeFirstOrThrow();
    const { counter, confirmed, waitlisted } = counted;
    const registered = confirmed + waitlisted;
    const report: RushReport = {
      requests: result.requests.total,
      perSecond: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors + result.timeouts,
      non303: result.non2xx - result['3xx'],
      capacity: options.capacity,
      confirmed,
      waitlisted,
      counter,
      ok: confirmed === Math.min(options.capacity, registered) && counter === confirmed,
    };
    return report;
  } finally {
    if (!closed) await app.close();
    if (!options.handle) await handle.close();
  }
}

if (isMain(import.meta)) {
  const smoke = process.argv.includes('--smoke');
  const report = await registrationRush(smoke
    ? { seconds: 1, connections: 10, capacity: 20 }
    : { seconds: 20, connections: 20, capacity: 100 });
  console.log(JSON.stringify(report, null, 2));
  if (!report.ok) {
    console.error('capacity was not respected');
    process.exit(1);
  }
}
