import type { Executor } from '../../db/index.ts';
import type { Period } from '../../db/types.ts';
import { localize, localText } from '../../lib/content.ts';
import { type Message, message } from '../../lib/i18n.ts';
import {
  capitalise, formatHkd, formatItemList, formatNameList, formatValue, type NarrativePart, parseNarrative, type Placeholder,
  REFERENCE_KINDS, type SummaryLocale, startsSentence,
} from './placeholders.ts';
import * as q from './queries.ts';

export const GROUP_TITLE = 'Guangdong/Hong Kong Expert Group on the Protection of Intellectual Property Rights (IPRs)';
export const SUMMARY_TITLE = 'Summary of Co-operation Items';
/** What the public sees where a placeholder cannot be resolved; organisers see the reason. */
export const UNAVAILABLE = '[figure unavailable]';

export type RenderedPart =
  | { kind: 'text'; text: string }
  | {
    kind: 'figure';
    text: string;
    value: number | null;
    metric: string;
    ref: string | null;
    filters: Record<string, string>;
    error: Message | null;
  };

export type RenderedParagraph = RenderedPart[];

export type RenderedNarrative = {
  paragraphs: RenderedParagraph[];
  /** Placeholder problems, for whoever edits the narrative. */
  errors: { raw: string; error: Message }[];
};

type ItemFacts = { id: number; number: number; is_new: boolean; status: string };

/** Everything placeholders resolve against, loaded once for a set of narratives. */
export type FigureData = {
  items: ItemFacts[];
  figures: q.FigureRow[];
  events: Map<string, q.EventCountRow[]>;
  delegations: Map<string, q.DelegationCountRow[]>;
  visits: Map<string, q.VisitRow[]>;
  entries: Map<string, q.EntryCountRow[]>;
  awards: Map<string, q.AwardCountRow[]>;
  surveys: Map<string, q.SurveyCountRow[]>;
};

function groupBySlug<T extends { slug: string }>(rows: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(row.slug);
    if (list) list.push(row);
    else map.set(row.slug, [row]);
  }
  return map;
}

function refsOf(parts: readonly NarrativePart[][], metrics: readonly string[]): string[] {
  const refs = new Set<string>();
  for (const list of parts) {
    for (const part of list) {
      if (part.kind === 'placeholder' && metrics.includes(part.placeholder.metric) && part.placeholder.ref) {
        refs.add(part.placeholder.ref);
      }
    }
  }
  return [...refs];
}

export async function loadFigureData(
  db: Executor,
  periodId: number,
  items: ItemFacts[],
  narratives: readonly NarrativePart[][],
): Promise<FigureData> {
  const eventSlugs = refsOf(narratives, ['attendance', 'registrations']);
  const programmeSlugs = refsOf(narratives, ['delegations', 'members', 'visits', 'hosts']);
  const contestSlugs = refsOf(narratives, ['entries', 'awards']);
  const surveySlugs = refsOf(narratives, ['survey-responses', 'survey-satisfied', 'survey-average']);
  const [figures, events, delegations, visits, entries, awards, surveys] = await Promise.all([
    q.periodFigures(db, periodId),
    q.eventCounts(db, eventSlugs),
    q.delegationCounts(db, programmeSlugs),
    q.programmeVisits(db, programmeSlugs),
    q.entryCounts(db, contestSlugs),
    q.awardCounts(db, contestSlugs),
    q.surveyCounts(db, surveySlugs),
  ]);
  return {
    items,
    figures,
    events: groupBySlug(events),
    delegations: groupBySlug(delegations),
    visits: groupBySlug(visits),
    entries: groupBySlug(entries),
    awards: groupBySlug(awards),
    surveys: groupBySlug(surveys),
  };
}

type Resolved = { value: number; text?: string } | { error: Message };

const sum = <T>(rows: readonly T[], pick: (row: T) => number) => rows.reduce((n, row) => n + pick(row), 0);

/**
 * The rows of an object a narrative may show, or why not. An item's narrative shows only its own
 * item's objects (`ownItem`: its id; undefined for an item not in the period, which owns nothing;
 * null for the period's introduction, which belongs to no item), and every narrative only public
 * ones: any status but draft, as on the public pages. Another item's draft reads as unknown, so
 * nothing about another organisation's drafts is told.
 */
function shown<T extends q.ObjectOwner>(
  rows: T[] | undefined, kind: 'event' | 'programme' | 'contest', ref: string, ownItem: number | null | undefined, unknown: Message,
): { rows: T[] } | { error: Message } {
  const object = rows?.[0];
  const foreign = object !== undefined && ownItem !== null && object.item_id !== ownItem;
  if (!rows || !object || (foreign && object.status === 'draft')) return { error: unknown };
  if (foreign) return { error: message('manage.placeholder.otherItem', { ref, kind: REFERENCE_KINDS[kind] }) };
  if (object.status === 'draft') return { error: message('manage.placeholder.draft', { kind: REFERENCE_KINDS[kind], ref }) };
  return { rows };
}

function resolve(p: Placeholder, data: FigureData, itemNumber: number | null, locale: SummaryLocale): Resolved {
  const f = p.filters;
  const ref = p.ref ?? '';
  const ownItem = itemNumber === null ? null : data.items.find((i) => i.number === itemNumber)?.id;
  switch (p.metric) {
    case 'attendance':
    case 'registrations': {
      const event = shown(data.events.get(ref), 'event', ref, ownItem, message('manage.placeholder.noEvent', { ref }));
      if ('error' in event) return event;
      const matching = event.rows.filter((r) => !f.side || r.side === f.side);
      return { value: sum(matching, (r) => (p.metric === 'attendance' ? r.attended : r.confirmed)) };
    }
    case 'delegations':
    case 'members': {
      const programme = shown(data.delegations.get(ref), 'programme', ref, ownItem, message('manage.placeholder.noProgramme', { ref }));
      if ('error' in programme) return programme;
      const matching = programme.rows.filter((r) => r.delegation_id !== null && (!f.from || r.from_side === f.from));
      if (p.metric === 'delegations') {
        const chosen = matching.filter((r) => !f.to || r.to_side === f.to);
        return { value: new Set(chosen.map((r) => r.delegation_id)).size };
      }
      return { value: sum(matching.filter((r) => !f.role || r.role === f.role), (r) => r.members) };
    }
    case 'visits':
    case 'hosts': {
      const programme = shown(data.visits.get(ref), 'programme', ref, ownItem, message('manage.placeholder.noProgramme', { ref }));
      if ('error' in programme) return programme;
      const matching = programme.rows.filter((r) => r.visit_id !== null && (!f.from || r.from_side === f.from)
        && (!f.to || r.to_side === f.to) && (!f.on || r.visit_on === f.on));
      if (p.metric === 'visits') return { value: matching.length };
      const hosts = [...new Set(matching.map((r) => r.host ?? ''))];
      if (hosts.length === 0) return { error: message('manage.placeholder.noVisits', { ref }) };
      return { value: hosts.length, text: formatNameList(hosts, p.formats, locale) };
    }
    case 'entries': {
      const contest = shown(data.entries.get(ref), 'contest', ref, ownItem, message('manage.placeholder.noContest', { ref }));
      if ('error' in contest) return contest;
      const chosen = contest.rows.filter((r) => (!f.side || r.side === f.side) && (!f.category || r.category === f.category));
      return { value: sum(chosen, (r) => r.entries) };
    }
    case 'awards': {
      // The contest's own rows (one at least, whatever its entries) say whose it is and whether it is public.
      const contest = shown(data.entries.get(ref), 'contest', ref, ownItem, message('manage.placeholder.noContest', { ref }));
      if ('error' in contest) return contest;
      const rows = (data.awards.get(ref) ?? []).filter((r) =>
        (!f.tier || r.tier === f.tier) && (!f.side || r.side === f.side) && (f.major !== 'yes' || r.is_major));
      return { value: sum(rows, (r) => r.awards) };
    }
    case 'figure': {
      const number = f.item ? Number(f.item) : itemNumber;
      if (number === null || !Number.isInteger(number)) return { error: 'manage.placeholder.figureItem' };
      const row = data.figures.find((r) => r.item_number === number && r.key === ref);
      if (!row) return { error: message('manage.placeholder.noFigure', { ref, number }) };
      return row.unit === 'hkd' && p.formats.length === 0 ? { value: row.value, text: formatHkd(row.value, locale) } : { value: row.value };
    }
    case 'survey-responses':
    case 'survey-satisfied':
    case 'survey-average':
      return resolveSurvey(p, data, ownItem);
    case 'items':
    case 'item-list': {
      const chosen = data.items.filter((i) => (!f.status || i.status === f.status) && (!f.new || i.is_new === (f.new === 'yes')));
      if (p.metric === 'items') return { value: chosen.length };
      return { value: chosen.length, text: formatItemList(chosen.map((i) => i.number), locale) };
    }
  }
}

/** A survey figure of an event of the item: its responses, or a rating question's share of 4s and 5s or average. */
function resolveSurvey(p: Placeholder, data: FigureData, ownItem: number | null | undefined): Resolved {
  const ref = p.ref ?? '';
  const event = shown(data.surveys.get(ref), 'event', ref, ownItem, message('manage.placeholder.noEvent', { ref }));
  if ('error' in event) return event;
  const first = event.rows[0];
  if (!first?.has_survey) return { error: message('surveys.placeholder.noSurvey', { ref }) };
  if (p.metric === 'survey-responses') return { value: first.responses };
  const positions = event.rows.flatMap((r) => (r.position === null ? [] : [r.position]));
  const position = p.filters.question ? Number(p.filters.question) : Math.min(...positions);
  const rows = event.rows.filter((r) => r.position === position);
  if (rows.length === 0) return { error: message('surveys.placeholder.noRating', { ref, question: p.filters.question ?? '' }) };
  const total = sum(rows, (r) => r.n);
  if (total === 0) return { error: message('surveys.placeholder.noAnswers', { ref }) };
  if (p.metric === 'survey-average') return { value: Math.round((sum(rows, (r) => r.n * (r.rating ?? 0)) / total) * 10) / 10 };
  const share = Math.round((sum(rows.filter((r) => (r.rating ?? 0) >= 4), (r) => r.n) / total) * 100);
  return { value: share, text: `${share}%` };
}

/** Resolves a parsed narrative into paragraphs of text and figures. */
export function renderNarrative(
  parts: readonly NarrativePart[], data: FigureData, itemNumber: number | null, locale: SummaryLocale = 'en',
): RenderedNarrative {
  const paragraphs: RenderedParagraph[] = [[]];
  const errors: RenderedNarrative['errors'] = [];
  let paragraphText = '';
  const current = () => paragraphs[paragraphs.length - 1] as RenderedParagraph;

  const pushText = (text: string) => {
    const blocks = text.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/);
    blocks.forEach((block, i) => {
      if (i > 0) {
        paragraphs.push([]);
        paragraphText = '';
      }
      if (block) {
        current().push({ kind: 'text', text: block });
        paragraphText += block;
      }
    });
  };

  for (const part of parts) {
    if (part.kind === 'text') {
      pushText(part.text);
      continue;
    }
    if (part.kind === 'invalid') {
      errors.push({ raw: part.raw, error: part.error });
      current().push({ kind: 'figure', text: UNAVAILABLE, value: null, metric: '', ref: null, filters: {}, error: part.error });
      paragraphText += UNAVAILABLE;
      continue;
    }
    const p = part.placeholder;
    const resolved = resolve(p, data, itemNumber, locale);
    if ('error' in resolved) {
      errors.push({ raw: p.raw, error: resolved.error });
      current().push({
        kind: 'figure', text: UNAVAILABLE, value: null, metric: p.metric, ref: p.ref, filters: p.filters, error: resolved.error,
      });
      paragraphText += UNAVAILABLE;
      continue;
    }
    let text = resolved.text ?? formatValue(resolved.value, p.formats, locale);
    if (locale === 'en' && startsSentence(paragraphText)) text = capitalise(text);
    current().push({ kind: 'figure', text, value: resolved.value, metric: p.metric, ref: p.ref, filters: p.filters, error: null });
    paragraphText += text;
  }

  const trimmed = paragraphs
    .map((para) => trimParagraph(para))
    .filter((para) => para.length > 0);
  return { paragraphs: trimmed, errors };
}

function trimParagraph(para: RenderedParagraph): RenderedParagraph {
  const out = para.map((p) => ({ ...p }));
  const first = out[0];
  if (first?.kind === 'text') first.text = first.text.replace(/^\s+/, '');
  const last = out[out.length - 1];
  if (last?.kind === 'text') last.text = last.text.replace(/\s+$/, '');
  return out.filter((p) => p.kind !== 'text' || p.text !== '');
}

export function paragraphText(paragraph: RenderedParagraph): string {
  return paragraph.map((p) => p.text).join('');
}

export type SummaryItem = {
  id: number;
  number: number;
  title: string;
  is_new: boolean;
  status: string;
  narrative: RenderedNarrative;
};

export type Summary = { period: Period; intro: RenderedNarrative; items: SummaryItem[]; locale: SummaryLocale };

/** The titles of the published summary, in each language. */
export const SUMMARY_HEADINGS: Record<SummaryLocale, { group: string; title: string }> = {
  en: { group: GROUP_TITLE, title: SUMMARY_TITLE },
  'zh-Hant': { group: '粵港保護知識產權合作專責小組', title: '合作項目摘要' },
  'zh-Hans': { group: '粤港保护知识产权合作专责小组', title: '合作项目摘要' },
};

/**
 * The period's summary, every figure resolved from the rows as they are now, in a language:
 * titles and narratives as written (or derived) in it, English where none is.
 */
export async function buildSummary(db: Executor, periodSlug: string, locale: SummaryLocale = 'en'): Promise<Summary | null> {
  const stored = await q.periodBySlug(db, periodSlug);
  return stored ? summaryOfPeriod(db, stored, locale) : null;
}

/** The same, for a period already read. */
export async function summaryOfPeriod(db: Executor, stored: Period, locale: SummaryLocale = 'en'): Promise<Summary> {
  // A narrative not written in the language is shown in English, with its figures in English too.
  const narrativeIn = (english: string, translations: Parameters<typeof localText>[1], field: string) => {
    const local = localText(english, translations, field, locale);
    return { text: local.text, locale: local.source === 'english' ? 'en' as const : locale };
  };
  const period = stored;
  const intro = narrativeIn(period.intro, period.translations, 'intro');
  const items = (await q.periodItems(db, period.id)).map((i) => ({
    ...localize(i, locale, ['title']), narrative: narrativeIn(i.narrative, i.translations, 'narrative'),
  }));
  const introParts = parseNarrative(intro.text);
  const itemParts = items.map((i) => parseNarrative(i.narrative.text));
  const data = await loadFigureData(db, period.id, items, [introParts, ...itemParts]);
  return {
    period,
    locale,
    intro: renderNarrative(introParts, data, null, intro.locale),
    items: items.map((item, i) => ({
      id: item.id,
      number: item.number,
      title: item.title,
      is_new: item.is_new,
      status: item.status,
      narrative: renderNarrative(itemParts[i] ?? [], data, item.number, item.narrative.locale),
    })),
  };
}

/** The summary laid out as the published plain-text edition. */
export function summaryAsText(summary: Summary): string {
  const headings = SUMMARY_HEADINGS[summary.locale];
  const blocks = [headings.group, headings.title, `(${summary.period.label})`, ...summary.intro.paragraphs.map(paragraphText)];
  for (const item of summary.items) {
    blocks.push(`${item.number}. ${item.title}`, ...item.narrative.paragraphs.map(paragraphText));
  }
  return `${blocks.join('\n\n')}\n`;
}

export async function renderSummaryText(db: Executor, periodSlug: string): Promise<string | null> {
  const summary = await buildSummary(db, periodSlug);
  return summary ? summaryAsText(summary) : null;
}
