import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';

/** A registration by the hash of its private token, with its event. */
export async function registrationByTokenHash(db: Executor, tokenHash: string) {
  return db
    .selectFrom('registrations as r')
    .innerJoin('events as e', 'e.id', 'r.event_id')
    .where('r.token_hash', '=', tokenHash)
    .selectAll('r')
    .select(['e.slug as event_slug', 'e.title as event_title'])
    .executeTakeFirst();
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
    .orderBy('created_at')
    .orderBy('id')
    .limit(1)
    .select(['id', 'name', 'email', 'language'])
    .forUpdate()
    .executeTakeFirst();
}
