import { type Kysely, sql } from 'kysely';

/*
 * An archived programme year: read-only, and its public summary served as it read when it was
 * archived, so that its pages cost the same however many rows the database holds.
 *
 * - `periods.archived_at`, `archived_by`: when and by whom; null while the year is current.
 *   `archived_edition_id`: the published edition the year was frozen at (its text is the live
 *   text of that moment: src/modules/reports/archive.ts), set exactly when the year is archived.
 * - `period_archive_pages`: the summary page of an archived year in each language, as it read
 *   (narratives with their figures, charts, the comparison with the year before). Written when the
 *   year is archived and removed when it is taken out of the archive. A public page reads it, so it
 *   moves the content version like every table of the summary (page-versions migration); the
 *   `periods` row that says the year is archived already does.
 */
const statements = [
  `ALTER TABLE periods
    ADD COLUMN archived_at timestamptz,
    ADD COLUMN archived_by integer REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN archived_edition_id integer REFERENCES summary_editions (id),
    ADD CONSTRAINT periods_archived_edition CHECK ((archived_at IS NULL) = (archived_edition_id IS NULL))`,
  `CREATE TABLE period_archive_pages (
    period_id integer NOT NULL REFERENCES periods (id) ON DELETE CASCADE,
    locale text NOT NULL CHECK (locale IN ('en', 'zh-Hant', 'zh-Hans')),
    page jsonb NOT NULL,
    PRIMARY KEY (period_id, locale)
  )`,
  `CREATE CONSTRAINT TRIGGER period_archive_pages_content_version AFTER INSERT OR UPDATE OR DELETE ON period_archive_pages
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version()`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE period_archive_pages`.execute(db);
  await sql`ALTER TABLE periods DROP CONSTRAINT periods_archived_edition, DROP COLUMN archived_edition_id,
    DROP COLUMN archived_by, DROP COLUMN archived_at`.execute(db);
}
