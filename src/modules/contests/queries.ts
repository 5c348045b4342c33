import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import type { CurrentUser } from '../auth/service.ts';
import { itemInScope } from '../scope/scope.ts';

const publicStatuses = ['open', 'judging', 'closed'] as const;

function withCounts(db: Executor) {
  return db
    .selectFrom('contests as c')
    .where('c.status', 'in', publicStatuses)
    .select([
      'c.slug', 'c.title', 'c.translations', 'c.kind', 'c.status', 'c.entry_opens_at', 'c.entry_closes_at', 'c.results_published_at',
      sql<number>`(select count(*) from entries e where e.contest_id = c.id and e.status = 'submitted' and e.confirm_by is null)::int`
        .as('entries'),
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
    .select(['i.number as item_number', 'i.title as item_title', 'i.translations as item_translations', 'p.slug as period_slug'])
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
      .select(['t.code', 't.name', 't.translations', 't.quota', 't.is_major', 't.rank', sql<number>`count(g.id)::int`.as('granted')])
      .orderBy('t.rank')
      .execute(),
    db
      .selectFrom('entries')
      .where('contest_id', '=', contestId)
      .where('status', '=', 'submitted')
      // Pending entries (email not yet confirmed, confirm_by set) never count.
      .where('confirm_by', 'is', null)
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
    .where('e.confirm_by', 'is', null)
    .select(['t.name as tier', 't.translations as tier_translations', 't.rank', 'e.reference', 'e.title', 'e.applicant_name', 'e.side'])
    .orderBy('t.rank')
    .orderBy('e.reference')
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Organisers: every contest is loaded through the organiser's scope on its item.

export async function contestsInScope(db: Executor, user: CurrentUser) {
  return db
    .selectFrom('contests as c')
    .innerJoin('items as i', 'i.id', 'c.item_id')
    .innerJoin('periods as p', 'p.id', 'i.period_id')
    .where((eb) => itemInScope(user, eb.ref('c.item_id')))
    .select([
      'c.slug', 'c.title', 'c.kind', 'c.status', 'c.blind', 'c.results_published_at', 'p.label as period_label', 'i.number as item_number',
      sql<number>`(select count(*) from entries e where e.contest_id = c.id and e.status = 'submitted' and e.confirm_by is null)::int`
        .as('entries'),
      sql<number>`(select count(*) from award_grants g join award_tiers t on t.id = g.tier_id where t.contest_id = c.id)::int`.as('awards'),
    ])
    .orderBy('p.starts_on', 'desc')
    .orderBy('i.number')
    .execute();
}

export async function scopedContest(db: Executor, user: CurrentUser, slug: string) {
  return db
    .selectFrom('contests as c')
    .innerJoin('items as i', 'i.id', 'c.item_id')
    .innerJoin('periods as p', 'p.id', 'i.period_id')
    .where('c.slug', '=', slug)
    .where((eb) => itemInScope(user, eb.ref('c.item_id')))
    .selectAll('c')
    .select(['i.number as item_number', 'p.label as period_label'])
    .executeTakeFirst();
}

export type ScopedContest = NonNullable<Awaited<ReturnType<typeof scopedContest>>>;

export async function contestRounds(db: Executor, contestId: number) {
  return db
    .selectFrom('contest_rounds as r')
    .where('r.contest_id', '=', contestId)
    .selectAll('r')
    .select([
      sql<number>`(select count(*) from round_entries re where re.round_id = r.id)::int`.as('entries'),
      sql<number>`(select count(*) from assignments a where a.round_id = r.id and a.status <> 'conflicted')::int`.as('assignments'),
      sql<number>`(select count(*) from assignments a where a.round_id = r.id and a.status = 'submitted')::int`.as('submitted'),
    ])
    .orderBy('r.position')
    .execute();
}

export async function contestEntries(db: Executor, contestId: number) {
  return db
    .selectFrom('entries as e')
    .leftJoin('contest_categories as cat', 'cat.id', 'e.category_id')
    .leftJoin('award_grants as g', 'g.entry_id', 'e.id')
    .leftJoin('award_tiers as t', 't.id', 'g.tier_id')
    .where('e.contest_id', '=', contestId)
    .select([
      'e.id', 'e.reference', 'e.title', 'e.applicant_name', 'e.applicant_type', 'e.side', 'e.status', 'e.contact_email', 'e.created_at',
      'e.confirm_by', 'e.organisation_id', 'cat.name as category', 't.name as award', 'g.id as grant_id',
      sql<number>`(select count(*) from entry_attachments f where f.entry_id = e.id)::int`.as('attachments'),
    ])
    .orderBy('e.reference')
    .execute();
}

export async function contestJudges(db: Executor, contestId: number) {
  return db
    .selectFrom('contest_judges as cj')
    .innerJoin('users as u', 'u.id', 'cj.user_id')
    .leftJoin('organisations as o', 'o.id', 'u.organisation_id')
    .where('cj.contest_id', '=', contestId)
    .select(['u.id', 'u.name', 'u.email', 'u.organisation_id', 'o.code as organisation_code'])
    .orderBy('u.name')
    .execute();
}

/** Judge accounts not yet on the contest's panel. */
export async function judgesNotOnPanel(db: Executor, contestId: number) {
  return db
    .selectFrom('users as u')
    .where('u.role', '=', 'judge')
    .where('u.disabled_at', 'is', null)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('contest_judges as cj').select('cj.user_id')
      .where('cj.contest_id', '=', contestId).whereRef('cj.user_id', '=', 'u.id'))))
    .select(['u.id', 'u.name', 'u.email'])
    .orderBy('u.name')
    .execute();
}

export async function contestTiers(db: Executor, contestId: number) {
  return db
    .selectFrom('award_tiers as t')
    .where('t.contest_id', '=', contestId)
    .selectAll('t')
    .select(sql<number>`(select count(*) from award_grants g where g.tier_id = t.id)::int`.as('granted'))
    .orderBy('t.rank')
    .execute();
}

/** Every criterion of every round of a contest, in order. */
export async function contestCriteria(db: Executor, contestId: number) {
  return db
    .selectFrom('criteria as c')
    .innerJoin('contest_rounds as r', 'r.id', 'c.round_id')
    .where('r.contest_id', '=', contestId)
    .select(['c.id', 'c.round_id', 'c.position', 'c.name', 'c.guidance', 'c.weight', 'c.max_score', 'c.step', 'c.translations'])
    .orderBy('r.position')
    .orderBy('c.position')
    .execute();
}

export async function roundOf(db: Executor, contestId: number, position: number) {
  return db.selectFrom('contest_rounds').selectAll().where('contest_id', '=', contestId).where('position', '=', position)
    .executeTakeFirst();
}

export type Round = NonNullable<Awaited<ReturnType<typeof roundOf>>>;

/** Every assignment of a round with its judge and entry, for the progress view. */
export async function roundAssignments(db: Executor, roundId: number) {
  return db
    .selectFrom('assignments as a')
    .innerJoin('users as u', 'u.id', 'a.judge_id')
    .innerJoin('entries as e', 'e.id', 'a.entry_id')
    .where('a.round_id', '=', roundId)
    .select([
      'a.id', 'a.status', 'a.conflict_reason', 'a.submitted_at', 'a.judge_id', 'a.entry_id', 'u.name as judge_name', 'e.reference',
      sql<number>`(select count(*) from scores s where s.assignment_id = a.id and s.score is not null)::int`.as('scored'),
    ])
    .orderBy('e.reference')
    .orderBy('u.name')
    .execute();
}

/** Pairs that must never be assigned: declared conflicts in any round, and judges of the entrant's organisation. */
export async function conflictedPairs(db: Executor, contestId: number) {
  const declared = await db
    .selectFrom('assignments as a')
    .innerJoin('contest_rounds as r', 'r.id', 'a.round_id')
    .where('r.contest_id', '=', contestId)
    .where('a.status', '=', 'conflicted')
    .select(['a.entry_id', 'a.judge_id'])
    .execute();
  const automatic = await db
    .selectFrom('entries as e')
    .innerJoin('users as u', 'u.organisation_id', 'e.organisation_id')
    .innerJoin('contest_judges as cj', (join) => join.onRef('cj.user_id', '=', 'u.id').onRef('cj.contest_id', '=', 'e.contest_id'))
    .where('e.contest_id', '=', contestId)
    .select(['e.id as entry_id', 'u.id as judge_id'])
    .execute();
  return new Set([...declared, ...automatic].map((p) => `${p.entry_id}:${p.judge_id}`));
}

export async function scopedEntryAttachment(db: Executor, contestId: number, entryId: number, attachmentId: number) {
  return db
    .selectFrom('entry_attachments as f')
    .innerJoin('entries as e', 'e.id', 'f.entry_id')
    .where('e.contest_id', '=', contestId)
    .where('f.entry_id', '=', entryId)
    .where('f.id', '=', attachmentId)
    .select(['f.id', 'f.filename', 'f.size_bytes', 'f.storage_key'])
    .executeTakeFirst();
}

/** A contest's categories, in the order they were made. */
export async function contestCategories(db: Executor, contestId: number) {
  return db.selectFrom('contest_categories').select(['id', 'code', 'name']).where('contest_id', '=', contestId).orderBy('id').execute();
}
