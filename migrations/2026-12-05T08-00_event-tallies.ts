import { type Kysely, sql } from 'kysely';

/*
 * The counts of an event's registrations that organisers' pages show (the events list, the event
 * page, the check-in desk and its polled counts), kept by triggers in the same transaction as
 * every write to `registrations`, so that a page reads one row instead of counting an event's
 * registrations (a hundred thousand for the largest seminar).
 *
 * - `confirmed`, `waitlisted`, `cancelled`: registrations with that status (a place on the
 *   waiting list whose address is not yet confirmed included, as the desk has always counted);
 * - `checked_in`: registrations with `checked_in_at` set, whatever their status.
 *
 * Statement-level, through transition tables, like the event versions: a bulk insert or update
 * moves each event's row once. The triggers (`registrations_status_tally_*`) fire after
 * `registrations_event_version_*` (triggers of one event fire in name order), so a write takes its
 * event's version row first and this row second; since every writer of this row already holds
 * the version row, its lock waits for nothing and cannot close a cycle of waits (the registration
 * rush stays as it was).
 *
 * With two indexes for organisers' and judges' pages of the same kind: a judge's sheets by round
 * (the judge's page shows the contests still going, not ten years of them), and an event's seated
 * registrations by name (the check-in desk lists the first fifty).
 */
const COUNTS = `count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed,
  count(*) FILTER (WHERE status = 'waitlisted')::int AS waitlisted,
  count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
  count(*) FILTER (WHERE checked_in_at IS NOT NULL)::int AS checked_in`;

const DELTAS = `sum(s * (status = 'confirmed')::int)::int AS confirmed,
  sum(s * (status = 'waitlisted')::int)::int AS waitlisted,
  sum(s * (status = 'cancelled')::int)::int AS cancelled,
  sum(s * (checked_in_at IS NOT NULL)::int)::int AS checked_in`;

const apply = (rows: string) => `UPDATE event_tallies t SET confirmed = t.confirmed + d.confirmed,
    waitlisted = t.waitlisted + d.waitlisted, cancelled = t.cancelled + d.cancelled, checked_in = t.checked_in + d.checked_in
  FROM (SELECT event_id, ${DELTAS} FROM (${rows}) x GROUP BY event_id) d
  WHERE t.event_id = d.event_id AND (d.confirmed, d.waitlisted, d.cancelled, d.checked_in) <> (0, 0, 0, 0);`;

const NEW_ROWS = 'SELECT event_id, status, checked_in_at, 1 AS s FROM new_rows';
const OLD_ROWS = 'SELECT event_id, status, checked_in_at, -1 AS s FROM old_rows';

const statements = [
  `CREATE TABLE event_tallies (
    event_id integer PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    confirmed integer NOT NULL DEFAULT 0,
    waitlisted integer NOT NULL DEFAULT 0,
    cancelled integer NOT NULL DEFAULT 0,
    checked_in integer NOT NULL DEFAULT 0
  ) WITH (fillfactor = 50)`,
  `INSERT INTO event_tallies (event_id, confirmed, waitlisted, cancelled, checked_in)
    SELECT e.id, coalesce(r.confirmed, 0), coalesce(r.waitlisted, 0), coalesce(r.cancelled, 0), coalesce(r.checked_in, 0)
    FROM events e LEFT JOIN (SELECT event_id, ${COUNTS} FROM registrations GROUP BY event_id) r ON r.event_id = e.id`,
  `CREATE FUNCTION add_event_tally() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO event_tallies (event_id) VALUES (NEW.id); RETURN NULL; END $$`,
  `CREATE FUNCTION tally_event_statuses() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        ${apply(NEW_ROWS)}
      ELSIF TG_OP = 'DELETE' THEN
        ${apply(OLD_ROWS)}
      ELSE
        ${apply(`${NEW_ROWS} UNION ALL ${OLD_ROWS}`)}
      END IF;
      RETURN NULL;
    END $$`,
  'CREATE TRIGGER events_tally_row AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION add_event_tally()',
  `CREATE TRIGGER registrations_status_tally_insert AFTER INSERT ON registrations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_event_statuses()`,
  `CREATE TRIGGER registrations_status_tally_update AFTER UPDATE ON registrations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_event_statuses()`,
  `CREATE TRIGGER registrations_status_tally_delete AFTER DELETE ON registrations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_event_statuses()`,
  // A judge's sheets in the rounds still going, found round by round rather than among all the judge's years.
  'CREATE INDEX assignments_judge_round_idx ON assignments (judge_id, round_id)',
  'DROP INDEX assignments_judge_idx',
  // The desk's list (and badges, the sign-in sheet) in name order, the first fifty read off the index, not sorted from all.
  `CREATE INDEX registrations_desk_idx ON registrations (event_id, name, id) WHERE status IN ('confirmed', 'unconfirmed')`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX registrations_desk_idx`.execute(db);
  await sql`CREATE INDEX assignments_judge_idx ON assignments (judge_id)`.execute(db);
  await sql`DROP INDEX assignments_judge_round_idx`.execute(db);
  for (const op of ['insert', 'update', 'delete']) {
    await sql.raw(`DROP TRIGGER registrations_status_tally_${op} ON registrations`).execute(db);
  }
  await sql`DROP TRIGGER events_tally_row ON events`.execute(db);
  await sql`DROP FUNCTION tally_event_statuses(), add_event_tally()`.execute(db);
  await sql`DROP TABLE event_tallies`.execute(db);
}
