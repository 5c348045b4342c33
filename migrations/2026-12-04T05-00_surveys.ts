import { type Kysely, sql } from 'kysely';

/*
 * Surveys after an event (issue 17, item 5). One survey per event, built by its organisers; it is
 * sent, once the event has ended, to each person who was checked in, and answered through a
 * private link (only the link's hash is kept).
 *
 * - surveys: keyed by the event; `open` surveys are sent, `draft` ones are being written.
 * - survey_questions: ordered questions (rating 1–5, single or multiple choice, free text), with
 *   their Chinese texts in `translations` like any content.
 * - survey_responses: one row per registration, made when its invitation is queued. The UNIQUE
 *   constraint on registration_id is what keeps two instances from inviting anyone twice. The
 *   registration may later be deleted by its owner: the answers stay, anonymous.
 * - survey_answers: a response's answers, written when it is submitted; `choices` holds the
 *   indexes of the options chosen.
 *
 * Every table carries event_id, so that the page-version trigger of events
 * (migrations/2026-11-26T07-00_page-versions.ts) moves the event's counter on every change: the
 * Summary's narratives quote survey figures, and its cached pages must not go stale.
 */
const TABLES = ['surveys', 'survey_questions', 'survey_responses', 'survey_answers'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE surveys (
    event_id integer PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open')),
    intro text NOT NULL DEFAULT '',
    translations jsonb NOT NULL DEFAULT '{}',
    closes_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE TABLE survey_questions (
    id serial PRIMARY KEY,
    event_id integer NOT NULL REFERENCES surveys (event_id) ON DELETE CASCADE,
    position integer NOT NULL CHECK (position > 0),
    kind text NOT NULL CHECK (kind IN ('rating', 'single', 'multiple', 'text')),
    prompt text NOT NULL,
    options jsonb NOT NULL DEFAULT '[]',
    required boolean NOT NULL DEFAULT false,
    translations jsonb NOT NULL DEFAULT '{}',
    CONSTRAINT survey_questions_position UNIQUE (event_id, position) DEFERRABLE INITIALLY DEFERRED
  )`.execute(db);
  await sql`CREATE TABLE survey_responses (
    id serial PRIMARY KEY,
    event_id integer NOT NULL REFERENCES surveys (event_id) ON DELETE CASCADE,
    registration_id integer UNIQUE REFERENCES registrations (id) ON DELETE SET NULL,
    token_hash text NOT NULL UNIQUE,
    language text NOT NULL DEFAULT 'en',
    invited_at timestamptz NOT NULL DEFAULT now(),
    submitted_at timestamptz,
    updated_at timestamptz
  )`.execute(db);
  await sql`CREATE INDEX survey_responses_event_idx ON survey_responses (event_id)`.execute(db);
  await sql`CREATE TABLE survey_answers (
    response_id integer NOT NULL REFERENCES survey_responses (id) ON DELETE CASCADE,
    question_id integer NOT NULL REFERENCES survey_questions (id) ON DELETE CASCADE,
    event_id integer NOT NULL REFERENCES surveys (event_id) ON DELETE CASCADE,
    rating smallint CHECK (rating BETWEEN 1 AND 5),
    choices jsonb,
    text text,
    PRIMARY KEY (response_id, question_id)
  )`.execute(db);
  await sql`CREATE INDEX survey_answers_question_idx ON survey_answers (question_id)`.execute(db);
  await sql`CREATE INDEX survey_answers_event_idx ON survey_answers (event_id)`.execute(db);
  for (const table of TABLES) {
    await sql.raw(`CREATE TRIGGER ${table}_event_version_insert AFTER INSERT ON ${table}
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_event_version()`).execute(db);
    await sql.raw(`CREATE TRIGGER ${table}_event_version_update AFTER UPDATE ON ${table}
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_event_version()`).execute(db);
    await sql.raw(`CREATE TRIGGER ${table}_event_version_delete AFTER DELETE ON ${table}
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_event_version()`).execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [...TABLES].reverse()) await sql.raw(`DROP TABLE ${table}`).execute(db);
}
