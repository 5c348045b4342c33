import { type Expression, type RawBuilder, sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import type { CurrentUser } from '../auth/service.ts';

/**
 * Whose endpoints a user reaches: an organiser their organisation's, an administrator all.
 * An organiser without an organisation reaches none.
 */
export function endpointInScope(user: CurrentUser, organisationId: Expression<number | null>): RawBuilder<boolean> {
  if (user.role === 'admin') return sql<boolean>`true`;
  return sql<boolean>`${organisationId} = ${user.organisationId ?? -1}`;
}

/** The endpoints a user reaches, with what waits and how the last attempt went. */
export async function endpointsInScope(db: Executor, user: CurrentUser) {
  return db.selectFrom('webhook_endpoints as w')
    .leftJoin('organisations as o', 'o.id', 'w.organisation_id')
    .where((eb) => endpointInScope(user, eb.ref('w.organisation_id')))
    .select([
      'w.id', 'w.url', 'w.description', 'w.event_types', 'w.enabled', 'w.disabled_reason', 'w.failing_since', 'w.created_at',
      'o.name as organisation_name',
      sql<number>`(select count(*) from webhook_deliveries d where d.endpoint_id = w.id and d.status = 'pending')::int`.as('pending'),
      sql<number>`(select count(*) from webhook_deliveries d where d.endpoint_id = w.id and d.status = 'failed')::int`.as('failed'),
    ])
    .orderBy('w.created_at', 'desc')
    .orderBy('w.id', 'desc')
    .execute();
}

/** One endpoint, if the user reaches it. */
export async function scopedEndpoint(db: Executor, user: CurrentUser, id: number) {
  return db.selectFrom('webhook_endpoints as w')
    .leftJoin('organisations as o', 'o.id', 'w.organisation_id')
    .where('w.id', '=', id)
    .where((eb) => endpointInScope(user, eb.ref('w.organisation_id')))
    .select([
      'w.id', 'w.organisation_id', 'w.url', 'w.description', 'w.event_types', 'w.enabled', 'w.disabled_reason', 'w.failing_since',
      'w.created_at', 'w.updated_at', 'o.name as organisation_name',
    ])
    .executeTakeFirst();
}
export type ScopedEndpoint = NonNullable<Awaited<ReturnType<typeof scopedEndpoint>>>;

/** The endpoint's signing secret (read only when its owner asks to see it). */
export async function endpointSecret(db: Executor, id: number) {
  const row = await db.selectFrom('webhook_endpoints').where('id', '=', id).select('secret').executeTakeFirstOrThrow();
  return row.secret;
}

/** How many deliveries the log shows. */
export const LOG_SIZE = 50;

/** The delivery log of an endpoint: its latest deliveries, newest first, each with its attempts. */
export async function deliveryLog(db: Executor, endpointId: number, limit = LOG_SIZE) {
  const deliveries = await db.selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
    .where('d.endpoint_id', '=', endpointId)
    .select([
      'd.id', 'd.status', 'd.attempts', 'd.next_attempt_at', 'd.last_attempt_at', 'd.last_status_code', 'd.last_error', 'd.delivered_at',
      'e.message_id', 'e.type', 'e.created_at', 'e.payload',
    ])
    .orderBy('d.id', 'desc')
    .limit(limit)
    .execute();
  const attempts = deliveries.length === 0 ? [] : await db.selectFrom('webhook_attempts')
    .where('delivery_id', 'in', deliveries.map((d) => d.id))
    .select(['id', 'delivery_id', 'attempted_at', 'status_code', 'duration_ms', 'error', 'response_body'])
    .orderBy('id')
    .execute();
  return deliveries.map((d) => ({ ...d, tries: attempts.filter((a) => a.delivery_id === d.id) }));
}

/** A delivery of this endpoint, or undefined. */
export async function endpointDelivery(db: Executor, endpointId: number, deliveryId: number) {
  return db.selectFrom('webhook_deliveries').where('id', '=', deliveryId).where('endpoint_id', '=', endpointId)
    .select(['id', 'status']).executeTakeFirst();
}
