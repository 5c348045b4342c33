import type { Database } from '../../db/index.ts';
import type { ItemStatus } from '../../db/types.ts';
import { Refusal } from '../../lib/errors.ts';
import { changedFields, recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { itemInScope } from '../scope/scope.ts';

export type ItemChanges = { title: string; status: ItemStatus; is_new: boolean; narrative: string };

/** Updates an item in the organiser's scope and logs what changed. */
export async function updateItem(db: Database, user: CurrentUser, itemId: number, changes: ItemChanges) {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('items as i')
      .where('i.id', '=', itemId)
      .where((eb) => itemInScope(user, eb.ref('i.id')))
      .select(['i.id', 'i.title', 'i.status', 'i.is_new', 'i.narrative'])
      .forUpdate()
      .executeTakeFirst();
    if (!before) throw Refusal.notFound('manage.notFound.item');
    const diff = changedFields(before, changes);
    if (Object.keys(diff).length === 0) return diff;
    await trx.updateTable('items').set({ ...changes, updated_at: new Date() }).where('id', '=', itemId).execute();
    await recordAudit(trx, user.id, 'update', 'item', itemId, diff, itemId);
    return diff;
  });
}

/** A figure's key, as narratives name it ({{figure key}}): lower-case letters, digits and hyphens. */
export const FIGURE_KEY = { max: 60, pattern: /^[a-z0-9][a-z0-9-]*$/ } as const;
export const FIGURE_VALUE_MAX = 1e15;

export type FigureInput = { key: string; label: string; value: number; unit: 'count' | 'hkd' };

/**
 * Records a figure no workflow produces (or a new value of it). Each change is an audit entry
 * on the item, which is the figure's history: who recorded which value when.
 */
export async function recordFigure(db: Database, user: CurrentUser, itemId: number, input: FigureInput) {
  return db.transaction().execute(async (trx) => {
    const item = await trx.selectFrom('items as i').where('i.id', '=', itemId).where((eb) => itemInScope(user, eb.ref('i.id')))
      .select('i.id').forUpdate().executeTakeFirst();
    if (!item) throw Refusal.notFound('manage.notFound.item');
    const before = await trx.selectFrom('figures').select(['id', 'label', 'value', 'unit'])
      .where('item_id', '=', itemId).where('key', '=', input.key).forUpdate().executeTakeFirst();
    const values = { label: input.label, value: input.value, unit: input.unit, recorded_by: user.id, recorded_at: new Date() };
    if (before) {
      const diff = changedFields(before, { label: input.label, value: input.value, unit: input.unit });
      if (Object.keys(diff).length === 0) return before.id;
      await trx.updateTable('figures').set(values).where('id', '=', before.id).execute();
      await recordAudit(trx, user.id, 'update', 'figure', input.key, diff, itemId);
      return before.id;
    }
    const created = await trx.insertInto('figures').values({ item_id: itemId, key: input.key, ...values }).returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, user.id, 'record', 'figure', input.key, { label: input.label, value: input.value, unit: input.unit }, itemId);
    return created.id;
  });
}
