import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';

/*
 * Registrations are counted from their tallies (registration_tallies, kept by triggers: an
 * event's few rows by side and month), so the cost follows the year's events, never their
 * registrations. A tally row whose counts fell to zero is not a registration.
 */

/** Check-ins per event of a period (or of one item) that has registrations, in date order. */
export async function attendancePerEvent(db: Executor, periodId: number, itemId?: number) {
  let q = db
    .selectFrom('events as e')
    .innerJoin('items as i', 'i.id', 'e.item_id')
    .innerJoinLateral((eb) => eb.selectFrom('registration_tallies as t').whereRef('t.event_id', '=', 'e.id').select([
      sql<number>`coalesce(sum(t.registrations), 0)::int`.as('n'),
      sql<number>`coalesce(sum(t.checked_in), 0)::int`.as('value'),
    ]).as('c'), (join) => join.onTrue())
    .where('i.period_id', '=', periodId)
    .where('e.status', '<>', 'draft')
    .where('c.n', '>', 0)
    .select(['e.title as label', 'c.value'])
    .orderBy('e.starts_at');
  if (itemId !== undefined) q = q.where('i.id', '=', itemId);
  return q.execute();
}

/** Confirmed participants of a period's events by the side they come from. */
export async function participantsBySide(db: Executor, periodId: number) {
  return db
    .selectFrom('events as e')
    .innerJoin('items as i', 'i.id', 'e.item_id')
    .innerJoin('registration_tallies as t', 't.event_id', 'e.id')
    .where('i.period_id', '=', periodId)
    .groupBy('t.side')
    .having(sql<number>`sum(t.confirmed)`, '>', 0)
    .select(['t.side', sql<number>`sum(t.confirmed)::int`.as('value')])
    .orderBy('value', 'desc')
    .orderBy('t.side')
    .execute();
}

export async function contestTotals(db: Executor, periodId: number) {
  return db
    .selectFrom('contests as c')
    .innerJoin('items as i', 'i.id', 'c.item_id')
    .where('i.period_id', '=', periodId)
    .select([
      'c.title',
      sql<number>`(select count(*) from entries e where e.contest_id = c.id and e.status = 'submitted' and e.confirm_by is null)::int`
        .as('entries'),
      sql<number>`(select count(*) from award_grants g join award_tiers t on t.id = g.tier_id where t.contest_id = c.id)::int`.as('awards'),
    ])
    .orderBy('c.id')
    .execute();
}

export async function delegationsByDirection(db: Executor, periodId: number) {
  return db
    .selectFrom('delegations as d')
    .innerJoin('programmes as p', 'p.id', 'd.programme_id')
    .innerJoin('items as i', 'i.id', 'p.item_id')
    .where('i.period_id', '=', periodId)
    .where('d.status', '<>', 'withdrawn')
    .where('d.confirm_by', 'is', null)
    .groupBy(['d.from_side', 'd.to_side'])
    .select(['d.from_side', 'd.to_side', sql<number>`count(*)::int`.as('value')])
    .orderBy('value', 'desc')
    .execute();
}

/** An archived year's summary page in one language (src/modules/reports/archive.ts). */
export async function archivedPage(db: Executor, periodId: number, locale: string) {
  return db.selectFrom('period_archive_pages').select('page').where('period_id', '=', periodId).where('locale', '=', locale)
    .executeTakeFirst();
}

export async function editionById(db: Executor, id: number) {
  return db.selectFrom('summary_editions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function latestEdition(db: Executor, periodId: number) {
  return db.selectFrom('summary_editions').selectAll().where('period_id', '=', periodId)
    .orderBy('published_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}
export type Edition = NonNullable<Awaited<ReturnType<typeof latestEdition>>>;

/** Registrations made per month (Hong Kong time) for a period's events, or one item's. */
export async function registrationsPerMonth(db: Executor, periodId: number, itemId?: number) {
  let q = db
    .selectFrom('events as e')
    .innerJoin('items as i', 'i.id', 'e.item_id')
    .innerJoin('registration_tallies as t', 't.event_id', 'e.id')
    .where('i.period_id', '=', periodId)
    .groupBy('t.month')
    // Registrations whose email address was never confirmed (events.confirm_email) are not counted.
    .having(sql<number>`sum(t.email_confirmed)`, '>', 0)
    .select(['t.month', sql<number>`sum(t.email_confirmed)::int`.as('value')])
    .orderBy('t.month');
  if (itemId !== undefined) q = q.where('i.id', '=', itemId);
  return q.execute();
}

/** The organisations party to any of the period's items, by name: who may be named its publisher. */
export async function periodParties(db: Executor, periodId: number) {
  return db.selectFrom('organisations as o')
    .where((eb) => eb.exists(eb.selectFrom('item_parties as ip').innerJoin('items as i', 'i.id', 'ip.item_id')
      .whereRef('ip.organisation_id', '=', 'o.id').where('i.period_id', '=', periodId).select('ip.item_id')))
    .select(['o.id', 'o.code', 'o.name']).orderBy('o.code').execute();
}
