import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';

/*
 * The counts behind narrative figures. Each function answers for every reference of its kind
 * at once (one query, grouped), so rendering a whole summary costs a fixed number of queries.
 * Every row carries its object's item and status: a narrative shows only its own item's public
 * objects (src/modules/summary/service.ts).
 */

/** Whose an object is and whether it is public: every status but draft is (the public pages' rule). */
export type ObjectOwner = { item_id: number; status: string };

export type EventCountRow = ObjectOwner & { slug: string; side: string | null; attended: number; confirmed: number };

export async function eventCounts(db: Executor, slugs: readonly string[]): Promise<EventCountRow[]> {
  if (slugs.length === 0) return [];
  // Each event's registrations by its tallies (registration_tallies, kept by triggers): the cost
  // follows the events named, never their registrations. A side whose tallies fell to zero has none.
  return db
    .selectFrom('events as e')
    .leftJoinLateral((eb) => eb.selectFrom('registration_tallies as t').whereRef('t.event_id', '=', 'e.id').groupBy('t.side')
      .having(sql<number>`sum(t.registrations)`, '>', 0)
      .select([
        't.side',
        sql<number>`sum(t.checked_in)::int`.as('attended'),
        sql<number>`sum(t.confirmed)::int`.as('confirmed'),
      ]).as('c'), (join) => join.onTrue())
    .where('e.slug', 'in', slugs)
    .select([
      'e.slug',
      'e.item_id',
      'e.status',
      'c.side',
      sql<number>`coalesce(c.attended, 0)`.as('attended'),
      sql<number>`coalesce(c.confirmed, 0)`.as('confirmed'),
    ])
    .execute();
}

export type DelegationCountRow = ObjectOwner & {
  slug: string;
  delegation_id: number | null;
  from_side: string | null;
  to_side: string | null;
  role: string | null;
  members: number;
};

export async function delegationCounts(db: Executor, slugs: readonly string[]): Promise<DelegationCountRow[]> {
  if (slugs.length === 0) return [];
  return db
    .selectFrom('programmes as p')
    .leftJoin('delegations as d', (join) =>
      join.onRef('d.programme_id', '=', 'p.id').on('d.status', '<>', 'withdrawn').on('d.confirm_by', 'is', null))
    .leftJoin('delegation_members as m', 'm.delegation_id', 'd.id')
    .where('p.slug', 'in', slugs)
    .groupBy(['p.slug', 'p.item_id', 'p.status', 'd.id', 'd.from_side', 'd.to_side', 'm.role'])
    .select([
      'p.slug',
      'p.item_id',
      'p.status',
      'd.id as delegation_id',
      'd.from_side',
      'd.to_side',
      'm.role',
      sql<number>`count(m.id)::int`.as('members'),
    ])
    .execute();
}

export type VisitRow = ObjectOwner & {
  slug: string;
  visit_id: number | null;
  from_side: string | null;
  to_side: string | null;
  visit_on: string | null;
  host: string | null;
};

/** Every itinerary visit of the programmes, in itinerary order (a programme without visits still answers). */
export async function programmeVisits(db: Executor, slugs: readonly string[]): Promise<VisitRow[]> {
  if (slugs.length === 0) return [];
  return db
    .selectFrom('programmes as p')
    .leftJoin('delegations as d', (join) =>
      join.onRef('d.programme_id', '=', 'p.id').on('d.status', '<>', 'withdrawn').on('d.confirm_by', 'is', null))
    .leftJoin('delegation_visits as v', 'v.delegation_id', 'd.id')
    .where('p.slug', 'in', slugs)
    .select([
      'p.slug', 'p.item_id', 'p.status', 'v.id as visit_id', 'd.from_side', 'd.to_side',
      sql<string | null>`v.visit_on::text`.as('visit_on'), 'v.host',
    ])
    .orderBy('p.slug')
    .orderBy('v.visit_on')
    .orderBy('v.starts_at')
    .orderBy('v.id')
    .execute();
}

export type EntryCountRow = ObjectOwner & { slug: string; side: string | null; category: string | null; entries: number };

export async function entryCounts(db: Executor, slugs: readonly string[]): Promise<EntryCountRow[]> {
  if (slugs.length === 0) return [];
  return db
    .selectFrom('contests as c')
    .leftJoin('entries as e', (join) => join.onRef('e.contest_id', '=', 'c.id').on('e.status', '=', 'submitted')
      .on('e.confirm_by', 'is', null))
    .leftJoin('contest_categories as cc', 'cc.id', 'e.category_id')
    .where('c.slug', 'in', slugs)
    .groupBy(['c.slug', 'c.item_id', 'c.status', 'e.side', 'cc.code'])
    .select(['c.slug', 'c.item_id', 'c.status', 'e.side', 'cc.code as category', sql<number>`count(e.id)::int`.as('entries')])
    .execute();
}

export type AwardCountRow = { slug: string; tier: string; is_major: boolean; side: string; awards: number };

export async function awardCounts(db: Executor, slugs: readonly string[]): Promise<AwardCountRow[]> {
  if (slugs.length === 0) return [];
  return db
    .selectFrom('contests as c')
    .innerJoin('award_tiers as t', 't.contest_id', 'c.id')
    .innerJoin('award_grants as g', 'g.tier_id', 't.id')
    .innerJoin('entries as e', 'e.id', 'g.entry_id')
    .where('c.slug', 'in', slugs)
    .where('e.confirm_by', 'is', null)
    .groupBy(['c.slug', 't.code', 't.is_major', 'e.side'])
    .select(['c.slug', 't.code as tier', 't.is_major', 'e.side', sql<number>`count(g.id)::int`.as('awards')])
    .execute();
}

/** A survey's rating counts: one row per rating question and rating given (rating null: a question without answers). */
export type SurveyCountRow = ObjectOwner & {
  slug: string; has_survey: boolean; responses: number; position: number | null; rating: number | null; n: number;
};

export async function surveyCounts(db: Executor, slugs: readonly string[]): Promise<SurveyCountRow[]> {
  if (slugs.length === 0) return [];
  return db
    .selectFrom('events as e')
    .leftJoin('surveys as s', 's.event_id', 'e.id')
    .leftJoin('survey_questions as q', (join) => join.onRef('q.event_id', '=', 'e.id').on('q.kind', '=', 'rating'))
    // Answers are written when a response is submitted: every one counts.
    .leftJoin('survey_answers as a', 'a.question_id', 'q.id')
    .where('e.slug', 'in', slugs)
    .groupBy(['e.id', 'e.slug', 'e.item_id', 'e.status', 's.event_id', 'q.position', 'a.rating'])
    .select([
      'e.slug', 'e.item_id', 'e.status', 'q.position', 'a.rating',
      sql<boolean>`s.event_id is not null`.as('has_survey'),
      sql<number>`(select count(*) from survey_responses r where r.event_id = e.id and r.submitted_at is not null)::int`.as('responses'),
      sql<number>`count(a.rating)::int`.as('n'),
    ])
    .execute();
}

export type FigureRow = { item_number: number; key: string; value: number; unit: 'count' | 'hkd' };

export async function periodFigures(db: Executor, periodId: number): Promise<FigureRow[]> {
  return db
    .selectFrom('figures as f')
    .innerJoin('items as i', 'i.id', 'f.item_id')
    .where('i.period_id', '=', periodId)
    .select(['i.number as item_number', 'f.key', 'f.value', 'f.unit'])
    .execute();
}

export async function periodBySlug(db: Executor, slug: string) {
  return db.selectFrom('periods').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function periodItems(db: Executor, periodId: number) {
  return db
    .selectFrom('items')
    .select(['id', 'number', 'title', 'is_new', 'status', 'narrative', 'updated_at', 'translations'])
    .where('period_id', '=', periodId)
    .orderBy('number')
    .execute();
}

export async function allPeriods(db: Executor) {
  return db
    .selectFrom('periods as p')
    .select([
      'p.slug', 'p.label', 'p.starts_on', 'p.ends_on', 'p.published_at', 'p.archived_at',
      sql<number>`(select count(*) from items i where i.period_id = p.id)::int`.as('items'),
    ])
    .orderBy('p.starts_on', 'desc')
    .execute();
}

export async function itemByNumber(db: Executor, periodId: number, number: number) {
  return db.selectFrom('items').selectAll().where('period_id', '=', periodId).where('number', '=', number).executeTakeFirst();
}

export async function itemParties(db: Executor, itemId: number) {
  return db
    .selectFrom('item_parties as ip')
    .innerJoin('organisations as o', 'o.id', 'ip.organisation_id')
    .where('ip.item_id', '=', itemId)
    .select(['o.code', 'o.name', 'o.side', 'ip.is_lead'])
    .orderBy('ip.is_lead', 'desc')
    .orderBy('o.code')
    .execute();
}

export async function itemFigures(db: Executor, itemId: number) {
  return db
    .selectFrom('figures')
    .where('item_id', '=', itemId)
    .select(['key', 'label', 'value', 'unit', 'recorded_at'])
    .orderBy('key')
    .execute();
}

/**
 * The version the public summary and item pages are cached under (src/lib/page-cache.ts): the
 * content's change counter and the sum of every event's, since a year's figures count the
 * registrations of all its events and compare with the year before. Read before the page.
 */
export async function publicContentVersion(db: Executor): Promise<string> {
  const { rows } = await sql<{ version: string }>`
    select (select n from content_version)::text || '.' || (select coalesce(sum(version), 0) from event_versions)::text as version
  `.execute(db);
  return rows[0]!.version;
}
