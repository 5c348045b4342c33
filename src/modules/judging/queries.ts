import type { Executor } from '../../db/index.ts';

/** A judge's own assignments, never anyone else's; entrant names stay hidden in blind contests. */
export async function assignmentsOfJudge(db: Executor, judgeId: number) {
  const rows = await db
    .selectFrom('assignments as a')
    .innerJoin('entries as e', 'e.id', 'a.entry_id')
    .innerJoin('contest_rounds as r', 'r.id', 'a.round_id')
    .innerJoin('contests as c', 'c.id', 'r.contest_id')
    .where('a.judge_id', '=', judgeId)
    .select([
      'a.id', 'a.status', 'a.submitted_at', 'e.reference', 'e.title', 'e.applicant_name', 'c.title as contest_title',
      'c.slug as contest_slug', 'c.blind', 'r.name as round_name', 'r.status as round_status',
    ])
    .orderBy('c.id')
    .orderBy('r.position')
    .orderBy('e.reference')
    .execute();
  return rows.map(({ applicant_name, ...row }) => ({ ...row, applicant_name: row.blind ? null : applicant_name }));
}
