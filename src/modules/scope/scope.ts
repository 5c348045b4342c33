import { type Expression, type RawBuilder, sql } from 'kysely';
import type { CurrentUser } from '../auth/service.ts';

/**
 * The organiser's scope: the items their organisation is a party to (admins: every item).
 * Every object an organiser reaches is loaded through this condition on its item, so anything
 * outside it is simply not found. The item is the query's own column, referenced through its
 * expression builder so that the compiler checks it: `.where((eb) => itemInScope(user, eb.ref('e.item_id')))`.
 */
export function itemInScope(user: CurrentUser, itemId: Expression<number | null>): RawBuilder<boolean> {
  if (user.role === 'admin') return sql<boolean>`true`;
  return sql<boolean>`exists (select 1 from item_parties ip
    where ip.item_id = ${itemId} and ip.organisation_id = ${user.organisationId ?? -1})`;
}
