import { type Kysely, sql } from 'kysely';

/*
 * Mail to every audience (issue 18, item 8). An organiser's message to the people of an event, a
 * programme (its delegations' leaders and members) or a contest (its entrants or its judges) is a
 * mailing: the event's own table becomes one table for the three, each row naming exactly one of
 * them, with the audience, the filters it was sent with, the outbox messages it became (for the
 * progress display) and how many addresses were skipped because they had opted out.
 *
 * Every message of a mailing carries an unsubscribe link of its own (RFC 2369 / RFC 8058): the
 * link's token is kept only as its hash, beside the address and the list it unsubscribes from.
 * An opt-out is an address and a list: one programme, event or contest, or (owner_id null) every
 * mailing of that kind. The outbox keeps the List-Unsubscribe address of a message until it is sent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE mailings (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id integer REFERENCES events (id) ON DELETE CASCADE,
    programme_id integer REFERENCES programmes (id) ON DELETE CASCADE,
    contest_id integer REFERENCES contests (id) ON DELETE CASCADE,
    audience text NOT NULL
      CHECK (audience IN ('all', 'confirmed', 'attended', 'waitlisted', 'leaders', 'delegations', 'entrants', 'judges')),
    filters jsonb NOT NULL DEFAULT '{}',
    subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    body text NOT NULL,
    message_ids jsonb NOT NULL DEFAULT '[]',
    skipped integer NOT NULL DEFAULT 0,
    created_by integer REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(event_id, programme_id, contest_id) = 1)
  )`.execute(db);
  await sql`CREATE INDEX mailings_event_idx ON mailings (event_id, id) WHERE event_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX mailings_programme_idx ON mailings (programme_id, id) WHERE programme_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX mailings_contest_idx ON mailings (contest_id, id) WHERE contest_id IS NOT NULL`.execute(db);
  await sql`INSERT INTO mailings (event_id, audience, subject, body, message_ids, created_by, created_at)
    SELECT event_id, audience, subject, body, message_ids, created_by, created_at FROM event_mailings ORDER BY id`.execute(db);
  await sql`DROP TABLE event_mailings`.execute(db);

  await sql`CREATE TABLE mail_opt_outs (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    list_kind text NOT NULL CHECK (list_kind IN ('event', 'programme', 'contest')),
    owner_id integer,
    created_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE UNIQUE INDEX mail_opt_outs_list_idx ON mail_opt_outs (email, list_kind, coalesce(owner_id, 0))`.execute(db);

  await sql`CREATE TABLE mail_unsubscribe_links (
    token_hash text PRIMARY KEY,
    mailing_id integer NOT NULL REFERENCES mailings (id) ON DELETE CASCADE,
    email text NOT NULL,
    list_kind text NOT NULL CHECK (list_kind IN ('event', 'programme', 'contest')),
    owner_id integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE INDEX mail_unsubscribe_links_mailing_idx ON mail_unsubscribe_links (mailing_id)`.execute(db);

  await sql`ALTER TABLE mail_outbox ADD COLUMN list_unsubscribe text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE mail_outbox DROP COLUMN list_unsubscribe`.execute(db);
  await sql`DROP TABLE mail_unsubscribe_links`.execute(db);
  await sql`DROP TABLE mail_opt_outs`.execute(db);
  await sql`CREATE TABLE event_mailings (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id integer NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    audience text NOT NULL CHECK (audience IN ('all', 'confirmed', 'attended', 'waitlisted')),
    subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    body text NOT NULL,
    message_ids jsonb NOT NULL DEFAULT '[]',
    created_by integer REFERENCES users(id),
    created_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE INDEX event_mailings_event_idx ON event_mailings (event_id, id)`.execute(db);
  await sql`INSERT INTO event_mailings (event_id, audience, subject, body, message_ids, created_by, created_at)
    SELECT event_id, audience, subject, body, message_ids, created_by, created_at FROM mailings WHERE event_id IS NOT NULL ORDER BY id`
    .execute(db);
  await sql`DROP TABLE mailings`.execute(db);
}
