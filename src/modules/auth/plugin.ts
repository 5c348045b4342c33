import fastifyCsrf from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Access } from '../../lib/access.ts';
import { HttpError } from '../../lib/errors.ts';
import { isTokenShaped } from '../../lib/tokens.ts';
import { type CurrentUser, SESSION_ABSOLUTE_MS, userForSessionToken } from './service.ts';


declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    user: CurrentUser | null;
  }
}

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

  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/static/')) route.config = { ...route.config, access: 'public' };
    if (!route.config?.access) throw new Error(`route ${route.method} ${route.url} declares no access`);
  });

  await app.register(fastifyCsrf, {
    cookieKey: secure ? '__Host-ipcoop_csrf' : 'ipcoop_csrf',
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, secure },
  });

  app.decorateRequest('user', null);

  app.addHook('onRequest', async (request, reply) => {
    const token = request.cookies[cookieName];
    if (token && isTokenShaped(token)) {
      request.user = await userForSessionToken(app.db, token);
      if (!request.user) reply.clearCookie(cookieName, { path: '/' });
    }
    reply.locals = {
      ...reply.locals,
      user: request.user,
      csrf: () => reply.generateCsrf(),
    };
  });

  app.addHook('preHandler', async (request, reply) => {
    if (request.is404) return;
    const access = request.routeOptions.config.access ?? 'admin';
    if (access !== 'public') {
      if (!request.user) return refuseAnonymous(request, reply);
      if (access !== 'signed-in' && !ALLOWED[access].includes(request.user.role)) {
        // Outside one's role is answered like a page that does not exist.
        throw new HttpError(404, 'We could not find that page.');
      }
    }
    if (UNSAFE.has(request.method)) await checkCsrf(app, request, reply);
  });
}

function refuseAnonymous(request: FastifyRequest, reply: FastifyReply) {
  if (request.method === 'GET' && !/application\/json/.test(request.headers.accept ?? '')) {
    return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
  }
  throw new HttpError(401, 'Please sign in first.');
}

function checkCsrf(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  return new Promise((resolve, reject) => {
    app.csrfProtection(request, reply, (error?: Error) => {
      if (error) reject(new HttpError(403, 'This form has expired or did not come from this site. Go back, reload the page and try again.'));
      else resolve();
    });
  });
}
