import { type Kysely, sql } from 'kysely';

/*
 * A change counter per contest round, moved in the same transaction as every write its ranking is
 * computed from: the round itself (aggregation, tie-break), its criteria, the entries taking part,
 * the judges' sheets and their scores. The ranking of a round (every submitted sheet of up to a
 * thousand entries) is kept in memory under this counter and the content version (the entries'
 * own rows), so the organisers' round, ranking and awards pages recompute it only after a change,
 * on every instance alike (src/modules/scoring/queries.ts).
 *
 * Statement-level through transition tables, like the event versions: a bulk assignment moves
 * its round once. Narrow rows on half-empty pages, so their updates stay heap-only.
 */
const ROUND_TABLES = ['criteria', 'round_entries', 'assignments'] as const;

const bump = (rows: string) =>
  `UPDATE round_versions SET version = version + 1 WHERE round_id IN (SELECT DISTINCT round_id FROM ${rows});`;
const bumpByAssignment = (rows: string) =>
  `UPDATE round_versions SET version = version + 1
    WHERE round_id IN (SELECT DISTINCT a.round_id FROM assignments a JOIN ${rows} x ON x.assignment_id = a.id);`;

const bodies = (by: (rows: string) => string) => `BEGIN
    IF TG_OP = 'INSERT' THEN ${by('new_rows')}
    ELSIF TG_OP = 'DELETE' THEN ${by('old_rows')}
    ELSE ${by('new_rows')}
    END IF;
    RETURN NULL;
  END`;

const triggers = (table: string, fn: string) => [
  `CREATE TRIGGER ${table}_round_version_insert AFTER INSERT ON ${table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
  `CREATE TRIGGER ${table}_round_version_update AFTER UPDATE ON ${table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
  `CREATE TRIGGER ${table}_round_version_delete AFTER DELETE ON ${table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
];

const statements = [
  `CREATE TABLE round_versions (
    round_id integer PRIMARY KEY REFERENCES contest_rounds (id) ON DELETE CASCADE,
    version bigint NOT NULL DEFAULT 0
  ) WITH (fillfactor = 50)`,
  `INSERT INTO round_versions (round_id) SELECT id FROM contest_rounds`,
  `CREATE FUNCTION add_round_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO round_versions (round_id) VALUES (NEW.id); RETURN NULL; END $$`,
  `CREATE FUNCTION bump_own_round_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE round_versions SET version = version + 1 WHERE round_id = NEW.id; RETURN NULL; END $$`,
  `CREATE FUNCTION bump_round_version() RETURNS trigger LANGUAGE plpgsql AS $$ ${bodies(bump)} $$`,
  `CREATE FUNCTION bump_round_version_by_sheet() RETURNS trigger LANGUAGE plpgsql AS $$ ${bodies(bumpByAssignment)} $$`,
  `CREATE TRIGGER contest_rounds_version_row AFTER INSERT ON contest_rounds FOR EACH ROW EXECUTE FUNCTION add_round_version()`,
  `CREATE TRIGGER contest_rounds_version AFTER UPDATE ON contest_rounds FOR EACH ROW EXECUTE FUNCTION bump_own_round_version()`,
  ...ROUND_TABLES.flatMap((table) => triggers(table, 'bump_round_version')),
  ...triggers('scores', 'bump_round_version_by_sheet'),
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [...ROUND_TABLES, 'scores']) {
    for (const op of ['insert', 'update', 'delete']) await sql.raw(`DROP TRIGGER ${table}_round_version_${op} ON ${table}`).execute(db);
  }
  await sql.raw('DROP TRIGGER contest_rounds_version ON contest_rounds').execute(db);
  await sql.raw('DROP TRIGGER contest_rounds_version_row ON contest_rounds').execute(db);
  await sql.raw('DROP TABLE round_versions').execute(db);
  for (const fn of ['add_round_version', 'bump_own_round_version', 'bump_round_version', 'bump_round_version_by_sheet']) {
    await sql.raw(`DROP FUNCTION ${fn}()`).execute(db);
  }
}
