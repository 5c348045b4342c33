import { type Kysely, sql } from 'kysely';

// Email confirmation (double opt-in) for delegations, per programme, and for contest entries,
// per contest, as events have it for registrations. With programmes.confirm_email (or
// contests.confirm_email) on, a public delegation (entry) is pending until its contact confirms
// the address from the mailed link: it keeps its status ('proposed', 'submitted'), its seats in
// programmes.member_count and its reference, with confirm_by set. confirm_by is when it is
// released (withdrawn); it is null once confirmed and for every delegation or entry made without
// confirmation, and stays set on one released, so that "confirm_by IS NULL" is "counts in figures".
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE programmes ADD COLUMN confirm_email boolean NOT NULL DEFAULT false`.execute(db);
  await sql`ALTER TABLE contests ADD COLUMN confirm_email boolean NOT NULL DEFAULT false`.execute(db);
  await sql`ALTER TABLE delegations ADD COLUMN confirm_by timestamptz`.execute(db);
  await sql`ALTER TABLE entries ADD COLUMN confirm_by timestamptz`.execute(db);
  // The sweep looks for pending ones past their time, across all programmes and contests.
  await sql`CREATE INDEX delegations_confirm_by_idx ON delegations (confirm_by)
    WHERE confirm_by IS NOT NULL AND status <> 'withdrawn'`.execute(db);
  await sql`CREATE INDEX entries_confirm_by_idx ON entries (confirm_by)
    WHERE confirm_by IS NOT NULL AND status <> 'withdrawn'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX entries_confirm_by_idx`.execute(db);
  await sql`DROP INDEX delegations_confirm_by_idx`.execute(db);
  await sql`ALTER TABLE entries DROP COLUMN confirm_by`.execute(db);
  await sql`ALTER TABLE delegations DROP COLUMN confirm_by`.execute(db);
  await sql`ALTER TABLE contests DROP COLUMN confirm_email`.execute(db);
  await sql`ALTER TABLE programmes DROP COLUMN confirm_email`.execute(db);
}
