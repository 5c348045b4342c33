import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import type { TieBreak } from '../../db/types.ts';
import { type Aggregation, type Ranking, rankEntries, type ScoredCriterion, type Sheet } from './engine.ts';

/** A round's criteria in their order, as the engine takes them. */
export async function roundCriteria(db: Executor, roundId: number): Promise<ScoredCriterion[]> {
  const rows = await db
    .selectFrom('criteria')
    .where('round_id', '=', roundId)
    .select(['id', 'name', 'weight', 'max_score', 'step'])
    .orderBy('position')
    .execute();
  return rows.map((c) => ({ id: c.id, name: c.name, weight: c.weight, max: c.max_score, step: c.step }));
}

/** The entries taking part in a round. */
export async function roundEntries(db: Executor, roundId: number) {
  return db
    .selectFrom('round_entries as re')
    .innerJoin('entries as e', 'e.id', 're.entry_id')
    .where('re.round_id', '=', roundId)
    .where('e.confirm_by', 'is', null)
    .select(['e.id', 'e.reference', 'e.title', 'e.applicant_name', 'e.side', 'e.created_at as createdAt'])
    .orderBy('e.reference')
    .execute();
}

/**
 * Every submitted score sheet of a round with its scores. One row per sheet, its scores read
 * through the sheet's own key (scores_pkey), so the cost follows the round's sheets and not the
 * scores of every year.
 */
export async function roundSheets(db: Executor, roundId: number): Promise<Sheet[]> {
  const rows = await db
    .selectFrom('assignments as a')
    .where('a.round_id', '=', roundId)
    .where('a.status', '=', 'submitted')
    .select(['a.entry_id', 'a.judge_id', sql<Record<number, number> | null>`(select json_object_agg(s.criterion_id, s.score)
      from scores s where s.assignment_id = a.id and s.score is not null)`.as('scores')])
    .orderBy('a.id')
    .execute();
  // A sheet without a single score is not one.
  return rows.flatMap((r) => (r.scores === null ? [] : [{ entryId: r.entry_id, judgeId: r.judge_id, scores: r.scores }]));
}

export type RoundRanking = Ranking & {
  criteria: ScoredCriterion[];
  entries: Awaited<ReturnType<typeof roundEntries>>;
};

/** The ranking of a round from its stored scores, by the round's own aggregation and tie-break. */
export async function computeRoundRanking(
  db: Executor, round: { id: number; aggregation: Aggregation; tie_break: TieBreak },
): Promise<RoundRanking> {
  const [criteria, entries, sheets] = await Promise.all([
    roundCriteria(db, round.id), roundEntries(db, round.id), roundSheets(db, round.id),
  ]);
  const ranking = rankEntries({ criteria, entries, sheets, aggregation: round.aggregation, tieBreak: round.tie_break });
  return { ...ranking, criteria, entries };
}
