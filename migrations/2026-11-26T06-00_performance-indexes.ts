import { type Kysely, sql } from 'kysely';

// Indexes for lookups the pages make that had none, found by the benchmarks in bench/ with
// 100 000 registrations in the database (docs/PERFORMANCE.md):
// - the organisers' event list counts each event's check-ins: with only (event_id, status, …)
//   that read every registration of every event (190 ms for the list); the partial index makes
//   it an index-only count (1 ms);
// - an event's page counts its registrations by status and check-in, and the summary by side:
//   the covering index answers both without reading the table;
// - a delegation member's registration is found (and unlinked when the member goes) by
//   delegation_member_id, which had no index: every such delete scanned all registrations.
const statements = [
  `CREATE INDEX registrations_checked_in_idx ON registrations (event_id) WHERE checked_in_at IS NOT NULL`,
  `CREATE INDEX registrations_event_counts_idx ON registrations (event_id) INCLUDE (status, side, checked_in_at)`,
  `CREATE INDEX registrations_delegation_member_idx ON registrations (delegation_member_id) WHERE delegation_member_id IS NOT NULL`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP INDEX registrations_delegation_member_idx').execute(db);
  await sql.raw('DROP INDEX registrations_event_counts_idx').execute(db);
  await sql.raw('DROP INDEX registrations_checked_in_idx').execute(db);
}
