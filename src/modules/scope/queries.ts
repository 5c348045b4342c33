import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import type { CurrentUser } from '../auth/service.ts';
import { itemInScope } from './scope.ts';

/**
 * The items an organiser may work on, newest period first, with how much hangs off each: those of
 * current years (an archived year's are read-only, and listed apart by `archivedYearsInScope`).
 */
export async function itemsInScope(db: Executor, user: CurrentUser) {
  return db
    .selectFrom('items as i')
    .innerJoin('periods as p', 'p.id', 'i.period_id')
    .where('p.archived_at', 'is', null)
    .where((eb) => itemInScope(user, eb.ref('i.id')))
    .select([
      'i.id', 'i.number', 'i.title', 'i.status', 'i.is_new', 'i.updated_at', 'p.slug as period_slug', 'p.label as period_label',
      sql<number>`(select count(*) from events e where e.item_id = i.id)::int`.as('events'),
      sql<number>`(select count(*) from programmes pr where pr.item_id = i.id)::int`.as('programmes'),
      sql<number>`(select count(*) from contests c where c.item_id = i.id)::int`.as('contests'),
    ])
    .orderBy('p.starts_on', 'desc')
    .orderBy('i.number')
    .execute();
}

/** The archived years the organiser has items in, newest first, with how many. */
export async function archivedYearsInScope(db: Executor, user: CurrentUser) {
  return db
    .selectFrom('periods as p')
    .innerJoin('items as i', 'i.period_id', 'p.id')
    .where('p.archived_at', 'is not', null)
    .where((eb) => itemInScope(user, eb.ref('i.id')))
    .groupBy(['p.id', 'p.slug', 'p.label', 'p.starts_on', 'p.archived_at'])
    .select(['p.slug', 'p.label', 'p.archived_at', sql<number>`count(*)::int`.as('items')])
    .orderBy('p.starts_on', 'desc')
    .execute();
}

/** One item, if it is in the organiser's scope. */
export async function scopedItem(db: Executor, user: CurrentUser, itemId: number) {
  return db
    .selectFrom('items as i')
    .innerJoin('periods as p', 'p.id', 'i.period_id')
    .where('i.id', '=', itemId)
    .where((eb) => itemInScope(user, eb.ref('i.id')))
    .selectAll('i')
    .select(['p.slug as period_slug', 'p.label as period_label'])
    .executeTakeFirst();
}
