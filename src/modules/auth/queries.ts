import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import type { AuthMethod } from '../../db/types.ts';

export async function userByEmail(db: Executor, email: string) {
  return db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
}

export async function sessionUser(db: Executor, sessionId: string) {
  return db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .leftJoin('organisations as o', 'o.id', 'u.organisation_id')
    .crossJoin('sign_in_policy as pol')
    .where('s.id', '=', sessionId)
    .select((eb) => [
      's.id as session_id', 's.created_at as session_created_at', 's.last_seen_at', 's.expires_at', 's.confirmed_at',
      'u.id', 'u.email', 'u.name', 'u.role', 'u.organisation_id', 'u.disabled_at', 'u.language',
      'o.code as organisation_code', 'o.name as organisation_name',
      'pol.second_factor_organisers', 'pol.second_factor_judges',
      eb.or([
        eb('u.totp_secret', 'is not', null),
        eb.exists(eb.selectFrom('passkeys as p').select('p.id').whereRef('p.user_id', '=', 'u.id')),
      ]).as('has_second_factor'),
    ])
    .executeTakeFirst();
}

export async function insertSession(
  db: Executor, row: { id: string; user_id: number; expires_at: Date; ip: string; user_agent: string | null; auth_method: AuthMethod },
) {
  await db.insertInto('sessions').values(row).execute();
}

export async function touchSession(db: Executor, sessionId: string) {
  await db.updateTable('sessions').set({ last_seen_at: sql`now()` }).where('id', '=', sessionId).execute();
}

export async function deleteSession(db: Executor, sessionId: string) {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

/** Ends one of the user's own sessions; false when the user has no such session. */
export async function deleteOwnSession(db: Executor, userId: number, sessionId: string): Promise<boolean> {
  const ended = await db.deleteFrom('sessions').where('id', '=', sessionId).where('user_id', '=', userId).executeTakeFirst();
  return Number(ended.numDeletedRows) > 0;
}

export async function deleteUserSessions(db: Executor, userId: number, except?: string) {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (except) q = q.where('id', '<>', except);
  await q.execute();
}

export async function userSessions(db: Executor, userId: number) {
  return db
    .selectFrom('sessions')
    .select(['id', 'created_at', 'last_seen_at', 'expires_at', 'ip', 'user_agent', 'auth_method'])
    .where('user_id', '=', userId)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('last_seen_at', 'desc')
    .execute();
}

export async function throttleRows(db: Executor, keys: string[]) {
  return db.selectFrom('login_throttle').selectAll().where('key', 'in', keys).execute();
}
