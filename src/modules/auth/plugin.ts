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

const ALLOWED: Record<Exclude<Access, 'public' | 'signed-in'>, readonly string[]> = {
  organiser: ['organiser', 'admin'],
  judge: ['judge', 'admin'],
  admin: ['admin'],
};

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

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

  app.addHook('onRequest', async (request, reply) => {
    const token = request.cookies[cookieName];
    if (token && isTokenShaped(token)) {
      request.user = await userForSessionToken(app.db, token);
      if (!request.user) reply.clearCookie(cookieName, { path: '/' });
    }
    // Switching the site's language (?lang=) also switches the language of the user's emails.
    const asked = (request.query as Record<string, unknown> | undefined)?.lang;
    if (request.user && isLocale(asked) && asked !== request.user.language) await rememberLanguage(app.db, request.user, asked);
    reply.locals = {
      ...reply.locals,
      user: request.user,
      csrf: () => reply.generateCsrf(),
    };
  });

  // Callback style: the CSRF check answers a bad token itself (with an FST_CSRF_* error that
  // the error handler words for people) and calls done only when the token is good.
  app.addHook('preHandler', (request, reply, done) => {
    if (request.is404) return done();
    const level = request.routeOptions.config.access ?? 'admin';
    if (level !== 'public') {
      if (!request.user) return refuseAnonymous(request, reply, done);
      if (level !== 'signed-in' && !ALLOWED[level].includes(request.user.role)) {
        // Outside one's role is answered like a page that does not exist.
        return done(Refusal.notFound());
      }
    }
    if (UNSAFE.has(request.method)) return app.csrfProtection(request, reply, done);
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

/**
 * The signed-in user of a route that declared an access other than public: the access check
 * has already refused anyone else, so a route never casts `request.user`.
 */
export function requireUser(request: FastifyRequest): CurrentUser {
  if (!request.user) throw Refusal.page(401, 'account.login.signInFirst');
  return request.user;
}
