import { type Kysely, sql } from 'kysely';

/*
 * Registration tallies: how many registrations each event holds, by the side they come from and
 * the month (Hong Kong time) they were made, and of those how many are confirmed, checked in,
 * have their email address confirmed (confirm_by is null) and wait on the list with a confirmed
 * address. The summary's figures, the year's charts and the public event page read these few rows
 * instead of counting an event's registrations, which a large event holds by the hundred thousand.
 *
 * Kept in the same transaction as every write to registrations, statement by statement through
 * transition tables (as event_versions is): a statement's changes are summed per tally row, rows
 * whose counts do not move are not written, and the rows are written in key order, so that two
 * bulk statements take their locks in the same order. The triggers (`registrations_tally_*`) fire
 * after `registrations_event_version_*` (one event's triggers fire in name order): every writer of
 * a tally row already holds its event's version row, so the lock waits for nothing more and the
 * registration rush stays as it was. A row whose counts fall to zero stays: every reader asks for
 * counts above zero. The counts carry no CHECK (>= 0): a change goes through the insert (ON
 * CONFLICT adds it), and an insert's row is checked before it meets the row it adds to.
 */
/** One registration's part in its tally row: +1 for the rows a statement leaves, -1 for those it takes away. */
const counted = (rows: string, sign: '' | '-') => `SELECT event_id, side,
  to_char(created_at AT TIME ZONE 'Asia/Hong_Kong', 'YYYY-MM') AS month, ${sign}1 AS n,
  ${sign}(status = 'confirmed')::int AS confirmed, ${sign}(checked_in_at IS NOT NULL)::int AS checked_in,
  ${sign}(confirm_by IS NULL)::int AS email_confirmed,
  ${sign}(status = 'waitlisted' AND confirm_by IS NULL)::int AS waitlisted FROM ${rows}`;
const CHANGES = {
  insert: counted('new_rows', ''),
  update: `${counted('new_rows', '')} UNION ALL ${counted('old_rows', '-')}`,
  delete: counted('old_rows', '-'),
};
/**
 * Registrations deleted with their event (ON DELETE CASCADE) may find its tally rows gone
 * already: only rows still there are counted down, and none is made.
 */
const DELETED_EVENTS = `WHERE EXISTS (SELECT 1 FROM registration_tallies x
  WHERE x.event_id = d.event_id AND x.side = d.side AND x.month = d.month)`;

const statements = [
  `CREATE TABLE registration_tallies (
    event_id integer NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    side text NOT NULL,
    month text NOT NULL,
    registrations integer NOT NULL DEFAULT 0,
    confirmed integer NOT NULL DEFAULT 0,
    checked_in integer NOT NULL DEFAULT 0,
    email_confirmed integer NOT NULL DEFAULT 0,
    waitlisted integer NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, side, month)
  ) WITH (fillfactor = 50)`,
  `INSERT INTO registration_tallies (event_id, side, month, registrations, confirmed, checked_in, email_confirmed, waitlisted)
    SELECT event_id, side, to_char(created_at AT TIME ZONE 'Asia/Hong_Kong', 'YYYY-MM'), count(*),
      count(*) FILTER (WHERE status = 'confirmed'), count(*) FILTER (WHERE checked_in_at IS NOT NULL),
      count(*) FILTER (WHERE confirm_by IS NULL), count(*) FILTER (WHERE status = 'waitlisted' AND confirm_by IS NULL)
    FROM registrations GROUP BY 1, 2, 3`,
  ...(['insert', 'update', 'delete'] as const).flatMap((op) => [
    `CREATE FUNCTION tally_registrations_${op}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO registration_tallies AS t
            (event_id, side, month, registrations, confirmed, checked_in, email_confirmed, waitlisted)
          SELECT d.event_id, d.side, d.month, sum(n), sum(confirmed), sum(checked_in), sum(email_confirmed), sum(waitlisted)
          FROM (${CHANGES[op]}) AS d
          ${op === 'delete' ? DELETED_EVENTS : ''}
          GROUP BY d.event_id, d.side, d.month
          HAVING sum(n) <> 0 OR sum(confirmed) <> 0 OR sum(checked_in) <> 0 OR sum(email_confirmed) <> 0 OR sum(waitlisted) <> 0
          ORDER BY d.event_id, d.side, d.month
        ON CONFLICT (event_id, side, month) DO UPDATE SET
          registrations = t.registrations + excluded.registrations,
          confirmed = t.confirmed + excluded.confirmed,
          checked_in = t.checked_in + excluded.checked_in,
          email_confirmed = t.email_confirmed + excluded.email_confirmed,
          waitlisted = t.waitlisted + excluded.waitlisted;
        RETURN NULL;
      END $$`,
    `CREATE TRIGGER registrations_tally_${op} AFTER ${op.toUpperCase()} ON registrations
      REFERENCING ${op === 'delete' ? '' : 'NEW TABLE AS new_rows'} ${op === 'insert' ? '' : 'OLD TABLE AS old_rows'}
      FOR EACH STATEMENT EXECUTE FUNCTION tally_registrations_${op}()`,
    // Cached public pages read the tallies: a change moves the event's page version, as a change to
    // its registrations does (the same row, already held by the statement that moved the tallies).
    `CREATE TRIGGER registration_tallies_event_version_${op} AFTER ${op.toUpperCase()} ON registration_tallies
      REFERENCING ${op === 'delete' ? '' : 'NEW TABLE AS new_rows'} ${op === 'insert' ? '' : 'OLD TABLE AS old_rows'}
      FOR EACH STATEMENT EXECUTE FUNCTION bump_event_version()`,
  ]),
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const op of ['insert', 'update', 'delete']) {
    await sql.raw(`DROP TRIGGER registration_tallies_event_version_${op} ON registration_tallies`).execute(db);
    await sql.raw(`DROP TRIGGER registrations_tally_${op} ON registrations`).execute(db);
    await sql.raw(`DROP FUNCTION tally_registrations_${op}()`).execute(db);
  }
  await sql`DROP TABLE registration_tallies`.execute(db);
}
