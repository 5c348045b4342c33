import * as client from 'openid-client';
import { sql } from 'kysely';
import type { OidcProvider } from '../../config.ts';
import type { Database, Executor } from '../../db/index.ts';
import type { Role } from '../../db/types.ts';
import { Refusal } from '../../lib/errors.ts';
import { hashToken, newToken } from '../../lib/tokens.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from './service.ts';

// Single sign-on with OpenID Connect (openid-client): the authorization code flow with PKCE,
// state and nonce. Signing in never makes an account or changes a role: it reaches only an
// account that already exists (an invited one), by an identity linked before, or else by the
// address the provider says it has verified, which then links the identity.

/** How long the browser has to come back from the provider. */
export const OIDC_LOGIN_LIFETIME_MS = 10 * 60 * 1000;

const loopback = (url: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);

/** Each provider's discovered configuration, fetched on first use (and again after a failure). */
export class OidcProviders {
  private readonly found = new Map<string, Promise<client.Configuration>>();
  readonly list: OidcProvider[];

  constructor(list: OidcProvider[]) {
    this.list = list;
  }

  byId(id: string) {
    return this.list.find((p) => p.id === id);
  }

  configuration(provider: OidcProvider): Promise<client.Configuration> {
    let pending = this.found.get(provider.id);
    if (!pending) {
      const issuer = new URL(provider.issuer);
      // Plain HTTP only for a provider on this machine (a development or test provider).
      const insecure = issuer.protocol === 'http:' && loopback(issuer);
      pending = client.discovery(issuer, provider.clientId, provider.clientSecret, undefined,
        insecure ? { execute: [client.allowInsecureRequests] } : undefined);
      pending.catch(() => this.found.delete(provider.id));
      this.found.set(provider.id, pending);
    }
    return pending;
  }
}

export const redirectUri = (baseUrl: string, provider: OidcProvider) => `${baseUrl}/login/oidc/${provider.id}/callback`;

/**
 * Starts an authorization request: its state, nonce and PKCE verifier are kept (by the hash of
 * the returned cookie token) until the browser comes back. Returns the provider's address.
 */
export async function beginOidc(
  db: Database, providers: OidcProviders, provider: OidcProvider, baseUrl: string,
  request: { purpose: 'sign-in' | 'link'; sessionId: string | null; next: string | null },
): Promise<{ token: string; url: string }> {
  const config = await providers.configuration(provider);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const verifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri(baseUrl, provider), scope: 'openid email profile', state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  const token = newToken();
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('oidc_logins').where('expires_at', '<=', sql<Date>`now()`).execute();
    await trx.insertInto('oidc_logins').values({
      id: hashToken(token), provider: provider.id, purpose: request.purpose, session_id: request.sessionId, state, nonce,
      code_verifier: verifier, next: request.next, expires_at: new Date(Date.now() + OIDC_LOGIN_LIFETIME_MS),
    }).execute();
  });
  return { token, url: url.href };
}

export type OidcRefusal = 'expired' | 'failed' | 'unverified' | 'unknown' | 'taken' | 'otherEmail';
export type OidcResult =
  | { ok: true; purpose: 'sign-in'; userId: number; role: Role; email: string; next: string | null }
  | { ok: true; purpose: 'link'; next: string | null }
  | { ok: false; reason: OidcRefusal };

type Claims = { iss: string; sub: string; email?: unknown; email_verified?: unknown };

/**
 * The browser is back from the provider: the request in flight is used up (whatever the answer),
 * the code exchanged with the PKCE verifier, and the ID token's state and nonce checked by the
 * library. Then the account: by the identity if it is linked, else by a verified address.
 */
export async function completeOidc(
  db: Database, providers: OidcProviders, provider: OidcProvider, token: string | undefined, callbackUrl: URL,
  session: CurrentUser | null,
): Promise<OidcResult> {
  const login = token
    ? await db.deleteFrom('oidc_logins').where('id', '=', hashToken(token)).where('provider', '=', provider.id)
        .returning(['purpose', 'session_id', 'state', 'nonce', 'code_verifier', 'next', 'expires_at']).executeTakeFirst()
    : undefined;
  if (!login || login.expires_at.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
  if (login.purpose === 'link' && login.session_id !== session?.sessionId) return { ok: false, reason: 'expired' };
  let claims: Claims | undefined;
  try {
    const config = await providers.configuration(provider);
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: login.code_verifier, expectedState: login.state, expectedNonce: login.nonce, idTokenExpected: true,
    });
    claims = tokens.claims();
    // Providers that keep the ID token small give the address at the userinfo endpoint (for the same subject).
    if (claims && (claims.email === undefined || claims.email_verified === undefined)) {
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      claims = { ...claims, email: info.email, email_verified: info.email_verified };
    }
  } catch {
    return { ok: false, reason: 'failed' };
  }
  if (!claims?.sub) return { ok: false, reason: 'failed' };
  const identity = { issuer: claims.iss, subject: claims.sub };
  const verifiedEmail = claims.email_verified === true && typeof claims.email === 'string' ? claims.email.toLowerCase() : null;

  if (login.purpose === 'link' && session) {
    if (!verifiedEmail) return { ok: false, reason: 'unverified' };
    if (verifiedEmail !== session.email.toLowerCase()) return { ok: false, reason: 'otherEmail' };
    return db.transaction().execute(async (trx) => {
      const linked = await identityOwner(trx, identity);
      if (linked && linked.user_id !== session.id) return { ok: false, reason: 'taken' } as const;
      if (!linked) await linkIdentity(trx, session.id, provider, identity, verifiedEmail, session.id);
      return { ok: true, purpose: 'link', next: login.next } as const;
    });
  }

  return db.transaction().execute(async (trx): Promise<OidcResult> => {
    const linked = await identityOwner(trx, identity);
    let userId = linked?.user_id;
    if (!userId) {
      if (!verifiedEmail) return { ok: false, reason: 'unverified' };
      const user = await trx.selectFrom('users').select('id').where('email', '=', verifiedEmail).executeTakeFirst();
      if (!user) return { ok: false, reason: 'unknown' };
      userId = user.id;
      await linkIdentity(trx, userId, provider, identity, verifiedEmail, null);
    }
    const user = await trx.selectFrom('users').select(['id', 'email', 'role']).where('id', '=', userId)
      .where('disabled_at', 'is', null).executeTakeFirst();
    if (!user) return { ok: false, reason: 'unknown' };
    await trx.updateTable('oidc_identities').set({ last_used_at: sql`now()` })
      .where('issuer', '=', identity.issuer).where('subject', '=', identity.subject).execute();
    return { ok: true, purpose: 'sign-in', userId: user.id, role: user.role, email: user.email, next: login.next };
  });
}

const identityOwner = (db: Executor, identity: { issuer: string; subject: string }) =>
  db.selectFrom('oidc_identities').select(['id', 'user_id'])
    .where('issuer', '=', identity.issuer).where('subject', '=', identity.subject).executeTakeFirst();

async function linkIdentity(
  db: Executor, userId: number, provider: OidcProvider, identity: { issuer: string; subject: string }, email: string, actor: number | null,
) {
  const row = await db.insertInto('oidc_identities').values({
    user_id: userId, provider: provider.id, issuer: identity.issuer, subject: identity.subject, email,
  }).returning('id').executeTakeFirstOrThrow();
  await recordAudit(db, actor ?? userId, 'link_identity', 'user', userId, { identity: row.id, provider: provider.id, email });
}

export async function userIdentities(db: Executor, userId: number) {
  return db.selectFrom('oidc_identities').select(['id', 'provider', 'email', 'created_at', 'last_used_at'])
    .where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
}

/** Unlinks one of the user's own identities: it no longer signs in (until linked again). */
export async function unlinkIdentity(db: Database, user: CurrentUser, id: number) {
  await db.transaction().execute(async (trx) => {
    const gone = await trx.deleteFrom('oidc_identities').where('id', '=', id).where('user_id', '=', user.id)
      .returning(['provider', 'email']).executeTakeFirst();
    if (!gone) throw Refusal.notFound('account.sso.notFound');
    await recordAudit(trx, user.id, 'unlink_identity', 'user', user.id, { identity: id, provider: gone.provider, email: gone.email });
  });
}
