import { type Kysely, sql } from 'kysely';

// Passkeys (WebAuthn).
//
// passkeys: one row per credential a user registered, with the public key the authenticator
// made (base64url, as the transports are a comma-separated list: the same text from either driver)
// and its signature counter (a counter that goes backwards betrays a cloned authenticator).
// credential_id is the authenticator's id for it (base64url), unique across all users: signing
// in with a passkey names no account, the credential finds it.
//
// webauthn_challenges: the random challenge of one ceremony, used once (deleted when it is
// checked). Its id is the hash of a token kept in an HttpOnly cookie of the browser that asked;
// a registration or a confirmation (a signed-in user proving it is them again) is also bound to
// the session that asked, so that another session cannot finish it.
//
// sessions.auth_method gains 'passkey': a passkey with user verification is both factors.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE passkeys (
    id serial PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id text NOT NULL UNIQUE,
    public_key text NOT NULL,
    counter bigint NOT NULL DEFAULT 0,
    transports text NOT NULL DEFAULT '',
    device_type text NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
    backed_up boolean NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
  )`.execute(db);
  await sql`CREATE INDEX passkeys_user_idx ON passkeys (user_id)`.execute(db);
  await sql`CREATE TABLE webauthn_challenges (
    id text PRIMARY KEY,
    purpose text NOT NULL CHECK (purpose IN ('register', 'sign-in', 'confirm')),
    session_id text REFERENCES sessions (id) ON DELETE CASCADE,
    challenge text NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((purpose = 'sign-in') = (session_id IS NULL))
  )`.execute(db);
  await sql`CREATE INDEX webauthn_challenges_expires_idx ON webauthn_challenges (expires_at)`.execute(db);
  await sql`ALTER TABLE sessions DROP CONSTRAINT sessions_auth_method_check`.execute(db);
  await sql`ALTER TABLE sessions ADD CONSTRAINT sessions_auth_method_check
    CHECK (auth_method IN ('password', 'password+totp', 'password+recovery', 'passkey'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM sessions WHERE auth_method = 'passkey'`.execute(db);
  await sql`ALTER TABLE sessions DROP CONSTRAINT sessions_auth_method_check`.execute(db);
  await sql`ALTER TABLE sessions ADD CONSTRAINT sessions_auth_method_check
    CHECK (auth_method IN ('password', 'password+totp', 'password+recovery'))`.execute(db);
  await sql`DROP TABLE webauthn_challenges`.execute(db);
  await sql`DROP TABLE passkeys`.execute(db);
}
