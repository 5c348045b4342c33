import { type Kysely, sql } from 'kysely';

// Publishing a year freezes the joint summary of every organisation's items, so it is not any
// organiser's to do: an admin does it, or the organisation an admin names as the year's publisher
// (the programme's secretariat). Nobody else, whatever items their organisation is party to.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE periods ADD COLUMN publisher_organisation_id integer REFERENCES organisations (id) ON DELETE SET NULL`
    .execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE periods DROP COLUMN publisher_organisation_id`.execute(db);
}
