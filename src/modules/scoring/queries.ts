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

type RankedRound = { id: number; aggregation: Aggregation; tie_break: TieBreak };

/** The ranking of a round from its stored scores, by the round's own aggregation and tie-break. */
async function rankRound(db: Executor, round: RankedRound): Promise<RoundRanking> {
  const [criteria, entries, sheets] = await Promise.all([
    roundCriteria(db, round.id), roundEntries(db, round.id), roundSheets(db, round.id),
  ]);
  const ranking = rankEntries({ criteria, entries, sheets, aggregation: round.aggregation, tieBreak: round.tie_break });
  return { ...ranking, criteria, entries };
}

/** How many rounds' rankings a database keeps in memory; the least recently read goes first. */
const KEPT_RANKINGS = 32;
const rankings = new WeakMap<Executor, Map<number, { version: string; ranking: Promise<RoundRanking> }>>();

/**
 * A round's ranking, computed again only when something it is made of has changed: the round's
 * counter (its criteria, entries, sheets and scores; migrations/2026-12-06T05-00_round-versions.ts)
 * and the content version (the entries' own rows), read before the rows so that a ranking is
 * never kept under a version newer than its rows. Within a transaction it is always computed
 * afresh: rows not yet committed must not be kept, and the caller may be about to change them.
 * Requests arriving together for a changed round share one computation. A ranking is shared, not
 * copied: callers read it and never change it.
 */
export async function computeRoundRanking(db: Executor, round: RankedRound): Promise<RoundRanking> {
  if (db.isTransaction) return rankRound(db, round);
  const current = await db.selectFrom(['round_versions as rv', 'content_version as cv']).where('rv.round_id', '=', round.id)
    .select(sql<string>`rv.version::text || '.' || cv.n::text`.as('version')).executeTakeFirst();
  if (!current) return rankRound(db, round);
  const version = `${current.version}.${round.aggregation}.${round.tie_break}`;
  let kept = rankings.get(db);
  if (!kept) {
    kept = new Map<number, { version: string; ranking: Promise<RoundRanking> }>();
    rankings.set(db, kept);
  }
  const hit = kept.get(round.id);
  kept.delete(round.id);
  if (hit?.version === version) {
    kept.set(round.id, hit);
    return hit.ranking;
  }
  const ranking = rankRound(db, round);
  kept.set(round.id, { version, ranking });
  if (kept.size > KEPT_RANKINGS) kept.delete(kept.keys().next().value!);
  ranking.catch(() => {
    if (kept.get(round.id)?.ranking === ranking) kept.delete(round.id);
  });
  return ranking;
}
