import { type Kysely, sql } from 'kysely';

// Login throttling shared by every app instance, and the item a message or an audit entry
// belongs to (so that organisers see the mail and the history of their own items).
const statements = [
  `CREATE TABLE login_throttle (
    key text PRIMARY KEY,
    failures integer NOT NULL DEFAULT 0,
    last_failed_at timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz
  )`,
  `ALTER TABLE mail_outbox ADD COLUMN item_id integer REFERENCES items(id) ON DELETE SET NULL`,
  `CREATE INDEX mail_outbox_item_idx ON mail_outbox (item_id, created_at)`,
  `ALTER TABLE audit_log ADD COLUMN item_id integer REFERENCES items(id) ON DELETE SET NULL`,
  `CREATE INDEX audit_log_item_idx ON audit_log (item_id, id)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('ALTER TABLE audit_log DROP COLUMN item_id').execute(db);
  await sql.raw('ALTER TABLE mail_outbox DROP COLUMN item_id').execute(db);
  await sql.raw('DROP TABLE login_throttle').execute(db);
}
