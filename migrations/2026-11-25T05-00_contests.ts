import { type Kysely, sql } from 'kysely';

// What judging needs beyond the domain schema: a comment beside each criterion's score (kept
// even before a score is given, so a draft loses nothing), each round's tie-break rule, and
// whether its judges may see each other's scores once it is closed.
const statements = [
  `ALTER TABLE scores ADD COLUMN comment text NOT NULL DEFAULT '' CHECK (length(comment) <= 4000)`,
  `ALTER TABLE scores ALTER COLUMN score DROP NOT NULL`,
  `ALTER TABLE contest_rounds ADD COLUMN tie_break text NOT NULL DEFAULT 'criteria'
    CHECK (tie_break IN ('criteria', 'consensus', 'earliest'))`,
  `ALTER TABLE contest_rounds ADD COLUMN scores_open_to_judges boolean NOT NULL DEFAULT false`,
  `CREATE INDEX assignments_round_entry_idx ON assignments (round_id, entry_id)`,
  `CREATE INDEX entry_attachments_entry_idx ON entry_attachments (entry_id)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP INDEX entry_attachments_entry_idx').execute(db);
  await sql.raw('DROP INDEX assignments_round_entry_idx').execute(db);
  await sql.raw('ALTER TABLE contest_rounds DROP COLUMN scores_open_to_judges').execute(db);
  await sql.raw('ALTER TABLE contest_rounds DROP COLUMN tie_break').execute(db);
  await sql.raw('DELETE FROM scores WHERE score IS NULL').execute(db);
  await sql.raw('ALTER TABLE scores ALTER COLUMN score SET NOT NULL').execute(db);
  await sql.raw('ALTER TABLE scores DROP COLUMN comment').execute(db);
}
