import { type Kysely, sql } from 'kysely';

/*
 * Change counters for the cache of rendered public pages (src/lib/page-cache.ts). A cached page
 * is served only while the counters it was rendered under are unchanged, and every write that
 * could change what a public page shows moves one of them in the same transaction — so the
 * check is exact on every server sharing the database, whichever code path wrote.
 *
 * - `event_versions.version`, one row per event: moves with every change to the event's row
 *   and to its registrations (sign-ups, cancellations, check-ins) and questions. Statement-level,
 *   through transition tables, so that a bulk insert moves each event once. A table of its own,
 *   narrow and half-empty pages, so that its updates stay heap-only and a sum over all events
 *   (the summary's version) reads a page or two even after a rush of thousands of updates, where
 *   the wide rows of `events` would have left megabytes of dead versions to scan. A registration
 *   already holds its event's seat counter, so the extra row lock waits for nothing.
 * - `content_version.n`: one counter for everything else a public page shows — years, items,
 *   parties, figures, programmes, delegations, contests and their results, published editions —
 *   and for events appearing or disappearing. Moved at commit (a deferred trigger), so that this
 *   one row is always the last lock a transaction takes: it cannot close a cycle of waits.
 */
const CONTENT_TABLES = [
  'organisations', 'periods', 'items', 'item_parties', 'figures', 'programmes', 'programme_hosts',
  'delegations', 'delegation_members', 'delegation_visits', 'contests', 'contest_categories',
  'contest_rounds', 'criteria', 'entries', 'award_tiers', 'award_grants', 'summary_editions',
] as const;
const EVENT_TABLES = ['registrations', 'event_questions'] as const;

const statements = [
  `CREATE TABLE event_versions (
    event_id integer PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    version bigint NOT NULL DEFAULT 0
  ) WITH (fillfactor = 50)`,
  `INSERT INTO event_versions (event_id) SELECT id FROM events`,
  `CREATE TABLE content_version (id boolean PRIMARY KEY DEFAULT true CHECK (id), n bigint NOT NULL DEFAULT 0)`,
  `INSERT INTO content_version DEFAULT VALUES`,
  `CREATE FUNCTION bump_content_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE content_version SET n = n + 1; RETURN NULL; END $$`,
  `CREATE FUNCTION add_event_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO event_versions (event_id) VALUES (NEW.id); RETURN NULL; END $$`,
  `CREATE FUNCTION bump_own_event_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE event_versions SET version = version + 1 WHERE event_id = NEW.id; RETURN NULL; END $$`,
  `CREATE FUNCTION bump_event_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        UPDATE event_versions SET version = version + 1 WHERE event_id IN (SELECT DISTINCT event_id FROM new_rows);
      ELSIF TG_OP = 'DELETE' THEN
        UPDATE event_versions SET version = version + 1 WHERE event_id IN (SELECT DISTINCT event_id FROM old_rows);
      ELSE
        UPDATE event_versions SET version = version + 1
          WHERE event_id IN (SELECT event_id FROM new_rows UNION SELECT event_id FROM old_rows);
      END IF;
      RETURN NULL;
    END $$`,
  `CREATE TRIGGER events_version_row AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION add_event_version()`,
  `CREATE TRIGGER events_version AFTER UPDATE ON events FOR EACH ROW EXECUTE FUNCTION bump_own_event_version()`,
  `CREATE CONSTRAINT TRIGGER events_content_version AFTER INSERT OR DELETE ON events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version()`,
  ...EVENT_TABLES.flatMap((table) => [
    `CREATE TRIGGER ${table}_event_version_insert AFTER INSERT ON ${table}
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_event_version()`,
    `CREATE TRIGGER ${table}_event_version_update AFTER UPDATE ON ${table}
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_event_version()`,
    `CREATE TRIGGER ${table}_event_version_delete AFTER DELETE ON ${table}
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_event_version()`,
  ]),
  ...CONTENT_TABLES.map((table) => `CREATE CONSTRAINT TRIGGER ${table}_content_version AFTER INSERT OR UPDATE OR DELETE ON ${table}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version()`),
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of CONTENT_TABLES) await sql.raw(`DROP TRIGGER ${table}_content_version ON ${table}`).execute(db);
  for (const table of EVENT_TABLES) {
    for (const op of ['insert', 'update', 'delete']) await sql.raw(`DROP TRIGGER ${table}_event_version_${op} ON ${table}`).execute(db);
  }
  for (const trigger of ['events_content_version', 'events_version', 'events_version_row']) {
    await sql.raw(`DROP TRIGGER ${trigger} ON events`).execute(db);
  }
  await sql.raw('DROP FUNCTION bump_event_version(), bump_own_event_version(), add_event_version(), bump_content_version()').execute(db);
  await sql.raw('DROP TABLE content_version').execute(db);
  await sql.raw('DROP TABLE event_versions').execute(db);
}
