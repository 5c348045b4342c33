import { type Kysely, sql } from 'kysely';

// An attachment's anonymised copy, made once at upload in a worker thread (src/lib/pdf-files.ts,
// cleanPdf) and served to the judges of a blind contest. Null for files stored before this
// migration: those are cleaned when a blind judge opens them, in the worker too.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE entry_attachments ADD COLUMN clean_storage_key text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE entry_attachments DROP COLUMN clean_storage_key`.execute(db);
}
