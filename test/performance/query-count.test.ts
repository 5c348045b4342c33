import type { KyselyPlugin } from 'kysely';
import { sql } from 'kysely';
import t from 'tap';
import { loadRegistrations } from '../../bench/summary.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/index.ts';
import { Agent, signedIn } from '../helpers/agent.ts';
import { cloneTemplate, DEMO_PASSWORD } from '../helpers/database.ts';

/*
 * The number of SQL statements each page runs, counted at the Kysely layer (a plugin sees
 * every statement the app executes, in transactions too): it must not grow with the data.
 * Each page is read, then 50 more of what it lists are added, and it is read again.
 */

class QueryCounter implements KyselyPlugin {
  count = 0;
  transformQuery: KyselyPlugin['transformQuery'] = (args) => args.node;
  transformResult: KyselyPlugin['transformResult'] = async (args) => {
    this.count++;
    return args.result;
  };
}

const PAGES = [
  { path: '/periods/2018-19', who: null },
  { path: '/events', who: null },
  { path: '/events/sme-seminar-2019', who: null },
  { path: '/', who: null },
  { path: '/manage/events', who: 'admin@ipcoop.test' },
  { path: '/manage/contests/hvpp-contest-2019/rounds/2/ranking', who: 'admin@ipcoop.test' },
] as const;

/** 50 more of everything the pages list: registrations and check-ins, upcoming events, ranked entries. */
async function addFifty(db: Database) {
  await loadRegistrations({ db, kind: 'pglite', close: async () => {} }, 50, 20);
  const upcoming = await db.selectFrom('events').select(['item_id', 'starts_at', 'ends_at']).where('status', '=', 'published')
    .where('starts_at', '>', new Date()).orderBy('starts_at').executeTakeFirstOrThrow();
  const events = await db.insertInto('events').values(Array.from({ length: 50 }, (_, i) => ({
    item_id: upcoming.item_id, slug: `query-count-${i}`, kind: 'seminar' as const, title: `Query count ${i}`,
    starts_at: upcoming.starts_at, ends_at: upcoming.ends_at, capacity: 100, status: 'published' as const,
  }))).returning('id').execute();
  await db.insertInto('registrations').values(events.map((e, i) => ({
    event_id: e.id, name: `Person ${i}`, email: `person-${i}@query.test`, side: 'HK' as const, status: 'confirmed' as const,
    token_hash: `query-count-${i}`,
  }))).execute();

  const round = await db.selectFrom('contest_rounds as r').innerJoin('contests as c', 'c.id', 'r.contest_id')
    .where('c.slug', '=', 'hvpp-contest-2019').where('r.position', '=', 2).select(['r.id', 'r.contest_id']).executeTakeFirstOrThrow();
  const judges = await db.selectFrom('contest_judges').select('user_id').where('contest_id', '=', round.contest_id).execute();
  const entries = await db.insertInto('entries').values(Array.from({ length: 50 }, (_, i) => ({
    contest_id: round.contest_id, reference: `QC${String(i).padStart(3, '0')}`, title: `Entry ${i}`, applicant_name: `Applicant ${i}`,
    applicant_type: 'enterprise' as const, side: 'HK' as const, contact_email: `entrant-${i}@query.test`,
  }))).returning('id').execute();
  await db.insertInto('round_entries').values(entries.map((e) => ({ round_id: round.id, entry_id: e.id }))).execute();
  for (const judge of judges) {
    await db.insertInto('assignments').values(entries.map((e) => ({
      round_id: round.id, entry_id: e.id, judge_id: judge.user_id, status: 'submitted' as const, submitted_at: new Date(),
    }))).execute();
  }
  await sql`insert into scores (assignment_id, criterion_id, score)
    select a.id, c.id, (a.entry_id + c.position) % 5 from assignments a join criteria c on c.round_id = a.round_id
    join entries e on e.id = a.entry_id where a.round_id = ${round.id} and e.reference like 'QC%'`.execute(db);
}

t.test('the number of queries a page runs does not grow with the data', async (t) => {
  const handle = await cloneTemplate();
  const counter = new QueryCounter();
  const db = handle.db.withPlugin(counter);
  const config = loadConfig({ DEMO_PASSWORD, LOG_LEVEL: 'silent', BASE_URL: 'http://ipcoop.test' });
  const app = await buildApp({ config, db, logger: false });
  t.teardown(async () => {
    await app.close();
    await handle.close();
  });
  const visitor = new Agent(app);
  const admin = await signedIn(app, 'admin@ipcoop.test');

  // Rendered every time: a query parameter other than `lang` keeps a public page out of the cache.
  const count = async (page: typeof PAGES[number]) => {
    const agent = page.who ? admin : visitor;
    const path = page.who ? page.path : `${page.path}?rendered`;
    await agent.get(path);
    const before = counter.count;
    const res = await agent.get(path);
    t.equal(res.statusCode, 200, `${page.path} answers`);
    return counter.count - before;
  };

  // Served from the cache, the event and summary pages read their version and nothing else.
  for (const path of ['/events/sme-seminar-2019', '/periods/2018-19', '/periods/2018-19/items/1']) {
    await visitor.get(path);
    const before = counter.count;
    t.equal((await visitor.get(path)).statusCode, 200);
    t.equal(counter.count - before, 1, `${path} from the cache: one query`);
  }

  const before = new Map<string, number>();
  for (const page of PAGES) before.set(page.path, await count(page));
  const events = await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  await addFifty(db);
  const more = await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  t.equal(Number(more.n), Number(events.n) + 50, 'the data grew');

  for (const page of PAGES) {
    const queries = await count(page);
    t.equal(queries, before.get(page.path), `${page.path}: ${queries} queries, as before the data grew`);
    t.ok(queries <= 40, `${page.path}: a bounded number of queries (${queries})`);
  }
  const ranking = await admin.get('/manage/contests/hvpp-contest-2019/rounds/2/ranking');
  t.match(ranking.body, /QC049/, 'the added entries are ranked');
  const events2 = await visitor.get('/events');
  t.match(events2.body, /Query count \d+/, 'the added events are listed');
});
