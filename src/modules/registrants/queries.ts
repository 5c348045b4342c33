import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import { registrationMatches } from '../../lib/search.ts';
import type { RegistrationStatus, Side } from '../../db/types.ts';

/** The filters of the registrants list, all optional. */
export type RegistrantFilters = {
  status?: RegistrationStatus;
  side?: Side;
  checkedIn?: 'yes' | 'no';
  noShow?: boolean;
  /** Part of a name, an email address or an organisation. */
  q?: string;
  /** An answer to one of the event's questions: its id and the answer chosen. */
  question?: number;
  answer?: string;
};

export const PAGE_SIZE = 50;

function filtered(db: Executor, eventId: number, f: RegistrantFilters) {
  let query = db.selectFrom('registrations as r').where('r.event_id', '=', eventId).where('r.erased_at', 'is', null);
  if (f.status) query = query.where('r.status', '=', f.status);
  if (f.side) query = query.where('r.side', '=', f.side);
  if (f.checkedIn === 'yes') query = query.where('r.checked_in_at', 'is not', null);
  if (f.checkedIn === 'no') query = query.where('r.checked_in_at', 'is', null);
  if (f.noShow) query = query.where('r.no_show_at', 'is not', null);
  // Through the trigram index on the three fields (src/lib/search.ts).
  if (f.q) query = query.where(registrationMatches(f.q, 'r'));
  if (f.question !== undefined && f.answer !== undefined) {
    query = query.where(sql<boolean>`r.answers ->> ${String(f.question)} = ${f.answer}`);
  }
  return query;
}

/**
 * One page of the list, in the order people registered: the `after` id is the last row of the
 * page before (keyset paging: as fast on the hundredth page as on the first). One row more than
 * a page is read to tell whether another page follows.
 */
export async function registrantsPage(db: Executor, eventId: number, f: RegistrantFilters, after?: number) {
  let query = filtered(db, eventId, f);
  if (after !== undefined) query = query.where('r.id', '>', after);
  const rows = await query
    .select([
      'r.id', 'r.name', 'r.email', 'r.organisation', 'r.side', 'r.status', 'r.checked_in_at', 'r.no_show_at', 'r.created_at',
      'r.confirm_by', 'r.import_id',
    ])
    .orderBy('r.id').limit(PAGE_SIZE + 1).execute();
  return { rows: rows.slice(0, PAGE_SIZE), next: rows.length > PAGE_SIZE ? rows[PAGE_SIZE - 1]?.id ?? null : null };
}

export async function registrantsCount(db: Executor, eventId: number, f: RegistrantFilters): Promise<number> {
  const row = await filtered(db, eventId, f).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return row.n;
}

/** One registration of the event, with what organisers see of it. */
export async function registrant(db: Executor, eventId: number, id: number) {
  return db.selectFrom('registrations as r')
    .where('r.event_id', '=', eventId).where('r.id', '=', id).where('r.erased_at', 'is', null)
    .select([
      'r.id', 'r.name', 'r.email', 'r.organisation', 'r.side', 'r.status', 'r.answers', 'r.language', 'r.checked_in_at',
      'r.cancelled_at', 'r.cancel_reason', 'r.no_show_at', 'r.created_at', 'r.confirm_by', 'r.import_id', 'r.delegation_member_id',
      'r.declined_at',
    ])
    .executeTakeFirst();
}

export type Registrant = NonNullable<Awaited<ReturnType<typeof registrant>>>;

/** What was done to a registration, newest first, and by whom. */
export async function registrantHistory(db: Executor, id: number) {
  return db.selectFrom('audit_log as a').leftJoin('users as u', 'u.id', 'a.actor_user_id')
    .where('a.entity', '=', 'registration').where('a.entity_id', '=', String(id))
    .select(['a.action', 'a.changes', 'a.at', 'u.name as actor'])
    .orderBy('a.id', 'desc').limit(50).execute();
}

/** Which of these addresses (stored in lower case, as every address is) the event has a live registration for. */
export async function liveEmails(db: Executor, eventId: number, emails: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  // In slices, so that a list of thousands stays within the parameters a statement takes.
  for (let i = 0; i < emails.length; i += 1000) {
    const rows = await db.selectFrom('registrations').where('event_id', '=', eventId).where('status', '<>', 'cancelled')
      .where('email', 'in', emails.slice(i, i + 1000)).select('email').execute();
    for (const r of rows) found.add(r.email);
  }
  return found;
}
