import { type Kysely, sql } from 'kysely';

// Published editions of a period's summary, frozen as rendered; and the link from an item to
// the item it continues in the previous period, so that figures can be compared year to year.
const statements = [
  `CREATE TABLE summary_editions (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period_id integer NOT NULL REFERENCES periods(id) ON DELETE CASCADE,
    published_at timestamptz NOT NULL DEFAULT now(),
    published_by integer REFERENCES users(id),
    text_body text NOT NULL,
    content jsonb NOT NULL
  )`,
  `CREATE INDEX summary_editions_period_idx ON summary_editions (period_id, published_at DESC)`,
  `ALTER TABLE items ADD COLUMN continues_item_id integer REFERENCES items(id) ON DELETE SET NULL`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('ALTER TABLE items DROP COLUMN continues_item_id').execute(db);
  await sql.raw('DROP TABLE summary_editions').execute(db);
}
