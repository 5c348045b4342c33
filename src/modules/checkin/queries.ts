import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import { registrationMatches } from '../../lib/search.ts';

/**
 * Registrations holding a seat (confirmed, or unconfirmed while their email address is not yet
 * confirmed) matching a name, email or organisation, for the check-in desk.
 */
export async function searchDesk(db: Executor, eventId: number, query: string, limit = 50) {
  const seated = db
    .selectFrom('registrations')
    .where('event_id', '=', eventId)
    .where('status', 'in', ['confirmed', 'unconfirmed'])
    .select(['id', 'name', 'email', 'organisation', 'side', 'status', 'checked_in_at']);
  // The whole list: its first page read in order off registrations_desk_idx.
  if (!query) return seated.orderBy('name').orderBy('id').limit(limit).execute();
  // A search: the few matches first, through the trigram index on the three fields (src/lib/search.ts),
  // then sorted; never a walk of the name index hoping to meet them.
  return db
    .with((cte) => cte('matches').materialized(), () => seated.where(registrationMatches(query)))
    .selectFrom('matches')
    .selectAll()
    .orderBy('name')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export type AttendanceRow = {
  id: number; name: string; email: string; organisation: string; side: string; status: string;
  answers: Record<string, string | boolean>; created_at: Date; checked_in_at: Date | null;
};

/**
 * Every live registration of an event in pages of `batch`, by keyset (never OFFSET), so an
 * export of any size holds one page in memory at a time. Confirmed first, then the waiting list.
 */
export async function* attendanceRows(
  db: Executor, eventId: number, options: { confirmedOnly?: boolean; batch?: number } = {},
): AsyncGenerator<AttendanceRow> {
  const batch = options.batch ?? 1000;
  const statuses = options.confirmedOnly ? ['confirmed'] as const : ['confirmed', 'waitlisted'] as const;
  for (const status of statuses) {
    let after = 0;
    for (;;) {
      const rows = await db
        .selectFrom('registrations')
        .where('event_id', '=', eventId)
        .where('status', '=', status)
        // A place on the waiting list whose email address is not yet confirmed is not listed.
        .where('confirm_by', 'is', null)
        .where('id', '>', after)
        .select(['id', 'name', 'email', 'organisation', 'side', 'status', 'answers', 'created_at', 'checked_in_at'])
        .orderBy('id')
        .limit(batch)
        .execute();
      yield* rows;
      const last = rows.at(-1);
      if (!last || rows.length < batch) break;
      after = last.id;
    }
  }
}

/** Every registration of an event a phone scanner may be shown, with the device of its current check-in. */
export async function scannerPeople(db: Executor, eventId: number) {
  return db
    .selectFrom('registrations as r')
    .leftJoin('checkins as c', (join) => join.onRef('c.registration_id', '=', 'r.id')
      .on('c.action', '=', 'in').on('c.outcome', '=', 'accepted'))
    .where('r.event_id', '=', eventId)
    .where('r.erased_at', 'is', null)
    .select(['r.id', 'r.name', 'r.organisation', 'r.side', 'r.status', 'r.token_hash', 'r.pending_token_hash', 'r.checked_in_at'])
    .select('c.device')
    .orderBy('r.name')
    .orderBy('r.id')
    .execute();
}

export const CHECKIN_OUTCOMES = ['accepted', 'duplicate', 'undone', 'ignored'] as const;
type Outcome = (typeof CHECKIN_OUTCOMES)[number];

/** The check-in log of an event, latest scan first; `outcome` narrows it (duplicates are the conflicts). */
export async function checkinLog(db: Executor, eventId: number, options: { outcome?: Outcome; limit?: number } = {}) {
  let q = db
    .selectFrom('checkins as c')
    .innerJoin('registrations as r', 'r.id', 'c.registration_id')
    .leftJoin('users as u', 'u.id', 'c.user_id')
    .where('c.event_id', '=', eventId)
    .select(['c.id', 'c.action', 'c.outcome', 'c.device', 'c.scanned_at', 'c.recorded_at', 'r.name', 'r.organisation'])
    .select('u.name as user_name')
    .orderBy('c.scanned_at', 'desc')
    .orderBy('c.id')
    .limit(options.limit ?? 500);
  if (options.outcome) q = q.where('c.outcome', '=', options.outcome);
  return q.execute();
}

/** How many rows of an event's log have each outcome. */
export async function checkinLogCounts(db: Executor, eventId: number) {
  const rows = await db.selectFrom('checkins').where('event_id', '=', eventId)
    .select(['outcome', sql<number>`count(*)::int`.as('n')]).groupBy('outcome').execute();
  return Object.fromEntries(CHECKIN_OUTCOMES.map((o) => [o, rows.find((r) => r.outcome === o)?.n ?? 0])) as Record<Outcome, number>;
}
