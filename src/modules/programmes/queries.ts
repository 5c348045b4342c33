import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import type { CurrentUser } from '../auth/service.ts';
import { itemInScope } from '../scope/scope.ts';

const publicStatuses = ['open', 'closed', 'completed'] as const;

export async function programmesOfItem(db: Executor, itemId: number) {
  return db
    .selectFrom('programmes as p')
    // Pending delegations (email not yet confirmed, confirm_by set) never count.
    .leftJoin('delegations as d', (join) => join.onRef('d.programme_id', '=', 'p.id').on('d.status', '<>', 'withdrawn')
      .on('d.confirm_by', 'is', null))
    .leftJoin('delegation_members as m', 'm.delegation_id', 'd.id')
    .where('p.item_id', '=', itemId)
    .where('p.status', 'in', publicStatuses)
    .groupBy('p.id')
    .select([
      'p.slug', 'p.title', 'p.translations', 'p.starts_on', 'p.ends_on', 'p.status',
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
    .select(['slug', 'title', 'translations', 'starts_on', 'ends_on', 'public_registration', 'edit_deadline'])
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
    .select(['i.number as item_number', 'i.title as item_title', 'i.translations as item_translations', 'pe.slug as period_slug'])
    .executeTakeFirst();
}

export async function delegationsOfProgramme(db: Executor, programmeId: number) {
  return db
    .selectFrom('delegations as d')
    .leftJoin('organisations as o', 'o.id', 'd.leading_organisation_id')
    .where('d.programme_id', '=', programmeId)
    .where('d.status', '<>', 'withdrawn')
    .where('d.confirm_by', 'is', null)
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

// ---------------------------------------------------------------------------------------------
// Organisers: programmes are always reached through the organiser's scope on their item.

export async function programmesInScope(db: Executor, user: CurrentUser) {
  return db
    .selectFrom('programmes as p')
    .innerJoin('items as i', 'i.id', 'p.item_id')
    .innerJoin('periods as pe', 'pe.id', 'i.period_id')
    .where((eb) => itemInScope(user, eb.ref('p.item_id')))
    .select([
      'p.id', 'p.slug', 'p.title', 'p.starts_on', 'p.ends_on', 'p.status', 'p.capacity', 'p.member_count',
      'i.number as item_number', 'pe.label as period_label',
      sql<number>`(select count(*) from delegations d
        where d.programme_id = p.id and d.status <> 'withdrawn' and d.confirm_by is null)::int`.as('delegations'),
    ])
    .orderBy('p.starts_on', 'desc')
    .execute();
}

export async function scopedProgramme(db: Executor, user: CurrentUser, id: number) {
  return db
    .selectFrom('programmes as p')
    .innerJoin('items as i', 'i.id', 'p.item_id')
    .innerJoin('periods as pe', 'pe.id', 'i.period_id')
    .where('p.id', '=', id)
    .where((eb) => itemInScope(user, eb.ref('p.item_id')))
    .selectAll('p')
    .select(['i.number as item_number', 'i.title as item_title', 'pe.label as period_label'])
    .executeTakeFirst();
}

/** The programme's delegations with where each stands: members, arrivals, consents missing. */
export async function delegationOverview(db: Executor, programmeId: number) {
  return db
    .selectFrom('delegations as d')
    .leftJoin('organisations as o', 'o.id', 'd.leading_organisation_id')
    .leftJoin('delegation_members as m', 'm.delegation_id', 'd.id')
    .where('d.programme_id', '=', programmeId)
    .groupBy(['d.id', 'o.name'])
    .select([
      'd.id', 'd.name', 'd.from_side', 'd.to_side', 'd.status', 'd.contact_name', 'd.contact_email', 'd.created_at', 'd.confirm_by',
      'o.name as leading_organisation',
      sql<number>`count(m.id)::int`.as('members'),
      sql<number>`count(m.checked_in_at)::int`.as('checked_in'),
      sql<number>`count(m.id) filter (where m.is_minor and m.guardian_consent_at is null)::int`.as('awaiting_consent'),
    ])
    .orderBy('d.id')
    .execute();
}

/** Every visit of the programme's live delegations, in order, for the day-by-day itinerary. */
export async function programmeItinerary(db: Executor, programmeId: number) {
  return db
    .selectFrom('delegation_visits as v')
    .innerJoin('delegations as d', 'd.id', 'v.delegation_id')
    .leftJoin('organisations as o', 'o.id', 'v.host_organisation_id')
    .where('d.programme_id', '=', programmeId)
    .where('d.status', '<>', 'withdrawn')
    .where('d.confirm_by', 'is', null)
    .select([
      'v.id', 'v.visit_on', 'v.starts_at', 'v.host', 'v.place', 'v.purpose', 'o.code as host_code',
      'd.id as delegation_id', 'd.name as delegation', 'd.from_side', 'd.to_side',
      sql<number>`(select count(*) from delegation_members m where m.delegation_id = d.id)::int`.as('members'),
    ])
    .orderBy('v.visit_on')
    .orderBy(sql`v.starts_at nulls first`)
    .orderBy('d.id')
    .execute();
}

/** One row per member, for the delegation list exports. */
export async function programmeMembers(db: Executor, programmeId: number) {
  return db
    .selectFrom('delegation_members as m')
    .innerJoin('delegations as d', 'd.id', 'm.delegation_id')
    .leftJoin('organisations as o', 'o.id', 'd.leading_organisation_id')
    .where('d.programme_id', '=', programmeId)
    .where('d.status', '<>', 'withdrawn')
    .where('d.confirm_by', 'is', null)
    .select([
      'd.name as delegation', 'd.status', 'd.from_side', 'd.to_side', 'o.name as leading_organisation',
      'd.contact_name', 'd.contact_email', 'm.position', 'm.name', 'm.title', 'm.organisation', 'm.role', 'm.is_minor',
      'm.guardian_consent_at', 'm.checked_in_at',
    ])
    .orderBy('d.id')
    .orderBy('m.position')
    .execute();
}

export async function invitationsOf(db: Executor, programmeId: number) {
  return db
    .selectFrom('delegation_invitations as di')
    .leftJoin('delegations as d', 'd.id', 'di.delegation_id')
    .where('di.programme_id', '=', programmeId)
    .select(['di.id', 'di.email', 'di.created_at', 'di.expires_at', 'di.used_at', 'd.id as delegation_id', 'd.name as delegation'])
    .orderBy('di.id', 'desc')
    .execute();
}

/** The organisations hosting a programme, by name. */
export async function programmeHosts(db: Executor, programmeId: number) {
  return db
    .selectFrom('programme_hosts as h')
    .innerJoin('organisations as o', 'o.id', 'h.organisation_id')
    .where('h.programme_id', '=', programmeId)
    .select(['o.id', 'o.code', 'o.name'])
    .orderBy('o.name')
    .execute();
}
