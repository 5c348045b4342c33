import type { Executor } from '../../db/index.ts';

export type FieldChange = { from: unknown; to: unknown };

const comparable = (v: unknown) => (v instanceof Date ? v.toISOString() : v);

/** The fields whose values differ, each with its value before and after. */
export function changedFields<T extends Record<string, unknown>>(before: T, after: Partial<T>): Record<string, FieldChange> {
  const changes: Record<string, FieldChange> = {};
  for (const key of Object.keys(after)) {
    const from = comparable(before[key]);
    const to = comparable(after[key]);
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[key] = { from, to };
  }
  return changes;
}

/** One line of the audit log, written in the caller's transaction; `itemId` scopes it for organisers. */
export async function recordAudit(
  db: Executor,
  actorUserId: number | null,
  action: string,
  entity: string,
  entityId: number | string,
  changes: Record<string, unknown>,
  itemId: number | null = null,
) {
  await db
    .insertInto('audit_log')
    .values({
      actor_user_id: actorUserId, action, entity, entity_id: String(entityId), changes: JSON.stringify(changes), item_id: itemId,
    })
    .execute();
}

export type AuditEntry = {
  actorUserId: number | null; action: string; entity: string; entityId: number | string;
  changes: Record<string, unknown>; itemId: number | null;
};

/** Several lines of the audit log in one statement (a batch of check-ins), in the caller's transaction. */
export async function recordAudits(db: Executor, entries: readonly AuditEntry[]) {
  if (entries.length === 0) return;
  await db
    .insertInto('audit_log')
    .values(entries.map((e) => ({
      actor_user_id: e.actorUserId, action: e.action, entity: e.entity, entity_id: String(e.entityId),
      changes: JSON.stringify(e.changes), item_id: e.itemId,
    })))
    .execute();
}
