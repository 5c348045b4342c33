import { type Kysely, sql } from 'kysely';

// Private invitation links through which organisers let a leader register a delegation to a
// programme that takes no public registrations. Single-use; only the hash of the link is kept.
const statements = [
  `CREATE TABLE delegation_invitations (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id integer NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    token_hash text NOT NULL UNIQUE,
    created_by integer REFERENCES users(id),
    expires_at timestamptz NOT NULL,
    delegation_id integer REFERENCES delegations(id) ON DELETE SET NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX delegation_invitations_programme_idx ON delegation_invitations (programme_id, created_at)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TABLE delegation_invitations').execute(db);
}
