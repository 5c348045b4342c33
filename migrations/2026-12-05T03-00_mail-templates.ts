import { type Kysely, sql } from 'kysely';

/*
 * Email templates (issue 18, item 4): an organiser's own subject and body for one kind of
 * message about one event, programme or contest, in one language. Without a row the catalogue's
 * default is sent; Simplified Chinese without a row of its own is derived from the Traditional.
 * Exactly one owner per row; one row per owner, kind and language. No public page shows them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE mail_templates (
    id serial PRIMARY KEY,
    event_id integer REFERENCES events (id) ON DELETE CASCADE,
    programme_id integer REFERENCES programmes (id) ON DELETE CASCADE,
    contest_id integer REFERENCES contests (id) ON DELETE CASCADE,
    kind text NOT NULL,
    language text NOT NULL CHECK (language IN ('en', 'zh-Hant', 'zh-Hans')),
    subject text NOT NULL,
    body text NOT NULL,
    updated_by integer REFERENCES users (id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mail_templates_one_owner CHECK (num_nonnulls(event_id, programme_id, contest_id) = 1)
  )`.execute(db);
  await sql`CREATE UNIQUE INDEX mail_templates_event_idx ON mail_templates (event_id, kind, language) WHERE event_id IS NOT NULL`
    .execute(db);
  await sql`CREATE UNIQUE INDEX mail_templates_programme_idx ON mail_templates (programme_id, kind, language)
    WHERE programme_id IS NOT NULL`.execute(db);
  await sql`CREATE UNIQUE INDEX mail_templates_contest_idx ON mail_templates (contest_id, kind, language) WHERE contest_id IS NOT NULL`
    .execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE mail_templates`.execute(db);
}
