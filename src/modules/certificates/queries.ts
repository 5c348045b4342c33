import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import type { CurrentUser } from '../auth/service.ts';
import { itemInScope } from '../scope/scope.ts';

/** Event statuses whose events took place (a cancelled or draft event gives no certificate). */
const HELD = ['published', 'closed'] as const;

/** The organisations of an item, lead first: who a certificate says organised it. */
export async function organisersOf(db: Executor, itemId: number) {
  const rows = await db
    .selectFrom('item_parties as ip')
    .innerJoin('organisations as o', 'o.id', 'ip.organisation_id')
    .where('ip.item_id', '=', itemId)
    .select('o.name')
    .orderBy('ip.is_lead', 'desc')
    .orderBy('o.name')
    .execute();
  return rows.map((o) => o.name);
}

/** What an award certificate says, for one grant of a contest or for one entry once its contest's results are published. */
export async function awardFacts(db: Executor, by: { contestId: number; grantId: number } | { entryId: number; published: true }) {
  let query = db
    .selectFrom('award_grants as g')
    .innerJoin('award_tiers as t', 't.id', 'g.tier_id')
    .innerJoin('entries as e', 'e.id', 'g.entry_id')
    .innerJoin('contests as c', 'c.id', 't.contest_id')
    .leftJoin('certificates as cert', (join) => join.onRef('cert.award_grant_id', '=', 'g.id').on('cert.revoked_at', 'is', null))
    .select([
      'g.id as grant_id', 't.name as tier', 'e.reference', 'e.title as entry_title', 'e.applicant_name', 'c.title as contest_title',
      'c.item_id', 'c.results_published_at', 'cert.code',
    ]);
  query = 'grantId' in by
    ? query.where('c.id', '=', by.contestId).where('g.id', '=', by.grantId)
    : query.where('e.id', '=', by.entryId).where('c.results_published_at', 'is not', null);
  const grant = await query.executeTakeFirst();
  if (!grant) return undefined;
  return { ...grant, organisers: await organisersOf(db, grant.item_id) };
}

export type AwardFacts = NonNullable<Awaited<ReturnType<typeof awardFacts>>>;

/**
 * Award grants of published results that have no certificate yet (results published before
 * certificates had codes, or by a path that issued none).
 */
export async function grantsWithoutCertificate(db: Executor, limit: number, contestId?: number) {
  let query = db
    .selectFrom('award_grants as g')
    .innerJoin('award_tiers as t', 't.id', 'g.tier_id')
    .innerJoin('contests as c', 'c.id', 't.contest_id')
    .innerJoin('entries as e', 'e.id', 'g.entry_id')
    .where('c.results_published_at', 'is not', null)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('certificates as x').whereRef('x.award_grant_id', '=', 'g.id').select('x.id'))))
    .select(['g.id', 'e.applicant_name'])
    .orderBy('g.id')
    .limit(limit);
  if (contestId !== undefined) query = query.where('c.id', '=', contestId);
  return query.execute();
}

/**
 * Participants owed an attendance certificate: checked in at an event that gives certificates and
 * has ended, with none issued yet (a revoked one counts as issued: revoking is final until reissued).
 */
export async function dueAttendance(db: Executor, now: Date, limit: number, eventId?: number) {
  let query = db
    .selectFrom('registrations as r')
    .innerJoin('events as e', 'e.id', 'r.event_id')
    .where('e.certificates_enabled', '=', true)
    .where('e.status', 'in', HELD)
    .where('e.ends_at', '<=', now)
    .where('r.checked_in_at', 'is not', null)
    .where('r.erased_at', 'is', null)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('certificates as x').whereRef('x.registration_id', '=', 'r.id').select('x.id'))))
    .select(['r.id', 'r.name', 'r.language', 'e.cpd_hours'])
    .orderBy('r.id')
    .limit(limit);
  if (eventId !== undefined) query = query.where('e.id', '=', eventId);
  return query.execute();
}

const ATTENDANCE_FACTS = [
  'c.id', 'c.code', 'c.name', 'c.language', 'c.hours', 'c.issued_at', 'r.email', 'r.id as registration_id',
  'e.id as event_id', 'e.title as event_english_title', 'e.translations', 'e.starts_at', 'e.ends_at', 'e.venue', 'e.city',
  'e.item_id', 'e.slug',
] as const;

/** Live attendance certificates not mailed yet, oldest first. */
export async function unmailedAttendance(db: Executor, limit: number, eventId?: number) {
  let query = db
    .selectFrom('certificates as c')
    .innerJoin('registrations as r', 'r.id', 'c.registration_id')
    .innerJoin('events as e', 'e.id', 'r.event_id')
    .where('c.kind', '=', 'attendance')
    .where('c.mailed_at', 'is', null)
    .where('c.revoked_at', 'is', null)
    .select(ATTENDANCE_FACTS)
    .orderBy('c.id')
    .limit(limit);
  if (eventId !== undefined) query = query.where('e.id', '=', eventId);
  return query.execute();
}

/** One attendance certificate with what its PDF and mail say. */
export async function attendanceRow(db: Executor, certificateId: number) {
  return db
    .selectFrom('certificates as c')
    .innerJoin('registrations as r', 'r.id', 'c.registration_id')
    .innerJoin('events as e', 'e.id', 'r.event_id')
    .where('c.id', '=', certificateId)
    .select(ATTENDANCE_FACTS)
    .executeTakeFirstOrThrow();
}

export type AttendanceRow = Awaited<ReturnType<typeof unmailedAttendance>>[number];
export type AttendanceFacts = AttendanceRow & { event_title: string; organisers: string[] };

/** A certificate by its code, with what its verification page states. */
export async function certificateByCode(db: Executor, code: string) {
  return db
    .selectFrom('certificates as c')
    .leftJoin('registrations as r', 'r.id', 'c.registration_id')
    .leftJoin('events as e', 'e.id', 'r.event_id')
    .leftJoin('award_grants as g', 'g.id', 'c.award_grant_id')
    .leftJoin('award_tiers as t', 't.id', 'g.tier_id')
    .leftJoin('contests as k', 'k.id', 't.contest_id')
    .where('c.code', '=', code)
    .select((eb) => [
      'c.kind', 'c.name', 'c.hours', 'c.issued_at', 'c.revoked_at',
      'e.title as event_title', 'e.translations as event_translations', 'e.starts_at', 'e.ends_at',
      't.name as tier', 't.translations as tier_translations', 'k.title as contest_title', 'k.translations as contest_translations',
      'k.results_published_at',
      eb.exists(eb.selectFrom('certificates as n').whereRef('n.replaces', '=', 'c.id').select('n.id')).as('superseded'),
    ])
    .executeTakeFirst();
}


/** An event loaded through the organiser's scope, with its certificate settings. */
export async function scopedEventForCertificates(db: Executor, user: CurrentUser, slug: string) {
  return db
    .selectFrom('events as e')
    .where('e.slug', '=', slug)
    .where((eb) => itemInScope(user, eb.ref('e.item_id')))
    .select(['e.id', 'e.slug', 'e.title', 'e.item_id', 'e.status', 'e.starts_at', 'e.ends_at', 'e.certificates_enabled', 'e.cpd_hours'])
    .executeTakeFirst();
}

export type CertificateEvent = NonNullable<Awaited<ReturnType<typeof scopedEventForCertificates>>>;

/** The checked-in participants of an event, each with their latest certificate (if any). */
export async function eventCertificates(db: Executor, eventId: number) {
  return db
    .selectFrom('registrations as r')
    .leftJoinLateral(
      (eb) => eb.selectFrom('certificates as c').whereRef('c.registration_id', '=', 'r.id')
        .select(['c.id', 'c.code', 'c.name', 'c.issued_at', 'c.mailed_at', 'c.revoked_at', 'c.revoked_reason'])
        .orderBy('c.id', 'desc').limit(1).as('c'),
      (join) => join.onTrue(),
    )
    .where('r.event_id', '=', eventId)
    .where('r.checked_in_at', 'is not', null)
    .where('r.erased_at', 'is', null)
    .select([
      'r.id', 'r.name', 'r.email', 'r.language', 'r.checked_in_at', 'c.id as certificate_id', 'c.code', 'c.name as printed_name',
      'c.issued_at', 'c.mailed_at', 'c.revoked_at', 'c.revoked_reason',
    ])
    .orderBy('r.name')
    .execute();
}

/**
 * The latest certificate of a registration of the event (live, or revoked: a revoked one can be
 * reissued), locked for a change; `live` only a certificate not revoked.
 */
export async function latestCertificateFor(db: Executor, eventId: number, registrationId: number, live = false) {
  let query = db
    .selectFrom('certificates as c')
    .innerJoin('registrations as r', 'r.id', 'c.registration_id')
    .where('r.event_id', '=', eventId)
    .where('r.id', '=', registrationId)
    .select(['c.id', 'c.code', 'c.name', 'c.language', 'c.hours', 'c.revoked_at'])
    .orderBy('c.id', 'desc')
    .limit(1)
    .forUpdate('c');
  if (live) query = query.where('c.revoked_at', 'is', null);
  return query.executeTakeFirst();
}

/** Counts for the organisers' page: issued, mailed, revoked. */
export async function certificateCounts(db: Executor, eventId: number) {
  return db
    .selectFrom('certificates as c')
    .innerJoin('registrations as r', 'r.id', 'c.registration_id')
    .where('r.event_id', '=', eventId)
    .select([
      sql<number>`count(*) filter (where c.revoked_at is null)::int`.as('live'),
      sql<number>`count(*) filter (where c.revoked_at is null and c.mailed_at is not null)::int`.as('mailed'),
      sql<number>`count(*) filter (where c.revoked_at is not null)::int`.as('revoked'),
    ])
    .executeTakeFirstOrThrow();
}
