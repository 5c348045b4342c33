import { createHash } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  createJsonSchemaTransform, hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler, type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { isDatabaseUnavailable } from '../../db/index.ts';
import type { ApiScope } from '../../db/types.ts';
import { access } from '../../lib/access.ts';
import { Refusal } from '../../lib/errors.ts';
import { translator } from '../../lib/i18n.ts';
import { countHit } from '../../lib/rate-limit.ts';
import { docsModel } from './docs.ts';
import { type Claim, claimKey, settleKey } from './idempotency.ts';
import { ApiProblem, PROBLEM_TYPES, type ProblemIssue, sendProblem } from './problem.ts';
import { API_BODY_LIMIT, API_PER_TOKEN } from './route.ts';
import { tokenRoutes } from './token-routes.ts';
import { type ApiCaller, callerForToken } from './tokens.ts';
import { v1Routes } from './v1.ts';

/*
 * The JSON API: /api/v1 for programs, /api/openapi.json describing it, /api/docs for people.
 * Routes declare zod schemas for their params, query, body and answers; the same schemas
 * validate requests, serialise answers and make the OpenAPI document. The compilers and the
 * error handler are this plugin's own: the HTML routes keep reading their forms themselves and
 * showing errors beside the fields.
 */

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a token must be allowed to do for this route (default: read). */
    apiScope?: ApiScope;
  }
  interface FastifyRequest {
    /** The token behind an API request, once authenticated. */
    apiCaller: ApiCaller | null;
    idempotencyClaim: Claim | null;
  }
}

const DESCRIPTION = `The JSON API of ipcoop: the year's items, events, registrations, exchange programmes, delegations,
contests and recorded figures, with writes for integrating sites and door systems.

- **Tokens**: every request carries \`Authorization: Bearer <token>\`. Make a token on your account page
  (or with \`npm run token:create\`); it sees exactly what its user sees, and may write only within its scopes
  (\`read\`, \`registrations\`, \`checkin\`, \`figures\`).
- **Pages**: lists are paged by cursor: pass \`next_cursor\` as \`cursor\` until it is null. \`updated_since\` gives
  what changed since a time.
- **Caching**: answers carry an \`ETag\`; send it back as \`If-None-Match\` to get \`304 Not Modified\` when nothing changed.
- **Retries**: every POST takes an \`Idempotency-Key\` header. The same key with the same request gives the stored answer
  (for a day) without doing anything again; the same key with a different request is a 422.
- **Errors** are RFC 9457 problems (\`application/problem+json\`).
- **Limits**: ${API_PER_TOKEN.max} requests a minute per token (then 429 with \`Retry-After\`); bodies up to ${API_BODY_LIMIT / 1024} KB.`;

const weakEtag = (payload: string) => `"${createHash('sha256').update(payload).digest('base64url').slice(0, 32)}"`;

/** Whether If-None-Match names the answer's tag (or is `*`); weak and strong tags compare alike. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

/** The issues of a zod validation error, by where they are. */
function validationIssues(error: { validation: { instancePath: string; message?: string }[]; validationContext?: string }): ProblemIssue[] {
  const where = ({ body: 'body', querystring: 'query', params: 'path', headers: 'header' } as const)[
    (error.validationContext ?? 'body') as 'body' | 'querystring' | 'params' | 'headers'] ?? 'body';
  return error.validation.map((v) => ({
    in: where, pointer: v.instancePath === '/' ? '' : v.instancePath, detail: v.message ?? 'invalid',
  }));
}

/** Any error of an API request as a problem. */
function asProblem(error: Error & { statusCode?: number; code?: string }, request: FastifyRequest): ApiProblem {
  if (error instanceof ApiProblem) return error;
  if (error instanceof Refusal) {
    if (!error.isForm) return new ApiProblem(error.status, error.reason, { type: PROBLEM_TYPES.refused });
    const t = translator(request.locale);
    return new ApiProblem(422, 'api.problem.unprocessable', {
      type: PROBLEM_TYPES.validation,
      issues: Object.entries(error.errors).map(([field, reason]) => ({
        in: 'body' as const, pointer: field === '_form' ? '' : `/${field}`, detail: t(reason),
      })),
    });
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    return new ApiProblem(400, 'api.problem.validation', { type: PROBLEM_TYPES.validation, issues: validationIssues(error) });
  }
  if (isDatabaseUnavailable(error)) return new ApiProblem(503, 'error.busy', { headers: { 'retry-after': '5' } });
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY': return new ApiProblem(400, 'api.problem.malformedJson', { type: PROBLEM_TYPES.malformedJson });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return new ApiProblem(400, 'api.problem.emptyBody', { type: PROBLEM_TYPES.malformedJson });
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new ApiProblem(413, 'api.problem.tooLarge');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return new ApiProblem(415, 'api.problem.mediaType');
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return new ApiProblem(status, 'api.problem.badRequest');
  return new ApiProblem(500, 'error.server');
}

const unauthenticated = (detail: 'api.problem.noToken' | 'api.problem.badToken') =>
  new ApiProblem(401, detail, {
    type: detail === 'api.problem.badToken' ? PROBLEM_TYPES.invalidToken : 'about:blank',
    headers: {
      'www-authenticate': detail === 'api.problem.badToken' ? 'Bearer realm="ipcoop", error="invalid_token"' : 'Bearer realm="ipcoop"',
    },
  });

/** Reads the bearer token, counts the request against the token's limit and checks its scope. */
async function authenticate(app: FastifyInstance, request: FastifyRequest) {
  // A session cookie never counts here: the API is for programs, which hold tokens.
  request.user = null;
  const header = request.headers.authorization;
  if (!header) throw unauthenticated('api.problem.noToken');
  const match = /^Bearer +(\S{1,200})$/i.exec(header);
  const caller = match?.[1] ? await callerForToken(app.db, match[1], request.ip) : null;
  if (!caller) throw unauthenticated('api.problem.badToken');
  request.user = caller.user;
  request.apiCaller = caller;
  // RATE_LIMITS=off (benchmarks) turns this limit off with the public forms' ones.
  const limited = app.config.rateLimits
    ? await countHit(app.db, [{ limit: API_PER_TOKEN, subject: String(caller.tokenId) }])
    : { ok: true as const };
  if (!limited.ok) {
    throw new ApiProblem(429, 'api.problem.rateLimited', {
      type: PROBLEM_TYPES.rateLimited, headers: { 'retry-after': String(limited.retryAfterSeconds) },
    });
  }
  const needed = request.routeOptions.config.apiScope ?? 'read';
  if (!caller.scopes.includes(needed)) {
    throw new ApiProblem(403, 'api.problem.scope', {
      type: PROBLEM_TYPES.insufficientScope,
      headers: { 'www-authenticate': `Bearer realm="ipcoop", error="insufficient_scope", scope="${needed}"` },
    });
  }
}

export async function apiRoutes(app: FastifyInstance) {
  await app.register(tokenRoutes);
  await app.register(async (plain) => {
    const api = plain.withTypeProvider<ZodTypeProvider>();
    api.setValidatorCompiler(validatorCompiler);
    api.setSerializerCompiler(serializerCompiler);
    // JSON only: a form post (which a browser could send from another site) is not read at all.
    api.removeContentTypeParser('application/x-www-form-urlencoded');
    api.decorateRequest('apiCaller', null);
    api.decorateRequest('idempotencyClaim', null);

    await api.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: 'ipcoop API', version: '1.0.0', description: DESCRIPTION },
        servers: [{ url: app.config.baseUrl }],
        components: {
          securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A personal API token (ipcoop_…)' } },
        },
        security: [{ bearer: [] }],
        tags: [
          { name: 'years', description: 'Reporting years and their items' },
          { name: 'events', description: 'Events, their registrations and check-in' },
          { name: 'programmes', description: 'Exchange programmes and delegations' },
          { name: 'contests', description: 'Contests, entries, rankings and results' },
          { name: 'judging', description: 'A judge\'s own assignments' },
        ],
      },
      transform: createJsonSchemaTransform({}),
    });

    api.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, request, reply) => {
      const problem = asProblem(error, request);
      if (problem.status >= 500 && problem.status !== 503) request.log.error({ err: error }, 'API request failed');
      else request.log.info({ status: problem.status, code: error.code }, 'API request refused');
      return sendProblem(reply, request, problem);
    });
    api.setNotFoundHandler(async (request, reply) => sendProblem(reply, request, new ApiProblem(404, 'api.problem.notFound')));

    api.addHook('onRequest', async (request) => {
      if (request.routeOptions.config.access === 'token') await authenticate(app, request);
    });
    api.addHook('preHandler', async (request, reply) => {
      if (request.method === 'POST' && request.apiCaller) {
        request.idempotencyClaim = await claimKey(app.db, request.apiCaller.tokenId, request, reply);
        // A stored answer has been sent: the handler does not run again.
        if (reply.sent) return reply;
      }
      return undefined;
    });
    api.addHook('onSend', async (request, reply, payload) => {
      // Kept by no shared cache; a client may keep an answer and ask again with its ETag.
      if (request.routeOptions.config.access === 'token') {
        reply.header('cache-control', 'private, no-cache').header('vary', 'Authorization');
      }
      const claim = request.idempotencyClaim;
      if (claim) {
        request.idempotencyClaim = null;
        const location = reply.getHeader('location');
        const body = typeof payload === 'string' ? payload : '';
        await settleKey(app.db, claim, reply.statusCode, body, typeof location === 'string' ? location : undefined);
      }
      if (request.method !== 'GET' || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
      const etag = weakEtag(payload);
      reply.header('etag', etag);
      if (!matchesEtag(request.headers['if-none-match'], etag)) return payload;
      reply.code(304).removeHeader('content-type');
      return '';
    });

    api.get('/openapi.json', { ...access('public'), schema: { hide: true } }, async () => api.swagger());
    api.get('/docs', { ...access('public'), schema: { hide: true } }, async (_request, reply) => {
      reply.header('cache-control', 'no-cache');
      return reply.view('api/docs', { title: 'api.docs.title', doc: docsModel(api.swagger()) });
    });

    await api.register(v1Routes, { prefix: '/v1' });
  }, { prefix: '/api' });
}
