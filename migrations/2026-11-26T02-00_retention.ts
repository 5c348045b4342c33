import { type Kysely, sql } from 'kysely';

// How long participants' personal data is kept after a programme year: a number of months after
// the period ends, or a fixed date (one or the other, or neither: kept until someone sets it).
// `erased_at` marks the rows whose personal fields have been replaced, by the retention job or
// at the person's own request; the period's marker records when its data was first erased.
const statements = [
  `ALTER TABLE periods ADD COLUMN retention_months integer CHECK (retention_months BETWEEN 0 AND 120)`,
  `ALTER TABLE periods ADD COLUMN erase_personal_data_on date`,
  `ALTER TABLE periods ADD COLUMN personal_data_erased_at timestamptz`,
  `ALTER TABLE periods ADD CONSTRAINT periods_one_retention_rule
    CHECK (retention_months IS NULL OR erase_personal_data_on IS NULL)`,
  `ALTER TABLE registrations ADD COLUMN erased_at timestamptz`,
  `ALTER TABLE delegations ADD COLUMN erased_at timestamptz`,
  `ALTER TABLE delegation_members ADD COLUMN erased_at timestamptz`,
  `ALTER TABLE entries ADD COLUMN erased_at timestamptz`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('ALTER TABLE entries DROP COLUMN erased_at').execute(db);
  await sql.raw('ALTER TABLE delegation_members DROP COLUMN erased_at').execute(db);
  await sql.raw('ALTER TABLE delegations DROP COLUMN erased_at').execute(db);
  await sql.raw('ALTER TABLE registrations DROP COLUMN erased_at').execute(db);
  await sql.raw('ALTER TABLE periods DROP CONSTRAINT periods_one_retention_rule').execute(db);
  await sql.raw('ALTER TABLE periods DROP COLUMN personal_data_erased_at').execute(db);
  await sql.raw('ALTER TABLE periods DROP COLUMN erase_personal_data_on').execute(db);
  await sql.raw('ALTER TABLE periods DROP COLUMN retention_months').execute(db);
}
