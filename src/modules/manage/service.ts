import type { Database } from '../../db/index.ts';
import type { ItemStatus } from '../../db/types.ts';
import { changedFields, recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { parseNarrative } from '../summary/placeholders.ts';
import { periodItems } from '../summary/queries.ts';
import { loadFigureData, renderNarrative } from '../summary/service.ts';
import { itemInScope } from './scope.ts';

export type ItemChanges = { title: string; status: ItemStatus; is_new: boolean; narrative: string };

/** Placeholder problems in a narrative, resolved against the period's live data. */
export async function narrativeProblems(db: Database, periodId: number, itemNumber: number, narrative: string) {
  const parts = parseNarrative(narrative);
  const items = await periodItems(db, periodId);
  const data = await loadFigureData(db, periodId, items, [parts]);
  return renderNarrative(parts, data, itemNumber);
}

/** Updates an item in the organiser's scope and logs what changed; null when out of scope. */
export async function updateItem(db: Database, user: CurrentUser, itemId: number, changes: ItemChanges) {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('items as i')
      .where('i.id', '=', itemId)
      .where(itemInScope(user, 'i.id'))
      .select(['i.id', 'i.title', 'i.status', 'i.is_new', 'i.narrative'])
      .forUpdate()
      .executeTakeFirst();
    if (!before) return null;
    const diff = changedFields(before, changes);
    if (Object.keys(diff).length === 0) return diff;
    await trx.updateTable('items').set({ ...changes, updated_at: new Date() }).where('id', '=', itemId).execute();
    await recordAudit(trx, user.id, 'update', 'item', itemId, diff, itemId);
    return diff;
  });
}
