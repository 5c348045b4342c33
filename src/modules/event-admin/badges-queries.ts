import type { Executor } from '../../db/index.ts';

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
