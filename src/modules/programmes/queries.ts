import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';

const publicStatuses = ['open', 'closed', 'completed'] as const;

export async function programmesOfItem(db: Executor, itemId: number) {
  return db
    .selectFrom('programmes as p')
    .leftJoin('delegations as d', (join) => join.onRef('d.programme_id', '=', 'p.id').on('d.status', '<>', 'withdrawn'))
    .leftJoin('delegation_members as m', 'm.delegation_id', 'd.id')
    .where('p.item_id', '=', itemId)
    .where('p.status', 'in', publicStatuses)
    .groupBy('p.id')
    .select([
      'p.slug', 'p.title', 'p.starts_on', 'p.ends_on', 'p.status',
      sql<number>`count(distinct d.id)::int`.as('delegations'),
      sql<number>`count(m.id)::int`.as('members'),
    ])
    .orderBy('p.starts_on')
    .execute();
}

export async function openProgrammes(db: Executor) {
  return db
    .selectFrom('programmes')
    .where('status', '=', 'open')
    .select(['slug', 'title', 'starts_on', 'ends_on', 'public_registration', 'edit_deadline'])
    .orderBy('starts_on')
    .execute();
}

export async function publicProgrammeBySlug(db: Executor, slug: string) {
  return db
    .selectFrom('programmes as p')
    .innerJoin('items as i', 'i.id', 'p.item_id')
    .innerJoin('periods as pe', 'pe.id', 'i.period_id')
    .where('p.slug', '=', slug)
    .where('p.status', 'in', publicStatuses)
    .selectAll('p')
    .select(['i.number as item_number', 'i.title as item_title', 'pe.slug as period_slug'])
    .executeTakeFirst();
}

export async function delegationsOfProgramme(db: Executor, programmeId: number) {
  return db
    .selectFrom('delegations as d')
    .leftJoin('organisations as o', 'o.id', 'd.leading_organisation_id')
    .where('d.programme_id', '=', programmeId)
    .where('d.status', '<>', 'withdrawn')
    .select(['d.id', 'd.name', 'd.from_side', 'd.to_side', 'd.status', 'o.name as leading_organisation',
      sql<number>`(select count(*) from delegation_members m where m.delegation_id = d.id)::int`.as('members')])
    .orderBy('d.id')
    .execute();
}

/** The itinerary of several delegations at once, in visiting order. */
export async function visitsOfDelegations(db: Executor, delegationIds: readonly number[]) {
  if (delegationIds.length === 0) return [];
  return db
    .selectFrom('delegation_visits')
    .where('delegation_id', 'in', delegationIds)
    .select(['delegation_id', 'visit_on', 'starts_at', 'host', 'place', 'purpose'])
    .orderBy('visit_on')
    .orderBy('starts_at')
    .execute();
}
