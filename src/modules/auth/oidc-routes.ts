import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuthMethod, Role } from '../../db/types.ts';
import { access } from '../../lib/access.ts';
import { Refusal } from '../../lib/errors.ts';
import type { FormErrors, FormValues } from '../../lib/forms.ts';
import { idParams, readParams } from '../../lib/params.ts';
import { addressSubject, countHit, type RateLimit, tooManyRequests } from '../../lib/rate-limit.ts';
import { isTokenShaped } from '../../lib/tokens.ts';
import { beginOidc, completeOidc, OIDC_LOGIN_LIFETIME_MS, type OidcProviders, type OidcRefusal, unlinkIdentity } from './oidc.ts';
import { requireUser } from './plugin.ts';

/** Starting a sign-in with a provider is public and writes a row: at most 30 per address in 10 minutes. */
export const OIDC_STARTS_PER_ADDRESS: RateLimit = { name: 'oidc-start:address', max: 30, windowSeconds: 10 * 60 };

const providerParams = z.object({ provider: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/) });
const nextForm = z.object({ next: z.string().max(2000).optional() });

const REFUSALS: Record<OidcRefusal, 'account.sso.expired' | 'account.sso.failed' | 'account.sso.unverified' | 'account.sso.unknown'
  | 'account.sso.taken' | 'account.sso.otherEmail'> = {
  expired: 'account.sso.expired', failed: 'account.sso.failed', unverified: 'account.sso.unverified', unknown: 'account.sso.unknown',
  taken: 'account.sso.taken', otherEmail: 'account.sso.otherEmail',
};

export type OidcRouteOptions = {
  providers: OidcProviders;
  safeNext: (next: unknown, baseUrl: string) => string | null;
  loginPage: (reply: FastifyReply, status: number, values: FormValues, errors: FormErrors) => unknown;
  /** Goes on from a sign-in whose first factor is done: the code, a passkey required, or the session. */
  finishSignIn: (request: FastifyRequest, reply: FastifyReply, user: { userId: number; role: Role }, method: AuthMethod,
    next: string | null) => Promise<unknown>;
};

/** Single sign-on: the buttons' requests, the providers' callbacks, and linking from the account page. */
export async function oidcRoutes(app: FastifyInstance, options: OidcRouteOptions) {
  const { providers } = options;
  const secure = app.config.baseUrl.startsWith('https:');
  // Lax, not strict: the provider sends the browser back with a top-level navigation from its own site.
  const cookie = secure ? '__Host-ipcoop_oidc' : 'ipcoop_oidc';
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure, maxAge: OIDC_LOGIN_LIFETIME_MS / 1000 };
  const providerOf = (params: unknown) => {
    const provider = providers.byId(readParams(providerParams, params).provider);
    if (!provider) throw Refusal.notFound('account.sso.noProvider');
    return provider;
  };

  const start = async (request: FastifyRequest, reply: FastifyReply, purpose: 'sign-in' | 'link') => {
    const provider = providerOf(request.params);
    const limit = await countHit(app.db, [{ limit: OIDC_STARTS_PER_ADDRESS, subject: addressSubject(request.ip) }]);
    if (!limit.ok) throw tooManyRequests(reply, limit.retryAfterSeconds);
    const form = nextForm.safeParse(request.body);
    const next = options.safeNext(form.success ? form.data.next : undefined, app.config.baseUrl);
    const session = purpose === 'link' ? requireUser(request).sessionId : null;
    const started = await beginOidc(app.db, providers, provider, app.config.baseUrl, { purpose, sessionId: session, next })
      .catch((error: unknown) => {
        request.log.warn({ provider: provider.id, reason: error instanceof Error ? error.message : String(error) }, 'provider unreachable');
        return null;
      });
    if (!started) return options.loginPage(reply, 503, {}, { _form: 'account.sso.unreachable' });
    reply.setCookie(cookie, started.token, cookieOptions);
    return reply.redirect(started.url, 303);
  };

  app.post('/login/oidc/:provider', access('public'), async (request, reply) => start(request, reply, 'sign-in'));
  app.post('/account/sso/:provider/link', access('signed-in'), async (request, reply) => start(request, reply, 'link'));

  app.get('/login/oidc/:provider/callback', access('public'), async (request, reply) => {
    const provider = providerOf(request.params);
    const token = request.cookies[cookie];
    reply.clearCookie(cookie, { path: '/' });
    const url = new URL(request.url, app.config.baseUrl);
    const result = await completeOidc(app.db, providers, provider, token && isTokenShaped(token) ? token : undefined, url, request.user);
    if (!result.ok) {
      request.log.info({ provider: provider.id, refused: result.reason }, 'single sign-on refused');
      if (request.user) return reply.notice(REFUSALS[result.reason]).redirect('/account', 303);
      return options.loginPage(reply, result.reason === 'expired' ? 400 : 403, {}, { _form: REFUSALS[result.reason] });
    }
    if (result.purpose === 'link') return reply.notice('account.sso.linked').redirect('/account', 303);
    return options.finishSignIn(request, reply, result, 'oidc', result.next);
  });

  app.post('/account/sso/identities/:id/unlink', access('signed-in'), async (request, reply) => {
    await unlinkIdentity(app.db, requireUser(request), readParams(idParams, request.params).id);
    return reply.notice('account.sso.unlinked').redirect('/account', 303);
  });
}
