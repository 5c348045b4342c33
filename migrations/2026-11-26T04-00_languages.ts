import { type Kysely, sql } from 'kysely';

// The language a registration, a delegation and a contest entry were made in: every email about
// them is written in it. The column came with the tables; here it is limited to the site's languages.
const TABLES = ['registrations', 'delegations', 'entries'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    await sql.raw(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS language text NOT NULL DEFAULT 'en'`).execute(db);
    await sql.raw(`UPDATE ${table} SET language = 'en' WHERE language NOT IN ('en', 'zh-Hant', 'zh-Hans')`).execute(db);
    await sql.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_language_check CHECK (language IN ('en', 'zh-Hant', 'zh-Hans'))`)
      .execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) await sql.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_language_check`).execute(db);
}
