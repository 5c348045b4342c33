import { randomBytes } from 'node:crypto';
import type { Database, Executor } from '../../db/index.ts';
import type { ApiScope } from '../../db/types.ts';
import { Refusal } from '../../lib/errors.ts';
import { localeOf } from '../../lib/i18n.ts';
import { hashToken } from '../../lib/tokens.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';

/*
 * Personal API tokens. A token is shown once, when it is made; only its sha256 is kept. It acts
 * as its user, with that user's scope (an organiser's token reaches their organisation's items),
 * narrowed further by the token's own scopes: what it may write.
 */

export const API_SCOPES = ['read', 'registrations', 'checkin', 'figures'] as const satisfies readonly ApiScope[];
/** The longest life a token may be given, and the one it gets when none is asked for. */
export const MAX_TOKEN_DAYS = 366;
export const DEFAULT_TOKEN_DAYS = 90;

const PREFIX = 'ipcoop_';
/** The prefix names the token's origin for secret scanners; the rest is 256 random bits. */
const TOKEN_SHAPE = /^ipcoop_[A-Za-z0-9_-]{43}$/;
/** last_used_at is written at most this often, not on every request. */
const TOUCH_EVERY_MS = 60_000;
const DAY_MS = 24 * 3_600_000;

export type NewApiToken = { name: string; scopes: ApiScope[]; days: number };
export type ApiCaller = { user: CurrentUser; tokenId: number; scopes: ApiScope[] };

/** Makes a token for `owner`; returns the token itself, which is never stored or shown again. */
export async function createApiToken(
  db: Database, actorId: number | null, ownerId: number, input: NewApiToken, now = new Date(),
): Promise<{ id: number; token: string; expiresAt: Date }> {
  const token = PREFIX + randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + input.days * DAY_MS);
  const scopes = API_SCOPES.filter((s) => input.scopes.includes(s));
  const id = await db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('api_tokens').values({
      user_id: ownerId, name: input.name, token_hash: hashToken(token), scopes: JSON.stringify(scopes), expires_at: expiresAt,
    }).returning('id').executeTakeFirstOrThrow();
    await recordAudit(trx, actorId, 'create', 'api_token', row.id, { name: input.name, scopes, expires_at: expiresAt, user_id: ownerId });
    return row.id;
  });
  return { id, token, expiresAt };
}

/**
 * Who a bearer token acts for, or null: a token of the wrong shape is not looked up; an unknown,
 * revoked or expired one, or one of a disabled account, is refused alike.
 */
export async function callerForToken(db: Database, token: string, ip: string, now = new Date()): Promise<ApiCaller | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const row = await db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .leftJoin('organisations as o', 'o.id', 'u.organisation_id')
    .where('t.token_hash', '=', hashToken(token))
    .select([
      't.id as token_id', 't.scopes', 't.expires_at', 't.created_at', 't.revoked_at', 't.last_used_at',
      'u.id', 'u.email', 'u.name', 'u.role', 'u.organisation_id', 'u.disabled_at', 'u.language', 'o.code as organisation_code',
    ])
    .executeTakeFirst();
  if (!row || row.revoked_at || row.disabled_at || row.expires_at <= now) return null;
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > TOUCH_EVERY_MS) {
    await db.updateTable('api_tokens').set({ last_used_at: now, last_used_ip: ip }).where('id', '=', row.token_id).execute();
  }
  return {
    tokenId: row.token_id,
    scopes: row.scopes,
    user: {
      id: row.id, email: row.email, name: row.name, role: row.role, organisationId: row.organisation_id,
      organisationCode: row.organisation_code, language: localeOf(row.language), sessionId: `api-token:${row.token_id}`,
      // A token is made from a signed-in session (or the command line) and carries no session of its own.
      confirmedAt: row.created_at, mustEnrol: false,
    },
  };
}

const LISTED = [
  't.id', 't.name', 't.scopes', 't.expires_at', 't.last_used_at', 't.last_used_ip', 't.revoked_at', 't.created_at',
] as const;

export async function tokensOfUser(db: Executor, userId: number) {
  return db.selectFrom('api_tokens as t').where('t.user_id', '=', userId).select(LISTED)
    .orderBy('t.created_at', 'desc').orderBy('t.id', 'desc').execute();
}

/** Every token, with its owner: the administrators' list. */
export async function allTokens(db: Executor) {
  return db.selectFrom('api_tokens as t').innerJoin('users as u', 'u.id', 't.user_id')
    .select([...LISTED, 'u.email as user_email', 'u.name as user_name'])
    .orderBy('t.revoked_at', (ob) => ob.nullsFirst()).orderBy('t.created_at', 'desc').orderBy('t.id', 'desc')
    .execute();
}

/**
 * Revokes a token at once (its next request is refused). A user revokes their own; an admin
 * (`any`) anyone's. Someone else's token is not found; revoking twice is harmless.
 */
export async function revokeApiToken(db: Database, actor: CurrentUser, tokenId: number, any = false, now = new Date()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('api_tokens').select(['id', 'user_id', 'revoked_at']).where('id', '=', tokenId)
      .$if(!(any && actor.role === 'admin'), (qb) => qb.where('user_id', '=', actor.id))
      .forUpdate().executeTakeFirst();
    if (!row) throw Refusal.notFound('api.tokens.notFound');
    if (row.revoked_at) return;
    await trx.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', row.id).execute();
    await recordAudit(trx, actor.id, 'revoke', 'api_token', row.id, { user_id: row.user_id });
    // Its stored idempotent answers go with it: they could only ever be replayed to this token.
    await trx.deleteFrom('api_idempotency_keys').where('token_id', '=', row.id).execute();
  });
}
