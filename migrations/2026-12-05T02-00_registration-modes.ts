import { type Kysely, sql } from 'kysely';

/*
 * Registration modes, per event (issue 18, item 3): 'open' (anyone registers), 'approval' (a
 * registration waits, as status 'awaiting', until an organiser approves or declines it; waiting
 * holds no place) and 'invitation' (only the people invited register, each through a personal
 * single-use link). A declined registration is cancelled with declined_at set. Invitations keep
 * only the hash of their link's token. Reminders go out in rounds: the event counts its rounds
 * and each invitation remembers the last round it was reminded in, so nobody is reminded twice in one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE events ADD COLUMN registration_mode text NOT NULL DEFAULT 'open'
    CHECK (registration_mode IN ('open', 'approval', 'invitation'))`.execute(db);
  await sql`ALTER TABLE events ADD COLUMN invitation_round integer NOT NULL DEFAULT 0 CHECK (invitation_round >= 0)`.execute(db);
  await sql`ALTER TABLE events ADD COLUMN invitation_round_at timestamptz`.execute(db);
  await sql`ALTER TABLE registrations DROP CONSTRAINT registrations_status_check`.execute(db);
  await sql`ALTER TABLE registrations ADD CONSTRAINT registrations_status_check
    CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'unconfirmed', 'awaiting'))`.execute(db);
  await sql`ALTER TABLE registrations ADD COLUMN declined_at timestamptz`.execute(db);
  await sql`ALTER TABLE registrations ADD CONSTRAINT registrations_declined_check
    CHECK (declined_at IS NULL OR status = 'cancelled')`.execute(db);
  await sql`CREATE TABLE event_invitations (
    id serial PRIMARY KEY,
    event_id integer NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (char_length(name) <= 200),
    email text NOT NULL CHECK (email = lower(email) AND char_length(email) <= 254),
    organisation text NOT NULL DEFAULT '' CHECK (char_length(organisation) <= 200),
    side text NOT NULL CHECK (side IN ('GD', 'HK', 'MO', 'CN', 'OTHER')),
    language text NOT NULL DEFAULT 'en',
    token_hash text NOT NULL UNIQUE,
    status text NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'opened', 'registered', 'declined')),
    registration_id integer REFERENCES registrations (id) ON DELETE SET NULL,
    import_id uuid REFERENCES registration_imports (id) ON DELETE SET NULL,
    invited_by integer REFERENCES users (id) ON DELETE SET NULL,
    reminded_round integer NOT NULL DEFAULT 0,
    reminded_at timestamptz,
    opened_at timestamptz,
    answered_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, email)
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE event_invitations`.execute(db);
  await sql`ALTER TABLE registrations DROP CONSTRAINT registrations_declined_check`.execute(db);
  await sql`ALTER TABLE registrations DROP COLUMN declined_at`.execute(db);
  await sql`UPDATE registrations SET status = 'cancelled', cancelled_at = now() WHERE status = 'awaiting'`.execute(db);
  await sql`ALTER TABLE registrations DROP CONSTRAINT registrations_status_check`.execute(db);
  await sql`ALTER TABLE registrations ADD CONSTRAINT registrations_status_check
    CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'unconfirmed'))`.execute(db);
  await sql`ALTER TABLE events DROP COLUMN invitation_round_at`.execute(db);
  await sql`ALTER TABLE events DROP COLUMN invitation_round`.execute(db);
  await sql`ALTER TABLE events DROP COLUMN registration_mode`.execute(db);
}
