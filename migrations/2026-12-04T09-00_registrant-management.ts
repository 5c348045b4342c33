import { type Kysely, sql } from 'kysely';

/*
 * Organisers manage registrations (issue 18, items 1 and 2): a registration cancelled on the
 * person's behalf keeps the reason they were told; a confirmed one may be marked as a no-show;
 * one made by an import says which. An import is read, checked and previewed before anything is
 * registered: the checked rows wait in registration_imports until the organiser confirms them
 * (or a day passes), and are then registered all at once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE registration_imports (
    id uuid PRIMARY KEY,
    event_id integer NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id integer REFERENCES users (id) ON DELETE SET NULL,
    filename text NOT NULL CHECK (char_length(filename) <= 200),
    rows jsonb NOT NULL,
    notify boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz
  )`.execute(db);
  await sql`CREATE INDEX registration_imports_event_idx ON registration_imports (event_id, created_at)`.execute(db);
  await sql`ALTER TABLE registrations ADD COLUMN cancel_reason text CHECK (char_length(cancel_reason) <= 500)`.execute(db);
  await sql`ALTER TABLE registrations ADD COLUMN no_show_at timestamptz`.execute(db);
  await sql`ALTER TABLE registrations ADD COLUMN import_id uuid REFERENCES registration_imports (id) ON DELETE SET NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE registrations DROP COLUMN import_id`.execute(db);
  await sql`ALTER TABLE registrations DROP COLUMN no_show_at`.execute(db);
  await sql`ALTER TABLE registrations DROP COLUMN cancel_reason`.execute(db);
  await sql`DROP TABLE registration_imports`.execute(db);
}
