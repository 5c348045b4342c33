import type { Database, Executor } from '../../db/index.ts';
import type { Period } from '../../db/types.ts';
import { archivedYear } from '../../lib/archive.ts';
import { Refusal } from '../../lib/errors.ts';
import { formatFor, labelMessage } from '../../lib/format.ts';
import { type Locale, type Message, type MessageKey, translator, verbatim } from '../../lib/i18n.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { formatNumber } from '../summary/placeholders.ts';
import { periodBySlug } from '../summary/queries.ts';
import {
  buildSummary, paragraphText, type RenderedNarrative, type Summary, summaryAsText, type SummaryItem,
} from '../summary/service.ts';
import { barChart, type ChartRow } from './charts.ts';
import * as q from './queries.ts';

/** What a published edition keeps: the text as it read, paragraph by paragraph. */
export type EditionContent = {
  label: string;
  intro: string[];
  items: { number: number; title: string; paragraphs: string[] }[];
};

const paragraphsOf = (n: RenderedNarrative) => n.paragraphs.map(paragraphText);

/**
 * An archived year's summary page in one language, as it read when the year was archived
 * (src/modules/reports/archive.ts): the narratives with their figures, the charts and the
 * comparison with the year before. Its pages are served from this, not from the rows.
 */
export type ArchivedPage = {
  intro: RenderedNarrative;
  items: SummaryItem[];
  charts: string[];
  comparison: Comparison | null;
};

/** The summary an archived page holds, as the live one would read. */
export const summaryFromArchive = (period: Period, locale: Locale, page: ArchivedPage): Summary =>
  ({ period, locale, intro: page.intro, items: page.items });

export function editionContent(summary: Summary): EditionContent {
  return {
    label: summary.period.label,
    intro: paragraphsOf(summary.intro),
    items: summary.items.map((i) => ({ number: i.number, title: i.title, paragraphs: paragraphsOf(i.narrative) })),
  };
}

/**
 * Who may freeze a year's summary: it holds every organisation's items, so an admin, or an
 * organiser of the organisation an admin named as the year's publisher. An organiser whose
 * organisation takes no part in the year does not find it at all.
 */
export async function publishRight(db: Executor, user: CurrentUser, period: { id: number; publisher_organisation_id: number | null }) {
  if (user.role === 'admin') return 'may';
  if (user.role !== 'organiser' || user.organisationId === null) return 'not-found';
  if (period.publisher_organisation_id === user.organisationId) return 'may';
  const party = await db.selectFrom('item_parties as ip').innerJoin('items as i', 'i.id', 'ip.item_id')
    .where('i.period_id', '=', period.id).where('ip.organisation_id', '=', user.organisationId)
    .select('ip.item_id').limit(1).executeTakeFirst();
  return party ? 'not-publisher' : 'not-found';
}

/** An admin names the organisation whose organisers publish the year's summary (or none). */
export async function setPublisher(db: Database, user: CurrentUser, slug: string, organisationId: number | null) {
  await db.transaction().execute(async (trx) => {
    const period = await periodBySlug(trx, slug);
    if (!period) throw Refusal.notFound('pages.notFound.period');
    if (period.archived_at) throw archivedYear();
    if (organisationId !== null) {
      const known = await trx.selectFrom('organisations').select('id').where('id', '=', organisationId).executeTakeFirst();
      if (!known) throw Refusal.form({ publisher: 'pages.summary.publisher.unknown' });
    }
    if (period.publisher_organisation_id === organisationId) return;
    await trx.updateTable('periods').set({ publisher_organisation_id: organisationId }).where('id', '=', period.id).execute();
    await recordAudit(trx, user.id, 'set_publisher', 'period', period.id, {
      publisher_organisation_id: { from: period.publisher_organisation_id, to: organisationId },
    });
  });
}

/**
 * Freezes the summary as it reads now: its text and paragraphs are stored, so later changes
 * to the data never alter this edition. A period outside the user's reach is not found.
 */
export async function publishPeriod(db: Database, user: CurrentUser, slug: string) {
  return db.transaction().execute(async (trx) => {
    const period = await periodBySlug(trx, slug);
    const right = period ? await publishRight(trx, user, period) : 'not-found';
    if (!period || right === 'not-found') throw Refusal.notFound('pages.notFound.period');
    if (right === 'not-publisher') throw Refusal.page(403, 'pages.summary.publisher.notYours');
    // An archived year's summary is the edition it was archived at.
    if (period.archived_at) throw archivedYear();
    const summary = await buildSummary(trx, slug);
    if (!summary) throw Refusal.notFound('pages.notFound.period');
    const edition = await trx.insertInto('summary_editions').values({
      period_id: period.id,
      published_by: user.id,
      text_body: summaryAsText(summary),
      content: JSON.stringify(editionContent(summary)),
    }).returning(['id', 'published_at']).executeTakeFirstOrThrow();
    await trx.updateTable('periods').set({ published_at: edition.published_at }).where('id', '=', period.id).execute();
    await recordAudit(trx, user.id, 'publish', 'period', period.id, { edition: edition.id });
    return edition;
  });
}

/** Item numbers (0 for the introduction) whose live text differs from the published edition. */
export function changedSincePublication(summary: Summary, edition: EditionContent): Set<number> {
  const changed = new Set<number>();
  if (JSON.stringify(paragraphsOf(summary.intro)) !== JSON.stringify(edition.intro)) changed.add(0);
  const published = new Map(edition.items.map((i) => [i.number, i]));
  for (const item of summary.items) {
    const before = published.get(item.number);
    if (!before || before.title !== item.title || JSON.stringify(paragraphsOf(item.narrative)) !== JSON.stringify(before.paragraphs)) {
      changed.add(item.number);
    }
  }
  for (const number of published.keys()) if (!summary.items.some((i) => i.number === number)) changed.add(number);
  return changed;
}

type ChartUnit = 'people' | 'entries' | 'awards' | 'delegations' | 'registrations';

/** A bar chart with its title and every bar's description in the reader's language. */
function chart(locale: Locale, titleKey: MessageKey, rows: readonly ChartRow[], unit: ChartUnit) {
  const t = translator(locale);
  return barChart(t(titleKey), rows, {
    describe: (r) => t(`chart.unit.${unit}` as MessageKey, { label: r.label, n: r.value }),
    noData: t('chart.noData'),
  });
}

/** The period's charts, each an accessible SVG figure. */
export async function periodCharts(db: Executor, periodId: number, locale: Locale = 'en'): Promise<string[]> {
  const [attendance, months, sides, contests, directions] = await Promise.all([
    q.attendancePerEvent(db, periodId),
    q.registrationsPerMonth(db, periodId),
    q.participantsBySide(db, periodId),
    q.contestTotals(db, periodId),
    q.delegationsByDirection(db, periodId),
  ]);
  const f = formatFor(locale);
  const charts: string[] = [];
  if (attendance.length) charts.push(chart(locale, 'chart.attendance', attendance, 'people'));
  if (months.length) charts.push(registrationsChart(months, locale));
  if (sides.length) charts.push(chart(locale, 'chart.sides', sides.map((s) => ({ label: f.side(s.side), value: s.value })), 'people'));
  if (contests.length) {
    charts.push(chart(locale, 'chart.entries', contests.map((c) => ({ label: c.title, value: c.entries })), 'entries'));
    charts.push(chart(locale, 'chart.awards', contests.map((c) => ({ label: c.title, value: c.awards })), 'awards'));
  }
  if (directions.length) {
    const bars = directions.map((d) => ({ label: `${f.side(d.from_side)} → ${f.side(d.to_side)}`, value: d.value }));
    charts.push(chart(locale, 'chart.directions', bars, 'delegations'));
  }
  return charts;
}

function registrationsChart(months: { month: string; value: number }[], locale: Locale) {
  const f = formatFor(locale);
  return chart(locale, 'chart.registrations', months.map((m) => ({ label: f.month(`${m.month}-15`), value: m.value })), 'registrations');
}

export async function itemCharts(db: Executor, periodId: number, itemId: number, locale: Locale = 'en'): Promise<string[]> {
  const [attendance, months] = await Promise.all([
    q.attendancePerEvent(db, periodId, itemId),
    q.registrationsPerMonth(db, periodId, itemId),
  ]);
  const charts: string[] = [];
  if (attendance.length) charts.push(chart(locale, 'chart.attendance', attendance, 'people'));
  if (months.length) charts.push(registrationsChart(months, locale));
  return charts;
}

export type FigureComparison = { itemNumber: number; title: string; rows: { label: Message; current: string; previous: string }[] };
export type Comparison = { previousLabel: string; items: FigureComparison[] };

type FigurePart = { metric: string; ref: string | null; value: number | null };

/** Figures that measure the same thing even when counted differently (registered vs attended). */
const FAMILY: Record<string, string> = { attendance: 'people', registrations: 'people' };
const family = (metric: string) => FAMILY[metric] ?? metric;
/** What each family of counts is called in the comparison. */
const LABELS: Record<string, MessageKey> = {
  people: 'pages.summary.compare.people', delegations: 'pages.item.column.delegations', members: 'pages.summary.compare.members',
  visits: 'pages.summary.compare.visits', hosts: 'pages.summary.compare.hosts', entries: 'pages.item.column.entries',
  awards: 'pages.item.column.awards',
};

/** The previous figure that best matches: the same recorded figure, else the same kind of count. */
function counterpart(fig: FigurePart, candidates: readonly FigurePart[], used: Set<number>): number {
  const free = (i: number) => !used.has(i);
  const same = candidates.findIndex((c, i) => free(i) && c.metric === fig.metric && (fig.metric !== 'figure' || c.ref === fig.ref));
  if (same >= 0 || fig.metric === 'figure') return same;
  return candidates.findIndex((c, i) => free(i) && family(c.metric) === family(fig.metric));
}

/**
 * Each figure of this period next to the matching figure of the previous one, for items that
 * continue an item of the previous period.
 */
export async function compareWithPrevious(db: Executor, summary: Summary): Promise<Comparison | null> {
  const links = await db.selectFrom('items as i').innerJoin('items as prev', 'prev.id', 'i.continues_item_id')
    .innerJoin('periods as pp', 'pp.id', 'prev.period_id')
    .where('i.period_id', '=', summary.period.id)
    .select([
      'i.number', 'prev.number as previous_number', 'pp.id as previous_id', 'pp.slug as previous_slug', 'pp.label as previous_label',
      'pp.archived_at as previous_archived_at',
    ])
    .orderBy('i.number')
    .execute();
  const first = links[0];
  if (!first) return null;
  // An archived year is compared as it read when archived, without reading its rows again.
  const archived = first.previous_archived_at ? await q.archivedPage(db, first.previous_id, 'en') : undefined;
  const previous = archived ? { items: (archived.page as ArchivedPage).items } : await buildSummary(db, first.previous_slug);
  if (!previous) return null;
  const figuresOf = (n: RenderedNarrative): FigurePart[] =>
    n.paragraphs.flat().flatMap((p) => (p.kind === 'figure' && !p.error && p.metric !== 'items' && p.metric !== 'item-list' ? [p] : []));
  const shown = (v: number | null | undefined) => (v === null || v === undefined ? '—' : formatNumber(v));
  const items: FigureComparison[] = [];
  for (const link of links) {
    const now = summary.items.find((i) => i.number === link.number);
    const before = previous.items.find((i) => i.number === link.previous_number);
    if (!now || !before) continue;
    const candidates = figuresOf(before.narrative);
    const used = new Set<number>();
    const rows = figuresOf(now.narrative).map((fig) => {
      const index = counterpart(fig, candidates, used);
      if (index >= 0) used.add(index);
      const label = fig.metric === 'figure'
        ? (fig.ref ? verbatim(fig.ref) : 'pages.summary.column.figure')
        : (LABELS[family(fig.metric)] ?? labelMessage(fig.metric));
      return { label, current: shown(fig.value), previous: index >= 0 ? shown(candidates[index]?.value) : '—' };
    });
    if (rows.length) items.push({ itemNumber: now.number, title: now.title, rows });
  }
  return { previousLabel: first.previous_label, items };
}
