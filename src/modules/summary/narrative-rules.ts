import type { Database } from '../../db/index.ts';
import { type Message, message, nested } from '../../lib/i18n.ts';
import { parseNarrative } from './placeholders.ts';
import { periodItems } from './queries.ts';
import { loadFigureData, type RenderedNarrative, renderNarrative } from './service.ts';

/* What an item's title and narrative may hold, in whichever language they are written. */

/** The longest title and narrative an item takes, in English and in each Chinese script. */
export const ITEM_LIMITS = { title: 500, narrative: 20_000 } as const;

/** Placeholder problems in a narrative, resolved against the period's live data. */
export async function narrativeProblems(db: Database, periodId: number, itemNumber: number, narrative: string) {
  const parts = parseNarrative(narrative);
  const items = await periodItems(db, periodId);
  const data = await loadFigureData(db, periodId, items, [parts]);
  return renderNarrative(parts, data, itemNumber);
}

/** Why a narrative cannot be saved: each broken placeholder with its reason; null when there is none. */
export function placeholderProblems(found: RenderedNarrative): Message | null {
  const [first, ...rest] = found.errors.map((e) => message('manage.item.placeholderProblem', { raw: e.raw, error: nested(e.error) }));
  if (!first) return null;
  const problems = rest.reduce((list, next) => message('manage.item.placeholderProblems', { list, next }), first);
  return message('manage.item.fixPlaceholders', { problems });
}
