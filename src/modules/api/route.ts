import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiScope } from '../../db/types.ts';
import type { RateLimit } from '../../lib/rate-limit.ts';

/** The API plugin as its route files see it: routes typed by their zod schemas. */
export type ApiApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/**
 * 600 requests a minute per token: a door system scanning a queue, or a site mirroring a year's
 * registrations page by page, stays well under it; a loop gone wrong is stopped within a minute.
 */
export const API_PER_TOKEN: RateLimit = { name: 'api:token', max: 600, windowSeconds: 60 };
/** The API takes small JSON documents; anything larger is refused before it is read. */
export const API_BODY_LIMIT = 64 * 1024;

/** The options of an API route: token access, the scope it needs, and bodies of bounded size. */
export const tokenRoute = (scope: ApiScope = 'read') =>
  ({ config: { access: 'token' as const, apiScope: scope }, bodyLimit: API_BODY_LIMIT });

/** The headers every POST documents: other headers pass through untouched. */
export const postHeaders = z.looseObject({
  'idempotency-key': z.string().regex(/^[\x21-\x7E]{1,255}$/).optional()
    .describe('Any unique string (a UUID): a retry with the same key and body gets the stored answer, for a day, and does nothing again'),
});
