import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../db/index.ts';
import { ApiProblem, PROBLEM_TYPE, PROBLEM_TYPES } from './problem.ts';

/*
 * Idempotency-Key on POST (as Stripe, and the IETF httpapi draft): the first request with a key
 * claims it (the primary key lets only one do so) and its answer is stored for a day. A retry
 * with the same key and the same request gets the stored answer, with nothing done again; a
 * retry that arrives while the first still runs waits for its answer. The same key with a
 * different request is a 422: the key was reused by mistake. A 5xx is not stored, so a retry
 * after a failure runs again.
 */

const KEPT_MS = 24 * 3_600_000;
const WAIT_MS = 10_000;
const POLL_MS = 50;
const KEY_SHAPE = /^[\x21-\x7E]{1,255}$/;

export type Claim = { tokenId: number; key: string };

const requestHash = (request: FastifyRequest) =>
  createHash('sha256').update(`${request.method} ${request.url.split('?')[0]}\n${JSON.stringify(request.body ?? null)}`).digest('hex');

/**
 * Claims the request's key, or answers from the stored answer. Returns the claim to settle once
 * the answer is known, or null when there is no key or the reply has been sent.
 */
export async function claimKey(db: Database, tokenId: number, request: FastifyRequest, reply: FastifyReply): Promise<Claim | null> {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return null;
  const key = Array.isArray(header) ? '' : header;
  if (!KEY_SHAPE.test(key)) {
    throw new ApiProblem(400, 'api.problem.idempotencyKey', { type: PROBLEM_TYPES.validation,
      issues: [{ in: 'header', pointer: '/idempotency-key', detail: 'between 1 and 255 visible ASCII characters' }] });
  }
  const hash = requestHash(request);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const stale = new Date(Date.now() - KEPT_MS);
    // The token's answers older than a day go, this key's among them.
    await db.deleteFrom('api_idempotency_keys').where('token_id', '=', tokenId).where('created_at', '<', stale).execute();
    const claimed = await db.insertInto('api_idempotency_keys').values({ token_id: tokenId, key, request_hash: hash })
      .onConflict((oc) => oc.columns(['token_id', 'key']).doNothing()).returning('key').executeTakeFirst();
    if (claimed) return { tokenId, key };
    const stored = await db.selectFrom('api_idempotency_keys').select(['request_hash', 'status', 'response_body', 'location'])
      .where('token_id', '=', tokenId).where('key', '=', key).executeTakeFirst();
    // Gone between the two statements (a failed first attempt let go of it): claim it again.
    if (!stored) continue;
    if (stored.request_hash !== hash) {
      throw new ApiProblem(422, 'api.problem.idempotencyKeyReused', { type: PROBLEM_TYPES.idempotencyKeyReused });
    }
    if (stored.status !== null) {
      if (stored.location) reply.header('location', stored.location);
      reply.header('idempotent-replayed', 'true').code(stored.status).type(stored.status >= 400 ? PROBLEM_TYPE : 'application/json');
      await reply.send(stored.response_body ?? '');
      return null;
    }
    if (Date.now() > deadline) {
      throw new ApiProblem(409, 'api.problem.idempotencyKeyInUse', {
        type: PROBLEM_TYPES.idempotencyKeyInUse, headers: { 'retry-after': '1' },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Stores the answer of a claimed key; a server error lets go of the key instead, so that a retry runs again. */
export async function settleKey(db: Database, claim: Claim, status: number, body: string, location: string | undefined) {
  const row = db.updateTable('api_idempotency_keys').where('token_id', '=', claim.tokenId).where('key', '=', claim.key);
  if (status >= 500) {
    await db.deleteFrom('api_idempotency_keys').where('token_id', '=', claim.tokenId).where('key', '=', claim.key).execute();
    return;
  }
  await row.set({ status, response_body: body, location: location ?? null }).execute();
}

