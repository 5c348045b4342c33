import { type Kysely, sql } from 'kysely';

/*
 * Scheduled work (issue 18, item 5): a job is something to do once at a time, such as the
 * reminder before an event. Every instance runs due jobs; each claims its rows with FOR UPDATE
 * SKIP LOCKED and a lease (locked_until), so a job runs once, and one whose instance died is
 * taken up again when its lease ends. A job with a key is one logical job: scheduling the same
 * key again moves its row rather than adding one. The item lets its organisers see its jobs.
 * Events get how many hours before their start their reminder goes out (0: none).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE jobs (
    id serial PRIMARY KEY,
    kind text NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 100),
    key text UNIQUE CHECK (char_length(key) <= 200),
    payload jsonb NOT NULL DEFAULT '{}',
    item_id integer REFERENCES items (id) ON DELETE CASCADE,
    run_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed', 'cancelled')),
    attempts integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    last_error text CHECK (char_length(last_error) <= 1000),
    created_at timestamptz NOT NULL DEFAULT now(),
    done_at timestamptz
  )`.execute(db);
  await sql`CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE status = 'pending'`.execute(db);
  await sql`CREATE INDEX jobs_item_idx ON jobs (item_id, run_at)`.execute(db);
  await sql`ALTER TABLE events ADD COLUMN reminder_hours integer NOT NULL DEFAULT 24
    CHECK (reminder_hours BETWEEN 0 AND 720)`.execute(db);
  // Public events still ahead get their reminder, where it is still to come.
  await sql`INSERT INTO jobs (kind, key, payload, item_id, run_at)
    SELECT 'event-reminder', 'event-reminder:' || id, jsonb_build_object('eventId', id), item_id, starts_at - interval '24 hours'
    FROM events WHERE status IN ('published', 'closed') AND starts_at - interval '24 hours' > now()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE events DROP COLUMN reminder_hours`.execute(db);
  await sql`DROP TABLE jobs`.execute(db);
}
