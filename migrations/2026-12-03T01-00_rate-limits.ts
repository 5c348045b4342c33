import { type Kysely, sql } from 'kysely';

// Fixed-window counters for the rate limits on public forms (src/lib/rate-limit.ts): one row per
// key (a limit and who it counts: an address, or the hash of an email address) and window. In the
// database, so that every instance sharing it counts the same hits. Rows of past windows are
// deleted by the writes themselves, by window_start: hence its index.
const statements = [
  `CREATE TABLE rate_limits (
    key text NOT NULL,
    window_start timestamptz NOT NULL,
    count integer NOT NULL CHECK (count > 0),
    PRIMARY KEY (key, window_start)
  )`,
  `CREATE INDEX rate_limits_window_idx ON rate_limits (window_start)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TABLE rate_limits').execute(db);
}
