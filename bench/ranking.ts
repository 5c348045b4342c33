import { sql } from 'kysely';
import type { DatabaseHandle } from '../src/db/index.ts';
import { computeRoundRanking, roundCriteria, roundEntries, roundSheets } from '../src/modules/scoring/queries.ts';
import { signedInCookie } from './session.ts';
import { isMain, listen, round, standaloneDatabase } from './support.ts';

/*
 * The ranking of a contest round of `entries` entries, each scored by `judges` judges on
 * `criteria` criteria: the real computation (src/modules/scoring: the round's rows read, then
 * totals, aggregation, normalisation, ties, disagreement flags), and the organisers' ranking
 * page over HTTP. The baseline is reading the same rows alone.
 *
 *   node --expose-gc --import tsx bench/ranking.ts [--smoke] [--pglite]
 */

export type RankingOptions = { entries: number; judges: number; criteria: number; handle: DatabaseHandle };
export type RankingReport = {
  entries: number; judges: number; criteria: number; scores: number; computeMs: number; readMs: number; pageMs: number; ranked: number;
};

/** A contest in judging with one closed round, every sheet submitted. */
export async function generateContest(handle: DatabaseHandle, options: Omit<RankingOptions, 'handle'>) {
  const { db } = handle;
  const model = await db.selectFrom('contests').select('item_id').where('slug', '=', 'hvpp-contest-2019').executeTakeFirstOrThrow();
  const slug = `ranking-bench-${Date.now().toString(36)}`;
  const contest = await db.insertInto('contests').values({ item_id: model.item_id, slug, kind: 'patent_portfolio', title: 'Ranking bench', status: 'judging' })
    .returning('id').executeTakeFirstOrThrow();
  const roundRow = await db.insertInto('contest_rounds').values({
    contest_id: contest.id, position: 1, name: 'Final', aggregation: 'trimmed_mean', normalise: true, status: 'closed', tie_break: 'criteria',
  }).returning(['id', 'aggregation', 'tie_break']).executeTakeFirstOrThrow();
  await sql`insert into criteria (round_id, position, name, weight, max_score, step)
    select ${roundRow.id}, g, 'Criterion ' || g, 1 + g % 3, 10, 1 from generate_series(1, ${options.criteria}) g`.execute(db);
  await sql`insert into entries (contest_id, reference, title, applicant_name, applicant_type, side, contact_email, status, created_at)
    select ${contest.id}, 'R' || lpad(g::text, 5, '0'), 'Entry ' || g, 'Applicant ' || g, 'enterprise', (array['HK', 'GD'])[1 + g % 2],
      'entrant-' || g || '@bench.test', 'submitted', now() - g * interval '1 minute'
    from generate_series(1, ${options.entries}) g`.execute(db);
  await sql`insert into round_entries (round_id, entry_id) select ${roundRow.id}, id from entries where contest_id = ${contest.id}`.execute(db);
  const judges = await db.selectFrom('users').select('id').where('role', '=', 'judge').orderBy('id').limit(options.judges).execute();
  if (judges.length < options.judges) throw new Error(`only ${judges.length} judges in the database`);
  await db.insertInto('contest_judges').values(judges.map((j) => ({ contest_id: contest.id, user_id: j.id }))).execute();
  await sql`insert into assignments (round_id, entry_id, judge_id, status, submitted_at)
    select ${roundRow.id}, e.id, j.id, 'submitted', now()
    from entries e cross join unnest(${sql.val(judges.map((j) => j.id))}::int[]) as j(id) where e.contest_id = ${contest.id}`.execute(db);
  // Scores that depend on the entry and a little on the judge, so that ranks, ties and spreads are all exercised.
  await sql`insert into scores (assignment_id, criterion_id, score)
    select a.id, c.id, least(10, greatest(0, (a.entry_id * 7 + c.position * 3) % 9 + (a.judge_id % 3)))
    from assignments a join criteria c on c.round_id = a.round_id where a.round_id = ${roundRow.id}`.execute(db);
  await sql`analyze`.execute(db);
  return { slug, round: roundRow };
}

export async function ranking(options: RankingOptions): Promise<RankingReport> {
  const { handle } = options;
  const { slug, round: roundRow } = await generateContest(handle, options);
  const time = async (run: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await run();
      times.push(performance.now() - t0);
    }
    return round(times.sort((a, b) => a - b)[1]!, 1);
  };
  let ranked = 0;
  const computeMs = await time(async () => { ranked = (await computeRoundRanking(handle.db, roundRow)).rows.length; });
  const readMs = await time(() => Promise.all([
    roundCriteria(handle.db, roundRow.id), roundEntries(handle.db, roundRow.id), roundSheets(handle.db, roundRow.id),
  ]));
  const { url, close } = await listen(handle);
  let pageMs = 0;
  try {
    const cookie = await signedInCookie(url, 'admin@ipcoop.test');
    pageMs = await time(async () => {
      const res = await fetch(`${url}/manage/contests/${slug}/rounds/1/ranking`, { headers: { cookie } });
      if (res.status !== 200) throw new Error(`the ranking page answered ${res.status}`);
      await res.arrayBuffer();
    });
  } finally {
    await close();
  }
  return {
    entries: options.entries, judges: options.judges, criteria: options.criteria,
    scores: options.entries * options.judges * options.criteria,
    computeMs, readMs, pageMs, ranked,
  };
}

export const RANKING = { full: { entries: 2_000, judges: 5, criteria: 6 }, smoke: { entries: 40, judges: 5, criteria: 6 } };

if (isMain(import.meta)) {
  const handle = await standaloneDatabase();
  try {
    console.log(JSON.stringify(await ranking({ ...(process.argv.includes('--smoke') ? RANKING.smoke : RANKING.full), handle }), null, 2));
  } finally {
    await handle.close();
  }
}
