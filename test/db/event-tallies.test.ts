import { sql } from 'kysely';
import t from 'tap';
import type { Database } from '../../src/db/index.ts';
import { desk } from '../../src/modules/events/queries.ts';
import { cloneTemplate } from '../helpers/database.ts';

/*
 * event_tallies (migrations/2026-12-05T08-00_event-tallies.ts) is kept by triggers: after any
 * write to registrations — one row or many, insert, status change, check-in, erasure, delete,
 * the event itself deleted — each event's row equals the counts taken from its registrations.
 */

const handle = await cloneTemplate();
t.teardown(() => handle.close());
const db: Database = handle.db;

/** Events whose kept counts differ from a count of their registrations (none, when the triggers are right). */
async function drift() {
  const { rows } = await sql<{ event_id: number }>`
    SELECT coalesce(t.event_id, r.event_id) AS event_id FROM event_tallies t
    FULL JOIN (SELECT event_id, count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed,
      count(*) FILTER (WHERE status = 'waitlisted')::int AS waitlisted, count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
      count(*) FILTER (WHERE checked_in_at IS NOT NULL)::int AS checked_in FROM registrations GROUP BY event_id) r ON r.event_id = t.event_id
    WHERE t.event_id IS NULL
      OR (t.confirmed, t.waitlisted, t.cancelled, t.checked_in)
        IS DISTINCT FROM (coalesce(r.confirmed, 0), coalesce(r.waitlisted, 0), coalesce(r.cancelled, 0), coalesce(r.checked_in, 0))
  `.execute(db);
  return rows.map((r) => r.event_id);
}

const person = (eventId: number, n: number, status: 'confirmed' | 'waitlisted') => ({
  event_id: eventId, name: `Person ${n}`, email: `tally-${eventId}-${n}@example.org`, side: 'HK' as const, status, token_hash: `tally-${eventId}-${n}`,
});

t.test('the demo data starts counted, and every kind of write keeps it so', async (t) => {
  t.same(await drift(), [], 'backfilled');
  const item = await db.selectFrom('items').select('id').orderBy('id').executeTakeFirstOrThrow();
  const created = await db.insertInto('events').values({
    item_id: item.id, slug: 'tally-test', title: 'Tally test', kind: 'seminar', starts_at: new Date('2030-01-01T02:00:00Z'),
    ends_at: new Date('2030-01-01T04:00:00Z'), timezone: 'Asia/Hong_Kong', status: 'published',
  }).returning('id').executeTakeFirstOrThrow();
  const eventId = created.id;
  t.same(await desk(db, eventId), { confirmed: 0, checked_in: 0, waitlisted: 0, cancelled: 0 }, 'a new event starts at zero');

  await db.insertInto('registrations').values([
    ...[1, 2, 3, 4, 5].map((n) => person(eventId, n, 'confirmed')), person(eventId, 6, 'waitlisted'), person(eventId, 7, 'waitlisted'),
  ]).execute();
  t.same(await desk(db, eventId), { confirmed: 5, checked_in: 0, waitlisted: 2, cancelled: 0 }, 'a bulk insert');

  const ids = (await db.selectFrom('registrations').select('id').where('event_id', '=', eventId).orderBy('id').execute()).map((r) => r.id);
  await db.updateTable('registrations').set({ checked_in_at: new Date() }).where('id', 'in', ids.slice(0, 3)).execute();
  await db.updateTable('registrations').set({ status: 'cancelled', cancelled_at: new Date() }).where('id', '=', ids[4]!).execute();
  await db.updateTable('registrations').set({ status: 'confirmed' }).where('id', '=', ids[5]!).execute();
  await db.updateTable('registrations').set({ checked_in_at: null }).where('id', '=', ids[0]!).execute();
  await db.updateTable('registrations').set({ organisation: 'Nothing counted' }).where('event_id', '=', eventId).execute();
  t.same(await desk(db, eventId), { confirmed: 5, checked_in: 2, waitlisted: 1, cancelled: 1 }, 'check-ins, cancels and promotions');

  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('registrations').where('id', '=', ids[1]!).execute();
    t.same(await desk(trx, eventId), { confirmed: 4, checked_in: 1, waitlisted: 1, cancelled: 1 }, 'seen inside the transaction');
    throw new Error('rolled back');
  }).catch(() => {});
  t.same(await desk(db, eventId), { confirmed: 5, checked_in: 2, waitlisted: 1, cancelled: 1 }, 'a rollback undoes the counts');

  await db.deleteFrom('registrations').where('id', 'in', [ids[1]!, ids[6]!]).execute();
  t.same(await desk(db, eventId), { confirmed: 4, checked_in: 1, waitlisted: 0, cancelled: 1 }, 'deletes');
  t.same(await drift(), []);

  await db.deleteFrom('events').where('id', '=', eventId).execute();
  t.same(await drift(), [], 'an event deleted with its registrations leaves nothing behind');
});
