import { createHmac } from 'node:crypto';
import {
  generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type {
  AuthenticationResponseJSON, AuthenticatorTransport, PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { sql } from 'kysely';
import type { Database, Executor } from '../../db/index.ts';
import type { Role } from '../../db/types.ts';
import { Refusal } from '../../lib/errors.ts';
import { hashToken, newToken } from '../../lib/tokens.ts';
import { recordAudit } from '../audit/service.ts';
import { clearFailedSignIns, countFailedSignIn, type CurrentUser, loginWait } from './service.ts';

// Passkeys (WebAuthn, through @simplewebauthn/server). A passkey is registered with user
// verification required (a PIN or a fingerprint on the authenticator), so that signing in with
// one is two factors at once: something held and something known or been.

/** How long a browser has to answer a challenge. */
export const CEREMONY_LIFETIME_MS = 5 * 60 * 1000;
export const PASSKEY_NAME_MAX = 60;
const RP_NAME = 'ipcoop';

/** The relying party: the site's own origin and host name, from BASE_URL. */
export type RelyingParty = { id: string; origin: string; serverKey: string };

export const relyingParty = (baseUrl: string, serverKey: string): RelyingParty => {
  const url = new URL(baseUrl);
  return { id: url.hostname, origin: url.origin, serverKey };
};

/**
 * The user handle the authenticator stores with the credential: stable for the account (so that
 * registering again on the same authenticator replaces its passkey), derived rather than stored,
 * and telling nothing about the account (not its id, not its email).
 */
const userHandle = (rp: RelyingParty, userId: number) =>
  new Uint8Array(createHmac('sha256', rp.serverKey).update(`webauthn-user:${userId}`).digest().subarray(0, 16));

const transportsOf = (stored: string) => (stored ? stored.split(',') as AuthenticatorTransport[] : []);

// ---------------------------------------------------------------------------------------------
// Challenges: one per ceremony, kept by the hash of the cookie's token, deleted when checked.

type Purpose = 'register' | 'sign-in' | 'confirm';

async function storeChallenge(db: Database, purpose: Purpose, challenge: string, sessionId: string | null) {
  const token = newToken();
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('webauthn_challenges').where('expires_at', '<=', sql<Date>`now()`).execute();
    // One ceremony at a time per session: a new registration replaces a pending one.
    if (sessionId) await trx.deleteFrom('webauthn_challenges').where('session_id', '=', sessionId).execute();
    await trx.insertInto('webauthn_challenges').values({
      id: hashToken(token), purpose, session_id: sessionId, challenge, expires_at: new Date(Date.now() + CEREMONY_LIFETIME_MS),
    }).execute();
  });
  return token;
}

/** Uses a challenge up (whatever the answer turns out to be): null when there is none, it is over, or it is another session's. */
async function takeChallenge(db: Executor, token: string, purpose: Purpose, sessionId: string | null) {
  let q = db.deleteFrom('webauthn_challenges')
    .where('id', '=', hashToken(token)).where('purpose', '=', purpose);
  q = sessionId ? q.where('session_id', '=', sessionId) : q.where('session_id', 'is', null);
  const row = await q.returning(['challenge', 'expires_at']).executeTakeFirst();
  return row && row.expires_at.getTime() > Date.now() ? row.challenge : null;
}

// ---------------------------------------------------------------------------------------------
// Registration, on the account page.

export async function registrationOptions(db: Database, rp: RelyingParty, user: CurrentUser)
  : Promise<{ token: string; options: PublicKeyCredentialCreationOptionsJSON }> {
  const existing = await db.selectFrom('passkeys').select(['credential_id', 'transports']).where('user_id', '=', user.id).execute();
  const options = await generateRegistrationOptions({
    rpName: RP_NAME,
    rpID: rp.id,
    userName: user.email,
    userDisplayName: user.name,
    userID: userHandle(rp, user.id),
    attestationType: 'none',
    // The same authenticator is not registered twice.
    excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: transportsOf(p.transports) })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    timeout: CEREMONY_LIFETIME_MS,
  });
  return { token: await storeChallenge(db, 'register', options.challenge, user.sessionId), options };
}

/** Parses the browser's answer, sent as JSON in a form field; null when it is not one. */
function parseCredential<T extends RegistrationResponseJSON | AuthenticationResponseJSON>(text: string): T | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const { id, rawId, response, type } = value as Record<string, unknown>;
    const ok = typeof id === 'string' && typeof rawId === 'string' && type === 'public-key';
    return ok && typeof response === 'object' && response !== null ? (value as T) : null;
  } catch {
    return null;
  }
}

/**
 * Registers the passkey the browser made for the challenge of this session. The challenge is
 * used up first, in the same transaction, so that an answer is taken once; a refusal rolls
 * back nothing but leaves the challenge used (a new attempt asks for a new one).
 */
export async function registerPasskey(
  db: Database, rp: RelyingParty, user: CurrentUser, token: string | undefined, input: { name: string; response: string },
) {
  const challenge = token ? await takeChallenge(db, token, 'register', user.sessionId) : null;
  if (!challenge) throw Refusal.form({ _form: 'account.passkeys.expired' });
  const response = parseCredential<RegistrationResponseJSON>(input.response);
  if (!response) throw Refusal.form({ _form: 'account.passkeys.failed' });
  const result = await verifyRegistrationResponse({
    response, expectedChallenge: challenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: true,
  }).catch(() => null);
  if (!result?.verified) throw Refusal.form({ _form: 'account.passkeys.failed' });
  const { credential, credentialDeviceType, credentialBackedUp } = result.registrationInfo;
  return db.transaction().execute(async (trx) => {
    const taken = await trx.selectFrom('passkeys').select('id').where('credential_id', '=', credential.id).executeTakeFirst();
    if (taken) throw Refusal.form({ _form: 'account.passkeys.already' });
    const row = await trx.insertInto('passkeys').values({
      user_id: user.id,
      credential_id: credential.id,
      public_key: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: (credential.transports ?? []).join(','),
      device_type: credentialDeviceType,
      backed_up: credentialBackedUp,
      name: input.name,
    }).returning('id').executeTakeFirstOrThrow();
    await recordAudit(trx, user.id, 'add_passkey', 'user', user.id, { passkey: row.id, name: input.name });
    return row.id;
  });
}

export async function userPasskeys(db: Executor, userId: number) {
  return db.selectFrom('passkeys').select(['id', 'name', 'created_at', 'last_used_at', 'backed_up', 'device_type'])
    .where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
}

/** Renames one of the user's own passkeys; another user's is not found. */
export async function renamePasskey(db: Database, user: CurrentUser, id: number, name: string) {
  await db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('passkeys').select('name').where('id', '=', id).where('user_id', '=', user.id)
      .forUpdate().executeTakeFirst();
    if (!before) throw Refusal.notFound('account.passkeys.notFound');
    await trx.updateTable('passkeys').set({ name }).where('id', '=', id).execute();
    await recordAudit(trx, user.id, 'rename_passkey', 'user', user.id, { passkey: id, name: { from: before.name, to: name } });
  });
}

/** Removes one of the user's own passkeys: it no longer signs in. */
export async function removePasskey(db: Database, user: CurrentUser, id: number) {
  await db.transaction().execute(async (trx) => {
    const gone = await trx.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', user.id)
      .returning('name').executeTakeFirst();
    if (!gone) throw Refusal.notFound('account.passkeys.notFound');
    await recordAudit(trx, user.id, 'remove_passkey', 'user', user.id, { passkey: id, name: gone.name });
  });
}

// ---------------------------------------------------------------------------------------------
// Signing in: the browser is asked for any passkey of this site (discoverable credentials, so
// no email is typed and none is told whether it has an account).

export async function signInOptions(db: Database, rp: RelyingParty)
  : Promise<{ token: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: 'required', timeout: CEREMONY_LIFETIME_MS });
  return { token: await storeChallenge(db, 'sign-in', options.challenge, null), options };
}

export type PasskeySignIn =
  | { ok: true; userId: number; role: Role; email: string }
  | { ok: false; reason: 'expired' | 'failed' }
  | { ok: false; reason: 'throttled'; waitSeconds: number };

/**
 * Checks the browser's answer to this browser's sign-in challenge (used up first). A failed
 * signature counts against the account's sign-in throttle like a wrong password; a counter that
 * did not move forward (when the authenticator keeps one) is refused as a cloned authenticator.
 */
export async function signInWithPasskey(db: Database, rp: RelyingParty, token: string | undefined, text: string, ip: string)
  : Promise<PasskeySignIn> {
  const challenge = token ? await takeChallenge(db, token, 'sign-in', null) : null;
  return checkAssertion(db, rp, challenge, text, ip, null);
}

/** A challenge for a signed-in user to confirm it is them, with one of their own passkeys. */
export async function confirmationOptions(db: Database, rp: RelyingParty, user: CurrentUser)
  : Promise<{ token: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  const own = await db.selectFrom('passkeys').select(['credential_id', 'transports']).where('user_id', '=', user.id).execute();
  const options = await generateAuthenticationOptions({
    rpID: rp.id, userVerification: 'required', timeout: CEREMONY_LIFETIME_MS,
    allowCredentials: own.map((p) => ({ id: p.credential_id, transports: transportsOf(p.transports) })),
  });
  return { token: await storeChallenge(db, 'confirm', options.challenge, user.sessionId), options };
}

/** Checks the answer to this session's confirmation challenge: only one of the user's own passkeys passes. */
export async function confirmWithPasskey(
  db: Database, rp: RelyingParty, user: CurrentUser, token: string | undefined, text: string, ip: string,
): Promise<PasskeySignIn> {
  const challenge = token ? await takeChallenge(db, token, 'confirm', user.sessionId) : null;
  return checkAssertion(db, rp, challenge, text, ip, user.id);
}

async function checkAssertion(db: Database, rp: RelyingParty, challenge: string | null, text: string, ip: string, userId: number | null)
  : Promise<PasskeySignIn> {
  if (!challenge) return { ok: false, reason: 'expired' };
  const response = parseCredential<AuthenticationResponseJSON>(text);
  if (!response) return { ok: false, reason: 'failed' };
  let q = db.selectFrom('passkeys as p').innerJoin('users as u', 'u.id', 'p.user_id')
    .where('p.credential_id', '=', response.id).where('u.disabled_at', 'is', null);
  if (userId !== null) q = q.where('u.id', '=', userId);
  const found = await q.select(['p.id', 'p.public_key', 'p.counter', 'p.transports', 'u.id as user_id', 'u.email', 'u.role'])
    .executeTakeFirst();
  if (!found) return { ok: false, reason: 'failed' };
  const wait = await loginWait(db, found.email, ip);
  if (wait > 0) return { ok: false, reason: 'throttled', waitSeconds: wait };
  const result = await verifyAuthenticationResponse({
    response, expectedChallenge: challenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: true,
    credential: {
      id: response.id, publicKey: new Uint8Array(Buffer.from(found.public_key, 'base64url')),
      counter: Number(found.counter), transports: transportsOf(found.transports),
    },
  }).catch(() => null);
  if (!result?.verified) {
    const waitSeconds = await countFailedSignIn(db, found.email, ip);
    return waitSeconds > 0 ? { ok: false, reason: 'throttled', waitSeconds } : { ok: false, reason: 'failed' };
  }
  await db.updateTable('passkeys').set({ counter: result.authenticationInfo.newCounter, last_used_at: sql`now()` })
    .where('id', '=', found.id).execute();
  await clearFailedSignIns(db, found.email, ip);
  return { ok: true, userId: found.user_id, role: found.role, email: found.email };
}

/** Whether the user has a passkey (for the account page and the second-factor policy). */
export async function hasPasskey(db: Executor, userId: number): Promise<boolean> {
  return Boolean(await db.selectFrom('passkeys').select('id').where('user_id', '=', userId).limit(1).executeTakeFirst());
}
