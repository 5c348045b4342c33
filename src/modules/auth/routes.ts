import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import type { Database } from '../../db/index.ts';
import type { AuthMethod, Role } from '../../db/types.ts';
import { attempt, type FormErrors, Refusal } from '../../lib/errors.ts';
import { field, type FormValues, parseForm } from '../../lib/forms.ts';
import { type MessageKey, message } from '../../lib/i18n.ts';
import { qrPng } from '../../lib/qr.ts';
import { isTokenShaped } from '../../lib/tokens.ts';
import { passkeyRoutes, WEBAUTHN_SCRIPT } from './passkey-routes.ts';
import { hasPasskey } from './passkeys.ts';
import { PASSWORD_MIN, passwordProblem } from './passwords.ts';
import { duringEnrolment, recentlyConfirmed, requireUser, sessionCookieName, sessionCookieOptions } from './plugin.ts';
import { policyRoutes } from './policy-routes.ts';
import { OidcProviders, userIdentities } from './oidc.ts';
import { oidcRoutes } from './oidc-routes.ts';
import { deleteOwnSession, deleteSession, deleteUserSessions, userSessions } from './queries.ts';
import {
  attemptLogin, type CurrentUser, changePassword, policyCovers, type LinkPurpose, linkUser, requestPasswordReset, SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS, setPasswordWithLink, startSession,
} from './service.ts';
import {
  beginChallenge, CHALLENGE_LIFETIME_MS, completeChallenge, confirmTwoFactor, disableTwoFactor, hasTwoFactor, RECOVERY_CODE_COUNT,
  regenerateRecoveryCodes, twoFactorState,
} from './two-factor.ts';

const loginForm = z.object({ email: field.email(), password: field.password(), next: z.string().optional() });
const emailForm = z.object({ email: field.email() });
const newPasswordForm = z.object({ password: field.password(), confirm: z.string().optional().default('') });
/** A second-factor code: six digits from the app, or a recovery code. */
const codeField = z.string().trim().max(40, 'account.twoFactor.codeWrong').min(1, 'account.twoFactor.codeMissing');
const codeForm = z.object({ code: codeField });
const disableForm = z.object({ code: z.string().trim().max(40, 'account.twoFactor.codeWrong').optional().default(''),
  password: z.string().max(1000).optional().default('') });
const changePasswordForm = z.object({ current: field.password(), password: field.password(), confirm: z.string().optional().default('') });

/**
 * Where to go after signing in: a path of this site, resolved against BASE_URL as a browser
 * would resolve it, so `//host`, `/\thost` or a backslash cannot lead to another origin. A
 * control character (which browsers strip, and a Location header cannot carry) refuses it, and
 * so does a path that resolves to `//…` (`/..//host`), which a browser would read as a host.
 */
export function safeNext(next: unknown, baseUrl: string): string | null {
  if (typeof next !== 'string' || !next.startsWith('/') || next.length > 2000 || /[\u0000-\u001f\u007f\\]/.test(next)) return null;
  const base = new URL(baseUrl);
  const url = URL.canParse(next, base) ? new URL(next, base) : null;
  if (!url || url.origin !== base.origin || url.pathname.startsWith('//')) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

/**
 * Whether a password alone is not enough for this user: the policy asks them for a second factor
 * and the one they have is a passkey (no authenticator app to ask a code of), so they sign in
 * with the passkey. Someone with no second factor at all signs in and is led through enrolment.
 */
async function passkeyRequired(db: Database, userId: number, role: Role): Promise<boolean> {
  const user = await db.selectFrom('users').select('totp_secret').where('id', '=', userId).executeTakeFirst();
  if (!user || user.totp_secret !== null || !policyCovers(role, await signInPolicyRow(db))) return false;
  return hasPasskey(db, userId);
}

const signInPolicyRow = (db: Database) =>
  db.selectFrom('sign_in_policy').select(['second_factor_organisers', 'second_factor_judges']).executeTakeFirstOrThrow();

export const homeFor = (user: Pick<CurrentUser, 'role'>) => (user.role === 'judge' ? '/judging' : '/manage');

/** The hint beside a new password and the account page's session rule name the code's own limits. */
const passwordHint = message('account.password.newHint', { min: PASSWORD_MIN });
const HOUR_MS = 60 * 60 * 1000;
const sessionRule = message('account.sessions.rule', { idle: SESSION_IDLE_MS / HOUR_MS, absolute: SESSION_ABSOLUTE_MS / HOUR_MS });

/** The rules on a new password, checked before its confirmation. */
async function newPasswordErrors(password: string, confirm: string, email: string): Promise<FormErrors> {
  const problem = await passwordProblem(password, email);
  if (problem) return { password: problem };
  if (password !== confirm) return { confirm: 'account.password.mismatch' };
  return {};
}

const hasErrors = (errors: FormErrors) => Object.keys(errors).length > 0;

export async function authRoutes(app: FastifyInstance) {
  const secure = app.config.baseUrl.startsWith('https:');
  const cookieName = sessionCookieName(secure);
  const providers = new OidcProviders(app.config.oidcProviders);
  const providerButtons = providers.list.map((p) => ({ id: p.id, name: p.name }));

  const signIn = async (request: FastifyRequest, reply: FastifyReply, userId: number, method: AuthMethod = 'password') => {
    const token = await startSession(app.db, userId, request.ip, request.headers['user-agent'], method);
    reply.setCookie(cookieName, token, sessionCookieOptions(secure));
  };

  // The half-signed-in state between a right password and the second factor (see two-factor.ts).
  const challengeCookie = secure ? '__Host-ipcoop_2fa' : 'ipcoop_2fa';
  const challengeCookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure, maxAge: CHALLENGE_LIFETIME_MS / 1000 };
  const codePage = (reply: FastifyReply, status: number, errors: FormErrors = {}) =>
    reply.code(status).view('auth/login-code', { title: 'account.twoFactor.loginTitle', values: {}, errors });

  const loginPage = (reply: FastifyReply, status: number, values: FormValues, errors: FormErrors = {}) =>
    reply.code(status).view('auth/login', {
      title: 'account.login.title', values, errors, webauthnScript: WEBAUTHN_SCRIPT, providers: providerButtons,
    });

  app.get<{ Querystring: { next?: string } }>('/login', access('public'), async (request, reply) => {
    if (request.user) return reply.redirect(homeFor(request.user), 303);
    return loginPage(reply, 200, { next: safeNext(request.query.next, app.config.baseUrl) ?? '' });
  });

  app.post('/login', access('public'), async (request, reply) => {
    const form = parseForm(loginForm, request.body);
    if (!form.ok) return loginPage(reply, 400, { ...form.values, password: '' }, form.errors);
    const result = await attemptLogin(app.db, form.data.email, form.data.password, request.ip);
    if (!result.ok) {
      const minutes = Math.ceil(result.waitSeconds / 60);
      const throttled = result.waitSeconds > 0;
      const reason = throttled
        ? message(minutes === 1 ? 'account.login.throttledOne' : 'account.login.throttledMany', { minutes })
        : 'account.login.wrong';
      return loginPage(reply, throttled ? 429 : 400, { email: form.data.email, next: form.data.next ?? '' }, { password: reason });
    }
    if (result.twoFactor) {
      // No session yet: the code completes the sign-in (POST /login/code).
      const token = await beginChallenge(app.db, result.userId, request.ip, safeNext(form.data.next, app.config.baseUrl));
      reply.setCookie(challengeCookie, token, challengeCookieOptions);
      return codePage(reply, 200);
    }
    if (await passkeyRequired(app.db, result.userId, result.role)) {
      return loginPage(reply, 400, { email: form.data.email, next: form.data.next ?? '' }, { _form: 'account.policy.usePasskey' });
    }
    if (request.user) await deleteSession(app.db, request.user.sessionId);
    await signIn(request, reply, result.userId);
    return reply.redirect(safeNext(form.data.next, app.config.baseUrl) ?? homeFor(result), 303);
  });

  app.post('/login/code', access('public'), async (request, reply) => {
    const token = request.cookies[challengeCookie];
    const expired = () => {
      reply.clearCookie(challengeCookie, { path: '/' });
      return loginPage(reply, 400, {}, { _form: 'account.twoFactor.challengeExpired' });
    };
    if (!token || !isTokenShaped(token)) return expired();
    const form = parseForm(codeForm, request.body);
    if (!form.ok) return codePage(reply, 400, form.errors);
    const result = await completeChallenge(app.db, token, request.ip, form.data.code);
    if (!result.ok) {
      if (result.reason === 'expired') return expired();
      if (result.reason === 'wrong') return codePage(reply, 400, { code: 'account.twoFactor.codeWrong' });
      const minutes = Math.ceil(result.waitSeconds / 60);
      const reason = message(minutes === 1 ? 'account.login.throttledOne' : 'account.login.throttledMany', { minutes });
      return codePage(reply, 429, { code: reason });
    }
    reply.clearCookie(challengeCookie, { path: '/' });
    if (request.user) await deleteSession(app.db, request.user.sessionId);
    await signIn(request, reply, result.userId, result.method);
    return reply.redirect(safeNext(result.next, app.config.baseUrl) ?? homeFor(result), 303);
  });

  app.post('/logout', duringEnrolment(), async (request, reply) => {
    await deleteSession(app.db, requireUser(request).sessionId);
    reply.clearCookie(cookieName, { path: '/' });
    return reply.redirect('/', 303);
  });

  const forgotPage = (reply: FastifyReply, status: number, values: FormValues, errors: FormErrors, sent: boolean) =>
    reply.code(status).view('auth/forgot', { title: 'account.forgot.title', values, errors, sent });

  app.get('/password/forgot', access('public'), async (_request, reply) => forgotPage(reply, 200, {}, {}, false));

  app.post('/password/forgot', access('public'), async (request, reply) => {
    const form = parseForm(emailForm, request.body);
    if (!form.ok) return forgotPage(reply, 400, form.values, form.errors, false);
    const asked = { email: form.data.email, ip: request.ip };
    const { waitSeconds } = await requestPasswordReset(app.db, asked, app.config.baseUrl, app.mail.domain);
    if (waitSeconds > 0) {
      // The same for every address, with or without an account.
      const minutes = Math.ceil(waitSeconds / 60);
      const reason = message(minutes === 1 ? 'account.forgot.throttledOne' : 'account.forgot.throttledMany', { minutes });
      return forgotPage(reply, 429, form.data, { email: reason }, false);
    }
    return forgotPage(reply, 200, form.data, {}, true);
  });

  /** A single-use link's page: choosing a password signs its owner in and uses the link up. */
  const linkRoutes = (purpose: LinkPurpose, path: string, view: string, title: MessageKey) => {
    type TokenRoute = { Params: { token: string } };
    type Owner = NonNullable<Awaited<ReturnType<typeof linkUser>>>;
    const owner = async (token: string) => (isTokenShaped(token) ? linkUser(app.db, token, purpose) : undefined);
    const expired = (reply: FastifyReply) => reply.code(404).view('auth/link-expired', { title: 'account.link.title' });
    const page = (reply: FastifyReply, status: number, account: Owner, token: string, errors: FormErrors) =>
      reply.code(status).view(view, { title, account, token, passwordHint, values: {}, errors });

    app.get<TokenRoute>(path, access('public'), async (request, reply) => {
      const { token } = request.params;
      const user = await owner(token);
      if (!user) return expired(reply);
      return page(reply, 200, user, token, {});
    });

    app.post<TokenRoute>(path, access('public'), async (request, reply) => {
      const { token } = request.params;
      const user = await owner(token);
      if (!user) return expired(reply);
      const form = parseForm(newPasswordForm, request.body);
      const errors = form.ok ? await newPasswordErrors(form.data.password, form.data.confirm, user.email) : form.errors;
      if (!form.ok || hasErrors(errors)) return page(reply, 400, user, token, errors);
      const userId = await setPasswordWithLink(app.db, token, purpose, form.data.password);
      if (!userId) return expired(reply);
      if (await hasTwoFactor(app.db, user.email)) {
        // A reset link proves the mailbox, not the second factor: the code is still asked for.
        reply.setCookie(challengeCookie, await beginChallenge(app.db, userId, request.ip, null), challengeCookieOptions);
        return codePage(reply, 200);
      }
      if (await passkeyRequired(app.db, userId, user.role)) {
        return reply.notice('account.policy.usePasskey').redirect('/login', 303);
      }
      await signIn(request, reply, userId);
      return reply.redirect(homeFor(user), 303);
    });
  };

  linkRoutes('password_reset', '/password/reset/:token', 'auth/reset', 'account.reset.title');
  linkRoutes('invitation', '/invitations/:token', 'auth/accept-invitation', 'account.invitation.title');

  const accountPage = async (reply: FastifyReply, user: CurrentUser, errors: FormErrors = {}, changed = false) =>
    reply.code(hasErrors(errors) ? 400 : 200).view('account/show', {
      title: 'account.show.title', sessions: await userSessions(app.db, user.id), sessionRule, passwordHint, values: {}, errors, changed,
      twoFactorOn: await hasTwoFactor(app.db, user.email), passkeysOn: await hasPasskey(app.db, user.id),
      identities: await userIdentities(app.db, user.id), providers: providerButtons,
    });

  app.get('/account', access('signed-in'), async (request, reply) => accountPage(reply, requireUser(request)));

  app.post('/account/password', access('signed-in'), async (request, reply) => {
    const user = requireUser(request);
    const form = parseForm(changePasswordForm, request.body);
    if (!form.ok) return accountPage(reply, user, form.errors);
    const errors = await newPasswordErrors(form.data.password, form.data.confirm, user.email);
    if (hasErrors(errors)) return accountPage(reply, user, errors);
    const changed = await attempt(() => changePassword(app.db, user, form.data.current, form.data.password));
    return changed.ok ? accountPage(reply, user, {}, true) : accountPage(reply, user, changed.errors);
  });

  app.post<{ Params: { id: string } }>('/account/sessions/:id/end', access('signed-in'), async (request, reply) => {
    const user = requireUser(request);
    const { id } = request.params;
    if (!(await deleteOwnSession(app.db, user.id, id))) throw Refusal.notFound('account.sessions.notFound');
    if (id === user.sessionId) {
      reply.clearCookie(cookieName, { path: '/' });
      return reply.redirect('/login', 303);
    }
    return reply.redirect('/account', 303);
  });

  app.post('/account/sessions/end-others', access('signed-in'), async (request, reply) => {
    const user = requireUser(request);
    await deleteUserSessions(app.db, user.id, user.sessionId);
    return reply.redirect('/account', 303);
  });

  await twoFactorRoutes(app);
  await passkeyRoutes(app, {
    loginPage,
    signIn: async (request, reply, user, method, next) => {
      if (request.user) await deleteSession(app.db, request.user.sessionId);
      await signIn(request, reply, user.userId, method);
      return reply.redirect(safeNext(next, app.config.baseUrl) ?? homeFor(user), 303);
    },
  });
  await policyRoutes(app, { safeNext });
  await oidcRoutes(app, {
    providers, safeNext, loginPage,
    finishSignIn: async (request, reply, user, method, next) => {
      if (await hasTwoFactorById(app.db, user.userId)) {
        // The provider is the first factor; the account's own second factor is still asked for.
        reply.setCookie(challengeCookie, await beginChallenge(app.db, user.userId, request.ip, next, 'oidc'), challengeCookieOptions);
        return codePage(reply, 200);
      }
      if (await passkeyRequired(app.db, user.userId, user.role)) return loginPage(reply, 400, {}, { _form: 'account.policy.usePasskey' });
      if (request.user) await deleteSession(app.db, request.user.sessionId);
      await signIn(request, reply, user.userId, method);
      return reply.redirect(safeNext(next, app.config.baseUrl) ?? homeFor(user), 303);
    },
  });
}

const hasTwoFactorById = async (db: Database, userId: number) =>
  Boolean((await db.selectFrom('users').select('totp_secret').where('id', '=', userId).executeTakeFirst())?.totp_secret);

/** Two-factor enrolment and its settings, on the user's own account. */
async function twoFactorRoutes(app: FastifyInstance) {
  const serverKey = app.config.sessionSecret ?? '';
  const page = async (reply: FastifyReply, user: CurrentUser, errors: FormErrors = {}) => {
    const state = await twoFactorState(app.db, user, serverKey);
    const qr = state.enabled ? null : `data:image/png;base64,${(await qrPng(state.uri)).toString('base64')}`;
    return reply.code(hasErrors(errors) ? 400 : 200)
      .view('account/two-factor', { title: 'account.twoFactor.title', state, qr, values: {}, errors });
  };
  const codesPage = (reply: FastifyReply, codes: string[]) =>
    reply.view('account/recovery-codes', { title: 'account.twoFactor.codesTitle', codes, count: RECOVERY_CODE_COUNT });

  // The enrolment the sign-in policy leads through; like every change of factors, after a recent confirmation.
  const enrolment = recentlyConfirmed('signed-in', { duringEnrolment: true });
  app.get('/account/two-factor', enrolment, async (request, reply) => page(reply, requireUser(request)));

  app.post('/account/two-factor', enrolment, async (request, reply) => {
    const user = requireUser(request);
    const form = parseForm(codeForm, request.body);
    if (!form.ok) return page(reply, user, form.errors);
    const confirmed = await attempt(() => confirmTwoFactor(app.db, user, form.data.code, serverKey));
    return confirmed.ok ? codesPage(reply, confirmed.value) : page(reply, user, confirmed.errors);
  });

  app.post('/account/two-factor/recovery-codes', recentlyConfirmed('signed-in'), async (request, reply) => {
    const user = requireUser(request);
    const form = parseForm(codeForm, request.body);
    if (!form.ok) return page(reply, user, form.errors);
    const made = await attempt(() => regenerateRecoveryCodes(app.db, user, request.ip, form.data.code));
    return made.ok ? codesPage(reply, made.value) : page(reply, user, made.errors);
  });

  app.post('/account/two-factor/disable', recentlyConfirmed('signed-in'), async (request, reply) => {
    const user = requireUser(request);
    const form = parseForm(disableForm, request.body);
    if (!form.ok) return page(reply, user, form.errors);
    const done = await attempt(() => disableTwoFactor(app.db, user, request.ip, form.data));
    if (!done.ok) return page(reply, user, done.errors);
    return reply.notice('account.twoFactor.turnedOff').redirect('/account', 303);
  });
}
