import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import type { CurrentUser } from '../auth/service.ts';
import { itemInScope } from '../scope/scope.ts';
import type { Question } from './schemas.ts';

const publicStatuses = ['published', 'closed', 'cancelled'] as const;

export async function upcomingEvents(db: Executor, now: Date, limit = 50) {
  return db
    .selectFrom('events as e')
    .innerJoin('items as i', 'i.id', 'e.item_id')
    .innerJoin('periods as p', 'p.id', 'i.period_id')
    .where('e.status', '=', 'published')
    .where('e.ends_at', '>=', now)
    .select([
      'e.slug', 'e.title', 'e.kind', 'e.status', 'e.starts_at', 'e.ends_at', 'e.city', 'e.venue', 'e.capacity',
      'e.confirmed_count', 'e.registration_opens_at', 'e.registration_closes_at', 'e.waitlist_enabled',
      'e.translations', 'i.number as item_number', 'p.slug as period_slug',
    ])
    .orderBy('e.starts_at')
    .limit(limit)
    .execute();
}

/** A public event: drafts are not public, so they are not found. */
export async function publicEventBySlug(db: Executor, slug: string) {
  return db
    .selectFrom('events as e')
    .innerJoin('items as i', 'i.id', 'e.item_id')
    .innerJoin('periods as p', 'p.id', 'i.period_id')
    .where('e.slug', '=', slug)
    .where('e.status', 'in', publicStatuses)
    .selectAll('e')
    .select([
      'i.number as item_number', 'i.title as item_title', 'i.translations as item_translations', 'p.slug as period_slug',
      'p.label as period_label',
    ])
    .executeTakeFirst();
}

/**
 * The version the public event page is cached under (src/lib/page-cache.ts): the event's own
 * change counter and that of the content around it, read before the page itself.
 */
export async function eventPageVersion(db: Executor, slug: string): Promise<string | null> {
  const row = await db
    .selectFrom('events as e')
    .innerJoin('event_versions as v', 'v.event_id', 'e.id')
    .where('e.slug', '=', slug)
    .where('e.status', 'in', publicStatuses)
    .select(sql<string>`v.version::text || '.' || (select n from content_version)::text`.as('version'))
    .executeTakeFirst();
  return row?.version ?? null;
}

/** The public page's counts, from the event's tallies (migrations/2026-12-05T07-00_registration-tallies.ts). */
export async function eventCounts(db: Executor, eventId: number) {
  return db
    .selectFrom('registration_tallies')
    .where('event_id', '=', eventId)
    .select([
      sql<number>`coalesce(sum(confirmed), 0)::int`.as('confirmed'),
      // Pending registrations (email not yet confirmed) never count: 'unconfirmed', or waiting with confirm_by.
      sql<number>`coalesce(sum(waitlisted), 0)::int`.as('waitlisted'),
      sql<number>`coalesce(sum(checked_in), 0)::int`.as('attended'),
    ])
    .executeTakeFirstOrThrow();
}

/** An item's public events with their counts, from the events' tallies (kept by triggers). */
export async function eventsOfItem(db: Executor, itemId: number) {
  return db
    .selectFrom('events as e')
    .leftJoin('registration_tallies as t', 't.event_id', 'e.id')
    .where('e.item_id', '=', itemId)
    .where('e.status', 'in', publicStatuses)
    .groupBy('e.id')
    .select([
      'e.slug', 'e.title', 'e.translations', 'e.kind', 'e.starts_at', 'e.ends_at', 'e.city', 'e.status',
      sql<number>`coalesce(sum(t.confirmed), 0)::int`.as('confirmed'),
      sql<number>`coalesce(sum(t.checked_in), 0)::int`.as('attended'),
    ])
    .orderBy('e.starts_at')
    .execute();
}

/** Events of the organiser's items (admins: all), newest first, with their counts. */
export async function eventsInScope(db: Executor, user: CurrentUser) {
  return db
    .selectFrom('events as e')
    .innerJoin('items as i', 'i.id', 'e.item_id')
    .innerJoin('periods as p', 'p.id', 'i.period_id')
    // Each event's few tally rows (by side and month) summed, however many registered: one row, zeros for none.
    .innerJoinLateral((eb) => eb.selectFrom('registration_tallies as t').whereRef('t.event_id', '=', 'e.id').select([
      sql<number>`coalesce(sum(t.waitlisted + t.waitlisted_pending), 0)::int`.as('waitlisted'),
      sql<number>`coalesce(sum(t.checked_in), 0)::int`.as('attended'),
    ]).as('n'), (join) => join.onTrue())
    .where((eb) => itemInScope(user, eb.ref('e.item_id')))
    .select([
      'e.id', 'e.slug', 'e.title', 'e.kind', 'e.status', 'e.starts_at', 'e.city', 'e.capacity', 'e.confirmed_count',
      'i.number as item_number', 'p.label as period_label', 'n.waitlisted', 'n.attended',
    ])
    .orderBy('e.starts_at', 'desc')
    .execute();
}

/** An event loaded through the organiser's scope; anything outside it is not found. */
export async function scopedEvent(db: Executor, user: CurrentUser, slug: string) {
  return db
    .selectFrom('events as e')
    .innerJoin('items as i', 'i.id', 'e.item_id')
    .innerJoin('periods as p', 'p.id', 'i.period_id')
    .where('e.slug', '=', slug)
    .where((eb) => itemInScope(user, eb.ref('e.item_id')))
    .selectAll('e')
    .select(['i.number as item_number', 'i.title as item_title', 'p.slug as period_slug', 'p.label as period_label'])
    .executeTakeFirst();
}

export type ScopedEvent = NonNullable<Awaited<ReturnType<typeof scopedEvent>>>;

const TALLY_COLUMNS = [
  'registrations', 'confirmed', 'checked_in', 'email_confirmed', 'waitlisted', 'cancelled', 'waitlisted_pending', 'reachable',
  'reachable_confirmed', 'reachable_checked_in', 'badge_holders', 'badges_printed',
] as const;
export type EventTally = Record<(typeof TALLY_COLUMNS)[number], number>;

/**
 * Every count of an event's registrations, from its tally (registration_tallies, kept by triggers
 * in the same transaction as every write to registrations: migrations/2026-12-05T07-00_registration-tallies.ts
 * and 2026-12-06T09-40_one-registration-tally.ts): its rows by side and month summed, whatever
 * the event's size; zeros for an event nobody registered for.
 */
export async function eventTally(db: Executor, eventId: number): Promise<EventTally> {
  return db
    .selectFrom('registration_tallies')
    .where('event_id', '=', eventId)
    .select(TALLY_COLUMNS.map((c) => sql<number>`coalesce(sum(${sql.ref(c)}), 0)::int`.as(c)))
    .executeTakeFirstOrThrow();
}

/**
 * Registered, checked in, waitlisted (the address confirmed or not) and cancelled: the live counts
 * of the check-in desk, from the event's tally, so that the desk's polling reads a few rows.
 */
export async function desk(db: Executor, eventId: number) {
  const t = await eventTally(db, eventId);
  return { confirmed: t.confirmed, checked_in: t.checked_in, waitlisted: t.waitlisted + t.waitlisted_pending, cancelled: t.cancelled };
}

/** What a registration's emails, calendar file and pages say about its event. */
export const EVENT_DETAILS = [
  'e.id', 'e.item_id', 'e.slug', 'e.title', 'e.kind', 'e.description', 'e.starts_at', 'e.ends_at', 'e.timezone', 'e.city',
  'e.venue', 'e.status', 'e.capacity', 'e.confirmed_count', 'e.registration_opens_at', 'e.registration_closes_at',
  'e.waitlist_enabled', 'e.confirm_email', 'e.registration_mode', 'e.translations',
] as const;

export async function eventQuestions(db: Executor, eventId: number): Promise<Question[]> {
  return db
    .selectFrom('event_questions')
    .where('event_id', '=', eventId)
    .select(['id', 'label', 'kind', 'required', 'options'])
    .orderBy('position')
    .execute();
}

export async function eventDetails(db: Executor, eventId: number) {
  return db.selectFrom('events as e').where('e.id', '=', eventId).select(EVENT_DETAILS).executeTakeFirstOrThrow();
}

export type EventDetails = Awaited<ReturnType<typeof eventDetails>>;

/** What the calendar feed lists: public events not yet over (cancelled ones too, so that calendars drop them). */
export async function feedEvents(db: Executor, now: Date, limit = 200) {
  return db
    .selectFrom('events as e')
    .where('e.status', 'in', publicStatuses)
    .where('e.ends_at', '>=', now)
    .select(['e.id', 'e.slug', 'e.title', 'e.description', 'e.translations', 'e.starts_at', 'e.ends_at', 'e.city', 'e.venue',
      'e.status', 'e.created_at', 'e.updated_at'])
    .orderBy('e.starts_at')
    .limit(limit)
    .execute();
}

/** The version the calendar feed is cached under: events appearing (content) and any event changing (the sum). */
export async function feedVersion(db: Executor): Promise<string> {
  const { rows } = await sql<{ version: string }>`
    select (select n from content_version)::text || '.' || (select coalesce(sum(version), 0) from event_versions)::text as version
  `.execute(db);
  return rows[0]!.version;
}
