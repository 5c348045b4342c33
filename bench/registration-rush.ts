import { CompiledQuery, sql } from 'kysely';
import pg from 'pg';
import type { DatabaseHandle } from '../src/db/index.ts';
import { hashToken, newToken } from '../src/lib/tokens.ts';
import { participantMail } from '../src/modules/registrations/messages.ts';
import { eventDetails } from '../src/modules/events/queries.ts';
import { connectionUrl, isMain, listen, load, pooled, standaloneDatabase } from './support.ts';

/*
 * A registration rush: `attempts` registrations, each with a new email, posted over HTTP by
 * `connections` connections at once, at one event of `capacity` places with a waiting list.
 * Afterwards the confirmed count must equal the capacity exactly (and the event's counter the
 * rows). The baseline runs the same transaction — the duplicate check, the conditional UPDATE of
 * the counter, the INSERTs of the registration and of its email — straight through the driver
 * at the same concurrency, with no HTTP and no app in between.
 *
 *   node --expose-gc --import tsx bench/registration-rush.ts [--smoke] [--pglite]
 */

export type RushOptions = { attempts: number; connections: number; capacity: number; inProcess?: boolean; handle: DatabaseHandle };

export type RushReport = {
  attempts: number; requests: number; perSecond: number; p50Ms: number; p99Ms: number; errors: number; unexpected: number;
  capacity: number; confirmed: number; waitlisted: number; counter: number; ok: boolean;
  baseline: { perSecond: number; p50Ms: number; p99Ms: number; confirmed: number; ok: boolean };
};

async function rushEvent(handle: DatabaseHandle, capacity: number, label: string) {
  const template = await handle.db.selectFrom('events').selectAll().where('status', '=', 'published')
    .where('starts_at', '>', new Date()).orderBy('starts_at').executeTakeFirstOrThrow();
  return handle.db.insertInto('events').values({
    item_id: template.item_id, slug: `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`, kind: 'seminar', title: 'Registration rush',
    starts_at: template.starts_at, ends_at: template.ends_at, capacity, status: 'published', waitlist_enabled: true,
  }).returning(['id', 'slug']).executeTakeFirstOrThrow();
}

async function counted(handle: DatabaseHandle, eventId: number) {
  // One statement, so the counter and the rows are read from the same snapshot.
  return handle.db.selectFrom('events as e').where('e.id', '=', eventId).select([
    'e.confirmed_count as counter',
    sql<number>`(select count(*) from registrations r where r.event_id = e.id and r.status = 'confirmed')::int`.as('confirmed'),
    sql<number>`(select count(*) from registrations r where r.event_id = e.id and r.status = 'waitlisted')::int`.as('waitlisted'),
  ]).executeTakeFirstOrThrow();
}

/** The registration transaction as SQL, through pg (PostgreSQL) or the handle (PGlite). */
async function rawBaseline(handle: DatabaseHandle, options: RushOptions) {
  const event = await rushEvent(handle, options.capacity, 'rush-raw');
  const details = await eventDetails(handle.db, event.id);
  const site = { baseUrl: 'http://127.0.0.1', domain: '127.0.0.1' };
  const sample = newToken();
  // One real confirmation, rendered once: the rows written are the size the app writes.
  const mail = await participantMail(handle.db, 'confirmed', details, { name: 'Rush Participant', email: 'rush@bench.test' },
    { token: sample, tokenHash: hashToken(sample), status: 'confirmed' }, site);
  const statements = (n: number) => {
    const email = `raw-${n}-${process.pid}@bench.test`;
    return [
      [`SELECT id, name, status FROM registrations WHERE event_id = $1 AND email = $2 AND status <> 'cancelled' FOR UPDATE`, [event.id, email]],
      [`UPDATE events SET confirmed_count = confirmed_count + 1 WHERE id = $1 AND (capacity IS NULL OR confirmed_count < capacity) RETURNING id`, [event.id]],
      [`INSERT INTO registrations (event_id, name, email, organisation, side, status, answers, token_hash) VALUES ($1, $2, $3, 'Bench', 'HK', $4, '{}', $5)`,
        [event.id, `Rush Participant ${n}`, email, null, hashToken(newToken())]],
      [`INSERT INTO mail_outbox (message_id, to_address, subject, text_body, html_body, attachments, item_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [`<${newToken()}@bench>`, email, mail.subject, mail.text, mail.html ?? null, JSON.stringify(mail.attachments ?? []),
          details.item_id]],
    ] as [string, unknown[]][];
  };
  let run: (n: number) => Promise<void>;
  let close = async () => {};
  if (handle.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: await connectionUrl(handle), max: Math.min(options.connections, 20) });
    close = () => pool.end();
    run = async (n) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const [check, seat, insert, queue] = statements(n);
        await client.query(check![0], check![1]);
        const seated = (await client.query(seat![0], seat![1])).rowCount === 1;
        insert![1][3] = seated ? 'confirmed' : 'waitlisted';
        await client.query(insert![0], insert![1]);
        await client.query(queue![0], queue![1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    };
  } else {
    run = async (n) => {
      await handle.db.transaction().execute(async (trx) => {
        const [check, seat, insert, queue] = statements(n);
        await trx.executeQuery(rawQuery(check!));
        const seated = (await trx.executeQuery(rawQuery(seat!))).rows.length === 1;
        insert![1][3] = seated ? 'confirmed' : 'waitlisted';
        await trx.executeQuery(rawQuery(insert!));
        await trx.executeQuery(rawQuery(queue!));
      });
    };
  }
  try {
    const timing = await pooled(options.attempts, options.connections, run);
    const c = await counted(handle, event.id);
    return {
      ...timing, confirmed: c.confirmed, ok: c.confirmed === Math.min(options.capacity, options.attempts) && c.counter === c.confirmed,
    };
  } finally {
    await close();
  }
}

const rawQuery = ([text, parameters]: [string, unknown[]]) => CompiledQuery.raw(text, parameters);

export async function registrationRush(options: RushOptions): Promise<RushReport> {
  const { handle } = options;
  const baseline = await rawBaseline(handle, options);
  const { url, close } = await listen(handle);
  let closed = false;
  try {
    const event = await rushEvent(handle, options.capacity, 'rush');
    // A CSRF cookie and token, as a browser would have them from the event page.
    const page = await fetch(`${url}/events/${event.slug}`);
    const cookie = (page.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const result = await load({
      url: `${url}/events/${event.slug}/register`,
      method: 'POST',
      connections: options.connections,
      amount: options.attempts,
      inProcess: options.inProcess ?? false,
      seconds: 600,
      headers: { cookie },
      form: { _csrf: csrf, name: 'Rush Participant {n}', email: `rush-{n}-${process.pid}@bench.test`, organisation: 'Bench', side: 'HK', consent: 'on' },
    });
    // Requests still in flight when the load stops finish before anything is counted.
    await close();
    closed = true;
    const { counter, confirmed, waitlisted } = await counted(handle, event.id);
    const registered = confirmed + waitlisted;
    return {
      attempts: options.attempts,
      requests: result.requests,
      perSecond: result.perSecond,
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      errors: result.errors + result.timeouts,
      unexpected: Object.entries(result.statuses).filter(([code]) => code !== '303').reduce((a, [, n]) => a + n, 0),
      capacity: options.capacity,
      confirmed,
      waitlisted,
      counter,
      ok: confirmed === Math.min(options.capacity, registered) && counter === confirmed,
      baseline: {
        perSecond: Math.round(baseline.perSecond), p50Ms: baseline.p50Ms, p99Ms: baseline.p99Ms,
        confirmed: baseline.confirmed, ok: baseline.ok,
      },
    };
  } finally {
    if (!closed) await close();
  }
}

export const RUSH = {
  full: { attempts: 10_000, connections: 50, capacity: 5_000 },
  smoke: { attempts: 40, connections: 5, capacity: 20, inProcess: true },
};

if (isMain(import.meta)) {
  const handle = await standaloneDatabase();
  try {
    const report = await registrationRush({ ...(process.argv.includes('--smoke') ? RUSH.smoke : RUSH.full), handle });
    console.log(JSON.stringify(report, null, 2));
    if (!report.ok) process.exitCode = 1;
  } finally {
    await handle.close();
  }
}
