import { sql } from 'kysely';
import type { Database, Executor } from '../../db/index.ts';
import type { AuthMethod, Role } from '../../db/types.ts';
import { Refusal } from '../../lib/errors.ts';
import { type Locale, localeOf, message, translator } from '../../lib/i18n.ts';
import { hashToken, newToken } from '../../lib/tokens.ts';
import { recordAudit } from '../audit/service.ts';
import { queueMail } from '../mail/outbox.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from './passwords.ts';
import * as q from './queries.ts';

/** Sessions end after this long without a request, and in any case this long after sign-in. */
export const SESSION_IDLE_MS = 4 * 60 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 24 * 60 * 60 * 1000;
/** last_seen_at is written at most this often, not on every request. */
const TOUCH_EVERY_MS = 60 * 1000;

export type CurrentUser = {
  id: number;
  email: string;
  name: string;
  role: Role;
  organisationId: number | null;
  organisationCode: string | null;
  /** The language of the user's emails. */
  language: Locale;
  sessionId: string;
  /** When the password or a passkey was last given in this session. */
  confirmedAt: Date;
  /** The sign-in policy asks this user for a second factor they do not have yet: enrolment first. */
  mustEnrol: boolean;
};

/** Organisers (and administrators, who can do all they can) and judges, as the policy names them. */
export function policyCovers(role: Role, policy: { second_factor_organisers: boolean; second_factor_judges: boolean }): boolean {
  return role === 'judge' ? policy.second_factor_judges : policy.second_factor_organisers;
}

/** The signed-in user behind a session cookie, or null when the session is unknown or over. */
export async function userForSessionToken(db: Database, token: string, now = new Date()): Promise<CurrentUser | null> {
  const sessionId = hashToken(token);
  const row = await q.sessionUser(db, sessionId);
  if (!row) return null;
  const idleFor = now.getTime() - row.last_seen_at.getTime();
  if (row.disabled_at || row.expires_at <= now || idleFor > SESSION_IDLE_MS) {
    await q.deleteSession(db, sessionId);
    return null;
  }
  if (idleFor > TOUCH_EVERY_MS) await q.touchSession(db, sessionId);
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    organisationId: row.organisation_id,
    organisationCode: row.organisation_code,
    language: localeOf(row.language),
    sessionId,
    confirmedAt: row.confirmed_at,
    mustEnrol: !row.has_second_factor && policyCovers(row.role, row),
  };
}

/** Remembers the language a signed-in user switched the site to: their emails are written in it. */
export async function rememberLanguage(db: Database, user: CurrentUser, locale: Locale) {
  await db.updateTable('users').set({ language: locale }).where('id', '=', user.id).execute();
  user.language = locale;
}

/** A new session (never a reused id: no fixation). Returns the cookie value. */
export async function startSession(
  db: Database, userId: number, ip: string, userAgent: string | undefined, authMethod: AuthMethod = 'password',
): Promise<string> {
  const token = newToken();
  await q.insertSession(db, {
    auth_method: authMethod,
    id: hashToken(token),
    user_id: userId,
    expires_at: new Date(Date.now() + SESSION_ABSOLUTE_MS),
    ip,
    user_agent: userAgent?.slice(0, 300) ?? null,
  });
  return token;
}

// ---------------------------------------------------------------------------------------------
// Throttling, kept in the database (login_throttle) so that it holds across instances. A key
// counts events (failed sign-ins, reset requests); once it reaches its threshold it is locked,
// for a time that doubles with each further event. An hour without an event forgets the count.

type Rule = { threshold: number; firstLockSeconds: number; maxLockSeconds: number };
const FORGET_AFTER_MS = 60 * 60 * 1000;
const SIGN_IN_LOCK = { firstLockSeconds: 30, maxLockSeconds: 15 * 60 };

/**
 * Failed sign-ins count per account and address, per address, and per account from anywhere.
 * A stranger at one address locks the account only for that address; the owner elsewhere still
 * signs in. The account's own ceiling, ten addresses' worth, stops an attack spread over many
 * addresses, and each address counts towards it at most up to its own threshold.
 */
export const SIGN_IN_THROTTLE = {
  pair: { threshold: 5, ...SIGN_IN_LOCK },
  ip: { threshold: 20, ...SIGN_IN_LOCK },
  account: { threshold: 50, ...SIGN_IN_LOCK },
} as const satisfies Record<string, Rule>;

const signInKeys = (email: string, ip: string) => {
  const account = email.toLowerCase();
  return { pair: `email-ip:${account} ${ip}`, ip: `ip:${ip}`, account: `email:${account}` };
};

/** Seconds until every one of these keys is unlocked; 0 when none is locked. */
async function waitFor(db: Executor, keys: string[], now = new Date()): Promise<number> {
  const rows = await q.throttleRows(db, keys);
  const until = Math.max(0, ...rows.map((r) => r.locked_until?.getTime() ?? 0));
  return Math.max(0, Math.ceil((until - now.getTime()) / 1000));
}

/** Seconds until another attempt is allowed for this account from this address; 0 when allowed now. */
export async function loginWait(db: Executor, email: string, ip: string, now = new Date()): Promise<number> {
  return waitFor(db, Object.values(signInKeys(email, ip)), now);
}

/** Counts one event against a key and locks it from its threshold on; the count so far. */
async function countEvent(db: Executor, key: string, rule: Rule): Promise<number> {
  const row = await db
    .insertInto('login_throttle')
    .values({ key, failures: 1 })
    .onConflict((oc) => oc.column('key').doUpdateSet({
      failures: sql`case when login_throttle.last_failed_at < now() - make_interval(secs => ${FORGET_AFTER_MS / 1000})
        then 1 else login_throttle.failures + 1 end`,
      last_failed_at: sql`now()`,
    }))
    .returning('failures')
    .executeTakeFirstOrThrow();
  if (row.failures >= rule.threshold) {
    const seconds = Math.min(rule.maxLockSeconds, rule.firstLockSeconds * 2 ** (row.failures - rule.threshold));
    await db.updateTable('login_throttle').set({ locked_until: sql`now() + make_interval(secs => ${seconds})` })
      .where('key', '=', key).execute();
  }
  return row.failures;
}

/** Counts one failed sign-in (a wrong password or a wrong second-factor code); the seconds to wait now. */
export async function countFailedSignIn(db: Executor, email: string, ip: string): Promise<number> {
  const keys = signInKeys(email, ip);
  const fromHere = await countEvent(db, keys.pair, SIGN_IN_THROTTLE.pair);
  await countEvent(db, keys.ip, SIGN_IN_THROTTLE.ip);
  if (fromHere <= SIGN_IN_THROTTLE.pair.threshold) await countEvent(db, keys.account, SIGN_IN_THROTTLE.account);
  return loginWait(db, email, ip);
}

/** Forgets this address's failures for the account, once the user has proven who they are. */
export async function clearFailedSignIns(db: Executor, email: string, ip: string) {
  await db.deleteFrom('login_throttle').where('key', '=', signInKeys(email, ip).pair).execute();
}

/** twoFactor: the password was right, but the user must still give a second-factor code. */
export type LoginResult = { ok: true; userId: number; role: Role; twoFactor: boolean } | { ok: false; waitSeconds: number };

/** Checks a password; the answer is the same whether or not the account exists. */
export async function attemptLogin(db: Database, email: string, password: string, ip: string): Promise<LoginResult> {
  const wait = await loginWait(db, email, ip);
  if (wait > 0) return { ok: false, waitSeconds: wait };
  const user = await q.userByEmail(db, email);
  const valid = user && !user.disabled_at
    ? await verifyPassword(user.password_hash, password)
    : (await verifyPassword(await dummyPasswordHash(), password), false);
  if (!valid || !user) return { ok: false, waitSeconds: await countFailedSignIn(db, email, ip) };
  await clearFailedSignIns(db, email, ip);
  return { ok: true, userId: user.id, role: user.role, twoFactor: user.totp_secret !== null };
}

/**
 * Password-reset requests count per email address (3 an hour: a mailbox is never flooded) and
 * per client address (10 an hour), whether or not the address has an account.
 */
export const RESET_THROTTLE = {
  email: { threshold: 3, firstLockSeconds: 60 * 60, maxLockSeconds: 60 * 60 },
  ip: { threshold: 10, firstLockSeconds: 60 * 60, maxLockSeconds: 60 * 60 },
} as const satisfies Record<string, Rule>;

const resetKeys = (email: string, ip: string) => ({ email: `reset-email:${email.toLowerCase()}`, ip: `reset-ip:${ip}` });

// ---------------------------------------------------------------------------------------------
// Invitations and password resets: single-use links that expire, stored hashed.

export const LINK_LIFETIME_MS = { invitation: 7 * 24 * 60 * 60 * 1000, password_reset: 60 * 60 * 1000 } as const;
export type LinkPurpose = keyof typeof LINK_LIFETIME_MS;

/** A user id no account has (ids start at 1): issueLink for nobody runs the same statements and stores nothing. */
const NO_USER = 0;

export async function issueLink(db: Executor, userId: number, purpose: LinkPurpose): Promise<string> {
  const token = newToken();
  await db.updateTable('user_tokens').set({ used_at: sql`now()` })
    .where('user_id', '=', userId).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
  // Taken from the user's row, so that a link for no user is no row.
  await db.insertInto('user_tokens').columns(['user_id', 'purpose', 'token_hash', 'expires_at'])
    .expression((eb) => eb.selectFrom('users').where('id', '=', userId).select([
      'id',
      sql<string>`${purpose}::text`.as('purpose'),
      sql<string>`${hashToken(token)}::text`.as('token_hash'),
      sql<Date>`${new Date(Date.now() + LINK_LIFETIME_MS[purpose])}::timestamptz`.as('expires_at'),
    ]))
    .execute();
  return token;
}

/** The user a live link belongs to, without using it up. */
export async function linkUser(db: Executor, token: string, purpose: LinkPurpose) {
  return db
    .selectFrom('user_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .where('t.token_hash', '=', hashToken(token))
    .where('t.purpose', '=', purpose)
    .where('t.used_at', 'is', null)
    .where('t.expires_at', '>', sql<Date>`now()`)
    .where('u.disabled_at', 'is', null)
    .select(['t.id as token_id', 'u.id', 'u.email', 'u.name', 'u.role'])
    .executeTakeFirst();
}

/**
 * Sets a new password through a link: the link is used up, every session of the user ends,
 * all in one transaction so a link can never be used twice.
 */
export async function setPasswordWithLink(db: Database, token: string, purpose: LinkPurpose, password: string) {
  const passwordHash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    const used = await trx
      .updateTable('user_tokens')
      .set({ used_at: sql`now()` })
      .where('token_hash', '=', hashToken(token))
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .returning('user_id')
      .executeTakeFirst();
    if (!used) return null;
    await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', used.user_id).execute();
    await q.deleteUserSessions(trx, used.user_id);
    await recordAudit(trx, used.user_id, purpose === 'invitation' ? 'accept_invitation' : 'reset_password', 'user', used.user_id, {});
    return used.user_id;
  });
}

/** Changes the user's own password, given the current one; their other sessions end. */
export async function changePassword(db: Database, user: CurrentUser, current: string, next: string) {
  const row = await q.userByEmail(db, user.email);
  if (!row || !(await verifyPassword(row.password_hash, current))) throw Refusal.form({ current: 'account.show.currentWrong' });
  const passwordHash = await hashPassword(next);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', user.id).execute();
    await q.deleteUserSessions(trx, user.id, user.sessionId);
    await recordAudit(trx, user.id, 'change_password', 'user', user.id, {});
  });
}

/**
 * Sends a reset link if the address has a live account; the caller says the same thing either
 * way, and the work is the same either way, so that the time taken does not tell whether there is
 * an account: in one transaction, the request is counted, the account looked up, a link issued
 * and its mail queued; for no account, the link and the mail are rolled back (to a savepoint) and
 * the transaction commits all the same. Returns the seconds to wait when the address or the
 * client has asked too often (nothing is looked up then).
 */
export async function requestPasswordReset(
  db: Database, request: { email: string; ip: string }, baseUrl: string, mailDomain: string,
): Promise<{ waitSeconds: number }> {
  const keys = resetKeys(request.email, request.ip);
  return db.transaction().execute(async (trx) => {
    const waitSeconds = await waitFor(trx, [keys.email, keys.ip]);
    if (waitSeconds > 0) return { waitSeconds };
    await countEvent(trx, keys.email, RESET_THROTTLE.email);
    await countEvent(trx, keys.ip, RESET_THROTTLE.ip);
    await sql`savepoint reset_link`.execute(trx);
    const found = await q.userByEmail(trx, request.email);
    const user = found && !found.disabled_at ? found : null;
    const token = await issueLink(trx, user?.id ?? NO_USER, 'password_reset');
    // In the language the account's owner last used the site in.
    const t = translator(localeOf(user?.language));
    await queueMail(trx, {
      to: user?.email ?? request.email,
      subject: t('account.mail.reset.subject'),
      text: [
        t('account.mail.dear', { name: user?.name ?? request.email }),
        '',
        t('account.mail.reset.body'),
        '',
        `${baseUrl}/password/reset/${token}`,
        '',
        t('account.mail.reset.notYou'),
      ].join('\n'),
    }, mailDomain);
    await sql.raw(user ? 'release savepoint reset_link' : 'rollback to savepoint reset_link').execute(trx);
    return { waitSeconds: 0 };
  });
}

/** Records that the person behind the session has just given their password or a passkey again. */
export async function markConfirmed(db: Executor, sessionId: string) {
  await db.updateTable('sessions').set({ confirmed_at: sql`now()` }).where('id', '=', sessionId).execute();
}

/**
 * Confirms the signed-in user with their password, throttled like sign-in: a stolen session
 * cannot guess its way into exports or factor changes.
 */
export async function confirmWithPassword(db: Database, user: CurrentUser, password: string, ip: string) {
  const wait = await loginWait(db, user.email, ip);
  const throttled = (seconds: number) => {
    const minutes = Math.ceil(seconds / 60);
    return Refusal.form({ _form: message(minutes === 1 ? 'account.login.throttledOne' : 'account.login.throttledMany', { minutes }) });
  };
  if (wait > 0) throw throttled(wait);
  const row = await q.userByEmail(db, user.email);
  if (!row || !(await verifyPassword(row.password_hash, password))) {
    const waitSeconds = await countFailedSignIn(db, user.email, ip);
    throw waitSeconds > 0 ? throttled(waitSeconds) : Refusal.form({ password: 'account.show.currentWrong' });
  }
  await clearFailedSignIns(db, user.email, ip);
  await markConfirmed(db, user.sessionId);
}
