import { createHmac, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import type { Database, Executor } from '../../db/index.ts';
import type { AuthMethod, Role } from '../../db/types.ts';
import { Refusal } from '../../lib/errors.ts';
import { message } from '../../lib/i18n.ts';
import { hashToken, newToken } from '../../lib/tokens.ts';
import { recordAudit } from '../audit/service.ts';
import { verifyPassword } from './passwords.ts';
import { userByEmail } from './queries.ts';
import { clearFailedSignIns, countFailedSignIn, type CurrentUser, loginWait } from './service.ts';

// Two-factor sign-in with TOTP (RFC 6238: SHA-1, six digits, 30-second steps, as every
// authenticator app reads an otpauth:// URI), and ten single-use recovery codes.

const PERIOD = 30;
/** Codes of one step before or after the server's clock are accepted (clock drift). */
const DRIFT_STEPS = 1;
export const RECOVERY_CODE_COUNT = 10;
/** How long the half-signed-in state (a right password, no code yet) lasts. */
export const CHALLENGE_LIFETIME_MS = 5 * 60 * 1000;
const ISSUER = 'ipcoop';

const totp = (secret: string, label = '') =>
  new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secret) });

export const otpauthUri = (secret: string, email: string) => totp(secret, email).toString();

/** A recovery code as typed: case, spaces and dashes do not matter. */
const normaliseRecovery = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');
const isTotpShaped = (code: string) => /^\d{6}$/.test(code.replace(/\s/g, ''));

/** Ten new codes, "xxxxx-xxxxx" in lower-case hex (40 random bits each). */
function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const hex = randomBytes(5).toString('hex');
    return `${hex.slice(0, 5)}-${hex.slice(5)}`;
  });
}

async function replaceRecoveryCodes(db: Executor, userId: number): Promise<string[]> {
  const codes = newRecoveryCodes();
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db.insertInto('recovery_codes')
    .values(codes.map((c) => ({ user_id: userId, code_hash: hashToken(normaliseRecovery(c)) })))
    .execute();
  return codes;
}

/** The time step a code belongs to, within the drift allowed; null when it is no current code of the secret. */
function codeStep(secret: string, code: string, now: number): number | null {
  const token = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totp(secret).validate({ token, timestamp: now, window: DRIFT_STEPS });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD) + delta;
}

/**
 * Uses a code up: true when it is a current code of the user's secret and of a later step than
 * the last one used. The step is recorded in the same statement that checks it, so that two
 * requests racing with one code cannot both pass.
 */
async function useTotp(db: Executor, userId: number, secret: string, code: string, now = Date.now()): Promise<boolean> {
  const step = codeStep(secret, code, now);
  if (step === null) return false;
  const used = await db.updateTable('users').set({ totp_last_step: step })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .returning('id')
    .executeTakeFirst();
  return Boolean(used);
}

/** Uses a recovery code up: it is deleted, so it works once. */
async function useRecoveryCode(db: Executor, userId: number, code: string): Promise<boolean> {
  const normal = normaliseRecovery(code);
  if (!/^[0-9a-f]{10}$/.test(normal)) return false;
  const used = await db.deleteFrom('recovery_codes')
    .where('user_id', '=', userId).where('code_hash', '=', hashToken(normal)).executeTakeFirst();
  return Number(used.numDeletedRows) > 0;
}

export type TwoFactorState =
  | { enabled: true; recoveryLeft: number }
  | { enabled: false; secret: string; uri: string };

/**
 * The secret offered for enrolment, until a first code confirms it: derived from the session (and
 * the server's secret), so that the page shows the same one on every visit without storing it (a
 * GET writes nothing), nobody can plant one, and another session is offered another.
 */
function pendingSecret(user: CurrentUser, serverKey: string): string {
  const bytes = createHmac('sha256', serverKey).update(`totp-enrolment:${user.id}:${user.sessionId}`).digest().subarray(0, 20);
  return new Secret({ buffer: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) }).base32;
}

/** The enrolment page's state; a user without two-factor is offered a pending secret to confirm. */
export async function twoFactorState(db: Database, user: CurrentUser, serverKey: string): Promise<TwoFactorState> {
  const row = await db.selectFrom('users').select(['totp_secret']).where('id', '=', user.id).executeTakeFirstOrThrow();
  if (row.totp_secret) {
    const left = await db.selectFrom('recovery_codes').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', user.id).executeTakeFirstOrThrow();
    return { enabled: true, recoveryLeft: Number(left.n) };
  }
  const secret = pendingSecret(user, serverKey);
  return { enabled: false, secret, uri: otpauthUri(secret, user.email) };
}

/** Confirms the pending secret with a first code: two-factor is on. Returns the recovery codes, shown once. */
export async function confirmTwoFactor(db: Database, user: CurrentUser, code: string, serverKey: string): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('users').select(['totp_secret'])
      .where('id', '=', user.id).forUpdate().executeTakeFirstOrThrow();
    if (row.totp_secret) throw Refusal.form({ _form: 'account.twoFactor.alreadyOn' });
    const secret = pendingSecret(user, serverKey);
    const step = codeStep(secret, code, Date.now());
    if (step === null) throw Refusal.form({ code: 'account.twoFactor.codeWrong' });
    await trx.updateTable('users')
      .set({ totp_secret: secret, totp_last_step: step })
      .where('id', '=', user.id).execute();
    const codes = await replaceRecoveryCodes(trx, user.id);
    await recordAudit(trx, user.id, 'enable_two_factor', 'user', user.id, {});
    return codes;
  });
}

/** Checks a current code (TOTP or recovery) or else the password, for turning off or new recovery codes. */
async function proveSecondFactor(trx: Executor, user: CurrentUser, input: { code: string; password: string }, allowPassword: boolean) {
  const row = await trx.selectFrom('users').select(['totp_secret', 'password_hash'])
    .where('id', '=', user.id).forUpdate().executeTakeFirstOrThrow();
  if (!row.totp_secret) throw Refusal.form({ _form: 'account.twoFactor.notOn' });
  if (input.code) {
    const ok = isTotpShaped(input.code)
      ? await useTotp(trx, user.id, row.totp_secret, input.code)
      : await useRecoveryCode(trx, user.id, input.code);
    if (!ok) throw Refusal.form({ code: 'account.twoFactor.codeWrong' });
    return;
  }
  if (allowPassword && input.password) {
    if (!(await verifyPassword(row.password_hash, input.password))) throw Refusal.form({ password: 'account.show.currentWrong' });
    return;
  }
  throw Refusal.form({ code: allowPassword ? 'account.twoFactor.codeOrPassword' : 'account.twoFactor.codeMissing' });
}

/**
 * Runs a change that needs a current code or the password, throttled like sign-in (per account and
 * address): a stolen session cannot guess its way to turning two-factor off. A failure is counted
 * after the refused transaction has rolled back.
 */
async function throttled<T>(db: Database, user: CurrentUser, ip: string, work: () => Promise<T>): Promise<T> {
  const wait = await loginWait(db, user.email, ip);
  if (wait > 0) throw Refusal.form({ code: throttledMessage(wait) });
  try {
    return await work();
  } catch (error) {
    if (error instanceof Refusal) {
      const waitSeconds = await countFailedSignIn(db, user.email, ip);
      if (waitSeconds > 0) throw Refusal.form({ code: throttledMessage(waitSeconds) });
    }
    throw error;
  }
}

const throttledMessage = (seconds: number) => {
  const minutes = Math.ceil(seconds / 60);
  return message(minutes === 1 ? 'account.login.throttledOne' : 'account.login.throttledMany', { minutes });
};

/** Turns two-factor off, given a current code or the password; the secret and recovery codes go. */
export async function disableTwoFactor(db: Database, user: CurrentUser, ip: string, input: { code: string; password: string }) {
  await throttled(db, user, ip, () => db.transaction().execute(async (trx) => {
    await proveSecondFactor(trx, user, input, true);
    await trx.updateTable('users').set({ totp_secret: null, totp_last_step: null })
      .where('id', '=', user.id).execute();
    await trx.deleteFrom('recovery_codes').where('user_id', '=', user.id).execute();
    await trx.deleteFrom('login_challenges').where('user_id', '=', user.id).execute();
    await recordAudit(trx, user.id, 'disable_two_factor', 'user', user.id, {});
  }));
}

/** New recovery codes, given a current code; the old ones stop working. */
export async function regenerateRecoveryCodes(db: Database, user: CurrentUser, ip: string, code: string): Promise<string[]> {
  return throttled(db, user, ip, () => db.transaction().execute(async (trx) => {
    await proveSecondFactor(trx, user, { code, password: '' }, false);
    const codes = await replaceRecoveryCodes(trx, user.id);
    await recordAudit(trx, user.id, 'regenerate_recovery_codes', 'user', user.id, {});
    return codes;
  }));
}

// ---------------------------------------------------------------------------------------------
// The half-signed-in state: a right password, waiting for the code. Its token travels in an
// HttpOnly cookie; only its hash is stored, bound to the user and the client's address.

/** Starts the wait for a code after a right password; returns the cookie's token. */
export async function beginChallenge(
  db: Database, userId: number, ip: string, next: string | null, firstFactor: 'password' | 'oidc' = 'password',
): Promise<string> {
  const token = newToken();
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('login_challenges').where('expires_at', '<=', sql<Date>`now()`).execute();
    await trx.insertInto('login_challenges').values({
      id: hashToken(token), user_id: userId, ip, next, expires_at: new Date(Date.now() + CHALLENGE_LIFETIME_MS), first_factor: firstFactor,
    }).execute();
  });
  return token;
}

export type ChallengeResult =
  | { ok: true; userId: number; role: Role; next: string | null; method: AuthMethod }
  | { ok: false; reason: 'expired' }
  | { ok: false; reason: 'wrong' | 'throttled'; waitSeconds: number };

/**
 * Completes a sign-in with a TOTP code or a recovery code. Wrong codes count against the same
 * throttle as wrong passwords (per account and address). The challenge is used up on success.
 */
export async function completeChallenge(db: Database, token: string, ip: string, code: string): Promise<ChallengeResult> {
  const id = hashToken(token);
  const challenge = await db.selectFrom('login_challenges as c').innerJoin('users as u', 'u.id', 'c.user_id')
    .where('c.id', '=', id).where('c.ip', '=', ip).where('c.expires_at', '>', sql<Date>`now()`)
    .where('u.disabled_at', 'is', null)
    .select(['u.id', 'u.email', 'u.role', 'u.totp_secret', 'c.next', 'c.first_factor'])
    .executeTakeFirst();
  if (!challenge?.totp_secret) return { ok: false, reason: 'expired' };
  const secret = challenge.totp_secret;
  const wait = await loginWait(db, challenge.email, ip);
  if (wait > 0) return { ok: false, reason: 'throttled', waitSeconds: wait };
  const method = await db.transaction().execute(async (trx) => {
    const used = await trx.deleteFrom('login_challenges').where('id', '=', id).executeTakeFirst();
    if (Number(used.numDeletedRows) === 0) return null;
    let ok: AuthMethod | null = null;
    const first = challenge.first_factor;
    if (isTotpShaped(code)) ok = (await useTotp(trx, challenge.id, secret, code)) ? `${first}+totp` : null;
    else ok = (await useRecoveryCode(trx, challenge.id, code)) ? `${first}+recovery` : null;
    // A wrong code keeps the challenge for another try (rolled back to before its deletion).
    if (!ok) throw new WrongCode();
    if (ok.endsWith('+recovery')) await recordAudit(trx, challenge.id, 'use_recovery_code', 'user', challenge.id, {});
    return ok;
  }).catch((error: unknown) => {
    if (error instanceof WrongCode) return 'wrong' as const;
    throw error;
  });
  if (method === null) return { ok: false, reason: 'expired' };
  if (method === 'wrong') {
    const waitSeconds = await countFailedSignIn(db, challenge.email, ip);
    return { ok: false, reason: waitSeconds > 0 ? 'throttled' : 'wrong', waitSeconds };
  }
  await clearFailedSignIns(db, challenge.email, ip);
  return { ok: true, userId: challenge.id, role: challenge.role, next: challenge.next, method };
}

class WrongCode extends Error {}

/** Whether the account behind an email has two-factor on (for the account page). */
export async function hasTwoFactor(db: Executor, email: string): Promise<boolean> {
  return Boolean((await userByEmail(db, email))?.totp_secret);
}
