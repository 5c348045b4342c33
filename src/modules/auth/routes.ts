import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { notFound } from '../../lib/errors.ts';
import { field, parseForm } from '../../lib/forms.ts';
import { type Translate, translator } from '../../lib/i18n.ts';
import { isTokenShaped } from '../../lib/tokens.ts';
import { PASSWORD_MAX, PASSWORD_MIN, passwordProblem } from './passwords.ts';
import { sessionCookieName, sessionCookieOptions } from './plugin.ts';
import { deleteSession, deleteUserSessions, userSessions } from './queries.ts';
import {
  attemptLogin, type CurrentUser, changePassword, linkUser, requestPasswordReset, setPasswordWithLink, startSession,
} from './service.ts';

const loginForm = z.object({ email: field.email(), password: field.password(), next: z.string().optional() });
const emailForm = z.object({ email: field.email() });
const newPasswordForm = z.object({ password: field.password(), confirm: z.string().optional().default('') });
const changePasswordForm = z.object({ current: field.password(), password: field.password(), confirm: z.string().optional().default('') });

/** Only paths on this site, never `//elsewhere` or a full URL. */
const safeNext = (next: string | undefined) => (next && /^\/(?!\/)[^\\]*$/.test(next) ? next : null);

export const homeFor = (user: Pick<CurrentUser, 'role'>) => (user.role === 'judge' ? '/judging' : '/manage');

/** The rules on a new password, in the reader's language (the length rules carry a number, so they are written here). */
function newPasswordErrors(t: Translate, password: string, confirm: string, email: string): Record<string, string> {
  const problem = passwordProblem(password, email);
  if (problem) {
    if (password.length < PASSWORD_MIN) return { password: t('account.password.tooShort', { min: PASSWORD_MIN }) };
    if (password.length > PASSWORD_MAX) return { password: t('account.password.tooLong', { max: PASSWORD_MAX }) };
    return { password: t.text(problem) };
  }
  if (password !== confirm) return { confirm: t('account.password.mismatch') };
  return {};
}

export async function authRoutes(app: FastifyInstance) {
  const secure = app.config.baseUrl.startsWith('https:');
  const cookieName = sessionCookieName(secure);

  const signIn = async (request: FastifyRequest, reply: FastifyReply, userId: number) => {
    const token = await startSession(app.db, userId, request.ip, request.headers['user-agent']);
    reply.setCookie(cookieName, token, sessionCookieOptions(secure));
  };

  app.get<{ Querystring: { next?: string } }>('/login', access('public'), async (request, reply) => {
    if (request.user) return reply.redirect(homeFor(request.user), 303);
    return reply.view('auth/login', { title: 'Sign in', values: { next: safeNext(request.query.next) ?? '' }, errors: {} });
  });

  app.post('/login', access('public'), async (request, reply) => {
    const form = parseForm(loginForm, request.body);
    if (!form.ok) {
      return reply.code(400).view('auth/login', { title: 'Sign in', values: { ...form.values, password: '' }, errors: form.errors });
    }
    const result = await attemptLogin(app.db, form.data.email, form.data.password, request.ip);
    if (!result.ok) {
      const minutes = Math.ceil(result.waitSeconds / 60);
      const throttled = result.waitSeconds > 0;
      const t = translator(request.locale);
      const message = throttled
        ? t(minutes === 1 ? 'account.login.throttledOne' : 'account.login.throttledMany', { minutes })
        : t('account.login.wrong');
      return reply.code(throttled ? 429 : 400).view('auth/login', {
        title: 'Sign in', values: { email: form.data.email, next: form.data.next ?? '' }, errors: { password: message },
      });
    }
    if (request.user) await deleteSession(app.db, request.user.sessionId);
    await signIn(request, reply, result.userId);
    const user = await app.db.selectFrom('users').select('role').where('id', '=', result.userId).executeTakeFirstOrThrow();
    return reply.redirect(safeNext(form.data.next) ?? homeFor(user), 303);
  });

  app.post('/logout', access('signed-in'), async (request, reply) => {
    if (request.user) await deleteSession(app.db, request.user.sessionId);
    reply.clearCookie(cookieName, { path: '/' });
    return reply.redirect('/', 303);
  });

  app.get('/password/forgot', access('public'), async (_request, reply) =>
    reply.view('auth/forgot', { title: 'Reset your password', values: {}, errors: {}, sent: false }));

  app.post('/password/forgot', access('public'), async (request, reply) => {
    const form = parseForm(emailForm, request.body);
    if (!form.ok) return reply.code(400).view('auth/forgot', { title: 'Reset your password', values: form.values, errors: form.errors, sent: false });
    await requestPasswordReset(app.db, form.data.email, app.config.baseUrl, app.mail.domain);
    return reply.view('auth/forgot', { title: 'Reset your password', values: form.data, errors: {}, sent: true });
  });

  for (const purpose of ['password_reset', 'invitation'] as const) {
    const path = purpose === 'invitation' ? '/invitations/:token' : '/password/reset/:token';
    const view = purpose === 'invitation' ? 'auth/accept-invitation' : 'auth/reset';
    const title = purpose === 'invitation' ? 'Accept your invitation' : 'Choose a new password';

    app.get<{ Params: { token: string } }>(path, access('public'), async (request, reply) => {
      const { token } = request.params;
      const user = isTokenShaped(token) ? await linkUser(app.db, token, purpose) : undefined;
      if (!user) return reply.code(404).view('auth/link-expired', { title: 'This link no longer works' });
      return reply.view(view, { title, account: user, token, values: {}, errors: {} });
    });

    app.post<{ Params: { token: string } }>(path, access('public'), async (request, reply) => {
      const { token } = request.params;
      const user = isTokenShaped(token) ? await linkUser(app.db, token, purpose) : undefined;
      if (!user) return reply.code(404).view('auth/link-expired', { title: 'This link no longer works' });
      const form = parseForm(newPasswordForm, request.body);
      const errors = form.ok ? newPasswordErrors(translator(request.locale), form.data.password, form.data.confirm, user.email) : form.errors;
      if (!form.ok || Object.keys(errors).length) {
        return reply.code(400).view(view, { title, account: user, token, values: {}, errors });
      }
      const userId = await setPasswordWithLink(app.db, token, purpose, form.data.password);
      if (!userId) return reply.code(404).view('auth/link-expired', { title: 'This link no longer works' });
      await signIn(request, reply, userId);
      return reply.redirect(homeFor(user), 303);
    });
  }

  app.get('/account', access('signed-in'), async (request, reply) => {
    const user = request.user as CurrentUser;
    const sessions = await userSessions(app.db, user.id);
    return reply.view('account/show', { title: 'Your account', sessions, values: {}, errors: {}, changed: false });
  });

  app.post('/account/password', access('signed-in'), async (request, reply) => {
    const user = request.user as CurrentUser;
    const form = parseForm(changePasswordForm, request.body);
    let errors = form.ok ? newPasswordErrors(translator(request.locale), form.data.password, form.data.confirm, user.email) : form.errors;
    if (form.ok && Object.keys(errors).length === 0) {
      const changed = await changePassword(app.db, user, form.data.current, form.data.password);
      if (changed) {
        const sessions = await userSessions(app.db, user.id);
        return reply.view('account/show', { title: 'Your account', sessions, values: {}, errors: {}, changed: true });
      }
      errors = { current: 'Your current password is not right.' };
    }
    const sessions = await userSessions(app.db, user.id);
    return reply.code(400).view('account/show', { title: 'Your account', sessions, values: {}, errors, changed: false });
  });

  app.post<{ Params: { id: string } }>('/account/sessions/:id/end', access('signed-in'), async (request, reply) => {
    const user = request.user as CurrentUser;
    const ended = await app.db.deleteFrom('sessions').where('id', '=', request.params.id).where('user_id', '=', user.id)
      .executeTakeFirst();
    if (Number(ended.numDeletedRows) === 0) throw notFound('session');
    if (request.params.id === user.sessionId) {
      reply.clearCookie(cookieName, { path: '/' });
      return reply.redirect('/login', 303);
    }
    return reply.redirect('/account', 303);
  });

  app.post('/account/sessions/end-others', access('signed-in'), async (request, reply) => {
    const user = request.user as CurrentUser;
    await deleteUserSessions(app.db, user.id, user.sessionId);
    return reply.redirect('/account', 303);
  });
}
