import { type Kysely, sql } from 'kysely';

// The JSON API (/api/v1): personal tokens, stored answers of idempotent POSTs, and the change
// times its `updated_since` filters read.
//
// api_tokens: a user's personal tokens. Only the sha256 of a token is kept (it is random, so a
// fast hash is enough); scopes are a JSON array of 'read', 'registrations', 'checkin', 'figures'.
// A revoked or expired token is kept for the list (who had what, until when), never accepted.
//
// api_idempotency_keys: the answer to a POST sent with an Idempotency-Key, by token and key, for
// a day. A row whose status is null is a request still running: a concurrent retry waits for
// it rather than writing again (the primary key lets only one claim the key).
//
// updated_at on registrations, programmes and contests, kept by a trigger so that every path
// that writes them (the site, the API, the workers) moves it without having to remember to.
const TOUCHED = ['registrations', 'programmes', 'contests'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE api_tokens (
    id serial PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    scopes jsonb NOT NULL,
    expires_at timestamptz NOT NULL,
    last_used_at timestamptz,
    last_used_ip text,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE INDEX api_tokens_user_idx ON api_tokens (user_id)`.execute(db);
  await sql`CREATE TABLE api_idempotency_keys (
    token_id integer NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    key text NOT NULL,
    request_hash text NOT NULL,
    status integer,
    response_body text,
    location text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (token_id, key)
  )`.execute(db);
  await sql`CREATE INDEX api_idempotency_keys_created_idx ON api_idempotency_keys (created_at)`.execute(db);
  await sql.raw(`CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.updated_at := now(); RETURN NEW; END $$`).execute(db);
  for (const table of TOUCHED) {
    await sql.raw(`ALTER TABLE ${table} ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`).execute(db);
    await sql.raw(`CREATE TRIGGER ${table}_touch BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION touch_updated_at()`).execute(db);
  }
  // Registrations changed since a time, event by event, in id order: the API's feed for door systems.
  await sql`CREATE INDEX registrations_event_updated_idx ON registrations (event_id, updated_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX registrations_event_updated_idx`.execute(db);
  for (const table of TOUCHED) {
    await sql.raw(`DROP TRIGGER ${table}_touch ON ${table}`).execute(db);
    await sql.raw(`ALTER TABLE ${table} DROP COLUMN updated_at`).execute(db);
  }
  await sql`DROP FUNCTION touch_updated_at()`.execute(db);
  await sql`DROP TABLE api_idempotency_keys`.execute(db);
  await sql`DROP TABLE api_tokens`.execute(db);
}
