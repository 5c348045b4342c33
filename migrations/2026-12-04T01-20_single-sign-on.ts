import { type Kysely, sql } from 'kysely';

// Single sign-on with OpenID Connect.
//
// oidc_identities: an identity at a provider (issuer and subject, which together name one person
// for good) linked to an existing account. Signing in never makes an account: the first sign-in
// links the identity to the account whose address the provider has verified, and later ones find
// the account by the identity.
//
// oidc_logins: one authorization request in flight, kept by the hash of a token in an HttpOnly
// cookie of the browser that started it: its state, nonce and PKCE verifier, used once. Linking
// an identity from the account page is also bound to the session that asked.
//
// login_challenges.first_factor: what the half-signed-in state began with (a password, or a
// provider), so that the session it ends in records it. sessions.auth_method gains the methods
// that begin with a provider.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE oidc_identities (
    id serial PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider text NOT NULL,
    issuer text NOT NULL,
    subject text NOT NULL,
    email text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    UNIQUE (issuer, subject)
  )`.execute(db);
  await sql`CREATE INDEX oidc_identities_user_idx ON oidc_identities (user_id)`.execute(db);
  await sql`CREATE TABLE oidc_logins (
    id text PRIMARY KEY,
    provider text NOT NULL,
    purpose text NOT NULL CHECK (purpose IN ('sign-in', 'link')),
    session_id text REFERENCES sessions (id) ON DELETE CASCADE,
    state text NOT NULL,
    nonce text NOT NULL,
    code_verifier text NOT NULL,
    next text,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((purpose = 'link') = (session_id IS NOT NULL))
  )`.execute(db);
  await sql`ALTER TABLE login_challenges ADD COLUMN first_factor text NOT NULL DEFAULT 'password'
    CHECK (first_factor IN ('password', 'oidc'))`.execute(db);
  await sql`ALTER TABLE sessions DROP CONSTRAINT sessions_auth_method_check`.execute(db);
  await sql`ALTER TABLE sessions ADD CONSTRAINT sessions_auth_method_check CHECK (auth_method IN
    ('password', 'password+totp', 'password+recovery', 'passkey', 'oidc', 'oidc+totp', 'oidc+recovery'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM sessions WHERE auth_method LIKE 'oidc%'`.execute(db);
  await sql`ALTER TABLE sessions DROP CONSTRAINT sessions_auth_method_check`.execute(db);
  await sql`ALTER TABLE sessions ADD CONSTRAINT sessions_auth_method_check
    CHECK (auth_method IN ('password', 'password+totp', 'password+recovery', 'passkey'))`.execute(db);
  await sql`ALTER TABLE login_challenges DROP COLUMN first_factor`.execute(db);
  await sql`DROP TABLE oidc_logins`.execute(db);
  await sql`DROP TABLE oidc_identities`.execute(db);
}
