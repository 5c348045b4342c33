import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type Message, type MessageKey, translator } from '../../lib/i18n.ts';

/*
 * Every error of the API is an RFC 9457 problem (application/problem+json): a type naming the
 * kind of problem, the status, a title and a detail in the caller's language (Accept-Language),
 * and for input that cannot be taken, each issue with where it is (`in` and a JSON pointer).
 */

export const PROBLEM_TYPE = 'application/problem+json';

/** The kinds of problem with a meaning of their own; any other is `about:blank`, its status says it all. */
export const PROBLEM_TYPES = {
  validation: 'urn:ipcoop:problem:validation',
  malformedJson: 'urn:ipcoop:problem:malformed-json',
  invalidToken: 'urn:ipcoop:problem:invalid-token',
  insufficientScope: 'urn:ipcoop:problem:insufficient-scope',
  rateLimited: 'urn:ipcoop:problem:rate-limited',
  idempotencyKeyReused: 'urn:ipcoop:problem:idempotency-key-reused',
  idempotencyKeyInUse: 'urn:ipcoop:problem:idempotency-key-in-use',
  refused: 'urn:ipcoop:problem:refused',
} as const;

export type ProblemIssue = { in: 'body' | 'query' | 'path' | 'header'; pointer: string; detail: string };

const TITLED = new Set([400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429, 500, 503]);

/** A problem raised where it arises; the API's error handler sends it. */
export class ApiProblem extends Error {
  readonly status: number;
  readonly type: string;
  readonly detail: Message;
  readonly issues: ProblemIssue[] | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, detail: Message, options: { type?: string; issues?: ProblemIssue[]; headers?: Record<string, string> } = {}) {
    super(`api problem (${status})`);
    this.status = status;
    this.detail = detail;
    this.type = options.type ?? 'about:blank';
    this.issues = options.issues;
    this.headers = options.headers ?? {};
  }
}

export const problemSchema = z.object({
  type: z.string().describe('A URI naming the kind of problem; `about:blank` when the status says it all.'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  errors: z.array(z.object({
    in: z.enum(['body', 'query', 'path', 'header']),
    pointer: z.string().describe('A JSON pointer into the part named by `in`.'),
    detail: z.string(),
  })).optional(),
}).describe('An RFC 9457 problem');

export type Problem = z.infer<typeof problemSchema>;

/** Sends a problem: the body is written here, so no response schema of the route applies to it. */
export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: ApiProblem) {
  const t = translator(request.locale);
  const body: Problem = {
    type: problem.type,
    title: t(`api.problem.${TITLED.has(problem.status) ? problem.status : problem.status >= 500 ? 500 : 400}` as MessageKey),
    status: problem.status,
    detail: t(problem.detail),
    instance: request.url.split('?')[0],
    ...(problem.issues ? { errors: problem.issues } : {}),
  };
  for (const [name, value] of Object.entries(problem.headers)) reply.header(name, value);
  return reply.code(problem.status).type(PROBLEM_TYPE).send(JSON.stringify(body));
}

/** The documented problem answers of a route: each status with the problem schema, as problem+json. */
export function problemResponses<S extends number>(...statuses: S[]) {
  return Object.fromEntries(statuses.map((status) => [status, {
    description: PROBLEM_DESCRIPTIONS[status] ?? 'A problem',
    content: { [PROBLEM_TYPE]: { schema: problemSchema } },
  }])) as Record<S, { description: string; content: Record<typeof PROBLEM_TYPE, { schema: typeof problemSchema }> }>;
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The request could not be read: malformed JSON, or input that does not match the schema (see `errors`).',
  401: 'No token, or a token that is unknown, revoked or expired.',
  403: 'The token lacks the scope this operation needs.',
  404: 'Not found, or not within the token\'s scope.',
  409: 'The object\'s state does not allow this now.',
  413: 'The body is larger than the API takes.',
  415: 'The body is not JSON.',
  422: 'Well-formed input that cannot be taken (see `errors`), or an Idempotency-Key reused with a different request.',
  429: 'Too many requests for this token; see Retry-After.',
};
