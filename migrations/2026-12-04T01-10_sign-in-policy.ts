import { type Kysely, sql } from 'kysely';

// The sign-in policy and recent confirmations.
//
// sign_in_policy: one row, set by administrators: whether organisers and whether judges must have
// a second factor (an authenticator app or a passkey). Someone it covers who has none is led
// through enrolment at their next sign-in and reaches nothing else until enrolled.
//
// sessions.confirmed_at: when the person behind the session last proved it with a password or a
// passkey (at sign-in, or again on the confirmation page). Exporting personal data, erasing it,
// and changing one's factors ask for a confirmation younger than 15 minutes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE sign_in_policy (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    second_factor_organisers boolean NOT NULL DEFAULT false,
    second_factor_judges boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by integer REFERENCES users (id) ON DELETE SET NULL
  )`.execute(db);
  await sql`INSERT INTO sign_in_policy (id) VALUES (true)`.execute(db);
  await sql`ALTER TABLE sessions ADD COLUMN confirmed_at timestamptz NOT NULL DEFAULT now()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE sessions DROP COLUMN confirmed_at`.execute(db);
  await sql`DROP TABLE sign_in_policy`.execute(db);
}
