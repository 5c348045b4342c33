import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';

/** Check-ins per event of a period (or of one item), in date order. */
export async function attendancePerEvent(db: Executor, periodId: number, itemId?: number) {
  // Each event's registrations are counted by its own index entries (a lateral subquery, here and
  // below): the cost follows the year's events, never the registrations of every year.
  let q = db
    .selectFrom('events as e')
    .innerJoin('items as i', 'i.id', 'e.item_id')
    .innerJoinLateral((eb) => eb.selectFrom('registrations as r').whereRef('r.event_id', '=', 'e.id').select([
      sql<number>`count(*)::int`.as('n'),
      sql<number>`count(*) filter (where r.checked_in_at is not null)::int`.as('value'),
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
    .innerJoinLateral((eb) => eb.selectFrom('registrations as r').whereRef('r.event_id', '=', 'e.id').where('r.status', '=', 'confirmed')
      .groupBy('r.side').select(['r.side', sql<number>`count(*)`.as('n')]).as('c'), (join) => join.onTrue())
    .where('i.period_id', '=', periodId)
    .groupBy('c.side')
    .select(['c.side', sql<number>`sum(c.n)::int`.as('value')])
    .orderBy('value', 'desc')
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

export async function latestEdition(db: Executor, periodId: number) {
  return db.selectFrom('summary_editions').selectAll().where('period_id', '=', periodId)
    .orderBy('published_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** Registrations made per month (Hong Kong time) for a period's events, or one item's. */
export async function registrationsPerMonth(db: Executor, periodId: number, itemId?: number) {
  const month = sql<string>`to_char(r.created_at at time zone 'Asia/Hong_Kong', 'YYYY-MM')`;
  let q = db
    .selectFrom('events as e')
    .innerJoin('items as i', 'i.id', 'e.item_id')
    .innerJoinLateral((eb) => eb.selectFrom('registrations as r').whereRef('r.event_id', '=', 'e.id')
      // Registrations whose email address was never confirmed (events.confirm_email) are not counted.
      .where('r.confirm_by', 'is', null)
      .groupBy(month).select([month.as('month'), sql<number>`count(*)`.as('n')]).as('c'), (join) => join.onTrue())
    .where('i.period_id', '=', periodId)
    .groupBy('c.month')
    .select(['c.month', sql<number>`sum(c.n)::int`.as('value')])
    .orderBy('c.month');
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
