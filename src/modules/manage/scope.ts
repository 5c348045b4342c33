import { type RawBuilder, sql } from 'kysely';
import type { CurrentUser } from '../auth/service.ts';

/**
 * The organiser's scope: the items their organisation is a party to (admins: every item).
 * Every object an organiser reaches is loaded through this condition on its item, so anything
 * outside it is simply not found.
 */
export function itemInScope(user: CurrentUser, itemIdColumn: string): RawBuilder<boolean> {
  if (user.role === 'admin') return sql<boolean>`true`;
  return sql<boolean>`exists (select 1 from item_parties ip where ip.item_id = ${sql.ref(itemIdColumn)} and ip.organisation_id = ${user.organisationId ?? -1})`;
}
