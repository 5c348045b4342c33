import { type Kysely, sql } from 'kysely';

// The language an account's emails (invitation, password reset) are written in: chosen by the
// inviter, then the one its owner last switched the site to.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN language text NOT NULL DEFAULT 'en'
    CONSTRAINT users_language_check CHECK (language IN ('en', 'zh-Hant', 'zh-Hans'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users DROP COLUMN language`.execute(db);
}
