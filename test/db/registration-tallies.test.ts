import { type Kysely, sql } from 'kysely';
import t from 'tap';
import type { Database } from '../../src/db/index.ts';
import { desk, eventTally } from '../../src/modules/events/queries.ts';
import { eraseRegistrations } from '../../src/modules/privacy/queries.ts';
import { down, up } from '../../migrations/2026-12-06T09-40_one-registration-tally.ts';
import { cloneTemplate } from '../helpers/database.ts';

/*
 * registration_tallies (migrations/2026-12-05T07-00_registration-tallies.ts, with the columns of
 * 2026-12-06T09-40_one-registration-tally.ts) is kept by triggers: after any write to
 * registrations — one row or many, concurrent, insert, bulk copy, status change, check-in, email
 * confirmation, a badge printed, erasure, a change of side or date, delete, the event itself
 * deleted — every event's rows by side and month equal the counts taken from its registrations,
 * and the counts organisers' pages sum from them (the desk's) equal the counts of the rows. The
 * migration counts an existing database's registrations again.
 */

const handle = await cloneTemplate();
t.teardown(() => handle.close());
const db: Database = handle.db;

/** Each column and the registrations it counts, written out here apart from the migration. */
const COUNTS = `count(*)::int AS registrations,
  count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed,
  count(*) FILTER (WHERE checked_in_at IS NOT NULL)::int AS checked_in,
  count(*) FILTER (WHERE confirm_by IS NULL)::int AS email_confirmed,
  count(*) FILTER (WHERE status = 'waitlisted' AND confirm_by IS NULL)::int AS waitlisted,
  count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
  count(*) FILTER (WHERE status = 'waitlisted' AND confirm_by IS NOT NULL)::int AS waitlisted_pending,
  count(*) FILTER (WHERE status <> 'cancelled' AND confirm_by IS NULL)::int AS reachable,
  count(*) FILTER (WHERE status = 'confirmed' AND confirm_by IS NULL)::int AS reachable_confirmed,
  count(*) FILTER (WHERE checked_in_at IS NOT NULL AND confirm_by IS NULL)::int AS reachable_checked_in,
  count(*) FILTER (WHERE status = 'confirmed' AND erased_at IS NULL)::int AS badge_holders,
  count(*) FILTER (WHERE status = 'confirmed' AND erased_at IS NULL AND badge_printed_at IS NOT NULL)::int AS badges_printed`;
const COLUMNS = [
  'registrations', 'confirmed', 'checked_in', 'email_confirmed', 'waitlisted', 'cancelled', 'waitlisted_pending', 'reachable',
  'reachable_confirmed', 'reachable_checked_in', 'badge_holders', 'badges_printed',
] as const;
const tuple = (alias: string) => COLUMNS.map((c) => `${alias}.${c}`).join(', ');

/** Tally rows that differ from a count of the registrations (none, when the triggers are right). */
async function drift() {
  const { rows } = await sql.raw<{ event_id: number; side: string; month: string }>(`
    WITH counted AS (
      SELECT event_id, side, to_char(created_at AT TIME ZONE 'Asia/Hong_Kong', 'YYYY-MM') AS month, ${COUNTS}
      FROM registrations GROUP BY 1, 2, 3
    ), kept AS (SELECT * FROM registration_tallies WHERE ${COLUMNS.map((c) => `${c} <> 0`).join(' OR ')})
    SELECT coalesce(k.event_id, c.event_id) AS event_id, coalesce(k.side, c.side) AS side, coalesce(k.month, c.month) AS month
    FROM kept k FULL JOIN counted c ON (c.event_id, c.side, c.month) = (k.event_id, k.side, k.month)
    WHERE (${tuple('k')}) IS DISTINCT FROM (${tuple('c')})
  `).execute(db);
  return rows;
}

/** An event's counts, taken from its registrations. */
async function counted(eventId: number) {
  const { rows } = await sql.raw<Record<(typeof COLUMNS)[number], number>>(
    `SELECT ${COUNTS} FROM registrations WHERE event_id = ${eventId}`).execute(db);
  return rows[0]!;
}

const tallies = async (eventId: number) => db.selectFrom('registration_tallies').where('event_id', '=', eventId)
  .select(['side', 'month', 'registrations', 'confirmed', 'checked_in', 'email_confirmed', 'waitlisted'])
  .orderBy('side').orderBy('month').execute();

const person = (eventId: number, n: number, status: 'confirmed' | 'waitlisted' | 'unconfirmed', side: 'HK' | 'GD' = 'HK') => ({
  event_id: eventId, name: `Person ${n}`, email: `rtally-${eventId}-${n}@example.org`, side, status,
  token_hash: `rtally-${eventId}-${n}`, created_at: new Date('2029-11-30T17:00:00Z'),
  confirm_by: status === 'unconfirmed' ? new Date('2029-12-02T00:00:00Z') : null,
});

let serial = 0;
async function newEvent() {
  const item = await db.selectFrom('items').select('id').orderBy('id').executeTakeFirstOrThrow();
  const created = await db.insertInto('events').values({
    item_id: item.id, slug: `registration-tally-test-${++serial}`, title: 'Tally test', kind: 'seminar',
    starts_at: new Date('2030-01-01T02:00:00Z'), ends_at: new Date('2030-01-01T04:00:00Z'), timezone: 'Asia/Hong_Kong', status: 'published',
  }).returning('id').executeTakeFirstOrThrow();
  return created.id;
}

t.test('the demo data starts tallied, and every kind of write keeps it so', async (t) => {
  t.same(await drift(), [], 'backfilled');
  const eventId = await newEvent();
  t.same(await tallies(eventId), [], 'a new event has none');
  t.same(await desk(db, eventId), { confirmed: 0, checked_in: 0, waitlisted: 0, cancelled: 0 }, 'and its counts are zero');

  await db.insertInto('registrations').values([
    ...[1, 2, 3].map((n) => person(eventId, n, 'confirmed')), person(eventId, 4, 'confirmed', 'GD'),
    person(eventId, 5, 'waitlisted'), person(eventId, 6, 'unconfirmed'),
  ]).execute();
  // 2029-11-30 17:00 UTC is 1 December in Hong Kong.
  t.same(await tallies(eventId), [
    { side: 'GD', month: '2029-12', registrations: 1, confirmed: 1, checked_in: 0, email_confirmed: 1, waitlisted: 0 },
    { side: 'HK', month: '2029-12', registrations: 5, confirmed: 3, checked_in: 0, email_confirmed: 4, waitlisted: 1 },
  ], 'a bulk insert, by side and Hong Kong month');
  t.same(await desk(db, eventId), { confirmed: 4, checked_in: 0, waitlisted: 1, cancelled: 0 }, 'the desk sums the sides');

  // Registrations made at the same moment by separate transactions (the rush): none is lost.
  await Promise.all([7, 8, 9, 10].map((n) => db.transaction().execute((trx) =>
    trx.insertInto('registrations').values(person(eventId, n, 'confirmed')).execute())));
  t.equal((await tallies(eventId)).find((r) => r.side === 'HK')?.confirmed, 7, 'concurrent registrations');

  // A waiting-list place whose address is not yet confirmed: the desk counts it, the public figures do not.
  await db.insertInto('registrations').values({ ...person(eventId, 11, 'waitlisted'), confirm_by: new Date('2029-12-02T00:00:00Z') }).execute();
  t.same(await desk(db, eventId), { confirmed: 8, checked_in: 0, waitlisted: 2, cancelled: 0 });

  const ids = (await db.selectFrom('registrations').select('id').where('event_id', '=', eventId).orderBy('id').execute()).map((r) => r.id);
  await db.updateTable('registrations').set({ checked_in_at: new Date() }).where('id', 'in', ids.slice(0, 2)).execute();
  await db.updateTable('registrations').set({ status: 'cancelled', cancelled_at: new Date() }).where('id', '=', ids[2]!).execute();
  await db.updateTable('registrations').set({ status: 'confirmed', confirm_by: null }).where('id', '=', ids[5]!).execute();
  await db.updateTable('registrations').set({ status: 'confirmed' }).where('id', '=', ids[4]!).execute();
  await db.updateTable('registrations').set({ checked_in_at: null }).where('id', '=', ids[0]!).execute();
  await db.updateTable('registrations').set({ badge_printed_at: new Date() }).where('id', 'in', ids.slice(0, 4)).execute();
  // The date a registration was made is never changed by the site: the trigger follows it all the same.
  await sql`UPDATE registrations SET side = 'MO', created_at = ${new Date('2029-10-10T00:00:00Z')} WHERE id = ${ids[6]!}`.execute(db);
  t.same(await drift(), [], 'check-ins, cancels, promotions, confirmed addresses, badges printed, a changed side and date');
  t.same(await desk(db, eventId), { confirmed: 9, checked_in: 1, waitlisted: 1, cancelled: 1 }, 'the desk');
  t.same(await eventTally(db, eventId), await counted(eventId), 'every sum equals the count of the rows');

  const before = await tallies(eventId);
  await db.updateTable('registrations').set({ organisation: 'Nothing counted' }).where('event_id', '=', eventId).execute();
  t.same(await tallies(eventId), before, 'a change of nothing counted changes no count');

  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('registrations').where('event_id', '=', eventId).execute();
    t.same(await desk(trx, eventId), { confirmed: 0, checked_in: 0, waitlisted: 0, cancelled: 0 }, 'seen inside the transaction');
    throw new Error('rolled back');
  }).catch(() => {});
  t.same(await tallies(eventId), before, 'a rollback undoes the counts');

  // Erasure: the row stays, its person goes; badges are no longer theirs.
  await eraseRegistrations(db, new Date(), { registrationId: ids[1]! });
  t.same(await drift(), [], 'erasure');
  t.same(await eventTally(db, eventId), await counted(eventId));

  await db.deleteFrom('registrations').where('id', 'in', [ids[0]!, ids[3]!]).execute();
  t.same(await drift(), [], 'deletes');
  t.equal((await tallies(eventId)).find((r) => r.side === 'GD')?.registrations, 0, 'a side emptied keeps a row of zeros');
  t.same(await eventTally(db, eventId), await counted(eventId));

  await db.deleteFrom('events').where('id', '=', eventId).execute();
  t.same(await tallies(eventId), [], 'an event deleted with its registrations leaves nothing behind');
  t.same(await drift(), []);
});

t.test('a bulk import (one statement of hundreds of rows, of every kind) is tallied once', async (t) => {
  const eventId = await newEvent();
  await sql`INSERT INTO registrations (event_id, name, email, side, status, token_hash, created_at, confirm_by, cancelled_at, checked_in_at,
      badge_printed_at)
    SELECT ${eventId}, '匯入 ' || n, 'import-' || n || '@example.org', (ARRAY['HK', 'GD', 'MO', 'CN', 'OTHER'])[n % 5 + 1],
      (ARRAY['confirmed', 'waitlisted', 'cancelled', 'unconfirmed', 'awaiting'])[n % 5 + 1], 'import-' || ${eventId} || '-' || n,
      timestamptz '2029-01-01 00:00+08' + n * interval '1 day',
      CASE WHEN n % 5 = 3 OR n % 7 = 0 AND n % 5 = 1 THEN timestamptz '2030-01-01 00:00+08' END, CASE WHEN n % 5 = 2 THEN now() END,
      CASE WHEN n % 5 = 0 AND n % 3 = 0 THEN now() END, CASE WHEN n % 5 = 0 AND n % 2 = 0 THEN now() END
    FROM generate_series(1, 600) AS n`.execute(db);
  t.same(await drift(), [], 'every side and month');
  const sums = await eventTally(db, eventId);
  t.same(sums, await counted(eventId));
  t.equal(sums.registrations, 600);
  t.same(await desk(db, eventId), { confirmed: 120, checked_in: 40, waitlisted: 120, cancelled: 120 });
  await db.updateTable('registrations').set({ status: 'cancelled', cancelled_at: new Date() })
    .where('event_id', '=', eventId).where('status', '=', 'waitlisted').execute();
  t.same(await eventTally(db, eventId), await counted(eventId), 'a bulk update');
  await db.deleteFrom('registrations').where('event_id', '=', eventId).where('side', '=', 'HK').execute();
  t.same(await eventTally(db, eventId), await counted(eventId), 'a bulk delete');
  t.same(await drift(), []);
});

t.test('the migration counts an existing database again, and event_tallies is gone with its triggers', async (t) => {
  const { rows: gone } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class WHERE relname = 'event_tallies'`.execute(db);
  t.equal(gone[0]!.n, 0, 'no event_tallies');
  const { rows: triggers } = await sql<{ tgname: string }>`SELECT tgname FROM pg_trigger
    WHERE tgrelid = 'registrations'::regclass AND tgname LIKE '%tally%' ORDER BY tgname`.execute(db);
  t.same(triggers.map((r) => r.tgname), ['registrations_tally_delete', 'registrations_tally_insert', 'registrations_tally_update'],
    'one tally kept per write');

  const eventId = await newEvent();
  await db.insertInto('registrations').values([1, 2, 3].map((n) => person(eventId, n, 'confirmed'))).execute();
  // The database as it was before the migration, written to with the old triggers, then migrated again.
  await db.transaction().execute((trx) => down(trx as unknown as Kysely<unknown>));
  await db.insertInto('registrations').values([person(eventId, 4, 'waitlisted'), person(eventId, 5, 'confirmed', 'GD')]).execute();
  await db.updateTable('registrations').set({ badge_printed_at: new Date(), checked_in_at: new Date() }).where('event_id', '=', eventId)
    .where('status', '=', 'confirmed').execute();
  await db.transaction().execute((trx) => up(trx as unknown as Kysely<unknown>));
  t.same(await drift(), [], 'every row counted again');
  t.same(await eventTally(db, eventId), await counted(eventId));
  t.same(await desk(db, eventId), { confirmed: 4, checked_in: 4, waitlisted: 1, cancelled: 0 });
});
