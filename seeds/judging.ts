import { type Rng, rngFor } from './people.ts';
import type { ContestSpec, CriterionSpec, EntrySpec } from './specs.ts';
import { between } from './time.ts';

/*
 * Who judged what, and with which scores, drawn from each entry's hidden merit. The plan is a
 * pure function of the contest spec, so the record (which needs the finalists and the
 * winners) and the demo (which adds the judges' scores behind them) always agree.
 */

export type AssignmentStatus = 'assigned' | 'conflicted' | 'draft' | 'submitted';

export type PlannedAssignment = {
  round: number;
  reference: string;
  /** Index into the contest's judges. */
  judge: number;
  status: AssignmentStatus;
  conflictReason: string | null;
  createdAt: string;
  submittedAt: string | null;
  /** One per criterion of the round; null where the judge has not scored yet. */
  scores: (number | null)[];
};

export type JudgingPlan = {
  /** Entry references in each round. */
  roundEntries: string[][];
  assignments: PlannedAssignment[];
  winners: { reference: string; tier: string }[];
};

const CONFLICTS = [
  'Former colleague of the lead inventor.',
  'Advised the applicant on patent filings in the last three years.',
  'A relative studies at the school.',
];

function score(rng: Rng, quality: number, bias: number, criterion: CriterionSpec): number {
  const raw = Math.min(1, Math.max(0, quality + bias + (rng() - 0.5) * 0.24));
  const steps = Math.round((raw * criterion.max) / criterion.step);
  return Math.min(criterion.max, steps * criterion.step);
}

/** The weighted total of one judge's scores, as a share of the maximum. */
function weightedShare(criteria: readonly CriterionSpec[], scores: readonly (number | null)[]): number {
  let got = 0;
  let weights = 0;
  criteria.forEach((c, i) => {
    got += (c.weight * (scores[i] ?? 0)) / c.max;
    weights += c.weight;
  });
  return got / weights;
}

/** In-progress judging: some submitted, some half done, some untouched, the odd conflict. */
function progressStatus(entryIndex: number, judge: number, lastSlot: boolean): AssignmentStatus {
  if (lastSlot && entryIndex % 6 === 2) return 'conflicted';
  const k = (entryIndex * 3 + judge * 7) % 10;
  if (k < 4) return 'submitted';
  if (k < 6) return 'draft';
  return 'assigned';
}

export function planJudging(contest: ContestSpec, judgeCount: number): JudgingPlan {
  const rng = rngFor(`${contest.slug}:judging`);
  const bias = Array.from({ length: judgeCount }, () => (rng() - 0.5) * 0.12);
  const plan: JudgingPlan = { roundEntries: contest.rounds.map(() => []), assignments: [], winners: [] };
  if (contest.judging === 'none' || judgeCount === 0) return plan;

  let current: EntrySpec[] = contest.entries.filter((e) => e.status === 'submitted');
  const ranking: EntrySpec[] = [];
  const lastRound = contest.judging === 'complete' ? contest.rounds.length : Math.min(1, contest.rounds.length);

  for (let r = 0; r < lastRound; r++) {
    const round = contest.rounds[r];
    if (!round) break;
    plan.roundEntries[r] = current.map((e) => e.reference);
    const totals = new Map<string, number>();
    current.forEach((entry, i) => {
      const shares: number[] = [];
      const slots = Math.min(round.judgesPerEntry, judgeCount);
      for (let k = 0; k < slots; k++) {
        const judge = (i + r + k) % judgeCount;
        const status = contest.judging === 'complete' ? 'submitted' : progressStatus(i, judge, k === slots - 1);
        const full = round.criteria.map((c) => score(rng, entry.quality, bias[judge] ?? 0, c));
        const scores = status === 'submitted' ? full
          : status === 'draft' ? full.map((s, ci) => (ci < Math.ceil(full.length / 2) ? s : null))
          : full.map(() => null);
        plan.assignments.push({
          round: r,
          reference: entry.reference,
          judge,
          status,
          conflictReason: status === 'conflicted' ? (CONFLICTS[(i + judge) % CONFLICTS.length] ?? null) : null,
          createdAt: round.judgedFrom,
          submittedAt: status === 'submitted' ? between(rng, round.judgedFrom, round.judgedUntil) : null,
          scores,
        });
        if (status === 'submitted') shares.push(weightedShare(round.criteria, scores));
      }
      totals.set(entry.reference, shares.length ? shares.reduce((a, b) => a + b, 0) / shares.length : 0);
    });
    const ranked = [...current].sort((a, b) =>
      (totals.get(b.reference) ?? 0) - (totals.get(a.reference) ?? 0) || a.reference.localeCompare(b.reference));
    const advance = r < lastRound - 1 ? (round.advance ?? ranked.length) : ranked.length;
    current = ranked.slice(0, advance);
    ranking.unshift(...ranked.slice(advance));
    if (r === lastRound - 1) ranking.unshift(...current);
  }

  if (contest.judging !== 'complete') return plan;
  const quotaTotal = contest.tiers.reduce((sum, t) => sum + (t.quota ?? 0), 0);
  const bySide = contest.winnersBySide;
  const winners = bySide
    ? ranking.filter((e, _, all) => {
        const place = all.filter((o) => o.side === e.side).indexOf(e);
        return place < (bySide[e.side] ?? 0);
      })
    : ranking.slice(0, quotaTotal);
  const tiers = [...contest.tiers].sort((a, b) => a.rank - b.rank);
  let next = 0;
  for (const tier of tiers) {
    for (let n = 0; n < (tier.quota ?? 0) && next < winners.length; n++) {
      const entry = winners[next++];
      if (entry) plan.winners.push({ reference: entry.reference, tier: tier.code });
    }
  }
  return plan;
}
