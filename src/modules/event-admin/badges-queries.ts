import type { Executor } from '../../db/index.ts';
import { registrationMatches } from '../../lib/search.ts';

/** Who gets a badge: confirmed registrations (not the waiting list, not a pending address). */
export type BadgeFilter = { kind: 'all' } | { kind: 'unprinted' } | { kind: 'person'; registrationId: number };

export async function badgePeople(db: Executor, eventId: number, filter: BadgeFilter) {
  let query = db
    .selectFrom('registrations')
    .where('event_id', '=', eventId)
    .where('status', '=', 'confirmed')
    .where('erased_at', 'is', null)
    .select(['id', 'name', 'organisation', 'side', 'token_hash', 'badge_printed_at'])
    .orderBy('name')
    .orderBy('id');
  if (filter.kind === 'unprinted') query = query.where('badge_printed_at', 'is', null);
  if (filter.kind === 'person') query = query.where('id', '=', filter.registrationId);
  return query.execute();
}

export type BadgePerson = Awaited<ReturnType<typeof badgePeople>>[number];

export const BADGE_PAGE_SIZE = 50;

/**
 * One page of the people a badge is printed for, in name order, or of those matching a name, an
 * email address or an organisation. Keyset paging as the registrants list does: `after` is the id
 * of the last row of the page before, and the page goes on from that person's place (name, id);
 * one row more than a page is read to tell whether another page follows. The whole list is read in
 * order off registrations_desk_idx; a search takes the matches through the trigram index first
 * (src/lib/search.ts), then sorts them, as the desk does.
 */
export async function badgePage(db: Executor, eventId: number, q: string, after?: number) {
  let from: { name: string; id: number } | undefined;
  if (after !== undefined) {
    from = await db.selectFrom('registrations').select(['name', 'id']).where('id', '=', after).where('event_id', '=', eventId)
      .executeTakeFirst();
    // A place that is not this event's: nothing follows it.
    if (!from) return { rows: [], next: null };
  }
  let people = db.selectFrom('registrations')
    .where('event_id', '=', eventId)
    .where('status', '=', 'confirmed')
    .where('erased_at', 'is', null)
    .select(['id', 'name', 'organisation', 'side', 'badge_printed_at']);
  if (from) {
    const { name, id } = from;
    people = people.where((eb) => eb(eb.refTuple('name', 'id'), '>', eb.tuple(name, id)));
  }
  const rows = q
    ? await db.with((cte) => cte('matches').materialized(), () => people.where(registrationMatches(q)))
        .selectFrom('matches').selectAll().orderBy('name').orderBy('id').limit(BADGE_PAGE_SIZE + 1).execute()
    : await people.orderBy('name').orderBy('id').limit(BADGE_PAGE_SIZE + 1).execute();
  return { rows: rows.slice(0, BADGE_PAGE_SIZE), next: rows.length > BADGE_PAGE_SIZE ? rows[BADGE_PAGE_SIZE - 1]?.id ?? null : null };
}

/** Whether a registration is a confirmed person of the event: the only people a badge is printed for. */
export async function isBadgePerson(db: Executor, eventId: number, registrationId: number) {
  const row = await db.selectFrom('registrations').select('id').where('id', '=', registrationId).where('event_id', '=', eventId)
    .where('status', '=', 'confirmed').where('erased_at', 'is', null).executeTakeFirst();
  return row !== undefined;
}

export async function markPrinted(db: Executor, eventId: number, ids: number[], at: Date) {
  if (ids.length === 0) return;
  await db.updateTable('registrations').set({ badge_printed_at: at }).where('event_id', '=', eventId).where('id', 'in', ids).execute();
}
