import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';

/**
 * The judge's own sheets (`a`) with their entry (`e`), round (`r`) and contest (`c`): the base of
 * every query a judge's pages make, so none can reach another judge's sheet. A pending entry
 * (email not yet confirmed) is never shown to a judge.
 */
const sheetsOfJudge = (db: Executor, judgeId: number) => db
  .selectFrom('assignments as a')
  .innerJoin('entries as e', 'e.id', 'a.entry_id')
  .innerJoin('contest_rounds as r', 'r.id', 'a.round_id')
  .innerJoin('contests as c', 'c.id', 'r.contest_id')
  .where('a.judge_id', '=', judgeId)
  .where('e.confirm_by', 'is', null);

/**
 * A judge's own assignments, never anyone else's; entrant names stay hidden in blind contests.
 * `current`: only in the contests not yet closed, as the judge's page shows them (a closed
 * contest's sheets are history, and years of them would cost every visit); the API lists all.
 */
export async function assignmentsOfJudge(db: Executor, judgeId: number, which: 'current' | 'all' = 'current') {
  const rows = await sheetsOfJudge(db, judgeId)
    .$if(which === 'current', (q) => q.where('c.status', '<>', 'closed'))
    .select([
      'a.id', 'a.status', 'a.submitted_at', 'e.reference', 'e.title', 'e.applicant_name', 'c.title as contest_title',
      'c.slug as contest_slug', 'c.blind', 'r.name as round_name', 'r.status as round_status',
      sql<number>`(select count(*) from scores s where s.assignment_id = a.id and s.score is not null)::int`.as('scored'),
      sql<number>`(select count(*) from criteria k where k.round_id = r.id)::int`.as('criteria'),
    ])
    .orderBy('c.id')
    .orderBy('r.position')
    .orderBy('e.reference')
    .execute();
  return rows.map(({ applicant_name, ...row }) => ({ ...row, applicant_name: row.blind ? null : applicant_name }));
}

/**
 * One assignment of this judge with its entry, round and contest. The judge is part of the
 * lookup, so someone else's assignment (or a guessed id) is simply not found.
 */
export async function judgeAssignment(db: Executor, judgeId: number, assignmentId: number) {
  return sheetsOfJudge(db, judgeId)
    .innerJoin('users as u', 'u.id', 'a.judge_id')
    .leftJoin('contest_categories as cat', 'cat.id', 'e.category_id')
    .where('a.id', '=', assignmentId)
    .select([
      'a.id', 'a.status', 'a.conflict_reason', 'a.submitted_at', 'a.round_id', 'a.entry_id',
      'e.reference', 'e.title', 'e.summary', 'e.details', 'e.applicant_name', 'e.applicant_type', 'e.side',
      'e.organisation_id as entry_organisation_id', 'cat.name as category_name',
      'r.name as round_name', 'r.status as round_status', 'r.scores_open_to_judges',
      'c.id as contest_id', 'c.item_id', 'c.title as contest_title', 'c.kind', 'c.blind',
      'u.organisation_id as judge_organisation_id',
    ])
    .executeTakeFirst();
}

export type JudgeAssignment = NonNullable<Awaited<ReturnType<typeof judgeAssignment>>>;

/** The judge's organisation is the entrant's: a conflict no declaration can lift. */
export const automaticConflict = (a: Pick<JudgeAssignment, 'judge_organisation_id' | 'entry_organisation_id'>) =>
  a.judge_organisation_id !== null && a.judge_organisation_id === a.entry_organisation_id;

export async function criteriaWithScores(db: Executor, roundId: number, assignmentId: number) {
  return db
    .selectFrom('criteria as k')
    .leftJoin('scores as s', (join) => join.onRef('s.criterion_id', '=', 'k.id').on('s.assignment_id', '=', assignmentId))
    .where('k.round_id', '=', roundId)
    .select(['k.id', 'k.name', 'k.guidance', 'k.translations', 'k.weight', 'k.max_score', 'k.step', 's.score', 's.comment'])
    .orderBy('k.position')
    .execute();
}

/** The other judges' submitted sheets for the same entry and round (shown only once opened). */
export async function otherJudgesScores(db: Executor, roundId: number, entryId: number, judgeId: number) {
  return db
    .selectFrom('assignments as a')
    .innerJoin('users as u', 'u.id', 'a.judge_id')
    .innerJoin('scores as s', 's.assignment_id', 'a.id')
    .innerJoin('criteria as k', 'k.id', 's.criterion_id')
    .where('a.round_id', '=', roundId)
    .where('a.entry_id', '=', entryId)
    .where('a.judge_id', '!=', judgeId)
    .where('a.status', '=', 'submitted')
    .select(['u.name as judge_name', 'k.name', 'k.translations', 's.score', 's.comment'])
    .orderBy('u.name')
    .orderBy('k.position')
    .execute();
}

export async function entryAttachments(db: Executor, entryId: number) {
  return db
    .selectFrom('entry_attachments')
    .where('entry_id', '=', entryId)
    .select(['id', 'filename', 'content_type', 'size_bytes', 'storage_key', 'clean_storage_key', 'created_at'])
    .orderBy('id')
    .execute();
}

/** The rounds not yet closed in which the judge has entries: when each closes, and how many sheets are still unfinished. */
export async function deadlinesOfJudge(db: Executor, judgeId: number) {
  return sheetsOfJudge(db, judgeId)
    // The few rounds not closed first, then the judge's sheets in each (assignments_judge_round_idx), not all the judge's years.
    .where('a.round_id', '=', sql<number>`any(array(select id from contest_rounds where status <> 'closed'))`)
    .where('r.status', '<>', 'closed')
    .groupBy(['r.id', 'c.id'])
    .select([
      'r.id', 'r.name as round_name', 'r.status as round_status', 'r.closes_at', 'c.title as contest_title', 'c.translations',
      sql<number>`count(*) filter (where a.status in ('assigned', 'draft'))::int`.as('unfinished'),
    ])
    .orderBy(sql`r.closes_at nulls last`)
    .orderBy('r.id')
    .execute();
}
