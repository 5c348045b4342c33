import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../../db/index.ts';
import { Refusal } from '../../lib/errors.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import type { EndpointInput } from './form.ts';
import { endpointDelivery, type ScopedEndpoint } from './queries.ts';

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * Registers an endpoint for the user's organisation (an administrator's: for every item). An
 * organiser who belongs to no organisation has no items, and so nothing to send.
 */
export async function createEndpoint(db: Database, user: CurrentUser, input: EndpointInput): Promise<number> {
  if (user.role !== 'admin' && user.organisationId === null) throw Refusal.form({ _form: 'webhooks.errors.noOrganisation' });
  return db.transaction().execute(async (trx) => {
    const { id } = await trx.insertInto('webhook_endpoints').values({
      organisation_id: user.role === 'admin' ? null : user.organisationId, created_by: user.id, url: input.url,
      description: input.description, event_types: input.event_types, secret: newSecret(), enabled: input.enabled,
    }).returning('id').executeTakeFirstOrThrow();
    await recordAudit(trx, user.id, 'create', 'webhook_endpoint', id,
      { url: { from: null, to: input.url }, event_types: { from: null, to: input.event_types } });
    return id;
  });
}

/** Changes an endpoint; turning it on again starts its count of failing days afresh. */
export async function updateEndpoint(db: Database, user: CurrentUser, endpoint: ScopedEndpoint, input: EndpointInput): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const reenabled = input.enabled && !endpoint.enabled;
    await trx.updateTable('webhook_endpoints').set({
      url: input.url, description: input.description, event_types: input.event_types, enabled: input.enabled, updated_at: sql<Date>`now()`,
      ...(reenabled ? { disabled_reason: null, failing_since: null } : {}),
    }).where('id', '=', endpoint.id).execute();
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    if (endpoint.url !== input.url) changes.url = { from: endpoint.url, to: input.url };
    if (endpoint.description !== input.description) changes.description = { from: endpoint.description, to: input.description };
    if (endpoint.event_types.join() !== input.event_types.join()) {
      changes.event_types = { from: endpoint.event_types, to: input.event_types };
    }
    if (endpoint.enabled !== input.enabled) changes.enabled = { from: endpoint.enabled, to: input.enabled };
    await recordAudit(trx, user.id, 'update', 'webhook_endpoint', endpoint.id, changes);
  });
}

/** A new secret; the old one stops working at once (receivers must be given the new one). */
export async function rotateSecret(db: Database, user: CurrentUser, endpoint: ScopedEndpoint): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('webhook_endpoints').set({ secret: newSecret(), updated_at: sql<Date>`now()` })
      .where('id', '=', endpoint.id).execute();
    // The secret itself never goes into the log.
    await recordAudit(trx, user.id, 'rotate_secret', 'webhook_endpoint', endpoint.id, { secret: { from: 'old', to: 'new' } });
  });
}

/** Removes an endpoint with its deliveries and their log. */
export async function deleteEndpoint(db: Database, user: CurrentUser, endpoint: ScopedEndpoint): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('webhook_endpoints').where('id', '=', endpoint.id).execute();
    await recordAudit(trx, user.id, 'delete', 'webhook_endpoint', endpoint.id, { url: { from: endpoint.url, to: null } });
  });
}

/**
 * Sends a delivery again, due now with a fresh set of attempts: the same message (same
 * `webhook-id`), so a receiver that already has it can tell.
 */
export async function redeliver(db: Database, endpoint: ScopedEndpoint, deliveryId: number): Promise<void> {
  const delivery = await endpointDelivery(db, endpoint.id, deliveryId);
  if (!delivery) throw Refusal.notFound('webhooks.notFound.delivery');
  if (delivery.status === 'pending') throw Refusal.conflict('webhooks.errors.alreadyQueued');
  await db.updateTable('webhook_deliveries').set({ status: 'pending', attempts: 0, next_attempt_at: sql<Date>`now()` })
    .where('id', '=', delivery.id).where('status', '<>', 'pending').execute();
}
