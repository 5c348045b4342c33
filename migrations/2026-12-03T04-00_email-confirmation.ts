import { type Kysely, sql } from 'kysely';

// Email confirmation (double opt-in), per event. With events.confirm_email on, a public
// registration is pending until its owner confirms the address from the mailed link: it holds
// its seat as status 'unconfirmed' (counted in confirmed_count, never in public figures), or its
// place on the waiting list as 'waitlisted' with confirm_by set. confirm_by is when an
// unconfirmed registration is released; it is null once confirmed and for every registration
// made without confirmation, and stays set on one released (cancelled) unconfirmed, so that
// "confirm_by IS NULL" is "counts in figures".
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE events ADD COLUMN confirm_email boolean NOT NULL DEFAULT false`.execute(db);
  await sql`ALTER TABLE registrations ADD COLUMN confirm_by timestamptz`.execute(db);
  await sql`ALTER TABLE registrations DROP CONSTRAINT registrations_status_check`.execute(db);
  await sql`ALTER TABLE registrations ADD CONSTRAINT registrations_status_check
    CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'unconfirmed'))`.execute(db);
  await sql`ALTER TABLE registrations ADD CONSTRAINT registrations_confirm_by_check
    CHECK ((status = 'unconfirmed') <= (confirm_by IS NOT NULL))`.execute(db);
  // The sweep looks for pending registrations past their time, across all events.
  await sql`CREATE INDEX registrations_confirm_by_idx ON registrations (confirm_by)
    WHERE confirm_by IS NOT NULL AND status <> 'cancelled'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX registrations_confirm_by_idx`.execute(db);
  await sql`ALTER TABLE registrations DROP CONSTRAINT registrations_confirm_by_check`.execute(db);
  await sql`DELETE FROM registrations WHERE status = 'unconfirmed'`.execute(db);
  await sql`ALTER TABLE registrations DROP CONSTRAINT registrations_status_check`.execute(db);
  await sql`ALTER TABLE registrations ADD CONSTRAINT registrations_status_check
    CHECK (status IN ('confirmed', 'waitlisted', 'cancelled'))`.execute(db);
  await sql`ALTER TABLE registrations DROP COLUMN confirm_by`.execute(db);
  await sql`ALTER TABLE events DROP COLUMN confirm_email`.execute(db);
}
