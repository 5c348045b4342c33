import { type Kysely, sql } from 'kysely';

// Webhooks (Standard Webhooks): endpoints organisations register, the events written in the
// same transaction as the change they report, one delivery per event and endpoint (the outbox),
// and a log of every attempt.
//
// webhook_endpoints.organisation_id: whose endpoint it is; it receives the events of the items
// that organisation is a party to. NULL for an endpoint an administrator registered: it
// receives the events of every item. The secret is kept readable (it signs every payload).
// failing_since: when the current run of failed attempts began (cleared by a success); an
// endpoint failing for longer than WEBHOOK_DISABLE_AFTER_DAYS is disabled (disabled_reason).
//
// webhook_events.message_id is the `webhook-id` header: the same on every attempt and every
// endpoint, so that a receiver can discard a repeat. The payload is the body as sent.
//
// webhook_deliveries is the outbox, claimed like mail_outbox (FOR UPDATE SKIP LOCKED, with a
// lease in next_attempt_at); webhook_attempts is the delivery log shown to the endpoint's owner.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE webhook_endpoints (
    id serial PRIMARY KEY,
    organisation_id integer REFERENCES organisations (id) ON DELETE CASCADE,
    created_by integer REFERENCES users (id) ON DELETE SET NULL,
    url text NOT NULL CHECK (length(url) <= 2000),
    description text NOT NULL DEFAULT '',
    event_types text[] NOT NULL,
    secret text NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    disabled_reason text CHECK (disabled_reason IN ('failures')),
    failing_since timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE INDEX webhook_endpoints_organisation_idx ON webhook_endpoints (organisation_id)`.execute(db);
  await sql`CREATE TABLE webhook_events (
    id serial PRIMARY KEY,
    message_id text NOT NULL UNIQUE,
    type text NOT NULL,
    item_id integer REFERENCES items (id) ON DELETE SET NULL,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE INDEX webhook_events_created_idx ON webhook_events (created_at)`.execute(db);
  await sql`CREATE TABLE webhook_deliveries (
    id serial PRIMARY KEY,
    endpoint_id integer NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id integer NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    last_status_code integer,
    last_error text,
    delivered_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (endpoint_id, event_id)
  )`.execute(db);
  await sql`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`.execute(db);
  await sql`CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id)`.execute(db);
  await sql`CREATE TABLE webhook_attempts (
    id serial PRIMARY KEY,
    delivery_id integer NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    status_code integer,
    duration_ms integer NOT NULL,
    error text,
    response_body text
  )`.execute(db);
  await sql`CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE webhook_attempts`.execute(db);
  await sql`DROP TABLE webhook_deliveries`.execute(db);
  await sql`DROP TABLE webhook_events`.execute(db);
  await sql`DROP TABLE webhook_endpoints`.execute(db);
}
