import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import type { EventStatus, RegistrationStatus } from '../../db/types.ts';
import type { CurrentUser } from '../auth/service.ts';
import type { Question } from '../events/schemas.ts';
import { itemInScope } from '../scope/scope.ts';

/*
 * The API's lists. Each goes through the caller's scope (`itemInScope`, the same condition as
 * the organisers' pages) and pages by id (see paging.ts): `after` is the last id of the page
 * before, and one row more than the limit is read to tell whether another page follows.
 */

export type ListOptions = { after: number; limit: number; since?: Date | undefined };

/** The years, each with its figures over the items in the caller's scope. */
export async function yearsWithFigures(db: Executor, user: CurrentUser, slug?: string) {
  const inScope = (alias: string) => sql`exists (select 1 from items i where i.id = ${sql.ref(alias)} and i.period_id = p.id
    and ${itemInScope(user, sql.ref<number>(alias))})`;
  return db
    .selectFrom('periods as p')
    .$if(slug !== undefined, (qb) => qb.where('p.slug', '=', slug ?? ''))
    .select([
      'p.id', 'p.slug', 'p.label', 'p.starts_on', 'p.ends_on', 'p.published_at',
      sql<number>`(select count(*) from items i where i.period_id = p.id
        and ${itemInScope(user, sql.ref<number>('i.id'))})::int`.as('items'),
      sql<number>`(select count(*) from events e where ${inScope('e.item_id')} and e.status <> 'draft')::int`.as('events'),
      sql<number>`(select count(*) from registrations r join events e on e.id = r.event_id
          where ${inScope('e.item_id')} and r.status = 'confirmed')::int`.as('registrations'),
      sql<number>`(select count(*) from registrations r join events e on e.id = r.event_id
          where ${inScope('e.item_id')} and r.checked_in_at is not null)::int`.as('attended'),
      sql<number>`(select count(*) from programmes pr where ${inScope('pr.item_id')})::int`.as('programmes'),
      sql<number>`(select count(*) from delegations d join programmes pr on pr.id = d.programme_id
          where ${inScope('pr.item_id')} and d.status <> 'withdrawn' and d.confirm_by is null)::int`.as('delegations'),
      sql<number>`(select count(*) from contests c where ${inScope('c.item_id')})::int`.as('contests'),
      sql<number>`(select count(*) from entries en join contests c on c.id = en.contest_id
          where ${inScope('c.item_id')} and en.status = 'submitted' and en.confirm_by is null)::int`.as('entries'),
      sql<number>`(select count(*) from award_grants g join award_tiers t on t.id = g.tier_id join contests c on c.id = t.contest_id
          where ${inScope('c.item_id')})::int`.as('awards'),
    ])
    .orderBy('p.starts_on', 'desc')
    .execute();
}

export async function itemsPage(db: Executor, user: CurrentUser, o: ListOptions & { year?: string | undefined }) {
  return db
    .selectFrom('items as i')
    .innerJoin('periods as p', 'p.id', 'i.period_id')
    .where((eb) => itemInScope(user, eb.ref('i.id')))
    .where('i.id', '>', o.after)
    .$if(o.year !== undefined, (qb) => qb.where('p.slug', '=', o.year ?? ''))
    .$if(o.since !== undefined, (qb) => qb.where('i.updated_at', '>=', o.since ?? new Date(0)))
    .select([
      'i.id', 'i.number', 'i.title', 'i.is_new', 'i.status', 'i.narrative', 'i.updated_at', 'p.slug as year',
      sql<string[]>`coalesce((select array_agg(o.code order by ip.is_lead desc, o.code) from item_parties ip
        join organisations o on o.id = ip.organisation_id where ip.item_id = i.id), '{}')`.as('parties'),
    ])
    .orderBy('i.id')
    .limit(o.limit + 1)
    .execute();
}

export async function figuresOfItem(db: Executor, itemId: number) {
  return db.selectFrom('figures').where('item_id', '=', itemId)
    .select(['id', 'item_id', 'key', 'label', 'value', 'unit', 'recorded_at']).orderBy('key').execute();
}

const eventColumns = [
  'e.id', 'e.slug', 'e.item_id', 'e.kind', 'e.title', 'e.status', 'e.starts_at', 'e.ends_at', 'e.timezone', 'e.city', 'e.venue',
  'e.capacity', 'e.waitlist_enabled', 'e.registration_opens_at', 'e.registration_closes_at', 'e.updated_at',
] as const;

/** An event's counts, as its public page counts them: pending registrations (email not yet confirmed) never count. */
const eventCountColumns = () => [
  sql<number>`(select count(*) from registrations r where r.event_id = e.id and r.status = 'confirmed')::int`.as('confirmed'),
  sql<number>`(select count(*) from registrations r where r.event_id = e.id and r.status = 'waitlisted'
    and r.confirm_by is null)::int`.as('waitlisted'),
  sql<number>`(select count(*) from registrations r where r.event_id = e.id and r.checked_in_at is not null)::int`.as('attended'),
] as const;

export async function eventsPage(
  db: Executor, user: CurrentUser, o: ListOptions & { item?: number | undefined; status?: EventStatus | undefined },
) {
  return db
    .selectFrom('events as e')
    .where((eb) => itemInScope(user, eb.ref('e.item_id')))
    .where('e.id', '>', o.after)
    .$if(o.item !== undefined, (qb) => qb.where('e.item_id', '=', o.item ?? 0))
    .$if(o.status !== undefined, (qb) => qb.where('e.status', '=', o.status ?? 'published'))
    .$if(o.since !== undefined, (qb) => qb.where('e.updated_at', '>=', o.since ?? new Date(0)))
    .select([...eventColumns, ...eventCountColumns()])
    .orderBy('e.id')
    .limit(o.limit + 1)
    .execute();
}

/** One event in the caller's scope with its counts and questions, in one statement (it is read on every poll). */
export async function eventWithCounts(db: Executor, user: CurrentUser, slug: string) {
  return db
    .selectFrom('events as e')
    .where('e.slug', '=', slug)
    .where((eb) => itemInScope(user, eb.ref('e.item_id')))
    .select([
      ...eventColumns, ...eventCountColumns(), 'e.description',
      sql<Question[]>`coalesce((select json_agg(json_build_object('id', q.id, 'label', q.label, 'kind', q.kind, 'required', q.required,
        'options', q.options) order by q.position) from event_questions q where q.event_id = e.id), '[]'::json)`.as('questions'),
    ])
    .executeTakeFirst();
}

const registrationColumns = [
  'r.id', 'r.event_id', 'r.name', 'r.email', 'r.organisation', 'r.side', 'r.status', 'r.answers', 'r.checked_in_at', 'r.cancelled_at',
  'r.created_at', 'r.updated_at',
] as const;

/** The registrations of an event the caller has already loaded through their scope. */
export async function registrationsPage(
  db: Executor, eventId: number, o: ListOptions & { status?: RegistrationStatus | undefined },
) {
  return db
    .selectFrom('registrations as r')
    .where('r.event_id', '=', eventId)
    .where('r.id', '>', o.after)
    .$if(o.status !== undefined, (qb) => qb.where('r.status', '=', o.status ?? 'confirmed'))
    .$if(o.since !== undefined, (qb) => qb.where('r.updated_at', '>=', o.since ?? new Date(0)))
    .select(registrationColumns)
    .orderBy('r.id')
    .limit(o.limit + 1)
    .execute();
}

/** One registration, through its event's item in the caller's scope. */
export async function scopedRegistration(db: Executor, user: CurrentUser, id: number) {
  return db
    .selectFrom('registrations as r')
    .innerJoin('events as e', 'e.id', 'r.event_id')
    .where('r.id', '=', id)
    .where((eb) => itemInScope(user, eb.ref('e.item_id')))
    .select([...registrationColumns, 'e.slug as event_slug'])
    .executeTakeFirst();
}

export async function programmesPage(db: Executor, user: CurrentUser, o: ListOptions) {
  return db
    .selectFrom('programmes as p')
    .where((eb) => itemInScope(user, eb.ref('p.item_id')))
    .where('p.id', '>', o.after)
    .$if(o.since !== undefined, (qb) => qb.where('p.updated_at', '>=', o.since ?? new Date(0)))
    .select([
      'p.id', 'p.slug', 'p.item_id', 'p.title', 'p.starts_on', 'p.ends_on', 'p.status', 'p.capacity', 'p.member_count', 'p.updated_at',
      sql<number>`(select count(*) from delegations d
        where d.programme_id = p.id and d.status <> 'withdrawn' and d.confirm_by is null)::int`.as('delegations'),
    ])
    .orderBy('p.id')
    .limit(o.limit + 1)
    .execute();
}

export async function delegationsPage(db: Executor, user: CurrentUser, o: ListOptions & { programme?: number | undefined }) {
  return db
    .selectFrom('delegations as d')
    .innerJoin('programmes as p', 'p.id', 'd.programme_id')
    .leftJoin('organisations as o', 'o.id', 'd.leading_organisation_id')
    .where((eb) => itemInScope(user, eb.ref('p.item_id')))
    .where('d.id', '>', o.after)
    .$if(o.programme !== undefined, (qb) => qb.where('d.programme_id', '=', o.programme ?? 0))
    .$if(o.since !== undefined, (qb) => qb.where('d.updated_at', '>=', o.since ?? new Date(0)))
    .select([
      'd.id', 'd.programme_id', 'd.name', 'd.from_side', 'd.to_side', 'd.status', 'd.contact_name', 'd.contact_email', 'd.updated_at',
      'o.code as leading_organisation',
      sql<number>`(select count(*) from delegation_members m where m.delegation_id = d.id)::int`.as('members'),
    ])
    .orderBy('d.id')
    .limit(o.limit + 1)
    .execute();
}

export async function contestsPage(db: Executor, user: CurrentUser, o: ListOptions) {
  return db
    .selectFrom('contests as c')
    .where((eb) => itemInScope(user, eb.ref('c.item_id')))
    .where('c.id', '>', o.after)
    .$if(o.since !== undefined, (qb) => qb.where('c.updated_at', '>=', o.since ?? new Date(0)))
    .select([
      'c.id', 'c.slug', 'c.item_id', 'c.kind', 'c.title', 'c.status', 'c.blind', 'c.entry_opens_at', 'c.entry_closes_at',
      'c.results_published_at', 'c.updated_at',
      sql<number>`(select count(*) from entries e
        where e.contest_id = c.id and e.status = 'submitted' and e.confirm_by is null)::int`.as('entries'),
      sql<number>`(select count(*) from award_grants g join award_tiers t on t.id = g.tier_id where t.contest_id = c.id)::int`.as('awards'),
    ])
    .orderBy('c.id')
    .limit(o.limit + 1)
    .execute();
}

/** The entries of a contest the caller has already loaded through their scope; drafts are the entrants' own. */
export async function entriesPage(db: Executor, contestId: number, o: ListOptions) {
  return db
    .selectFrom('entries as e')
    .leftJoin('contest_categories as cat', 'cat.id', 'e.category_id')
    .where('e.contest_id', '=', contestId)
    .where('e.status', '<>', 'draft')
    .where('e.id', '>', o.after)
    .$if(o.since !== undefined, (qb) => qb.where('e.updated_at', '>=', o.since ?? new Date(0)))
    .select([
      'e.id', 'e.reference', 'e.title', 'e.applicant_name', 'e.applicant_type', 'e.side', 'e.status', 'e.created_at', 'e.updated_at',
      'cat.code as category',
    ])
    .orderBy('e.id')
    .limit(o.limit + 1)
    .execute();
}
