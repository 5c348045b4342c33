import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';

/* What webhooks report, and how an event is written: in the caller's transaction, beside the change. */

export const EVENT_TYPES = [
  'registration.created', 'registration.cancelled', 'registration.promoted', 'checkin.created',
  'delegation.confirmed', 'entry.submitted', 'results.published',
] as const;
export type WebhookEventType = (typeof EVENT_TYPES)[number];

/**
 * The object an event is about: its id, or for a registration or an entry just created without
 * one in hand, the hash of its private link's token.
 */
export type Subject = number | { tokenHash: string };

type Facts = { itemId: number; data: Record<string, unknown> };

/*
 * Payloads are thin, as pretix's are: identifiers, states and times, never a person's name or
 * address. A receiver reads the rest through the API with its own token, so a payload kept in
 * the delivery log holds no personal data for erasure to miss.
 */

async function registrationFacts(db: Executor, subject: Subject): Promise<Facts | undefined> {
  const row = await db.selectFrom('registrations as r').innerJoin('events as e', 'e.id', 'r.event_id')
    .$if(typeof subject === 'number', (q) => q.where('r.id', '=', subject as number))
    .$if(typeof subject !== 'number', (q) => q.where('r.token_hash', '=', (subject as { tokenHash: string }).tokenHash))
    .select(['r.id', 'r.status', 'r.created_at', 'r.checked_in_at', 'r.cancelled_at', 'e.id as event_id', 'e.slug', 'e.title', 'e.item_id'])
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    itemId: row.item_id,
    data: {
      registration: {
        id: row.id, status: row.status, created_at: row.created_at, checked_in_at: row.checked_in_at, cancelled_at: row.cancelled_at,
      },
      event: { id: row.event_id, slug: row.slug, title: row.title },
    },
  };
}

async function delegationFacts(db: Executor, id: number): Promise<Facts | undefined> {
  const row = await db.selectFrom('delegations as d').innerJoin('programmes as p', 'p.id', 'd.programme_id').where('d.id', '=', id)
    .select(['d.id', 'd.name', 'd.status', 'd.from_side', 'd.to_side', 'd.updated_at'])
    .select(['p.id as programme_id', 'p.slug', 'p.title', 'p.item_id'])
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    itemId: row.item_id,
    data: {
      delegation: {
        id: row.id, name: row.name, status: row.status, from_side: row.from_side, to_side: row.to_side, updated_at: row.updated_at,
      },
      programme: { id: row.programme_id, slug: row.slug, title: row.title },
    },
  };
}

async function entryFacts(db: Executor, subject: Subject): Promise<Facts | undefined> {
  const row = await db.selectFrom('entries as en').innerJoin('contests as c', 'c.id', 'en.contest_id')
    .$if(typeof subject === 'number', (q) => q.where('en.id', '=', subject as number))
    .$if(typeof subject !== 'number', (q) => q.where('en.token_hash', '=', (subject as { tokenHash: string }).tokenHash))
    .select(['en.id', 'en.reference', 'en.status', 'en.category_id', 'en.created_at'])
    .select(['c.id as contest_id', 'c.slug', 'c.title', 'c.item_id'])
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    itemId: row.item_id,
    data: {
      // The reference, not the title or applicant: a blind contest's judges must not learn who entered.
      entry: { id: row.id, reference: row.reference, status: row.status, category_id: row.category_id, created_at: row.created_at },
      contest: { id: row.contest_id, slug: row.slug, title: row.title },
    },
  };
}

async function contestFacts(db: Executor, id: number): Promise<Facts | undefined> {
  const row = await db.selectFrom('contests').where('id', '=', id)
    .select(['id', 'slug', 'title', 'status', 'results_published_at', 'item_id']).executeTakeFirst();
  if (!row) return undefined;
  return { itemId: row.item_id, data: { contest: row } };
}

function factsOf(db: Executor, type: WebhookEventType, subject: Subject): Promise<Facts | undefined> {
  switch (type) {
    case 'registration.created':
    case 'registration.cancelled':
    case 'registration.promoted':
    case 'checkin.created':
      return registrationFacts(db, subject);
    case 'delegation.confirmed':
      return delegationFacts(db, typeof subject === 'number' ? subject : -1);
    case 'entry.submitted':
      return entryFacts(db, subject);
    case 'results.published':
      return contestFacts(db, typeof subject === 'number' ? subject : -1);
  }
}

/** A `webhook-id`: unique, and the same on every attempt and endpoint. */
export const newMessageId = () => `msg_${randomUUID().replaceAll('-', '')}`;

/**
 * Records an event in the caller's transaction, with one delivery for each enabled endpoint
 * that asked for its type and whose organisation is a party to the item (an administrator's
 * endpoint: any item). Nothing is written when no endpoint wants it. The event is delivered if
 * and only if the change it reports commits.
 */
export async function emitWebhook(db: Executor, type: WebhookEventType, subject: Subject): Promise<void> {
  const facts = await factsOf(db, type, subject);
  if (!facts) return;
  const payload = JSON.stringify({ type, timestamp: new Date().toISOString(), data: { ...facts.data, item_id: facts.itemId } });
  await sql`WITH targets AS (
      SELECT w.id FROM webhook_endpoints w
      WHERE w.enabled AND ${type} = ANY (w.event_types)
        AND (w.organisation_id IS NULL OR EXISTS (
          SELECT 1 FROM item_parties ip WHERE ip.item_id = ${facts.itemId} AND ip.organisation_id = w.organisation_id))
    ), event AS (
      INSERT INTO webhook_events (message_id, type, item_id, payload)
      SELECT ${newMessageId()}, ${type}, ${facts.itemId}, ${payload}::jsonb WHERE EXISTS (SELECT 1 FROM targets)
      RETURNING id
    )
    INSERT INTO webhook_deliveries (endpoint_id, event_id) SELECT targets.id, event.id FROM targets, event`.execute(db);
}
