import { type Kysely, sql } from 'kysely';

/*
 * The check-in log (issue 17, items 1 and 2): every check-in and undo, from the desk or from a
 * phone scanner that may have been offline, keyed by an id made where the scan happened, so that
 * a batch sent twice is recorded once.
 *
 * A registration's check-in follows from its rows in the order they were scanned: the first `in`
 * while not checked in is `accepted` (and gives registrations.checked_in_at); an `in` while
 * checked in is a `duplicate` (two devices, or a copied ticket); an `out` while checked in is
 * `accepted` and marks that check-in `undone`; an `out` with nothing to undo is `ignored`. At
 * most one accepted `in` row is current per registration, which the partial unique index holds.
 *
 * Check-ins made before this log are recorded as desk check-ins at their time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE checkins (
    id uuid PRIMARY KEY,
    event_id integer NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    registration_id integer NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    action text NOT NULL CHECK (action IN ('in', 'out')),
    outcome text NOT NULL CHECK (outcome IN ('accepted', 'duplicate', 'undone', 'ignored')),
    device text CHECK (char_length(device) BETWEEN 1 AND 60),
    scanned_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    user_id integer REFERENCES users (id) ON DELETE SET NULL,
    undoes uuid
  )`.execute(db);
  await sql`CREATE INDEX checkins_event_idx ON checkins (event_id, scanned_at)`.execute(db);
  await sql`CREATE INDEX checkins_registration_idx ON checkins (registration_id, scanned_at)`.execute(db);
  await sql`CREATE INDEX checkins_user_idx ON checkins (user_id) WHERE user_id IS NOT NULL`.execute(db);
  await sql`CREATE UNIQUE INDEX checkins_current_idx ON checkins (registration_id)
    WHERE action = 'in' AND outcome = 'accepted'`.execute(db);
  await sql`INSERT INTO checkins (id, event_id, registration_id, action, outcome, scanned_at, recorded_at)
    SELECT gen_random_uuid(), event_id, id, 'in', 'accepted', checked_in_at, checked_in_at
    FROM registrations WHERE checked_in_at IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE checkins`.execute(db);
}
