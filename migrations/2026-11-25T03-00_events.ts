import { type Kysely, sql } from 'kysely';

// Messages an organiser sends to an event's registrants in one go, with the outbox messages
// they became, so that the page can show how far delivery has got.
const statements = [
  `CREATE TABLE event_mailings (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id integer NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    audience text NOT NULL CHECK (audience IN ('all', 'confirmed', 'attended', 'waitlisted')),
    subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    body text NOT NULL,
    message_ids jsonb NOT NULL DEFAULT '[]',
    created_by integer REFERENCES users(id),
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX event_mailings_event_idx ON event_mailings (event_id, id)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TABLE event_mailings').execute(db);
}
