import type { Database, Executor } from '../../db/index.ts';
import type { Period } from '../../db/types.ts';
import { Refusal } from '../../lib/errors.ts';
import { type Locale, LOCALES, type MessageKey } from '../../lib/i18n.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { type Summary, summaryOfPeriod } from '../summary/service.ts';
import * as q from './queries.ts';
import {
  type ArchivedPage, changedSincePublication, compareWithPrevious, type EditionContent, periodCharts, summaryFromArchive,
} from './service.ts';

/*
 * Archiving a programme year: an admin closes it for good (and may open it again). Its rows are
 * all kept, but nothing in it can be changed (the check: src/lib/archive.ts), and its summary
 * page is kept as it reads at that moment, in every language (period_archive_pages), so that it
 * is served without reading the year's rows: its cost no longer grows with the database.
 *
 * Archiving needs a published edition that reads as the live summary does now; it never publishes
 * one itself. Event platforms treat the end of a phase the same way: Indico's lock freezes an event
 * as it stands and pretix takes a shop offline, and neither issues anything public on the way.
 * Publishing stays the deliberate act of the year's publisher (an admin, or the organisation an
 * admin named), who need not be the admin archiving; and the year ends with the text its
 * publisher signed off, so its page reads word for word as it did, and /published names that
 * edition.
 */

/** What stands between a year and its archive: nothing (the edition it would be frozen at), or why not. */
export type ArchiveReadiness =
  | { ok: true; edition: q.Edition; english: Summary }
  | { ok: false; reason: MessageKey };

export async function archiveReadiness(db: Executor, period: Period): Promise<ArchiveReadiness> {
  const edition = await q.latestEdition(db, period.id);
  if (!edition) return { ok: false, reason: 'archive.errors.unpublished' };
  const english = await summaryOfPeriod(db, period);
  if (changedSincePublication(english, edition.content as EditionContent).size > 0) return { ok: false, reason: 'archive.errors.changed' };
  return { ok: true, edition, english };
}

/** The period, its row locked for the rest of the transaction: archiving and its undoing wait for each other. */
const lockedPeriod = (trx: Executor, slug: string) =>
  trx.selectFrom('periods').selectAll().where('slug', '=', slug).forUpdate().executeTakeFirst();

export async function archivePeriod(db: Database, user: CurrentUser, slug: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const period = await lockedPeriod(trx, slug);
    if (!period) throw Refusal.notFound('pages.notFound.period');
    if (period.archived_at) return;
    const ready = await archiveReadiness(trx, period);
    if (!ready.ok) throw Refusal.form({ _form: ready.reason });
    // The comparison reads in English in every language, as on the live page.
    const comparison = await compareWithPrevious(trx, ready.english);
    for (const locale of LOCALES) {
      const summary = locale === 'en' ? ready.english : await summaryOfPeriod(trx, period, locale);
      const charts = await periodCharts(trx, period.id, locale);
      const page: ArchivedPage = { intro: summary.intro, items: summary.items, charts, comparison };
      await trx.insertInto('period_archive_pages').values({ period_id: period.id, locale, page: JSON.stringify(page) }).execute();
    }
    const archivedAt = new Date();
    await trx.updateTable('periods').set({ archived_at: archivedAt, archived_by: user.id, archived_edition_id: ready.edition.id })
      .where('id', '=', period.id).execute();
    await recordAudit(trx, user.id, 'archive', 'period', period.id, {
      archived_at: { from: null, to: archivedAt.toISOString() }, edition: ready.edition.id,
    });
  });
}

/** Takes a year out of the archive: it can be changed again, and its summary is computed from the rows again. */
export async function unarchivePeriod(db: Database, user: CurrentUser, slug: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const period = await lockedPeriod(trx, slug);
    if (!period) throw Refusal.notFound('pages.notFound.period');
    if (!period.archived_at) return;
    await trx.deleteFrom('period_archive_pages').where('period_id', '=', period.id).execute();
    await trx.updateTable('periods').set({ archived_at: null, archived_by: null, archived_edition_id: null })
      .where('id', '=', period.id).execute();
    await recordAudit(trx, user.id, 'unarchive', 'period', period.id, {
      archived_at: { from: period.archived_at.toISOString(), to: null }, edition: period.archived_edition_id,
    });
  });
}

/**
 * An archived year's summary page in a language, as it read when archived: its summary, charts,
 * comparison and the edition it was frozen at. Null for a year that is not archived.
 */
export async function archivedSummary(db: Executor, period: Period, locale: Locale) {
  if (period.archived_at === null || period.archived_edition_id === null) return null;
  const [row, edition] = await Promise.all([q.archivedPage(db, period.id, locale), q.editionById(db, period.archived_edition_id)]);
  if (!row || !edition) return null;
  const page = row.page as ArchivedPage;
  return { summary: summaryFromArchive(period, locale, page), charts: page.charts, comparison: page.comparison, edition };
}

/** The year's page for admins: whether it is archived, by whom and at which edition, or whether it can be. */
export async function archiveState(db: Executor, period: Period) {
  if (period.archived_at) {
    const { archived_by: byId, archived_edition_id: editionId } = period;
    const [by, edition] = await Promise.all([
      byId === null ? undefined : db.selectFrom('users').select(['name', 'email']).where('id', '=', byId).executeTakeFirst(),
      editionId === null ? undefined : q.editionById(db, editionId),
    ]);
    return { archived: true as const, at: period.archived_at, by: by ?? null, edition: edition ?? null };
  }
  const ready = await archiveReadiness(db, period);
  return { archived: false as const, edition: ready.ok ? ready.edition : null, problem: ready.ok ? null : ready.reason };
}
