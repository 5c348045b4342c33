import { type KyselyPlugin, PostgresQueryCompiler, sql } from 'kysely';
import t from 'tap';
import { generateContest } from '../../bench/ranking.ts';
import { loadRegistrations } from '../../bench/summary.ts';
import { signedIn } from '../helpers/agent.ts';
import { build } from '../helpers/app.ts';

/*
 * The hot pages' statements, planned by PostgreSQL on a dataset large enough for its planner to
 * choose as it would in production (50 000 registrations, most of them in the current year,
 * 30 000 scores, 50 000 audit entries, ANALYZEd): none may read the whole of `registrations`,
 * `scores` or `audit_log`. Every
 * statement a page runs is recorded as the app sends it and EXPLAINed with its parameters.
 */

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
t.plan(1);

type Statement = { sql: string; parameters: readonly unknown[] };
const compiler = new PostgresQueryCompiler();
let recording: Statement[] | null = null;
const recorder: KyselyPlugin = {
  transformQuery: (args) => {
    recording?.push(compiler.compileQuery(args.node, args.queryId));
    return args.node;
  },
  transformResult: async (args) => args.result,
};

const WATCHED = /Seq Scan on (registrations|scores|audit_log)\b/;

t.test('hot queries use indexes on a large dataset', { skip: TEST_DATABASE_URL ? false : 'needs PostgreSQL: set TEST_DATABASE_URL (PGlite has one process and no planner statistics worth checking)' }, async (t) => {
  const { app, db } = await build(t, { plugins: [recorder] });
  const handle = { db, kind: 'postgres' as const, close: async () => {} };
  // Most rows in the current year: the old year's summary must cost what its own rows cost.
  await loadRegistrations(handle, 38_000, 8_000, '2026-27');
  await loadRegistrations(handle, 2_000, 400, '2018-19');
  // One busy event of the current year, with names in both scripts to search.
  const busy = await db.selectFrom('events').select(['id', 'slug']).where('status', '=', 'published')
    .where('starts_at', '>', new Date()).orderBy('starts_at').executeTakeFirstOrThrow();
  await sql`insert into registrations (event_id, name, email, organisation, side, status, answers, token_hash, checked_in_at)
    select ${busy.id}, (array['陳大文', 'Chan Siu Ming', '李小龍', 'Wong Ka Yan'])[1 + g % 4] || ' ' || g, 'busy-' || g || '@plans.test',
      (array['香港知識產權署', 'Harbour Patents', '深圳市知识产权局'])[1 + g % 3], 'HK', 'confirmed', '{}', md5('busy' || g),
      case when g % 5 = 0 then now() else null end
    from generate_series(1, 10000) g`.execute(db);
  const contest = await generateContest(handle, { entries: 1_000, judges: 5, criteria: 6 });
  await sql`insert into audit_log (actor_user_id, action, entity, entity_id, changes, at)
    select (select min(id) from users where role = 'admin'), 'update', 'event', (g % 500)::text, '{}', now() - g * interval '1 minute'
    from generate_series(1, 50000) g`.execute(db);
  await sql`analyze`.execute(db);

  const admin = await signedIn(app, 'admin@ipcoop.test');
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const judge = await signedIn(app, 'judge1@ipcoop.test');
  const manage = `/manage/events/${busy.slug}`;
  const pages: [typeof admin, string][] = [
    [admin, `/events/${busy.slug}`],
    [admin, manage],
    [admin, `${manage}/checkin`],
    [admin, `${manage}/checkin?q=${encodeURIComponent('陳大文')}`],
    [admin, `${manage}/checkin?q=${encodeURIComponent('Siu Ming')}`],
    [admin, `${manage}/counts.json`],
    [admin, `${manage}/badges`],
    [admin, `${manage}/badges?q=${encodeURIComponent('陳大文')}`],
    [admin, `${manage}/badges?q=${encodeURIComponent('Chan Siu')}`],
    [admin, `${manage}/email`],
    [admin, `${manage}/registrations?q=${encodeURIComponent('陳大文 12')}`],
    // A third of the event matches: reading the event's rows in order may be cheaper; no full scan either way.
    [admin, `${manage}/registrations?status=confirmed&q=${encodeURIComponent('知識產權')}`],
    [admin, '/periods/2018-19'],
    [admin, '/manage/events'],
    [admin, '/manage/audit'],
    [organiser, '/manage/audit'],
    [judge, '/judging'],
    [admin, `/manage/contests/${contest.slug}/rounds/1/ranking`],
  ];

  for (const [who, url] of pages) {
    recording = [];
    const res = await who.get(url);
    const statements = recording;
    recording = null;
    t.equal(res.statusCode, 200, `${url} answers`);
    const scans: string[] = [];
    const plans: string[] = [];
    for (const statement of statements) {
      if (!/\b(registrations|scores|audit_log)\b/.test(statement.sql) || !/^\s*(select|with)\b/i.test(statement.sql)) continue;
      const { rows } = await db.executeQuery<{ 'QUERY PLAN': string }>({
        sql: `explain ${statement.sql}`, parameters: statement.parameters, query: { kind: 'RawNode' } as never, queryId: { queryId: 'explain' },
      });
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      plans.push(plan);
      if (WATCHED.test(plan)) scans.push(`${statement.sql}\n${plan}`);
    }
    t.same(scans, [], `${url}: no sequential scan of registrations, scores or audit_log`);
    if (url.includes('?q=')) t.ok(plans.some((p) => p.includes('registrations_search_idx')), `${url}: searched through the trigram index`);
  }
});
