import { sql } from 'kysely';
import t from 'tap';
import type { Database } from '../../src/db/index.ts';
import { cloneTemplate } from '../helpers/database.ts';

/*
 * registration_tallies (migrations/2026-12-05T07-00_registration-tallies.ts) is kept by triggers:
 * after any write to registrations — one row or many, concurrent, insert, status change, check-in,
 * email confirmation, a change of side or date, delete, the event itself deleted — every event's
 * rows by side and month equal the counts taken from its registrations.
 */

const handle = await cloneTemplate();
t.teardown(() => handle.close());
const db: Database = handle.db;

/** Tally rows that differ from a count of the registrations (none, when the triggers are right). */
async function drift() {
  const { rows } = await sql<{ event_id: number; side: string; month: string }>`
    WITH counted AS (
      SELECT event_id, side, to_char(created_at AT TIME ZONE 'Asia/Hong_Kong', 'YYYY-MM') AS month, count(*)::int AS registrations,
        count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed, count(*) FILTER (WHERE checked_in_at IS NOT NULL)::int AS checked_in,
        count(*) FILTER (WHERE confirm_by IS NULL)::int AS email_confirmed,
        count(*) FILTER (WHERE status = 'waitlisted' AND confirm_by IS NULL)::int AS waitlisted
      FROM registrations GROUP BY 1, 2, 3
    ), kept AS (SELECT * FROM registration_tallies WHERE registrations > 0)
    SELECT coalesce(k.event_id, c.event_id) AS event_id, coalesce(k.side, c.side) AS side, coalesce(k.month, c.month) AS month
    FROM kept k FULL JOIN counted c ON (c.event_id, c.side, c.month) = (k.event_id, k.side, k.month)
    WHERE (k.registrations, k.confirmed, k.checked_in, k.email_confirmed, k.waitlisted)
      IS DISTINCT FROM (c.registrations, c.confirmed, c.checked_in, c.email_confirmed, c.waitlisted)
  `.execute(db);
  return rows;
}

const tallies = async (eventId: number) => db.selectFrom('registration_tallies').where('event_id', '=', eventId)
  .select(['side', 'month', 'registrations', 'confirmed', 'checked_in', 'email_confirmed', 'waitlisted'])
  .orderBy('side').orderBy('month').execute();

const person = (eventId: number, n: number, status: 'confirmed' | 'waitlisted' | 'unconfirmed', side: 'HK' | 'GD' = 'HK') => ({
  event_id: eventId, name: `Person ${n}`, email: `rtally-${eventId}-${n}@example.org`, side, status,
  token_hash: `rtally-${eventId}-${n}`, created_at: new Date('2029-11-30T17:00:00Z'),
  confirm_by: status === 'unconfirmed' ? new Date('2029-12-02T00:00:00Z') : null,
});

t.test('the demo data starts tallied, and every kind of write keeps it so', async (t) => {
  t.same(await drift(), [], 'backfilled');
  const item = await db.selectFrom('items').select('id').orderBy('id').executeTakeFirstOrThrow();
  const created = await db.insertInto('events').values({
    item_id: item.id, slug: 'registration-tally-test', title: 'Tally test', kind: 'seminar', starts_at: new Date('2030-01-01T02:00:00Z'),
    ends_at: new Date('2030-01-01T04:00:00Z'), timezone: 'Asia/Hong_Kong', status: 'published',
  }).returning('id').executeTakeFirstOrThrow();
  const eventId = created.id;
  t.same(await tallies(eventId), [], 'a new event has none');

  await db.insertInto('registrations').values([
    ...[1, 2, 3].map((n) => person(eventId, n, 'confirmed')), person(eventId, 4, 'confirmed', 'GD'),
    person(eventId, 5, 'waitlisted'), person(eventId, 6, 'unconfirmed'),
  ]).execute();
  // 2029-11-30 17:00 UTC is 1 December in Hong Kong.
  t.same(await tallies(eventId), [
    { side: 'GD', month: '2029-12', registrations: 1, confirmed: 1, checked_in: 0, email_confirmed: 1, waitlisted: 0 },
    { side: 'HK', month: '2029-12', registrations: 5, confirmed: 3, checked_in: 0, email_confirmed: 4, waitlisted: 1 },
  ], 'a bulk insert, by side and Hong Kong month');

  // Registrations made at the same moment by separate transactions (the rush): none is lost.
  await Promise.all([7, 8, 9, 10].map((n) => db.transaction().execute((trx) =>
    trx.insertInto('registrations').values(person(eventId, n, 'confirmed')).execute())));
  t.equal((await tallies(eventId)).find((r) => r.side === 'HK')?.confirmed, 7, 'concurrent registrations');

  const ids = (await db.selectFrom('registrations').select('id').where('event_id', '=', eventId).orderBy('id').execute()).map((r) => r.id);
  await db.updateTable('registrations').set({ checked_in_at: new Date() }).where('id', 'in', ids.slice(0, 2)).execute();
  await db.updateTable('registrations').set({ status: 'cancelled', cancelled_at: new Date() }).where('id', '=', ids[2]!).execute();
  await db.updateTable('registrations').set({ status: 'confirmed', confirm_by: null }).where('id', '=', ids[5]!).execute();
  // The date a registration was made is never changed by the site: the trigger follows it all the same.
  await sql`UPDATE registrations SET side = 'MO', created_at = ${new Date('2029-10-10T00:00:00Z')} WHERE id = ${ids[6]!}`.execute(db);
  t.same(await drift(), [], 'check-ins, cancels, confirmed addresses, a changed side and date');

  const before = await tallies(eventId);
  await db.updateTable('registrations').set({ organisation: 'Nothing counted' }).where('event_id', '=', eventId).execute();
  t.same(await tallies(eventId), before, 'a change of nothing counted changes no count');

  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('registrations').where('event_id', '=', eventId).execute();
    throw new Error('rolled back');
  }).catch(() => {});
  t.same(await tallies(eventId), before, 'a rollback undoes the counts');

  await db.deleteFrom('registrations').where('id', 'in', [ids[0]!, ids[3]!]).execute();
  t.same(await drift(), [], 'deletes');
  t.equal((await tallies(eventId)).find((r) => r.side === 'GD')?.registrations, 0, 'a side emptied keeps a row of zeros');

  await db.deleteFrom('events').where('id', '=', eventId).execute();
  t.same(await tallies(eventId), [], 'an event deleted with its registrations leaves nothing behind');
  t.same(await drift(), []);
});
