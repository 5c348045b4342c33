import type { FastifyRequest } from 'fastify';
import type { Executor } from '../db/index.ts';
import { Refusal } from './errors.ts';

/*
 * An archived programme year is read-only (src/modules/reports/archive.ts archives one). The one
 * check is made where a route finds its object: every route group's loader (`loadsObject`,
 * src/lib/route-group.ts) and the few public forms that find theirs in the handler. Reads,
 * exports and previews go on as before; a write is refused with a 409 before anything is written.
 */

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A POST that writes nothing of its programme year (a preview, a file made from its rows), or
     * that a person's own rights keep open (erasing their data): taken in an archived year too.
     */
    openWhenArchived?: boolean;
  }
}

/** A route's options (`access(…)`), marked as taken in an archived year too (see `openWhenArchived`). */
export const openWhenArchived = <T extends { config: object }>(options: T) =>
  ({ ...options, config: { ...options.config, openWhenArchived: true } });

/**
 * The columns by which an object names what it hangs off, nearest the year first: an event,
 * programme or contest (and what a route loads with one: a delegation, an entry) its `item_id`; a
 * registration, invitation or survey response its `event_id`; a delegation its `programme_id`; a
 * round or entry its `contest_id`; an item its `period_id`.
 */
const PARENTS = ['item_id', 'event_id', 'programme_id', 'contest_id', 'period_id'] as const;
type Parent = (typeof PARENTS)[number];

/** Which parent an object names, and its id; null for an object of no programme year (a webhook endpoint, a user). */
export function yearOwner(object: object): { parent: Parent; id: number } | null {
  for (const parent of PARENTS) {
    const id = (object as Record<string, unknown>)[parent];
    if (typeof id === 'number') return { parent, id };
  }
  return null;
}

/** Whether the programme year an object belongs to (by the parent it names) is archived. One indexed lookup. */
export async function inArchivedYear(db: Executor, object: object): Promise<boolean> {
  const owner = yearOwner(object);
  if (!owner) return false;
  if (owner.parent === 'period_id') {
    return Boolean(await db.selectFrom('periods').select('id').where('id', '=', owner.id).where('archived_at', 'is not', null)
      .executeTakeFirst());
  }
  const item = owner.parent === 'item_id' ? owner.id
    : owner.parent === 'event_id' ? db.selectFrom('events').select('item_id').where('id', '=', owner.id)
    : owner.parent === 'programme_id' ? db.selectFrom('programmes').select('item_id').where('id', '=', owner.id)
    : db.selectFrom('contests').select('item_id').where('id', '=', owner.id);
  return Boolean(await db.selectFrom('items as i').innerJoin('periods as p', 'p.id', 'i.period_id').select('i.id')
    .where('i.id', '=', item).where('p.archived_at', 'is not', null).executeTakeFirst());
}

/** What a write to an archived year is told: a page (or, from the API, a problem) with status 409. */
export const archivedYear = () => Refusal.conflict('archive.refused');

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Refuses a request that would write to an object of an archived year. Reads, and routes marked
 * `openWhenArchived`, pass without a query. Called once the object is found through the caller's
 * scope, so that an object outside it is a 404 as ever, never a 409 that tells it exists.
 */
export async function refuseWriteInArchivedYear(db: Executor, request: FastifyRequest, object: object): Promise<void> {
  if (!WRITES.has(request.method) || request.routeOptions.config.openWhenArchived) return;
  if (await inArchivedYear(db, object)) throw archivedYear();
}

/**
 * The rows of an organisers' list (events, programmes or contests, by slug) split into those of
 * current years and those of archived years, which the list shows apart. One query, over the
 * rows the list already holds.
 */
export async function apartArchived<T extends { slug: string }>(
  db: Executor, table: 'events' | 'programmes' | 'contests', rows: T[],
): Promise<{ current: T[]; archived: T[] }> {
  if (rows.length === 0) return { current: rows, archived: [] };
  // The three tables share `slug` and `item_id`; Kysely cannot type a union of table names.
  const found = await db.selectFrom(`${table} as o` as 'events as o').innerJoin('items as i', 'i.id', 'o.item_id')
    .innerJoin('periods as p', 'p.id', 'i.period_id').select('o.slug')
    .where('o.slug', 'in', rows.map((r) => r.slug)).where('p.archived_at', 'is not', null).execute();
  const archived = new Set(found.map((r) => r.slug));
  return { current: rows.filter((r) => !archived.has(r.slug)), archived: rows.filter((r) => archived.has(r.slug)) };
}
