import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type KyselyPlugin, sql } from 'kysely';
import t from 'tap';
import ts from 'typescript';
import type { Database } from '../../src/db/index.ts';
import { LOCALES } from '../../src/lib/i18n.ts';
import { startSession, userForSessionToken } from '../../src/modules/auth/service.ts';
import { archivePeriod } from '../../src/modules/reports/archive.ts';
import { publishPeriod } from '../../src/modules/reports/service.ts';
import { build } from '../helpers/app.ts';
import { tableReferences, writes } from '../helpers/sql-tables.ts';

/*
 * The page cache (src/lib/page-cache.ts) serves a public page again only while the change counters
 * it was stored under are unchanged, and only triggers move those counters
 * (migrations/2026-11-26T07-00_page-versions.ts). A table a cached page reads without such a
 * trigger is a page that goes stale. This test proves the coverage from what actually runs:
 *
 * 1. every route that sends a cached page is found in the source (calls of sendPublicPage);
 * 2. each is rendered for a few real pages of the seeded data, anonymously, in every language,
 *    with every statement the request runs logged (a Kysely plugin compiling each statement as
 *    the dialect does: the same on PGlite and PostgreSQL), and the tables it reads taken from
 *    the FROM and JOIN clauses (test/helpers/sql-tables.ts);
 * 3. the same page asked again is served from the cache: the counters that request reads are
 *    the ones the page is checked against;
 * 4. from the catalogue (pg_trigger, pg_class, pg_proc): the triggers calling the page-version
 *    functions, and the counter each function's body updates (read from pg_proc.prosrc);
 * 5. every table a page reads must have, for INSERT, UPDATE and DELETE alike, an enabled trigger
 *    on all its rows and columns moving a counter that page checks — or be listed below with the
 *    reason it never changes.
 *
 * The check is by table. Where a counter is per row (an event page checks its own event's row of
 * event_versions), that the page reads only its own event's rows is the page's own business —
 * test/performance/page-cache.test.ts follows such changes through to the pages.
 */

/** Tables a cached page may read without a trigger, and why. */
const EXEMPT: Record<string, string> = {
  content_version: 'a change counter itself: what the page\'s version is read from',
  event_versions: 'a change counter itself: what the page\'s version is read from',
};

/** The trigger functions of migrations/2026-11-26T07-00_page-versions.ts. */
const VERSION_FUNCTIONS = ['bump_content_version', 'bump_event_version', 'bump_own_event_version', 'add_event_version'];

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

type Operation = 'INSERT' | 'UPDATE' | 'DELETE';
const OPERATIONS: Operation[] = ['INSERT', 'UPDATE', 'DELETE'];
// pg_trigger.tgtype bits (src/include/catalog/pg_trigger.h).
const TRIGGER_TYPE: Record<Operation, number> = { INSERT: 1 << 2, DELETE: 1 << 3, UPDATE: 1 << 4 };

/** The routes whose handlers call sendPublicPage, by their path as registered. */
function cachedRoutes(): { route: string; at: string }[] {
  const found: { route: string; at: string }[] = [];
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).sort();
  for (const file of files) {
    const path = join(SRC, file);
    const text = readFileSync(path, 'utf8');
    if (!text.includes('sendPublicPage')) continue;
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'sendPublicPage') {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        const at = `${relative(ROOT, path)}:${line + 1}`;
        let route: string | null = null;
        for (let up: ts.Node | undefined = node.parent; up && route === null; up = up.parent) {
          if (ts.isCallExpression(up) && ts.isPropertyAccessExpression(up.expression) && up.expression.name.text === 'get') {
            const [first] = up.arguments;
            if (first && ts.isStringLiteralLike(first)) route = first.text;
          }
        }
        if (route === null) throw new Error(`${at}: sendPublicPage called outside an app.get('…') route this test can find`);
        found.push({ route, at });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** A few real pages of each cached route, chosen from the seeded data to show what the pages can show. */
const SAMPLES: Record<string, (db: Database) => Promise<string[]>> = {
  '/events/:slug': async (db) => {
    const events = await db.selectFrom('events as e')
      .where('e.status', 'in', ['published', 'closed', 'cancelled'])
      .select((eb) => ['e.slug', 'e.status', 'e.starts_at',
        eb.selectFrom('registrations as r').whereRef('r.event_id', '=', 'e.id').select(sql<number>`count(*)::int`.as('n')).as('registrations'),
        eb.selectFrom('event_questions as q').whereRef('q.event_id', '=', 'e.id').select(sql<number>`count(*)::int`.as('n')).as('questions'),
      ])
      .orderBy('e.starts_at', 'desc').orderBy('e.id').execute();
    const chosen = new Set<string>();
    // The latest of each status, the busiest, one with questions on its form.
    for (const status of new Set(events.map((e) => e.status))) chosen.add(events.find((e) => e.status === status)!.slug);
    const busiest = [...events].sort((a, b) => (b.registrations ?? 0) - (a.registrations ?? 0))[0];
    if (busiest) chosen.add(busiest.slug);
    const asking = events.find((e) => (e.questions ?? 0) > 0);
    if (asking) chosen.add(asking.slug);
    return [...chosen].map((slug) => `/events/${slug}`);
  },
  // The calendar feeds: the whole feed, and each event's file where its page is sampled.
  '/events.ics': async () => ['/events.ics'],
  '/events/:slug.ics': async (db) => (await SAMPLES['/events/:slug']!(db)).map((url) => `${url}.ics`),
  '/periods/:slug': async (db) => {
    const periods = await db.selectFrom('periods').select('slug').orderBy('starts_on').execute();
    return periods.map((p) => `/periods/${p.slug}`);
  },
  '/periods/:slug/items/:number': async (db) => {
    const items = await db.selectFrom('items as i').innerJoin('periods as p', 'p.id', 'i.period_id')
      .select((eb) => ['p.slug', 'i.number', 'i.continues_item_id',
        eb.exists(eb.selectFrom('events as x').whereRef('x.item_id', '=', 'i.id').select('x.id')).as('events'),
        eb.exists(eb.selectFrom('programmes as x').whereRef('x.item_id', '=', 'i.id').select('x.id')).as('programmes'),
        eb.exists(eb.selectFrom('contests as x').whereRef('x.item_id', '=', 'i.id').select('x.id')).as('contests'),
        eb.exists(eb.selectFrom('figures as x').whereRef('x.item_id', '=', 'i.id').select('x.id')).as('figures'),
      ])
      .orderBy('p.starts_on').orderBy('i.number').execute();
    const chosen = new Set<string>();
    // In each year: the first item, and the first with each kind of thing an item page lists.
    for (const slug of new Set(items.map((i) => i.slug))) {
      const ofYear = items.filter((i) => i.slug === slug);
      const picks = [ofYear[0], ...(['events', 'programmes', 'contests', 'figures'] as const).map((k) => ofYear.find((i) => i[k])),
        ofYear.find((i) => i.continues_item_id !== null)];
      for (const item of picks) if (item) chosen.add(`/periods/${item.slug}/items/${item.number}`);
    }
    return [...chosen];
  },
};

/**
 * Compiled SQL of every statement run while `capture` waits: the requests are made one at a time,
 * and nothing else runs in the background here (the mail worker is off in tests).
 */
class StatementLog implements KyselyPlugin {
  #statements: string[] | null = null;
  #compile: ((args: Parameters<KyselyPlugin['transformQuery']>[0]) => string) | null = null;

  attach(db: Database) {
    const executor = db.getExecutor();
    this.#compile = ({ node, queryId }) => executor.compileQuery(node, queryId).sql;
  }

  transformQuery: KyselyPlugin['transformQuery'] = (args) => {
    this.#statements?.push(this.#compile!(args));
    return args.node;
  };

  transformResult: KyselyPlugin['transformResult'] = async (args) => args.result;

  async capture<T>(run: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
    if (this.#statements) throw new Error('one capture at a time');
    const statements: string[] = [];
    this.#statements = statements;
    try {
      return { result: await run(), statements };
    } finally {
      this.#statements = null;
    }
  }
}

t.test('the SQL scanner finds the tables of FROM and JOIN clauses, and only those', async (t) => {
  const names = (text: string) => tableReferences(text).map((r) => (r.cte ? `cte:${r.name}` : r.name));
  t.same(names('select "e"."id" from "events" as "e" inner join "event_versions" as "v" on "v"."event_id" = "e"."id"'), ['events', 'event_versions']);
  t.same(names(`select (select n from content_version)::text || '.' || (select coalesce(sum(version), 0) from event_versions)::text as version`),
    ['content_version', 'event_versions'], 'scalar subqueries');
  t.same(names('select * from items i, lateral (select 1 from figures f where f.item_id = i.id) as x, periods p where exists (select 1 from "item_parties")'),
    ['items', 'periods', 'figures', 'item_parties'], 'comma lists, LATERAL and EXISTS');
  t.same(names('with recursive chain (id) as (select id from items union all select i.id from items i join chain c on c.id = i.continues_item_id), other as materialized (select 1 from periods) select * from chain join other on true'),
    ['items', 'items', 'cte:chain', 'periods', 'cte:chain', 'cte:other'], 'CTEs are told from tables, in scope');
  t.same(names('select * from chain'), ['chain'], 'a CTE name is one only where a WITH declares it');
  t.same(names(`select extract(epoch from starts_at), substring(title from 1 for 3), trim(both ' ' from name) from events where a is distinct from b and c is not distinct from d`),
    ['events'], 'FROM inside extract, substring, trim and IS DISTINCT FROM names no table');
  t.same(names(`select 'from figures', $$ from scores $$, e'join \\' scores', "from" from public.events -- from audit_log
    /* join /* nested */ users */ cross join jsonb_array_elements(answers) with ordinality as a(v, n) left join lateral unnest($1::int[]) u on true`),
  ['events'], 'strings, quoted names, comments and functions name no table');
  t.same(tableReferences('select 1 from public.events').map((r) => r.schema), ['public'], 'schema kept');
  t.same(names('select x::timestamp with time zone from figures'), ['figures'], '"with time zone" declares no CTE');
  t.same(writes('BEGIN UPDATE content_version SET n = n + 1; INSERT INTO public.event_versions (event_id) VALUES (NEW.id); select 1 from x for update; insert into a values (1) on conflict do update set b = 1; delete from "b"; END'),
    [{ table: 'content_version', how: 'update' }, { table: 'event_versions', how: 'insert' }, { table: 'a', how: 'insert' }, { table: 'b', how: 'delete' }],
    'the tables a trigger function writes, and how');
});

type Trigger = { table: string; trigger: string; fn: string; type: number; enabled: string; columns: string; conditional: boolean };
type Page = { url: string; reads: Set<string>; checks: Set<string> };

/** The triggers calling the page-version functions, from the catalogue. */
async function versionTriggers(db: Database): Promise<Trigger[]> {
  const { rows } = await sql<Trigger>`
    select c.relname as table, t.tgname as trigger, p.proname as fn, t.tgtype::int as type, t.tgenabled::text as enabled,
      t.tgattr::text as columns, t.tgqual is not null as conditional
    from pg_trigger t
    join pg_class c on c.oid = t.tgrelid
    join pg_namespace n on n.oid = c.relnamespace
    join pg_proc p on p.oid = t.tgfoid
    where n.nspname = 'public' and p.proname in (${sql.join(VERSION_FUNCTIONS)})
    order by 1, 2
  `.execute(db);
  return rows;
}

/**
 * Each table a page reads whose INSERTs, UPDATEs or DELETEs fire no trigger moving a counter that
 * page's version reads; with the pages reading it. Only a trigger on every row and every column
 * counts (no WHEN, no UPDATE OF), and only if enabled.
 */
function gaps(pages: Page[], triggers: Trigger[], moves: Map<string, Set<string>>): string[] {
  const found = new Map<string, Set<string>>();
  for (const page of pages) {
    for (const table of page.reads) {
      if (EXEMPT[table]) continue;
      const missing = OPERATIONS.filter((op) => !triggers.some((tg) => tg.table === table
        && (tg.type & TRIGGER_TYPE[op]) !== 0
        && tg.enabled !== 'D' && tg.columns === '' && !tg.conditional
        && [...moves.get(tg.fn) ?? []].some((counter) => page.checks.has(counter))));
      if (!missing.length) continue;
      const key = `${table}: no page-version trigger on ${missing.join(', ')} moving a counter the page checks`;
      found.set(key, (found.get(key) ?? new Set()).add(page.url.split('?')[0]!));
    }
  }
  return [...found].map(([gap, urls]) => `${gap} — read by ${[...urls].join(', ')}`);
}

t.test('every table a cached public page reads has a trigger moving a counter the page checks', async (t) => {
  const log = new StatementLog();
  const { app, db } = await build(t, { plugins: [log] });
  log.attach(db);

  // 1. The cached routes, from the source.
  const routes = cachedRoutes();
  t.ok(routes.length >= 3, `${routes.length} calls of sendPublicPage: ${routes.map((r) => `${r.route} (${r.at})`).join(', ')}`);
  for (const { route, at } of routes) t.ok(SAMPLES[route], `${route} (${at}) has sample pages in this test`);

  // The catalogue: the app's tables, the page-version functions and what their bodies write.
  const tables = new Set((await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p')
  `.execute(db)).rows.map((r) => r.name));
  const functions = (await sql<{ name: string; body: string }>`
    select p.proname as name, p.prosrc as body from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public' and p.proname in (${sql.join(VERSION_FUNCTIONS)})
  `.execute(db)).rows;
  t.same(functions.map((f) => f.name).sort(), [...VERSION_FUNCTIONS].sort(), 'the page-version functions are all in the database');
  const counterTables = new Set(functions.flatMap((f) => writes(f.body).map((w) => w.table)));
  t.same([...counterTables].sort(), ['content_version', 'event_versions'], 'the counters, written by those functions');
  for (const table of Object.keys(EXEMPT)) t.ok(tables.has(table), `exempt table ${table} exists`);
  // A function moves a counter by updating it; add_event_version only lays an event's row at 0.
  const moves = new Map(functions.map((f) => [f.name, new Set(writes(f.body).filter((w) => w.how === 'update').map((w) => w.table))]));
  const triggers = await versionTriggers(db);
  t.ok(triggers.length > 20, `${triggers.length} page-version triggers in the catalogue`);

  // 2–3. Every sample page in every language: rendered (a miss), then served (a hit).
  const pages: Page[] = [];
  const unknown: string[] = [];
  const tablesOf = (statements: string[], url: string) => {
    const read = new Set<string>();
    for (const statement of statements) {
      for (const ref of tableReferences(statement)) {
        if (ref.cte) continue;
        if ((ref.schema === null || ref.schema === 'public') && tables.has(ref.name)) read.add(ref.name);
        else unknown.push(`${url}: ${ref.schema ? `${ref.schema}.` : ''}${ref.name} in: ${statement}`);
      }
    }
    return read;
  };
  const sample = async (path: string) => {
    for (const locale of LOCALES) {
      const url = `${path}?lang=${locale}`;
      const misses = app.pageCache.misses;
      const rendered = await log.capture(() => app.inject({ method: 'GET', url }));
      t.equal(rendered.result.statusCode, 200, `${url} renders`);
      t.equal(app.pageCache.misses, misses + 1, `${url} was rendered and stored`);
      const hits = app.pageCache.hits;
      const served = await log.capture(() => app.inject({ method: 'GET', url }));
      t.equal(served.result.statusCode, 200);
      t.equal(app.pageCache.hits, hits + 1, `${url} was then served from the cache`);
      const reads = tablesOf(rendered.statements, url);
      const checks = new Set([...tablesOf(served.statements, url)].filter((table) => counterTables.has(table)));
      t.ok(reads.size > 1 && checks.size > 0, `${url} reads ${[...reads].sort().join(', ')}; its version reads ${[...checks].sort().join(', ')}`);
      pages.push({ url, reads, checks });
    }
  };
  for (const { route } of routes) {
    const urls = await SAMPLES[route]?.(db) ?? [];
    t.ok(urls.length > 0, `${route}: ${urls.length} sample pages (${urls.join(', ')})`);
    for (const path of urls) await sample(path);
  }
  // An archived year's summary is served from what was kept when it was archived (src/modules/reports/archive.ts).
  const admin = await userForSessionToken(db, await startSession(db, (await db.selectFrom('users').select('id')
    .where('role', '=', 'admin').orderBy('id').executeTakeFirstOrThrow()).id, '127.0.0.1', 'cache coverage'));
  if (!admin) throw new Error('no admin session');
  await publishPeriod(db, admin, '2018-19');
  await archivePeriod(db, admin, '2018-19');
  await sample('/periods/2018-19');
  t.same(unknown, [], 'every table reference in the pages\' SQL is a table of the database or a CTE');

  // 4–5. Coverage.
  t.same(gaps(pages, triggers, moves), [], 'no cached page reads a table whose changes would not reach it');
  const read = new Set(pages.flatMap((p) => [...p.reads]));
  t.comment(`tables read by cached pages: ${[...read].sort().join(', ')}`);

  // And the check can fail: without the trigger on figures (in this test's own copy), figures is a gap.
  await sql`drop trigger figures_content_version on figures`.execute(db);
  t.ok(read.has('figures'), 'figures is read by a cached page');
  const found = gaps(pages, await versionTriggers(db), moves);
  t.equal(found.length, 1, 'one gap');
  t.match(found[0], /^figures: no page-version trigger on INSERT, UPDATE, DELETE moving a counter .* read by \/periods\//, 'a table left without its trigger is named');
});
