import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuthMethod, Role } from '../../db/types.ts';
import { access } from '../../lib/access.ts';
import { attempt, type FormErrors, Refusal } from '../../lib/errors.ts';
import { type FormValues, parseForm } from '../../lib/forms.ts';
import { message } from '../../lib/i18n.ts';
import { idParams, readParams } from '../../lib/params.ts';
import { addressSubject, countHit, type RateLimit, tooManyRequests } from '../../lib/rate-limit.ts';
import { isTokenShaped } from '../../lib/tokens.ts';
import { recentlyConfirmed, requireUser } from './plugin.ts';
import {
  CEREMONY_LIFETIME_MS, PASSKEY_NAME_MAX, registerPasskey, registrationOptions, relyingParty, removePasskey, renamePasskey,
  signInOptions, signInWithPasskey, userPasskeys,
} from './passkeys.ts';
import type { CurrentUser } from './service.ts';

/** The browser side of WebAuthn, served from this site (the CSP allows no other script source). */
const BROWSER_BUNDLE = readFileSync(
  createRequire(import.meta.url).resolve('@simplewebauthn/browser').replace(/(dist|esm|script)[\\/].*$/, 'dist/bundle/index.umd.min.js'),
  'utf8',
);
export const WEBAUTHN_SCRIPT = '/static/vendor/simplewebauthn-browser.js';

/**
 * Asking for a sign-in challenge is public and writes a row: at most 30 per address in 10
 * minutes (a person signs in a few times a day; an office behind one address, a few dozen).
 */
export const PASSKEY_CHALLENGES_PER_ADDRESS: RateLimit = { name: 'passkey-challenge:address', max: 30, windowSeconds: 10 * 60 };

const nameField = z.string().trim().min(1, 'account.passkeys.nameMissing').max(PASSKEY_NAME_MAX, 'account.passkeys.nameLong');
const addForm = z.object({ name: nameField, response: z.string().max(20_000).optional().default('') });
const renameForm = z.object({ name: nameField });
const signInForm = z.object({ response: z.string().max(20_000).optional().default(''), next: z.string().optional() });

type SignedInAs = { userId: number; role: Role };

export type PasskeyRouteOptions = {
  /** Signs the user in (a new session) and answers with the redirect. */
  signIn: (request: FastifyRequest, reply: FastifyReply, user: SignedInAs, method: AuthMethod, next: string | null) => Promise<unknown>;
  /** Sends the login page back with an error. */
  loginPage: (reply: FastifyReply, status: number, values: FormValues, errors: FormErrors) => unknown;
};

/** Passkeys on the account page, and signing in with one from the login page. */
export async function passkeyRoutes(app: FastifyInstance, options: PasskeyRouteOptions) {
  const secure = app.config.baseUrl.startsWith('https:');
  const rp = relyingParty(app.config.baseUrl, app.config.sessionSecret ?? '');
  const ceremonyCookie = secure ? '__Host-ipcoop_webauthn' : 'ipcoop_webauthn';
  const ceremonyCookieOptions = { path: '/', httpOnly: true, sameSite: 'strict' as const, secure, maxAge: CEREMONY_LIFETIME_MS / 1000 };
  const ceremonyToken = (request: FastifyRequest) => {
    const token = request.cookies[ceremonyCookie];
    return token && isTokenShaped(token) ? token : undefined;
  };

  app.get(WEBAUTHN_SCRIPT, access('public'), async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(BROWSER_BUNDLE));

  const page = async (reply: FastifyReply, user: CurrentUser, values: FormValues = {}, errors: FormErrors = {}, status = 200) =>
    reply.code(status).view('account/passkeys', {
      title: 'account.passkeys.title', passkeys: await userPasskeys(app.db, user.id), values, errors,
      nameMax: PASSKEY_NAME_MAX, webauthnScript: WEBAUTHN_SCRIPT,
    });

  // The enrolment the sign-in policy leads through may add a passkey instead of an authenticator app.
  const enrolment = recentlyConfirmed('signed-in', { duringEnrolment: true });
  app.get('/account/passkeys', enrolment, async (request, reply) => page(reply, requireUser(request)));

  // The options of a new passkey, for the page's script; the challenge is kept for this session.
  app.post('/account/passkeys/options', enrolment, async (request, reply) => {
    const { token, options: creation } = await registrationOptions(app.db, rp, requireUser(request));
    reply.setCookie(ceremonyCookie, token, ceremonyCookieOptions);
    return reply.header('cache-control', 'no-store').send(creation);
  });

  app.post('/account/passkeys', enrolment, async (request, reply) => {
    const user = requireUser(request);
    const form = parseForm(addForm, request.body);
    if (!form.ok) return page(reply, user, { name: form.values.name }, form.errors, 400);
    const token = ceremonyToken(request);
    reply.clearCookie(ceremonyCookie, { path: '/' });
    const added = await attempt(() => registerPasskey(app.db, rp, user, token, form.data));
    if (!added.ok) return page(reply, user, { name: form.data.name }, added.errors, 400);
    return reply.notice(message('account.passkeys.addedNotice', { name: form.data.name })).redirect('/account/passkeys', 303);
  });

  app.post('/account/passkeys/:id/rename', access('signed-in'), async (request, reply) => {
    const user = requireUser(request);
    const { id } = readParams(idParams, request.params);
    // Another account's passkey is not found, whatever the form says.
    if (!(await userPasskeys(app.db, user.id)).some((p) => p.id === id)) throw Refusal.notFound('account.passkeys.notFound');
    const form = parseForm(renameForm, request.body);
    const key = `name_${id}`;
    if (!form.ok) return page(reply, user, { [key]: form.values.name }, { [key]: form.errors.name ?? 'account.passkeys.nameMissing' }, 400);
    await renamePasskey(app.db, user, id, form.data.name);
    return reply.notice('account.passkeys.renamed').redirect('/account/passkeys', 303);
  });

  app.post('/account/passkeys/:id/remove', recentlyConfirmed('signed-in'), async (request, reply) => {
    const user = requireUser(request);
    const { id } = readParams(idParams, request.params);
    await removePasskey(app.db, user, id);
    return reply.notice('account.passkeys.removed').redirect('/account/passkeys', 303);
  });

  // Signing in: a challenge for this browser, then its answer.
  app.post('/login/passkey/options', access('public'), async (request, reply) => {
    const limit = await countHit(app.db, [{ limit: PASSKEY_CHALLENGES_PER_ADDRESS, subject: addressSubject(request.ip) }]);
    if (!limit.ok) throw tooManyRequests(reply, limit.retryAfterSeconds);
    const { token, options: assertion } = await signInOptions(app.db, rp);
    reply.setCookie(ceremonyCookie, token, ceremonyCookieOptions);
    return reply.header('cache-control', 'no-store').send(assertion);
  });

  app.post('/login/passkey', access('public'), async (request, reply) => {
    const form = parseForm(signInForm, request.body);
    const next = form.ok ? (form.data.next ?? '') : '';
    const token = ceremonyToken(request);
    reply.clearCookie(ceremonyCookie, { path: '/' });
    const result = await signInWithPasskey(app.db, rp, token, form.ok ? form.data.response : '', request.ip);
    if (!result.ok) {
      if (result.reason === 'throttled') {
        const minutes = Math.ceil(result.waitSeconds / 60);
        const reason = message(minutes === 1 ? 'account.login.throttledOne' : 'account.login.throttledMany', { minutes });
        return options.loginPage(reply, 429, { next }, { _form: reason });
      }
      const reason = result.reason === 'expired' ? 'account.passkeys.signInExpired' : 'account.passkeys.signInFailed';
      return options.loginPage(reply, 400, { next }, { _form: reason });
    }
    return options.signIn(request, reply, result, 'passkey', next || null);
  });
}
