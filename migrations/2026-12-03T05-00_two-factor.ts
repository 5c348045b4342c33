import { type Kysely, sql } from 'kysely';

// Two-factor sign-in with TOTP (RFC 6238).
//
// users.totp_secret is the confirmed base32 secret (the one offered on the enrolment page before
// it is confirmed is derived from the session, and not stored: reading the page writes nothing).
// Unlike a password, the secret is stored as it is, not hashed: checking a code means computing it from the secret, so the server must be
// able to read it. users.totp_last_step is the last time step a code was accepted for, so that
// each code works once (a code of a step at or before it is refused).
//
// recovery_codes: ten single-use codes per user, stored as sha256 hashes (they are random, so a
// fast hash is enough); a used code is deleted.
//
// login_challenges: the "half-signed-in" state between a correct password and the code. Only
// the hash of the cookie's token is kept; it is bound to the user and the address, and expires.
//
// sessions.auth_method: how a session was authenticated.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN totp_secret text`.execute(db);
  await sql`ALTER TABLE users ADD COLUMN totp_last_step integer`.execute(db);
  await sql`CREATE TABLE recovery_codes (
    id serial PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id)`.execute(db);
  await sql`CREATE TABLE login_challenges (
    id text PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ip text NOT NULL,
    next text,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE INDEX login_challenges_user_idx ON login_challenges (user_id)`.execute(db);
  await sql`ALTER TABLE sessions ADD COLUMN auth_method text NOT NULL DEFAULT 'password'
    CHECK (auth_method IN ('password', 'password+totp', 'password+recovery'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE sessions DROP COLUMN auth_method`.execute(db);
  await sql`DROP TABLE login_challenges`.execute(db);
  await sql`DROP TABLE recovery_codes`.execute(db);
  await sql`ALTER TABLE users DROP COLUMN totp_last_step`.execute(db);
  await sql`ALTER TABLE users DROP COLUMN totp_secret`.execute(db);
}
