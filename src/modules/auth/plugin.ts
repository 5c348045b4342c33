import fastifyCsrf from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Access } from '../../lib/access.ts';
import { Refusal } from '../../lib/errors.ts';
import { isLocale } from '../../lib/i18n.ts';
import { isTokenShaped } from '../../lib/tokens.ts';
import { type CurrentUser, rememberLanguage, SESSION_ABSOLUTE_MS, userForSessionToken } from './service.ts';


declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** Reachable by a user the sign-in policy sends through enrolment first (the enrolment pages). */
    duringEnrolment?: boolean;
    /** Asks for a password or passkey given within RECENT_CONFIRMATION_MS (exports, erasure, factors). */
    recentConfirmation?: boolean;
    /**
     * A public POST that takes no CSRF token: RFC 8058's one-click unsubscribe, which mail
     * software sends without any page of ours. Only for public routes whose address carries a
     * token that is the whole authority (never the session): a forged cross-site request must
     * already know the token, and whoever knows it may do the same directly.
     */
    withoutCsrf?: boolean;
  }
  interface FastifyRequest {
    user: CurrentUser | null;
  }
  interface FastifyInstance {
    /** Every route with the access it declared, for audits and the route-by-role tests. */
    routeAccess: RouteAccess[];
  }
}

export type RouteAccess = { method: string; url: string; access: Access };

const ALLOWED: Record<Exclude<Access, 'public' | 'signed-in' | 'token'>, readonly string[]> = {
  organiser: ['organiser', 'admin'],
  judge: ['judge', 'admin'],
  admin: ['admin'],
};

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** How long a password or passkey given in a session counts as a recent confirmation. */
export const RECENT_CONFIRMATION_MS = 15 * 60 * 1000;

/** A route of the enrolment the sign-in policy leads through (two-factor, passkeys, signing out). */
export const duringEnrolment = (level: Access = 'signed-in') => ({ config: { access: level, duringEnrolment: true } });

/** A route that asks for a recent confirmation of the password or a passkey. */
export const recentlyConfirmed = (level: Access, options: { duringEnrolment?: boolean } = {}) =>
  ({ config: { access: level, recentConfirmation: true, ...options } });

export const needsConfirmation = (user: CurrentUser, now = Date.now()) => now - user.confirmedAt.getTime() > RECENT_CONFIRMATION_MS;

export function sessionCookieName(secure: boolean) {
  return secure ? '__Host-ipcoop_session' : 'ipcoop_session';
}

export function sessionCookieOptions(secure: boolean) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure, maxAge: SESSION_ABSOLUTE_MS / 1000 };
}

export async function installSecurity(app: FastifyInstance) {
  const secure = app.config.baseUrl.startsWith('https:');
  const cookieName = sessionCookieName(secure);

  app.decorate('routeAccess', [] as RouteAccess[]);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/static/')) route.config = { ...route.config, access: 'public' };
    const level = route.config?.access;
    if (!level) throw new Error(`route ${[route.method].flat().join(',')} ${route.url} declares no access`);
    for (const method of [route.method].flat()) app.routeAccess.push({ method, url: route.url, access: level });
  });

  await app.register(fastifyCsrf, {
    cookieKey: secure ? '__Host-ipcoop_csrf' : 'ipcoop_csrf',
    // Signed, so a cookie planted from a sibling host is refused. The server always has a secret:
    // SESSION_SECRET, or for the embedded default the one it keeps in DATA_DIR (src/config.ts).
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, secure, signed: Boolean(app.config.sessionSecret) },
  });

  app.decorateRequest('user', null);

  const signIn = async (request: FastifyRequest, reply: FastifyReply, token: string) => {
    request.user = await userForSessionToken(app.db, token);
    if (!request.user) reply.clearCookie(cookieName, { path: '/' });
    // Switching the site's language (?lang=) also switches the language of the user's emails.
    const asked = (request.query as Record<string, unknown> | undefined)?.lang;
    if (request.user && isLocale(asked) && asked !== request.user.language) await rememberLanguage(app.db, request.user, asked);
    reply.locals!.user = request.user;
  };
  // Callback style, and no database work for a request without a session cookie (most of them).
  app.addHook('onRequest', (request, reply, done) => {
    // One token per page: a first visit has no secret cookie yet, and each call would make a new
    // secret (and cookie), leaving every form but the last with a token that no longer matches.
    let csrfToken: string | undefined;
    const locals = reply.locals!;
    locals.user = null;
    locals.csrf = () => (csrfToken ??= reply.generateCsrf());
    const token = request.cookies[cookieName];
    if (!token || !isTokenShaped(token)) return done();
    signIn(request, reply, token).then(() => done(), done);
  });

  // Callback style: the CSRF check answers a bad token itself (with an FST_CSRF_* error that
  // the error handler words for people) and calls done only when the token is good.
  app.addHook('preHandler', (request, reply, done) => {
    if (request.is404) return done();
    const level = request.routeOptions.config.access ?? 'admin';
    // The API authenticates each request by its bearer token (src/modules/api/plugin.ts).
    if (level === 'token') return done();
    if (level !== 'public') {
      if (!request.user) return refuseAnonymous(request, reply, done);
      if (level !== 'signed-in' && !ALLOWED[level].includes(request.user.role)) {
        // Outside one's role is answered like a page that does not exist.
        return done(Refusal.notFound());
      }
      const config = request.routeOptions.config;
      if (request.user.mustEnrol && !config.duringEnrolment) return toEnrolment(request, reply, done);
      if (config.recentConfirmation && needsConfirmation(request.user)) return toConfirmation(request, reply, done, app.config.baseUrl);
    }
    if (UNSAFE.has(request.method) && !(level === 'public' && request.routeOptions.config.withoutCsrf)) {
      return app.csrfProtection(request, reply, done);
    }
    done();
  });
}

function refuseAnonymous(request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) {
  if (request.method === 'GET' && !/application\/json/.test(request.headers.accept ?? '')) {
    reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    return;
  }
  done(Refusal.page(401, 'account.login.signInFirst'));
}

/** A user the policy asks for a second factor is sent to set one up; other requests are refused. */
function toEnrolment(request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) {
  if (request.method === 'GET' && !/application\/json/.test(request.headers.accept ?? '')) {
    reply.notice('account.policy.enrolFirst').redirect('/account/two-factor', 303);
    return;
  }
  done(Refusal.page(403, 'account.policy.enrolFirst'));
}

/**
 * A request that needs a recent confirmation goes to the confirmation page first, which then
 * leads back: to the page itself for a GET, to the page the form was on for a POST (the form is
 * sent again from there; its body is never kept).
 */
function toConfirmation(request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void, baseUrl: string) {
  if (/application\/json/.test(request.headers.accept ?? '')) return done(Refusal.page(403, 'account.confirm.needed'));
  let back = request.url;
  if (request.method !== 'GET') {
    const referer = request.headers.referer;
    const from = referer && URL.canParse(referer) ? new URL(referer) : null;
    back = from && from.origin === new URL(baseUrl).origin ? `${from.pathname}${from.search}` : '/account';
  }
  reply.redirect(`/account/confirm?next=${encodeURIComponent(back)}`, 303);
}

/**
 * The signed-in user of a route that declared an access other than public: the access check
 * has already refused anyone else, so a route never casts `request.user`.
 */
export function requireUser(request: FastifyRequest): CurrentUser {
  if (!request.user) throw Refusal.page(401, 'account.login.signInFirst');
  return request.user;
}
