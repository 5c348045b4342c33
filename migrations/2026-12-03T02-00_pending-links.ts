import { type Kysely, sql } from 'kysely';

// A registration's second private link. Registering again with an address that is already
// registered must not cut the owner's link, so the new link emailed to the owner is kept here
// (as a hash) beside the working one; the first time it is opened it takes the working link's
// place. Looked up by the hash alone, hence the index; only a few rows ever have one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE registrations ADD COLUMN pending_token_hash text`.execute(db);
  await sql`CREATE UNIQUE INDEX registrations_pending_token_idx ON registrations (pending_token_hash)
    WHERE pending_token_hash IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX registrations_pending_token_idx`.execute(db);
  await sql`ALTER TABLE registrations DROP COLUMN pending_token_hash`.execute(db);
}
