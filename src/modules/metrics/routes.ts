import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { access } from '../../lib/access.ts';
import { Refusal } from '../../lib/errors.ts';
import { AppMetrics } from './registry.ts';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Whether the request carries the metrics token as a bearer token. Compared as digests, in
 * constant time: neither the token's length nor how much of it matched shows in the timing.
 */
function hasToken(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * `/metrics` in the Prometheus text format, for a scraper holding METRICS_TOKEN. Without the
 * setting the address does not exist (404); with it, a request without the right token is
 * refused with 401 and a `WWW-Authenticate: Bearer` challenge. Installed on the app itself (not
 * as an encapsulated plugin), so that its response hook sees every route.
 */
export function installMetrics(app: FastifyInstance): void {
  const token = app.config.metricsToken;
  if (!token) return;
  const metrics = new AppMetrics(app.db, app.pageCache);
  // One observation per answered request: the route's pattern, never the address asked for.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observe(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', access('public'), async (request, reply) => {
    if (!hasToken(request, token)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw Refusal.page(401, 'metrics.unauthorized');
    }
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).header('cache-control', 'no-store').send(body);
  });
}
