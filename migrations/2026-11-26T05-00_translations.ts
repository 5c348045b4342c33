import { type Kysely, sql } from 'kysely';

// Content in other languages: { "zh-Hant": { "title": "…", "narrative": "…" }, "zh-Hans": { … } }.
// English stays in the columns themselves; a language or field left out falls back (see src/lib/content.ts).
const TABLES = ['periods', 'items', 'events', 'programmes', 'contests', 'criteria', 'award_tiers'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    await sql.raw(`ALTER TABLE ${table} ADD COLUMN translations jsonb NOT NULL DEFAULT '{}'
      CHECK (jsonb_typeof(translations) = 'object')`).execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) await sql.raw(`ALTER TABLE ${table} DROP COLUMN translations`).execute(db);
}
