import { type Kysely, sql } from 'kysely';

/*
 * One tally of an event's registrations instead of two. registration_tallies (by event, side and
 * month: migrations/2026-12-05T07-00_registration-tallies.ts) takes over what event_tallies
 * counted per event (the events list, the event page, the check-in desk), and what the badges page
 * and the mailing form counted from the rows; organisers' pages sum an event's few rows. Each
 * column counts the registrations for which its condition holds:
 *
 * - `cancelled`; `waitlisted_pending`: on the waiting list with the address not yet confirmed (the
 *   desk and the events list count `waitlisted + waitlisted_pending`, every place on the list);
 * - `reachable`, `reachable_confirmed`, `reachable_checked_in`: those a mailing's audiences reach
 *   (address confirmed, and live, confirmed or checked in; `waitlisted` is the fourth);
 * - `badge_holders`, `badges_printed`: the confirmed people a badge is printed for (not erased),
 *   and of those the ones whose badge is printed.
 *
 * The triggers' functions are written again with the new columns (the same statement-level
 * triggers call them) and every row is counted again from the registrations, with writes to
 * registrations held off meanwhile, so an existing database starts exact. event_tallies goes, with
 * its triggers: a registration is tallied once.
 */

/** A tally column and the condition a registration meets to count in it. */
type Column = readonly [name: string, condition: string];

const KEPT: Column[] = [
  ['registrations', 'true'],
  ['confirmed', "status = 'confirmed'"],
  ['checked_in', 'checked_in_at IS NOT NULL'],
  ['email_confirmed', 'confirm_by IS NULL'],
  ['waitlisted', "status = 'waitlisted' AND confirm_by IS NULL"],
];
const ADDED: Column[] = [
  ['cancelled', "status = 'cancelled'"],
  ['waitlisted_pending', "status = 'waitlisted' AND confirm_by IS NOT NULL"],
  ['reachable', "status <> 'cancelled' AND confirm_by IS NULL"],
  ['reachable_confirmed', "status = 'confirmed' AND confirm_by IS NULL"],
  ['reachable_checked_in', 'checked_in_at IS NOT NULL AND confirm_by IS NULL'],
  ['badge_holders', "status = 'confirmed' AND erased_at IS NULL"],
  ['badges_printed', "status = 'confirmed' AND erased_at IS NULL AND badge_printed_at IS NOT NULL"],
];

const MONTH = "to_char(created_at AT TIME ZONE 'Asia/Hong_Kong', 'YYYY-MM')";

/** One registration's part in its tally row: +1 in each column it counts in, -1 for the rows a statement takes away. */
const counted = (columns: Column[], rows: string, sign: '' | '-') => `SELECT event_id, side, ${MONTH} AS month,
  ${columns.map(([name, condition]) => `${sign}(${condition})::int AS ${name}`).join(', ')} FROM ${rows}`;

/**
 * Registrations deleted with their event (ON DELETE CASCADE) may find its tally rows gone
 * already: only rows still there are counted down, and none is made.
 */
const DELETED_EVENTS = `WHERE EXISTS (SELECT 1 FROM registration_tallies x
  WHERE x.event_id = d.event_id AND x.side = d.side AND x.month = d.month)`;

/** The function of the trigger on `op`: a statement's changes summed per tally row, in key order, rows that do not move left alone. */
function tallyFunction(columns: Column[], op: 'insert' | 'update' | 'delete') {
  const names = columns.map(([name]) => name);
  const changes = {
    insert: counted(columns, 'new_rows', ''),
    update: `${counted(columns, 'new_rows', '')} UNION ALL ${counted(columns, 'old_rows', '-')}`,
    delete: counted(columns, 'old_rows', '-'),
  }[op];
  return `CREATE OR REPLACE FUNCTION tally_registrations_${op}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO registration_tallies AS t (event_id, side, month, ${names.join(', ')})
        SELECT d.event_id, d.side, d.month, ${names.map((n) => `sum(${n})`).join(', ')}
        FROM (${changes}) AS d
        ${op === 'delete' ? DELETED_EVENTS : ''}
        GROUP BY d.event_id, d.side, d.month
        HAVING ${names.map((n) => `sum(${n}) <> 0`).join(' OR ')}
        ORDER BY d.event_id, d.side, d.month
      ON CONFLICT (event_id, side, month) DO UPDATE SET ${names.map((n) => `${n} = t.${n} + excluded.${n}`).join(', ')};
      RETURN NULL;
    END $$`;
}

/** Every row counted again from the registrations (rows left without registrations are zero already, or set to zero). */
function recount(columns: Column[]) {
  const names = columns.map(([name]) => name);
  return [
    `UPDATE registration_tallies SET ${names.map((n) => `${n} = 0`).join(', ')}`,
    `INSERT INTO registration_tallies (event_id, side, month, ${names.join(', ')})
      SELECT event_id, side, ${MONTH}, ${columns.map(([, condition]) => `count(*) FILTER (WHERE ${condition})`).join(', ')}
      FROM registrations GROUP BY 1, 2, 3
      ON CONFLICT (event_id, side, month) DO UPDATE SET ${names.map((n) => `${n} = excluded.${n}`).join(', ')}`,
  ];
}

const OPS = ['insert', 'update', 'delete'] as const;
// Writes to registrations wait until the tally is counted again and its triggers count the new columns.
const HOLD_WRITES = 'LOCK TABLE registrations IN SHARE ROW EXCLUSIVE MODE';

export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    HOLD_WRITES,
    ...OPS.map((op) => `DROP TRIGGER registrations_status_tally_${op} ON registrations`),
    'DROP TRIGGER events_tally_row ON events',
    'DROP FUNCTION tally_event_statuses(), add_event_tally()',
    'DROP TABLE event_tallies',
    `ALTER TABLE registration_tallies ${ADDED.map(([name]) => `ADD COLUMN ${name} integer NOT NULL DEFAULT 0`).join(', ')}`,
    ...OPS.map((op) => tallyFunction([...KEPT, ...ADDED], op)),
    ...recount([...KEPT, ...ADDED]),
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

// Going back: event_tallies as migrations/2026-12-05T08-00_event-tallies.ts made it, counted from the registrations.
const applyStatuses = (rows: string) => `UPDATE event_tallies t SET confirmed = t.confirmed + d.confirmed,
    waitlisted = t.waitlisted + d.waitlisted, cancelled = t.cancelled + d.cancelled, checked_in = t.checked_in + d.checked_in
  FROM (SELECT event_id, sum(s * (status = 'confirmed')::int)::int AS confirmed, sum(s * (status = 'waitlisted')::int)::int AS waitlisted,
      sum(s * (status = 'cancelled')::int)::int AS cancelled, sum(s * (checked_in_at IS NOT NULL)::int)::int AS checked_in
    FROM (${rows}) x GROUP BY event_id) d
  WHERE t.event_id = d.event_id AND (d.confirmed, d.waitlisted, d.cancelled, d.checked_in) <> (0, 0, 0, 0);`;
const NEW_ROWS = 'SELECT event_id, status, checked_in_at, 1 AS s FROM new_rows';
const OLD_ROWS = 'SELECT event_id, status, checked_in_at, -1 AS s FROM old_rows';
const EVENT_TALLIES = [
  `CREATE TABLE event_tallies (
    event_id integer PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    confirmed integer NOT NULL DEFAULT 0,
    waitlisted integer NOT NULL DEFAULT 0,
    cancelled integer NOT NULL DEFAULT 0,
    checked_in integer NOT NULL DEFAULT 0
  ) WITH (fillfactor = 50)`,
  `INSERT INTO event_tallies (event_id, confirmed, waitlisted, cancelled, checked_in)
    SELECT e.id, count(r.id) FILTER (WHERE r.status = 'confirmed'), count(r.id) FILTER (WHERE r.status = 'waitlisted'),
      count(r.id) FILTER (WHERE r.status = 'cancelled'), count(r.id) FILTER (WHERE r.checked_in_at IS NOT NULL)
    FROM events e LEFT JOIN registrations r ON r.event_id = e.id GROUP BY e.id`,
  `CREATE FUNCTION add_event_tally() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO event_tallies (event_id) VALUES (NEW.id); RETURN NULL; END $$`,
  `CREATE FUNCTION tally_event_statuses() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        ${applyStatuses(NEW_ROWS)}
      ELSIF TG_OP = 'DELETE' THEN
        ${applyStatuses(OLD_ROWS)}
      ELSE
        ${applyStatuses(`${NEW_ROWS} UNION ALL ${OLD_ROWS}`)}
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
];

export async function down(db: Kysely<unknown>): Promise<void> {
  const statements = [
    HOLD_WRITES,
    ...OPS.map((op) => tallyFunction(KEPT, op)),
    `ALTER TABLE registration_tallies ${ADDED.map(([name]) => `DROP COLUMN ${name}`).join(', ')}`,
    ...EVENT_TALLIES,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}
