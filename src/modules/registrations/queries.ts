import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';

const registrationWithEvent = (db: Executor) => db
  .selectFrom('registrations as r')
  .innerJoin('events as e', 'e.id', 'r.event_id')
  .selectAll('r')
  .select(['e.slug as event_slug', 'e.title as event_title']);

/**
 * A registration by the hash of its private token, with its event. The hash may also be the
 * registration's pending link (the one mailed when its address registered again) while the
 * registration is live and not erased. The first use of that link makes it the working link in
 * one conditional statement, so from then on the earlier link and its ticket stop working.
 */
export async function registrationByTokenHash(db: Executor, tokenHash: string) {
  const found = await registrationWithEvent(db)
    .where((eb) => eb.or([
      eb('r.token_hash', '=', tokenHash),
      eb.and([eb('r.pending_token_hash', '=', tokenHash), eb('r.status', '<>', 'cancelled'), eb('r.erased_at', 'is', null)]),
    ]))
    .executeTakeFirst();
  if (!found || found.token_hash === tokenHash) return found;
  // Of two first uses at once, one swaps and the other finds the link already swapped; a link
  // replaced or cancelled in the meantime finds nothing.
  await db
    .updateTable('registrations')
    .set({ token_hash: sql<string>`pending_token_hash`, pending_token_hash: null })
    .where('id', '=', found.id)
    .where('pending_token_hash', '=', tokenHash)
    .where('status', '<>', 'cancelled')
    .where('erased_at', 'is', null)
    .execute();
  return registrationWithEvent(db).where('r.token_hash', '=', tokenHash).executeTakeFirst();
}

export async function liveRegistrationForEmail(db: Executor, eventId: number, email: string) {
  return db
    .selectFrom('registrations')
    .where('event_id', '=', eventId)
    .where('email', '=', email)
    .where('status', '<>', 'cancelled')
    .select(['id', 'name', 'status', 'language'])
    .forUpdate()
    .executeTakeFirst();
}

/**
 * Takes one confirmed place if there is one, in a single conditional UPDATE: the row lock it
 * takes serialises concurrent registrations, and the CHECK on confirmed_count backs it up.
 */
export async function takeSeat(db: Executor, eventId: number): Promise<boolean> {
  const row = await db
    .updateTable('events')
    .set({ confirmed_count: sql`confirmed_count + 1` })
    .where('id', '=', eventId)
    .where((eb) => eb.or([eb('capacity', 'is', null), eb('confirmed_count', '<', eb.ref('capacity'))]))
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function releaseSeat(db: Executor, eventId: number) {
  await db.updateTable('events').set({ confirmed_count: sql`confirmed_count - 1` }).where('id', '=', eventId).execute();
}

/** The longest-waiting person on the list, locked for promotion. */
export async function firstWaitlisted(db: Executor, eventId: number) {
  return db
    .selectFrom('registrations')
    .where('event_id', '=', eventId)
    .where('status', '=', 'waitlisted')
    // A place comes free only for someone whose email address is confirmed.
    .where('confirm_by', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .limit(1)
    .select(['id', 'name', 'email', 'language'])
    .forUpdate()
    .executeTakeFirst();
}
