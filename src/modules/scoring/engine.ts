import type { TieBreak } from '../../db/types.ts';

/*
 * The scoring engine: pure functions from the judges' submitted score sheets to a ranking that
 * can be explained number by number. A judge's total is the weighted share of the maximum, on
 * a scale of 100; an entry's score aggregates its judges' totals (mean, median, or the mean
 * without the highest and the lowest); the normalised ranking rescales every judge's totals to
 * the panel's mean and spread before aggregating, which cancels harsh and lenient judging.
 */

export type Aggregation = 'mean' | 'median' | 'trimmed_mean';

export type ScoredCriterion = { id: number; name: string; weight: number; max: number; step: number };

/** One judge's submitted scores for one entry, by criterion id. */
export type Sheet = { entryId: number; judgeId: number; scores: Readonly<Record<number, number>> };

export type RankableEntry = { id: number; reference: string; createdAt: Date };

/** Judges whose totals for one entry are this many points apart (of 100) disagree strongly. */
export const DISAGREEMENT_SPREAD = 20;

const EPSILON = 1e-9;

export const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('mean of no values');
  return sum(values) / values.length;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The mean without the single highest and lowest value; with fewer than three values, the mean. */
export function trimmedMean(values: readonly number[]): number {
  if (values.length < 3) return mean(values);
  const sorted = [...values].sort((a, b) => a - b);
  return mean(sorted.slice(1, -1));
}

/** Population standard deviation: the judges scored are all the judges there are. */
export function standardDeviation(values: readonly number[]): number {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
}

export function aggregate(values: readonly number[], method: Aggregation): number {
  if (method === 'median') return median(values);
  if (method === 'trimmed_mean') return trimmedMean(values);
  return mean(values);
}

/** A judge's total for one entry: 100 × Σ(weight × score / maximum) / Σ weight. */
export function weightedTotal(criteria: readonly ScoredCriterion[], scores: Readonly<Record<number, number>>): number {
  const weights = sum(criteria.map((c) => c.weight));
  return (100 * sum(criteria.map((c) => (c.weight * (scores[c.id] ?? 0)) / c.max))) / weights;
}

/** Why a typed score cannot be stored: outside 0 to the maximum, or between steps; null when it can. */
export function scoreProblem(value: number, criterion: Pick<ScoredCriterion, 'max' | 'step'>): 'range' | 'step' | null {
  if (!Number.isFinite(value) || value < 0 || value > criterion.max) return 'range';
  const steps = value / criterion.step;
  if (Math.abs(steps - Math.round(steps)) > 1e-6) return 'step';
  return null;
}

export type JudgeStatistics = {
  judgeId: number;
  sheets: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
  /** This judge's mean minus the panel's: below zero harsh, above zero lenient. */
  offset: number;
  /** Totals counted in ten bands of ten points: 0–9.99, 10–19.99 … 90–100. */
  histogram: number[];
};

/** Adds a value to its key's list (in place: a round's thousands of sheets are grouped in one pass). */
function pushTo<K, V>(groups: Map<K, V[]>, key: K, value: V) {
  const list = groups.get(key);
  if (list) list.push(value);
  else groups.set(key, [value]);
}

/**
 * Each sheet's total rescaled as z-scores within its judge, then back onto the panel's mean
 * and standard deviation. A judge whose totals do not vary (or who scored once) is only shifted
 * onto the panel's mean, as there is no spread to rescale.
 */
export function normaliseTotals(totals: readonly { judgeId: number; total: number }[]): number[] {
  if (totals.length === 0) return [];
  const all = totals.map((t) => t.total);
  const panelMean = mean(all);
  const panelSd = standardDeviation(all);
  const byJudge = new Map<number, number[]>();
  for (const t of totals) pushTo(byJudge, t.judgeId, t.total);
  const judgeMoments = new Map([...byJudge].map(([judgeId, values]) => [judgeId, { m: mean(values), sd: standardDeviation(values) }]));
  return totals.map((t) => {
    const { m, sd } = judgeMoments.get(t.judgeId) as { m: number; sd: number };
    return sd > EPSILON ? panelMean + (panelSd * (t.total - m)) / sd : panelMean + (t.total - m);
  });
}

export function judgeStatistics(totals: readonly { judgeId: number; total: number }[]): JudgeStatistics[] {
  if (totals.length === 0) return [];
  const panelMean = mean(totals.map((t) => t.total));
  const byJudge = new Map<number, number[]>();
  for (const t of totals) pushTo(byJudge, t.judgeId, t.total);
  return [...byJudge].map(([judgeId, values]) => {
    const histogram = Array<number>(10).fill(0);
    for (const v of values) histogram[Math.min(9, Math.floor(v / 10))]! += 1;
    const m = mean(values);
    return {
      judgeId, sheets: values.length, mean: m, sd: standardDeviation(values), min: Math.min(...values),
      max: Math.max(...values), offset: m - panelMean, histogram,
    };
  });
}

export type JudgeLine = { judgeId: number; total: number; normalised: number; scores: Readonly<Record<number, number>> };

export type RankingRow = {
  entryId: number;
  reference: string;
  judges: JudgeLine[];
  /** Each criterion's mean score over the judges, in criterion order. */
  criterionMeans: number[];
  score: number | null;
  normalisedScore: number | null;
  rank: number | null;
  normalisedRank: number | null;
  /** Places gained (positive) or lost by normalising. */
  rankChange: number | null;
  /** Highest minus lowest judge total. */
  spread: number | null;
  disagreement: boolean;
  /** When the score equalled a neighbour's: what separated them. */
  tieBrokenBy: TieBreakReason | null;
};

/** What put one of two equal scores first: a higher mean on a criterion, closer agreement, an earlier entry, or the reference. */
export type TieBreakReason = { by: 'criterion'; criterion: string } | { by: 'consensus' } | { by: 'earlier' } | { by: 'reference' };

export type Ranking = { rows: RankingRow[]; judges: JudgeStatistics[] };

export type RankingInput = {
  criteria: readonly ScoredCriterion[];
  entries: readonly RankableEntry[];
  sheets: readonly Sheet[];
  aggregation: Aggregation;
  tieBreak: TieBreak;
};

const same = (a: number, b: number) => Math.abs(a - b) < EPSILON;

/** Ranks the entries of a round, raw and normalised; entries nobody has scored come last, unranked. */
export function rankEntries({ criteria, entries, sheets, aggregation, tieBreak }: RankingInput): Ranking {
  const known = new Set(entries.map((e) => e.id));
  const counted = sheets.filter((s) => known.has(s.entryId));
  const totals = counted.map((s) => ({ judgeId: s.judgeId, total: weightedTotal(criteria, s.scores) }));
  const normalised = normaliseTotals(totals);

  const linesByEntry = new Map<number, JudgeLine[]>();
  counted.forEach((s, i) => {
    const line = { judgeId: s.judgeId, total: totals[i]!.total, normalised: normalised[i]!, scores: s.scores };
    pushTo(linesByEntry, s.entryId, line);
  });

  const rows: (RankingRow & { createdAt: Date; consensus: number })[] = entries.map((entry) => {
    const judges = (linesByEntry.get(entry.id) ?? []).sort((a, b) => a.judgeId - b.judgeId);
    const raw = judges.map((j) => j.total);
    const scored = judges.length > 0;
    const spread = scored ? Math.max(...raw) - Math.min(...raw) : null;
    return {
      entryId: entry.id,
      reference: entry.reference,
      createdAt: entry.createdAt,
      judges,
      criterionMeans: criteria.map((c) => (scored ? mean(judges.map((j) => j.scores[c.id] ?? 0)) : 0)),
      score: scored ? aggregate(raw, aggregation) : null,
      normalisedScore: scored ? aggregate(judges.map((j) => j.normalised), aggregation) : null,
      rank: null,
      normalisedRank: null,
      rankChange: null,
      spread,
      disagreement: spread !== null && judges.length > 1 && spread >= DISAGREEMENT_SPREAD,
      tieBrokenBy: null,
      consensus: scored ? standardDeviation(raw) : 0,
    };
  });

  type Row = (typeof rows)[number];
  /** Compares two rows of equal score by the round's rule; returns the order and what decided it. */
  const breakTie = (a: Row, b: Row): [number, TieBreakReason] => {
    if (tieBreak === 'criteria') {
      for (const [i, c] of criteria.entries()) {
        const d = (b.criterionMeans[i] ?? 0) / c.max - (a.criterionMeans[i] ?? 0) / c.max;
        if (!same(d, 0)) return [d, { by: 'criterion', criterion: c.name }];
      }
    } else if (tieBreak === 'consensus') {
      if (!same(a.consensus, b.consensus)) return [a.consensus - b.consensus, { by: 'consensus' }];
    } else if (a.createdAt.getTime() !== b.createdAt.getTime()) {
      return [a.createdAt.getTime() - b.createdAt.getTime(), { by: 'earlier' }];
    }
    return [a.reference.localeCompare(b.reference), { by: 'reference' }];
  };

  const order = (score: (r: Row) => number | null) => (a: Row, b: Row) => {
    const sa = score(a);
    const sb = score(b);
    if (sa === null || sb === null) return sa === sb ? a.reference.localeCompare(b.reference) : sa === null ? 1 : -1;
    return same(sa, sb) ? breakTie(a, b)[0] : sb - sa;
  };

  const normalisedOrder = [...rows].sort(order((r) => r.normalisedScore));
  normalisedOrder.forEach((r, i) => { if (r.normalisedScore !== null) r.normalisedRank = i + 1; });
  rows.sort(order((r) => r.score));
  rows.forEach((r, i) => {
    if (r.score === null) return;
    r.rank = i + 1;
    r.rankChange = r.rank - (r.normalisedRank as number);
    const neighbours = [rows[i - 1], rows[i + 1]]
      .filter((n): n is Row => n !== undefined && n.score !== null && same(n.score, r.score as number));
    if (neighbours.length) r.tieBrokenBy = breakTie(r, neighbours[0]!)[1];
  });

  return { rows: rows.map(({ createdAt: _c, consensus: _s, ...row }) => row), judges: judgeStatistics(totals) };
}

export type Tier = { id: number; code: string; rank: number; quota: number | null };

/**
 * Awards from the final ranking: the best-ranked entries fill the best tier up to its quota,
 * then the next tier, and so on. Tiers without a quota are granted by hand only.
 */
export function allocateAwards(rankedEntryIds: readonly number[], tiers: readonly Tier[]): { tierId: number; entryId: number }[] {
  const grants: { tierId: number; entryId: number }[] = [];
  let next = 0;
  for (const tier of [...tiers].sort((a, b) => a.rank - b.rank)) {
    for (let n = 0; n < (tier.quota ?? 0) && next < rankedEntryIds.length; n++) {
      grants.push({ tierId: tier.id, entryId: rankedEntryIds[next++] as number });
    }
  }
  return grants;
}

/**
 * Which judges to give each entry: `perEntry` judges each, never a conflicted pair, keeping
 * every judge's load as even as possible (the least loaded judge first, ties by id).
 * Existing assignments count towards both the entry's judges and each judge's load.
 */
export function planAssignments(options: {
  entryIds: readonly number[];
  judgeIds: readonly number[];
  perEntry: number;
  existing: readonly { entryId: number; judgeId: number }[];
  conflicted: (entryId: number, judgeId: number) => boolean;
}): { assignments: { entryId: number; judgeId: number }[]; short: number[] } {
  const load = new Map(options.judgeIds.map((j) => [j, 0]));
  const taken = new Set<string>();
  for (const a of options.existing) {
    taken.add(`${a.entryId}:${a.judgeId}`);
    if (load.has(a.judgeId)) load.set(a.judgeId, (load.get(a.judgeId) ?? 0) + 1);
  }
  const assignments: { entryId: number; judgeId: number }[] = [];
  const short: number[] = [];
  for (const entryId of options.entryIds) {
    let have = options.existing.filter((a) => a.entryId === entryId).length;
    const candidates = options.judgeIds
      .filter((j) => !taken.has(`${entryId}:${j}`) && !options.conflicted(entryId, j))
      .sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || a - b);
    for (const judgeId of candidates) {
      if (have >= options.perEntry) break;
      assignments.push({ entryId, judgeId });
      taken.add(`${entryId}:${judgeId}`);
      load.set(judgeId, (load.get(judgeId) ?? 0) + 1);
      have++;
    }
    if (have < options.perEntry) short.push(entryId);
  }
  return { assignments, short };
}
