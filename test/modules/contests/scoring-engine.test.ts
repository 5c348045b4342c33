import t from 'tap';
import {
  aggregate, allocateAwards, mean, median, normaliseTotals, planAssignments, rankEntries, type ScoredCriterion, scoreProblem,
  standardDeviation, trimmedMean, weightedTotal,
} from '../../../src/modules/scoring/engine.ts';

// Every expectation below is worked out by hand in the comment beside it.

const at = (day: number) => new Date(Date.UTC(2019, 4, day));
const one: ScoredCriterion[] = [{ id: 1, name: 'Overall', weight: 1, max: 100, step: 1 }];
const entry = (id: number, day = 1) => ({ id, reference: `E${id}`, createdAt: at(day) });

t.test('weighted total on a scale of 100', async (t) => {
  const criteria: ScoredCriterion[] = [
    { id: 1, name: 'Technical quality', weight: 3, max: 20, step: 1 },
    { id: 2, name: 'Management', weight: 1, max: 10, step: 0.5 },
  ];
  // 100 × (3 × 16/20 + 1 × 5/10) / 4 = 100 × 2.9 / 4 = 72.5
  t.equal(weightedTotal(criteria, { 1: 16, 2: 5 }), 72.5);
  t.equal(weightedTotal(criteria, { 1: 20, 2: 10 }), 100);
  // 100 × (3 × 10/20 + 1) / 4 = 62.5
  t.equal(weightedTotal(criteria, { 1: 10, 2: 10 }), 62.5);
  t.equal(weightedTotal(criteria, { 1: 0, 2: 0 }), 0);
});

t.test('mean, median, trimmed mean and standard deviation', async (t) => {
  t.equal(mean([72.5, 100, 62.5]), 235 / 3);
  t.equal(median([72.5, 100, 62.5]), 72.5);
  t.equal(median([1, 2, 3, 4]), 2.5);
  // Drop 62.5 and 100: (72.5 + 80) / 2
  t.equal(trimmedMean([72.5, 100, 62.5, 80]), 76.25);
  t.equal(trimmedMean([10, 20]), 15, 'fewer than three values: the plain mean');
  // Five equal middle values after dropping one 0 and one 100
  t.equal(aggregate([0, 50, 50, 50, 100], 'trimmed_mean'), 50);
  t.equal(aggregate([0, 10, 80], 'median'), 10);
  t.equal(aggregate([0, 10, 80], 'mean'), 30);
  // The textbook case: mean 5, squared deviations sum to 32, / 8 = 4, sd 2
  t.equal(standardDeviation([2, 4, 4, 4, 5, 5, 7, 9]), 2);
  t.throws(() => mean([]));
});

t.test('scores outside the range or the step are refused', async (t) => {
  t.equal(scoreProblem(21, { max: 20, step: 1 }), 'range');
  t.equal(scoreProblem(-1, { max: 20, step: 1 }), 'range');
  t.equal(scoreProblem(7.5, { max: 20, step: 1 }), 'step');
  t.equal(scoreProblem(7.5, { max: 10, step: 0.5 }), null);
  t.equal(scoreProblem(0.3, { max: 10, step: 0.1 }), null, 'no floating-point false alarm');
  t.equal(scoreProblem(20, { max: 20, step: 1 }), null);
});

t.test('z-score normalisation corrects a harsh and a lenient judge, and shows the rank changes', async (t) => {
  // Judge 1 (harsh) gives E1 50 and E2 30; judge 2 (lenient) gives E2 90 and E3 70.
  const sheets = [
    { entryId: 1, judgeId: 1, scores: { 1: 50 } },
    { entryId: 2, judgeId: 1, scores: { 1: 30 } },
    { entryId: 2, judgeId: 2, scores: { 1: 90 } },
    { entryId: 3, judgeId: 2, scores: { 1: 70 } },
  ];
  // Panel: mean 60, sd √((100+900+900+100)/4) = √500. Judge 1: mean 40, sd 10; judge 2: mean 80, sd 10.
  // E1: z = +1 → 60 + √500; E2: (60 − √500 + 60 + √500) / 2 = 60; E3: z = −1 → 60 − √500.
  const normalised = normaliseTotals(sheets.map((s) => ({ judgeId: s.judgeId, total: s.scores[1] })));
  const r5 = Math.sqrt(500);
  t.same(normalised.map((v) => v.toFixed(6)), [60 + r5, 60 - r5, 60 + r5, 60 - r5].map((v) => v.toFixed(6)));

  const { rows, judges } = rankEntries({ criteria: one, entries: [entry(1), entry(2), entry(3)], sheets, aggregation: 'mean', tieBreak: 'criteria' });
  // Raw: E3 70, E2 60, E1 50. Normalised: E1 82.36, E2 60, E3 37.64.
  t.same(rows.map((r) => [r.reference, r.rank, r.normalisedRank, r.rankChange]), [
    ['E3', 1, 3, -2],
    ['E2', 2, 2, 0],
    ['E1', 3, 1, 2],
  ]);
  t.equal(rows.find((r) => r.reference === 'E2')?.normalisedScore?.toFixed(6), (60).toFixed(6));
  t.equal(rows.find((r) => r.reference === 'E1')?.normalisedScore?.toFixed(4), (60 + r5).toFixed(4));
  // Judge offsets: 40 − 60 and 80 − 60
  t.same(judges.map((j) => [j.judgeId, j.mean, j.offset, j.sd]), [[1, 40, -20, 10], [2, 80, 20, 10]]);
  t.same(judges[0]?.histogram, [0, 0, 0, 1, 0, 1, 0, 0, 0, 0], '30 in the 30s band, 50 in the 50s');
  t.ok(rows.find((r) => r.reference === 'E2')?.disagreement, 'E2: 30 and 90 are 60 points apart');
  t.notOk(rows.find((r) => r.reference === 'E1')?.disagreement, 'one judge cannot disagree');
});

t.test('a judge whose totals do not vary is only shifted onto the panel mean', async (t) => {
  // Panel mean (70 + 70 + 40 + 60) / 4 = 60; judge 1 mean 70, sd 0 → 60 and 60.
  const out = normaliseTotals([{ judgeId: 1, total: 70 }, { judgeId: 1, total: 70 }, { judgeId: 2, total: 40 }, { judgeId: 2, total: 60 }]);
  t.same(out.slice(0, 2), [60, 60]);
});

t.test('aggregation per round: median and trimmed mean rank differently from the mean', async (t) => {
  // E1: 10, 70, 80 → mean 53.33, median 70, trimmed 70. E2: 60, 60, 60 → 60 for all three.
  const sheets = [10, 70, 80].map((s, j) => ({ entryId: 1, judgeId: j + 1, scores: { 1: s } }))
    .concat([60, 60, 60].map((s, j) => ({ entryId: 2, judgeId: j + 1, scores: { 1: s } })));
  const order = (aggregation: 'mean' | 'median' | 'trimmed_mean') =>
    rankEntries({ criteria: one, entries: [entry(1), entry(2)], sheets, aggregation, tieBreak: 'criteria' }).rows.map((r) => r.reference);
  t.same(order('mean'), ['E2', 'E1']);
  t.same(order('median'), ['E1', 'E2']);
  t.same(order('trimmed_mean'), ['E1', 'E2']);
});

t.test('ties are broken by the configured rule, and the page can say how', async (t) => {
  const two: ScoredCriterion[] = [
    { id: 1, name: 'Novelty', weight: 1, max: 10, step: 1 },
    { id: 2, name: 'Practicality', weight: 1, max: 10, step: 1 },
  ];
  // E1: judges give (8, 4) and (8, 4) → totals 60 and 60. E2: (4, 8) and (6, 6) → 60 and 60.
  // Mean 60 each; E1's mean Novelty is 8, E2's is 5.
  const sheets = [
    { entryId: 1, judgeId: 1, scores: { 1: 8, 2: 4 } }, { entryId: 1, judgeId: 2, scores: { 1: 8, 2: 4 } },
    { entryId: 2, judgeId: 1, scores: { 1: 4, 2: 8 } }, { entryId: 2, judgeId: 2, scores: { 1: 6, 2: 6 } },
  ];
  const byCriteria = rankEntries({ criteria: two, entries: [entry(2, 1), entry(1, 2)], sheets, aggregation: 'mean', tieBreak: 'criteria' });
  t.same(byCriteria.rows.map((r) => r.reference), ['E1', 'E2']);
  t.same(byCriteria.rows[0]?.tieBrokenBy, { by: 'criterion', criterion: 'Novelty' });
  // E2 was entered first (day 1), E1 on day 2.
  const byDate = rankEntries({ criteria: two, entries: [entry(2, 1), entry(1, 2)], sheets, aggregation: 'mean', tieBreak: 'earliest' });
  t.same(byDate.rows.map((r) => r.reference), ['E2', 'E1']);
  t.same(byDate.rows[0]?.tieBrokenBy, { by: 'earlier' });

  // Consensus: E3's judges give 60 and 60 (sd 0), E4's give 40 and 80 (sd 20): same mean 60.
  const spread = [
    { entryId: 3, judgeId: 1, scores: { 1: 60 } }, { entryId: 3, judgeId: 2, scores: { 1: 60 } },
    { entryId: 4, judgeId: 1, scores: { 1: 40 } }, { entryId: 4, judgeId: 2, scores: { 1: 80 } },
  ];
  const byConsensus = rankEntries({ criteria: one, entries: [entry(4), entry(3)], sheets: spread, aggregation: 'mean', tieBreak: 'consensus' });
  t.same(byConsensus.rows.map((r) => r.reference), ['E3', 'E4']);
  t.same(byConsensus.rows[1]?.tieBrokenBy, { by: 'consensus' });
  t.ok(byConsensus.rows[1]?.disagreement, '40 and 80 are 40 points apart');

  // Nothing separates them: the reference decides, so the order never depends on the database.
  const identical = [{ entryId: 6, judgeId: 1, scores: { 1: 50 } }, { entryId: 5, judgeId: 1, scores: { 1: 50 } }];
  const byReference = rankEntries({ criteria: one, entries: [entry(6), entry(5)], sheets: identical, aggregation: 'mean', tieBreak: 'earliest' });
  t.same(byReference.rows.map((r) => [r.reference, r.rank, r.tieBrokenBy]), [['E5', 1, { by: 'reference' }], ['E6', 2, { by: 'reference' }]]);
});

t.test('entries nobody has scored come last, unranked', async (t) => {
  const { rows } = rankEntries({ criteria: one, entries: [entry(1), entry(2)], sheets: [{ entryId: 2, judgeId: 1, scores: { 1: 10 } }], aggregation: 'mean', tieBreak: 'criteria' });
  t.same(rows.map((r) => [r.reference, r.rank, r.score]), [['E2', 1, 10], ['E1', null, null]]);
});

t.test('awards fill the tiers in order, each up to its quota', async (t) => {
  const tiers = [
    { id: 20, code: 'silver', rank: 2, quota: 3 },
    { id: 10, code: 'gold', rank: 1, quota: 2 },
    { id: 30, code: 'special', rank: 3, quota: null },
  ];
  const grants = allocateAwards([101, 102, 103, 104, 105, 106, 107], tiers);
  t.same(grants, [
    { tierId: 10, entryId: 101 }, { tierId: 10, entryId: 102 },
    { tierId: 20, entryId: 103 }, { tierId: 20, entryId: 104 }, { tierId: 20, entryId: 105 },
  ]);
  t.same(allocateAwards([1], tiers), [{ tierId: 10, entryId: 1 }], 'fewer entries than places');
});

t.test('automatic assignment: N judges per entry, balanced, never a conflicted pair', async (t) => {
  const conflicts = new Set(['1:11', '2:12']);
  const { assignments, short } = planAssignments({
    entryIds: [1, 2, 3, 4], judgeIds: [11, 12, 13], perEntry: 2, existing: [],
    conflicted: (e, j) => conflicts.has(`${e}:${j}`),
  });
  t.same(short, []);
  t.equal(assignments.length, 8);
  for (const e of [1, 2, 3, 4]) t.equal(assignments.filter((a) => a.entryId === e).length, 2, `entry ${e} has two judges`);
  t.notOk(assignments.some((a) => conflicts.has(`${a.entryId}:${a.judgeId}`)), 'no conflicted pair');
  const loads = [11, 12, 13].map((j) => assignments.filter((a) => a.judgeId === j).length);
  t.ok(Math.max(...loads) - Math.min(...loads) <= 1, `balanced loads ${loads.join(',')}`);

  const topUp = planAssignments({
    entryIds: [1], judgeIds: [11, 12, 13], perEntry: 3, existing: [{ entryId: 1, judgeId: 12 }],
    conflicted: (e, j) => e === 1 && (j === 11 || j === 12),
  });
  t.same(topUp.assignments, [{ entryId: 1, judgeId: 13 }]);
  t.same(topUp.short, [1], 'reported when not enough judges are free of conflict');
});
