import { type Kysely, sql } from 'kysely';

// The organisations that host an exchange programme (item 20's was hosted jointly by three).
// Seeded from the item's parties; organisers change them on the programme form.
const statements = [
  `CREATE TABLE programme_hosts (
    programme_id integer NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    organisation_id integer NOT NULL REFERENCES organisations(id) ON DELETE RESTRICT,
    PRIMARY KEY (programme_id, organisation_id)
  )`,
  `INSERT INTO programme_hosts (programme_id, organisation_id)
    SELECT p.id, ip.organisation_id FROM programmes p JOIN item_parties ip ON ip.item_id = p.item_id`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TABLE programme_hosts').execute(db);
}
