import type { KyselyPlugin } from 'kysely';
import { sql } from 'kysely';
import t from 'tap';
import { buildApp } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { computeRoundRanking } from '../../../src/modules/scoring/queries.ts';
import { signedIn } from '../../helpers/agent.ts';
import { cloneTemplate, DEMO_PASSWORD } from '../../helpers/database.ts';

/*
 * A round's ranking is kept in memory under the round's change counter and the content version:
 * read again, it runs none of its queries; after any write it is made of — by the pages or by
 * anything else that writes to the database — it is computed afresh, on every instance.
 */

/** Counts the statements an app runs. */
class Recorder implements KyselyPlugin {
  count = 0;
  transformQuery: KyselyPlugin['transformQuery'] = (args) => {
    this.count++;
    return args.node;
  };
  transformResult: KyselyPlugin['transformResult'] = async (args) => args.result;
}

const RANKING = '/manage/contests/hvpp-contest-2019/rounds/2/ranking';
/** A page without its per-request CSRF token. */
const page = (body: string) => body.replace(/value="[\w-]{40,}"/g, '');
const order = (body: string) => [...body.matchAll(/<strong>(HVPP2019-\d+)<\/strong>/g)].map((m) => m[1]!);

t.test('a ranking is computed once per change, by whatever path the change came', async (t) => {
  const handle = await cloneTemplate();
  const config = loadConfig({ DEMO_PASSWORD, LOG_LEVEL: 'silent', BASE_URL: 'http://ipcoop.test' });
  // Two instances on one database, as two servers behind a load balancer: each keeps its own.
  const queriesA = new Recorder();
  const queriesB = new Recorder();
  const a = await buildApp({ config, db: handle.db.withPlugin(queriesA), logger: false });
  const b = await buildApp({ config, db: handle.db.withPlugin(queriesB), logger: false });
  t.teardown(async () => {
    await a.close();
    await b.close();
    await handle.close();
  });
  const db = handle.db;
  const round = await db.selectFrom('contest_rounds as r').innerJoin('contests as c', 'c.id', 'r.contest_id')
    .where('c.slug', '=', 'hvpp-contest-2019').where('r.position', '=', 2).selectAll('r').executeTakeFirstOrThrow();
  /** How many statements an instance runs while `run` does. */
  const statements = async (recorder: Recorder, run: () => Promise<unknown>) => {
    const before = recorder.count;
    await run();
    return recorder.count - before;
  };

  const organiserA = await signedIn(a, 'organiser@hkipd.test');
  const organiserB = await signedIn(b, 'organiser@hkipd.test');
  const first = await organiserA.get(RANKING);
  t.equal(first.statusCode, 200);
  const ranked = order(first.body);
  t.equal(ranked.length, 40, 'forty finalists');

  const kept = await statements(queriesA, async () => t.equal(page((await organiserA.get(RANKING)).body), page(first.body), 'read again, the same page'));
  t.equal(await statements(queriesA, () => organiserA.get(RANKING)), kept, 'a kept ranking costs the same each time');
  // B has not read it yet: it computes it, with the ranking's three reads (criteria, entries, sheets) more.
  t.equal(await statements(queriesB, () => organiserB.get(RANKING)), kept + 3, 'computed once on each instance');
  t.equal(await statements(queriesB, () => organiserB.get(RANKING)), kept, 'then kept there too');

  // A direct count of the work: computed within a transaction it reads every sheet; kept, none.
  const direct = await computeRoundRanking(db, round);
  t.same(direct.rows.map((r) => r.reference), ranked, 'the kept ranking is the ranking of the rows');
  t.equal(await computeRoundRanking(db, round), direct, 'asked again with nothing changed: the same ranking, not recomputed');

  // The last entry's sheets are all given full marks, in SQL, as no page would: it comes first everywhere.
  const last = ranked.at(-1)!;
  await sql`update scores s set score = c.max_score from assignments a, criteria c, entries e
    where s.assignment_id = a.id and c.id = s.criterion_id and e.id = a.entry_id and a.round_id = ${round.id}
    and e.reference = ${last}`.execute(db);
  let afterA: string[] = [];
  let afterB: string[] = [];
  t.equal(await statements(queriesA, async () => (afterA = order((await organiserA.get(RANKING)).body))), kept + 3, 'A computes it again');
  t.equal(await statements(queriesB, async () => (afterB = order((await organiserB.get(RANKING)).body))), kept + 3, 'so does B');
  t.equal(afterA[0], last, 'instance A ranks the changed entry first');
  t.same(afterB, afterA, 'and instance B agrees');
  const changed = await computeRoundRanking(db, round);
  t.not(changed, direct, 'a new ranking after the scores changed');
  t.equal(changed.rows[0]!.reference, last);

  // The entries' own rows: a new title shows at once.
  await db.updateTable('entries').set({ title: 'A title changed after ranking' }).where('reference', '=', last).execute();
  t.match((await organiserA.get(RANKING)).body, 'A title changed after ranking', 'the entry as it is now');

  // The round's own settings: another aggregation is another ranking.
  const median = await db.updateTable('contest_rounds').set({ aggregation: 'median' }).where('id', '=', round.id)
    .returningAll().executeTakeFirstOrThrow();
  const byMedian = await computeRoundRanking(db, median);
  t.not(byMedian, changed, 'recomputed after the round changed');

  // A sheet withdrawn: its entry no longer counts that judge.
  const sheet = await db.selectFrom('assignments as a').innerJoin('entries as e', 'e.id', 'a.entry_id')
    .where('a.round_id', '=', round.id).where('e.reference', '=', last).where('a.status', '=', 'submitted')
    .select(['a.id', 'a.judge_id']).executeTakeFirstOrThrow();
  const judgesBefore = byMedian.rows.find((r) => r.reference === last)!.judges.length;
  await db.updateTable('assignments').set({ status: 'draft', submitted_at: null }).where('id', '=', sheet.id).execute();
  const withdrawn = await computeRoundRanking(db, median);
  t.equal(withdrawn.rows.find((r) => r.reference === last)!.judges.length, judgesBefore - 1, 'one judge fewer once a sheet is reopened');

  // Computed inside a transaction that is then rolled back: nothing of it is kept.
  const rolledBack = new Error('rolled back');
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('assignments').set({ status: 'submitted', submitted_at: new Date() }).where('id', '=', sheet.id).execute();
    const inside = await computeRoundRanking(trx, median);
    t.equal(inside.rows.find((r) => r.reference === last)!.judges.length, judgesBefore, 'inside, the transaction sees its own change');
    throw rolledBack;
  }).catch((error: unknown) => {
    if (error !== rolledBack) throw error;
  });
  const outside = await computeRoundRanking(db, median);
  t.equal(outside, withdrawn, 'after the rollback, the ranking kept from before');
  t.equal(outside.rows.find((r) => r.reference === last)!.judges.length, judgesBefore - 1);

  const versions = await db.selectFrom('round_versions').select(['round_id', 'version']).where('round_id', '=', round.id).execute();
  t.equal(versions.length, 1, 'one counter per round');
  t.ok(versions[0]!.version >= 3, `the counter moved with each change (${versions[0]!.version})`);
  const rounds = await db.selectFrom('contest_rounds').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const counters = await db.selectFrom('round_versions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  t.equal(Number(counters.n), Number(rounds.n), 'every round has its counter');
});
