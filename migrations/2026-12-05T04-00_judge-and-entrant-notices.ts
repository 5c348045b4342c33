import { type Kysely, sql } from 'kysely';

// Judges and entrants kept informed. A round may have a closing time, which judges see on their
// page; judges with unfinished sheets are reminded reminder_hours before it (0: not reminded).
// Each judge's mail about their assignments in a round is recorded with the number of
// assignments it covered, so that assigning again (or in bulk after one by one) mails a judge
// once, and again only when entries were added to their list.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE contest_rounds ADD COLUMN closes_at timestamptz`.execute(db);
  await sql`ALTER TABLE contest_rounds ADD COLUMN reminder_hours integer NOT NULL DEFAULT 48
    CHECK (reminder_hours BETWEEN 0 AND 720)`.execute(db);
  await sql`CREATE TABLE round_judge_notices (
    round_id integer NOT NULL REFERENCES contest_rounds(id) ON DELETE CASCADE,
    judge_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    assignments_mailed integer NOT NULL DEFAULT 0 CHECK (assignments_mailed >= 0),
    assigned_mailed_at timestamptz NOT NULL DEFAULT now(),
    reminded_at timestamptz,
    PRIMARY KEY (round_id, judge_id)
  )`.execute(db);
  await sql`CREATE INDEX round_judge_notices_judge_idx ON round_judge_notices (judge_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE round_judge_notices`.execute(db);
  await sql`ALTER TABLE contest_rounds DROP COLUMN reminder_hours`.execute(db);
  await sql`ALTER TABLE contest_rounds DROP COLUMN closes_at`.execute(db);
}
