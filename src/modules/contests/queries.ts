import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';

const publicStatuses = ['open', 'judging', 'closed'] as const;

function withCounts(db: Executor) {
  return db
    .selectFrom('contests as c')
    .where('c.status', 'in', publicStatuses)
    .select([
      'c.slug', 'c.title', 'c.kind', 'c.status', 'c.entry_opens_at', 'c.entry_closes_at', 'c.results_published_at',
      sql<number>`(select count(*) from entries e where e.contest_id = c.id and e.status = 'submitted')::int`.as('entries'),
      sql<number>`(select count(*) from award_grants g join award_tiers t on t.id = g.tier_id where t.contest_id = c.id)::int`.as('awards'),
    ]);
}

export async function contestsOfItem(db: Executor, itemId: number) {
  return withCounts(db).where('c.item_id', '=', itemId).orderBy('c.id').execute();
}

export async function openContests(db: Executor, now: Date) {
  return withCounts(db)
    .where('c.status', '=', 'open')
    .where((eb) => eb.or([eb('c.entry_closes_at', 'is', null), eb('c.entry_closes_at', '>', now)]))
    .orderBy('c.entry_closes_at')
    .execute();
}

export async function publicContestBySlug(db: Executor, slug: string) {
  return db
    .selectFrom('contests as c')
    .innerJoin('items as i', 'i.id', 'c.item_id')
    .innerJoin('periods as p', 'p.id', 'i.period_id')
    .where('c.slug', '=', slug)
    .where('c.status', 'in', publicStatuses)
    .selectAll('c')
    .select(['i.number as item_number', 'i.title as item_title', 'p.slug as period_slug'])
    .executeTakeFirst();
}

export async function contestOverview(db: Executor, contestId: number) {
  const [categories, tiers, entries] = await Promise.all([
    db.selectFrom('contest_categories').where('contest_id', '=', contestId).select(['code', 'name']).orderBy('id').execute(),
    db
      .selectFrom('award_tiers as t')
      .leftJoin('award_grants as g', 'g.tier_id', 't.id')
      .where('t.contest_id', '=', contestId)
      .groupBy('t.id')
      .select(['t.code', 't.name', 't.quota', 't.is_major', 't.rank', sql<number>`count(g.id)::int`.as('granted')])
      .orderBy('t.rank')
      .execute(),
    db
      .selectFrom('entries')
      .where('contest_id', '=', contestId)
      .where('status', '=', 'submitted')
      .groupBy('side')
      .select(['side', sql<number>`count(*)::int`.as('entries')])
      .execute(),
  ]);
  return { categories, tiers, entriesBySide: entries };
}

/** Published results: each awarded entry with its tier, best tier first. */
export async function publishedResults(db: Executor, contestId: number) {
  return db
    .selectFrom('award_grants as g')
    .innerJoin('award_tiers as t', 't.id', 'g.tier_id')
    .innerJoin('entries as e', 'e.id', 'g.entry_id')
    .where('t.contest_id', '=', contestId)
    .select(['t.name as tier', 't.rank', 'e.reference', 'e.title', 'e.applicant_name', 'e.side'])
    .orderBy('t.rank')
    .orderBy('e.reference')
    .execute();
}
