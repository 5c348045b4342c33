import t from 'tap';
import type { Database } from '../../../src/db/index.ts';
import { type Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

async function openContest(db: Database) {
  return db.selectFrom('contests').selectAll().where('slug', 'like', 'hvpp-contest-20__-__').where('status', '=', 'open').executeTakeFirstOrThrow();
}

/** Every judge with work in the round declares no conflict and submits scores through the pages. */
async function judgeRound(
  db: Database, judges: Map<string, Agent>, roundId: number, scoreFor: (entryId: number, judgeId: number) => number,
) {
  const rows = await db.selectFrom('assignments as a').innerJoin('users as u', 'u.id', 'a.judge_id')
    .where('a.round_id', '=', roundId).select(['a.id', 'a.entry_id', 'a.judge_id', 'u.email']).execute();
  const criteria = await db.selectFrom('criteria').select(['id', 'max_score']).where('round_id', '=', roundId).execute();
  for (const a of rows) {
    const judge = judges.get(a.email)!;
    await judge.post(`/judging/assignments/${a.id}/declaration`, { conflict: 'none' });
    const share = scoreFor(a.entry_id, a.judge_id);
    const res = await judge.post(`/judging/assignments/${a.id}`, {
      action: 'submit', ...Object.fromEntries(criteria.map((c) => [`score-${c.id}`, String(Math.round(share * c.max_score))])),
    });
    if (res.statusCode !== 303) throw new Error(`scoring ${a.id} answered ${res.statusCode}`);
  }
  return rows.length;
}

t.test('organisers run a contest: assign, judge, close, rank, advance, award and publish', async (t) => {
  const { app, db } = await build(t);
  const contest = await openContest(db);
  const base = `/manage/contests/${contest.slug}`;
  const rounds = await db.selectFrom('contest_rounds').selectAll().where('contest_id', '=', contest.id).orderBy('position').execute();
  const [preliminary, final] = rounds;
  if (!preliminary || !final) throw new Error('two rounds');

  const outsider = await signedIn(app, 'organiser@customs.test');
  t.equal((await outsider.get(base)).statusCode, 404, 'out of scope is not found');
  t.equal((await outsider.post(`${base}/rounds/1/open`)).statusCode, 404);
  t.equal((await outsider.get(`${base}/rounds/1/ranking.csv`)).statusCode, 404);
  t.equal((await (await signedIn(app, 'judge1@ipcoop.test')).get(base)).statusCode, 404, 'judges are not organisers');

  const organiser = await signedIn(app, 'organiser@gdipa.test');
  t.equal((await organiser.get('/manage/contests')).statusCode, 200);
  const overview = await organiser.get(base);
  t.equal(overview.statusCode, 200);
  t.match(overview.body, contest.title);

  // A judge who works for an entrant must never be given that entry.
  const entries = await db.selectFrom('entries').select(['id', 'reference']).where('contest_id', '=', contest.id)
    .where('status', '=', 'submitted').orderBy('reference').execute();
  const hkipd = await db.selectFrom('organisations').select('id').where('code', '=', 'HKIPD').executeTakeFirstOrThrow();
  const judge2 = await db.selectFrom('users').select('id').where('email', '=', 'judge2@ipcoop.test').executeTakeFirstOrThrow();
  await db.updateTable('entries').set({ organisation_id: hkipd.id }).where('id', '=', entries[0]!.id).execute();
  await db.updateTable('users').set({ organisation_id: hkipd.id }).where('id', '=', judge2.id).execute();

  t.equal((await organiser.post(`${base}/rounds/1/open`)).statusCode, 303);
  const inRound = await db.selectFrom('round_entries').select('entry_id').where('round_id', '=', preliminary.id).execute();
  t.equal(inRound.length, entries.length, 'the first round takes every submitted entry');

  const badCount = await organiser.post(`${base}/rounds/1/auto-assign`, { per_entry: '0' });
  t.equal(badCount.statusCode, 400);
  t.match(badCount.body, /id="f-per_entry-error">At least one judge per entry./);
  const conflictedByHand = await organiser.post(`${base}/rounds/1/assign`, { entry_id: String(entries[0]!.id), judge_id: String(judge2.id) });
  t.equal(conflictedByHand.statusCode, 400);
  t.match(conflictedByHand.body, 'That judge has a conflict of interest with that entry.');

  t.equal((await organiser.post(`${base}/rounds/1/auto-assign`, { per_entry: '3' })).statusCode, 303);
  const assigned = await db.selectFrom('assignments').select(['entry_id', 'judge_id']).where('round_id', '=', preliminary.id).execute();
  t.equal(assigned.length, entries.length * 3);
  for (const e of entries) t.equal(assigned.filter((a) => a.entry_id === e.id).length, 3);
  t.notOk(assigned.some((a) => a.entry_id === entries[0]!.id && a.judge_id === judge2.id), 'no conflicted pair');
  const loads = [...new Set(assigned.map((a) => a.judge_id))].map((j) => assigned.filter((a) => a.judge_id === j).length);
  t.ok(Math.max(...loads) - Math.min(...loads) <= 1, `balanced: ${loads.join(',')}`);

  const judges = new Map<string, Agent>();
  for (let i = 1; i <= 5; i++) judges.set(`judge${i}@ipcoop.test`, await signedIn(app, `judge${i}@ipcoop.test`));
  // Merit falls with the reference, so the ranking is known: the first entry best.
  const merit = new Map(entries.map((e, i) => [e.id, 0.95 - i * 0.1]));
  await judgeRound(db, judges, preliminary.id, (entryId) => merit.get(entryId) ?? 0);

  const progress = await organiser.get(`${base}/rounds/1`);
  t.match(progress.body, 'Judge progress');
  t.equal((await organiser.post(`${base}/rounds/1/close`)).statusCode, 303);
  const late = await judges.get('judge1@ipcoop.test')!.get('/judging');
  t.match(late.body, '(closed)');

  const ranking = await organiser.get(`${base}/rounds/1/ranking`);
  t.equal(ranking.statusCode, 200);
  const order = [...ranking.body.matchAll(/<strong>(HVPP[\w-]+)<\/strong>/g)].map((m) => m[1]);
  t.same(order.slice(0, entries.length), entries.map((e) => e.reference), 'ranked by merit');
  t.match(ranking.body, 'How each judge scored');

  const csv = await organiser.get(`${base}/rounds/1/ranking.csv`);
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], 'text/csv');
  const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
  t.equal(lines.length, entries.length + 1);
  t.match(lines[0], /^Rank,Normalised rank,Rank change,Reference/);
  t.match(lines[0], 'Mean: Technical quality');
  t.match(lines[1], new RegExp(`^1,\\d,[-\\d]*,${entries[0]!.reference},`));
  const xlsx = await organiser.get(`${base}/rounds/1/ranking.xlsx`);
  t.equal(xlsx.statusCode, 200);
  t.equal(xlsx.rawPayload.subarray(0, 2).toString(), 'PK', 'a zip container');

  const noCount = await organiser.post(`${base}/rounds/1/advance`, { mode: 'top', count: '' });
  t.equal(noCount.statusCode, 400);
  t.match(noCount.body, 'Enter how many entries advance');
  t.equal((await organiser.post(`${base}/rounds/1/advance`, { mode: 'top', count: '4' })).statusCode, 303);
  const finalists = await db.selectFrom('round_entries').select('entry_id').where('round_id', '=', final.id).execute();
  t.same(finalists.map((f) => f.entry_id).sort(), entries.slice(0, 4).map((e) => e.id).sort(), 'the top four advance');
  t.equal((await organiser.post(`${base}/rounds/1/advance`, { mode: 'top', count: '4' })).statusCode, 409, 'only once');

  t.equal((await organiser.post(`${base}/rounds/2/auto-assign`, { per_entry: '4' })).statusCode, 303);
  await judgeRound(db, judges, final.id, (entryId) => merit.get(entryId) ?? 0);
  t.equal((await organiser.post(`${base}/rounds/2/close`)).statusCode, 303);

  t.equal((await organiser.post(`${base}/awards/allocate`)).statusCode, 303);
  const tiers = await db.selectFrom('award_tiers').selectAll().where('contest_id', '=', contest.id).orderBy('rank').execute();
  const gold = tiers[0]!;
  const grants = await db.selectFrom('award_grants').select(['entry_id', 'tier_id']).where('tier_id', 'in', tiers.map((x) => x.id)).execute();
  t.equal(grants.length, 4);
  t.ok(grants.every((g) => g.tier_id === gold.id), `four finalists fit the gold quota of ${gold.quota}`);
  t.equal((await organiser.post(`${base}/awards/allocate`)).statusCode, 409, 'allocated once; later changes are adjustments');

  const noReason = await organiser.post(`${base}/awards/adjust`, { entry_id: String(entries[4]!.id), tier_id: String(gold.id), reason: '' });
  t.equal(noReason.statusCode, 400);
  t.match(noReason.body, /id="f-reason-error">Enter the reason for the change./);
  t.equal((await organiser.post(`${base}/awards/adjust`, { entry_id: String(entries[4]!.id), tier_id: String(gold.id), reason: 'Jury decision at the final.' })).statusCode, 303);
  const full = await organiser.post(`${base}/awards/adjust`, { entry_id: String(entries[5]!.id), tier_id: String(gold.id), reason: 'One more.' });
  t.equal(full.statusCode, 400);
  t.match(full.body, `All ${gold.quota} places of the Gold Award are taken.`);
  t.equal((await db.selectFrom('award_grants').select('id').where('tier_id', '=', gold.id).execute()).length, gold.quota, 'quota respected');
  const audit = await db.selectFrom('audit_log').select(['changes']).where('action', '=', 'adjust_award').execute();
  t.equal(audit.length, 1);
  t.match(JSON.stringify(audit[0]?.changes), 'Jury decision at the final.');

  t.equal((await organiser.get(`/contests/${contest.slug}/results`)).statusCode, 404, 'not published yet');
  t.equal((await organiser.post(`${base}/publish`)).statusCode, 303);
  const results = await organiser.get(`/contests/${contest.slug}/results`);
  t.equal(results.statusCode, 200);
  t.match(results.body, 'Gold Award');
});

t.test('the 2019 contest: 28 major awards from a complete record, ranked from its scores', async (t) => {
  const { app, db } = await build(t);
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const awards = await organiser.get('/manage/contests/hvpp-contest-2019/awards');
  t.equal(awards.statusCode, 200);
  const majors = await db.selectFrom('award_grants as g').innerJoin('award_tiers as t', 't.id', 'g.tier_id')
    .innerJoin('contests as c', 'c.id', 't.contest_id').where('c.slug', '=', 'hvpp-contest-2019').where('t.is_major', '=', true)
    .select('g.id').execute();
  t.equal(majors.length, 28);
  const ranking = await organiser.get('/manage/contests/hvpp-contest-2019/rounds/2/ranking');
  t.equal(ranking.statusCode, 200);
  t.equal([...ranking.body.matchAll(/<strong>HVPP2019-\d+<\/strong>/g)].length, 40, 'forty finalists');
  const youth = await organiser.get('/manage/contests/gd-youth-invention-2019/rounds/1/ranking');
  t.equal(youth.statusCode, 200);
});
