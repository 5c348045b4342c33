import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { attempt, type FormErrors, Refusal } from '../../lib/errors.ts';
import { type FormValues, parseForm } from '../../lib/forms.ts';
import { message } from '../../lib/i18n.ts';
import { idParams, readParams } from '../../lib/params.ts';
import { isTokenShaped } from '../../lib/tokens.ts';
import { WEBAUTHN_SCRIPT } from './passkey-routes.ts';
import { CEREMONY_LIFETIME_MS, confirmationOptions, confirmWithPasskey, hasPasskey, relyingParty } from './passkeys.ts';
import { duringEnrolment, RECENT_CONFIRMATION_MS, requireUser } from './plugin.ts';
import { enrolmentCounts, factorSummary, resetFactors, setSignInPolicy, signInPolicy } from './policy.ts';
import { confirmWithPassword, type CurrentUser, markConfirmed } from './service.ts';

const confirmForm = z.object({ password: z.string().max(1024).optional().default(''), next: z.string().max(2000).optional().default('') });
const passkeyForm = z.object({
  response: z.string().max(20_000).optional().default(''), next: z.string().max(2000).optional().default(''),
});
const policyForm = z.object({
  organisers: z.literal('on').optional().transform((v) => v === 'on'),
  judges: z.literal('on').optional().transform((v) => v === 'on'),
});

/** Where to go back to after confirming: a path of this site (see safeNext), else the account page. */
type SafeNext = (next: unknown, baseUrl: string) => string | null;

/**
 * Confirming it is still you (password or passkey) before exports, erasure and changes to one's
 * factors; the administrators' sign-in policy and their reset of a user's factors.
 */
export async function policyRoutes(app: FastifyInstance, options: { safeNext: SafeNext }) {
  const secure = app.config.baseUrl.startsWith('https:');
  const rp = relyingParty(app.config.baseUrl, app.config.sessionSecret ?? '');
  const cookie = secure ? '__Host-ipcoop_confirm' : 'ipcoop_confirm';
  const back = (next: unknown) => options.safeNext(next, app.config.baseUrl) ?? '/account';

  const confirmPage = async (reply: FastifyReply, user: CurrentUser, values: FormValues, errors: FormErrors = {}, status = 200) =>
    reply.code(status).view('account/confirm', {
      title: 'account.confirm.title', values, errors, passkeys: await hasPasskey(app.db, user.id), webauthnScript: WEBAUTHN_SCRIPT,
      lead: message('account.confirm.lead', { minutes: RECENT_CONFIRMATION_MS / 60_000 }),
    });

  app.get<{ Querystring: { next?: string } }>('/account/confirm', duringEnrolment(), async (request, reply) =>
    confirmPage(reply, requireUser(request), { next: back(request.query.next) }));

  app.post('/account/confirm', duringEnrolment(), async (request, reply) => {
    const user = requireUser(request);
    const form = parseForm(confirmForm, request.body);
    const next = back(form.ok ? form.data.next : '');
    if (!form.ok || !form.data.password) return confirmPage(reply, user, { next }, { password: 'account.errors.passwordMissing' }, 400);
    const done = await attempt(() => confirmWithPassword(app.db, user, form.data.password, request.ip));
    // A wrong password is told beside the field; a throttled one above the form.
    if (!done.ok) return confirmPage(reply, user, { next }, done.errors, '_form' in done.errors ? 429 : 400);
    return reply.notice('account.confirm.done').redirect(next, 303);
  });

  app.post('/account/confirm/passkey/options', duringEnrolment(), async (request, reply) => {
    const { token, options: assertion } = await confirmationOptions(app.db, rp, requireUser(request));
    reply.setCookie(cookie, token, { path: '/', httpOnly: true, sameSite: 'strict', secure, maxAge: CEREMONY_LIFETIME_MS / 1000 });
    return reply.header('cache-control', 'no-store').send(assertion);
  });

  app.post('/account/confirm/passkey', duringEnrolment(), async (request: FastifyRequest, reply) => {
    const user = requireUser(request);
    const form = parseForm(passkeyForm, request.body);
    const next = back(form.ok ? form.data.next : '');
    const token = request.cookies[cookie];
    reply.clearCookie(cookie, { path: '/' });
    const result = await confirmWithPasskey(app.db, rp, user, token && isTokenShaped(token) ? token : undefined,
      form.ok ? form.data.response : '', request.ip);
    if (!result.ok) {
      if (result.reason === 'throttled') {
        const minutes = Math.ceil(result.waitSeconds / 60);
        const reason = message(minutes === 1 ? 'account.login.throttledOne' : 'account.login.throttledMany', { minutes });
        return confirmPage(reply, user, { next }, { _form: reason }, 429);
      }
      const reason = result.reason === 'expired' ? 'account.passkeys.signInExpired' : 'account.confirm.passkeyFailed';
      return confirmPage(reply, user, { next }, { _form: reason }, 400);
    }
    await markConfirmed(app.db, user.sessionId);
    return reply.notice('account.confirm.done').redirect(next, 303);
  });

  // The administrators' policy page.
  const policyPage = async (reply: FastifyReply, saved: boolean) =>
    reply.view('auth/policy', {
      title: 'account.policy.title', policy: await signInPolicy(app.db), counts: await enrolmentCounts(app.db), saved,
    });

  app.get<{ Querystring: { saved?: string } }>('/manage/sign-in-policy', access('admin'), async (request, reply) =>
    policyPage(reply, request.query.saved === '1'));

  app.post('/manage/sign-in-policy', access('admin'), async (request, reply) => {
    const form = parseForm(policyForm, request.body);
    const policy = form.ok ? form.data : { organisers: false, judges: false };
    await setSignInPolicy(app.db, requireUser(request), policy);
    return reply.notice('account.policy.saved').redirect('/manage/sign-in-policy', 303);
  });

  // One user's factors, and their reset.
  const userFactors = async (id: number) => {
    const account = await app.db.selectFrom('users').select(['id', 'name', 'email', 'role']).where('id', '=', id).executeTakeFirst();
    const factors = account ? await factorSummary(app.db, id) : null;
    return account && factors ? { account, factors } : null;
  };

  app.get('/manage/users/:id/factors', access('admin'), async (request, reply) => {
    const found = await userFactors(readParams(idParams, request.params).id);
    if (!found) throw Refusal.notFound('account.policy.userNotFound');
    return reply.view('auth/user-factors', { title: message('account.policy.factorsOf', { name: found.account.name }), ...found });
  });

  app.post('/manage/users/:id/factors/reset', access('admin'), async (request, reply) => {
    const { id } = readParams(idParams, request.params);
    await resetFactors(app.db, requireUser(request), id, { baseUrl: app.config.baseUrl, domain: app.mail.domain });
    return reply.notice('account.policy.resetDone').redirect(`/manage/users/${id}/factors`, 303);
  });
}
