import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { type KyselyPlugin, sql } from 'kysely';
import t, { type Test } from 'tap';
import type { Database } from '../../../src/db/index.ts';
import { LOCALES } from '../../../src/lib/i18n.ts';
import { hashToken, newToken } from '../../../src/lib/tokens.ts';
import { createApiToken } from '../../../src/modules/api/tokens.ts';
import { startSession, userForSessionToken } from '../../../src/modules/auth/service.ts';
import { createContest } from '../../../src/modules/contests/setup.ts';
import { saveEvent } from '../../../src/modules/event-admin/service.ts';
import { saveProgramme } from '../../../src/modules/programmes/manage.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { changedTables, fingerprint, ownedObjects } from '../../helpers/owned-objects.ts';
import { tableReferences } from '../../helpers/sql-tables.ts';

/*
 * Archiving a programme year (src/modules/reports/archive.ts, src/lib/archive.ts): an admin's
 * confirmed and audited act, refused to anyone else; every write to the year's objects refused
 * with a 409 and nothing written, by the site's forms, the private links and the JSON API alike;
 * reads, exports and certificates going on; the summary served from what was kept, reading word
 * for word as before; and taken out of the archive, the year can be changed again.
 */

const ADMIN = 'admin@ipcoop.test';
const ORGANISER = 'organiser@hkipd.test';
const JUDGE = 'judge1@ipcoop.test';
const ARCHIVED = 'This programme year is archived';
const seedText = await readFile(new URL('../../fixtures/summary-2018-19.txt', import.meta.url), 'utf8');
const words = (s: string) => s.replace(/HK\\\$/g, 'HK$').replace(/\s+/g, ' ').trim();

/**
 * The page's main content, without what differs between any two renderings: a form's CSRF token,
 * and the ids that tie each chart to its title (numbered in the order the server draws charts).
 */
const mainOf = (html: string) => (/<main id="main"[^>]*>([\s\S]*)<\/main>/.exec(html)?.[1] ?? '')
  .replace(/name="_csrf" value="[^"]*"/g, '').replace(/chart-\d+-([td])/g, 'chart-$1');

const periodRow = (db: Database, slug: string) => db.selectFrom('periods').selectAll().where('slug', '=', slug).executeTakeFirstOrThrow();
const userId = async (db: Database, email: string) =>
  (await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;

/** Publishes the year's summary as it reads, then archives it, as an admin does. */
async function publishAndArchive(t: Test, admin: Agent, slug: string) {
  t.equal((await admin.post(`/manage/periods/${slug}/publish`)).statusCode, 303, `${slug} published`);
  await admin.get(`/manage/periods/${slug}/archive`);
  const res = await admin.post(`/manage/periods/${slug}/archive`);
  t.equal(res.statusCode, 303, `${slug} archived`);
  t.equal(res.headers.location, `/manage/periods/${slug}`);
}

t.test('the year page and archiving are for admins: confirmed, audited, and undone by an admin', async (t) => {
  const { app, db } = await build(t);
  const anonymous = await app.inject({ method: 'GET', url: '/manage/periods/2018-19' });
  t.equal(anonymous.statusCode, 303, 'an anonymous visitor is sent to sign in');
  t.match(anonymous.headers.location, /^\/login\?next=%2Fmanage%2Fperiods%2F2018-19/);
  t.equal((await app.inject({ method: 'GET', url: '/manage/periods/2018-19/archive' })).statusCode, 303);

  const organiser = await signedIn(app, ORGANISER);
  t.equal((await organiser.get('/manage/periods/2018-19')).statusCode, 404, 'an organiser finds no such page');
  t.equal((await organiser.get('/manage/periods/2018-19/archive')).statusCode, 404);
  t.equal((await organiser.post('/manage/periods/2018-19/archive')).statusCode, 404, 'nor may archive');
  t.equal((await organiser.post('/manage/periods/2018-19/unarchive')).statusCode, 404);

  const admin = await signedIn(app, ADMIN);
  const page = await admin.get('/manage/periods/2018-19');
  t.equal(page.statusCode, 200);
  t.match(page.body, 'Archive this year…');
  t.match(page.body, 'href="/manage/periods/2018-19/archive"');

  // Not yet: the year has no published edition to be kept.
  const confirm = await admin.get('/manage/periods/2018-19/archive');
  t.equal(confirm.statusCode, 200);
  t.match(confirm.body, 'Publish this year&#39;s summary first');
  t.notMatch(confirm.body, 'action="/manage/periods/2018-19/archive"', 'no button while it cannot be archived');
  const early = await admin.post('/manage/periods/2018-19/archive');
  t.equal(early.statusCode, 400, 'refused beside the form');
  t.match(early.body, 'Publish this year&#39;s summary first');
  t.equal((await periodRow(db, '2018-19')).archived_at, null, 'not archived');

  // Nor with a summary changed since its edition.
  t.equal((await admin.post('/manage/periods/2018-19/publish')).statusCode, 303);
  const item = await db.selectFrom('items as i').innerJoin('periods as p', 'p.id', 'i.period_id').where('p.slug', '=', '2018-19')
    .where('i.number', '=', 1).select(['i.id', 'i.title']).executeTakeFirstOrThrow();
  await db.updateTable('items').set({ title: `${item.title} (revised)` }).where('id', '=', item.id).execute();
  const changed = await admin.post('/manage/periods/2018-19/archive');
  t.equal(changed.statusCode, 400);
  t.match(changed.body, 'The summary has changed since its last edition');
  await db.updateTable('items').set({ title: item.title }).where('id', '=', item.id).execute();

  // The confirmation: without the CSRF token, nothing; with a password confirmed long ago, asked again first.
  const forged = await app.inject({
    method: 'POST', url: '/manage/periods/2018-19/archive', payload: '',
    headers: { cookie: admin.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.equal(forged.statusCode, 403, 'a request without the CSRF token is refused');
  await db.updateTable('sessions').set({ confirmed_at: new Date(Date.now() - 3_600_000) })
    .where('user_id', '=', await userId(db, ADMIN)).execute();
  const stale = await admin.post('/manage/periods/2018-19/archive', {}, { referer: 'http://ipcoop.test/manage/periods/2018-19/archive' });
  t.equal(stale.statusCode, 303);
  t.match(stale.headers.location, /^\/account\/confirm\?next=/, 'the password is asked for again');
  t.equal((await periodRow(db, '2018-19')).archived_at, null, 'still not archived');
  await admin.get('/account/confirm');
  t.equal((await admin.post('/account/confirm', { password: 'demo-password-2019', next: '/manage/periods/2018-19/archive' })).statusCode, 303);

  const confirmed = await admin.get('/manage/periods/2018-19/archive');
  t.match(confirmed.body, 'action="/manage/periods/2018-19/archive"');
  t.match(confirmed.body, 'Archive 2018-2019');
  const done = await admin.post('/manage/periods/2018-19/archive');
  t.equal(done.statusCode, 303);
  t.equal(done.headers.location, '/manage/periods/2018-19');
  const shown = await admin.get('/manage/periods/2018-19');
  t.match(shown.body, 'The programme year is archived.', 'the notice');
  t.match(shown.body, 'Archived on');
  t.match(shown.body, 'Take out of the archive');

  const period = await periodRow(db, '2018-19');
  const edition = await db.selectFrom('summary_editions').select('id').where('period_id', '=', period.id).orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  t.ok(period.archived_at, 'archived');
  t.equal(period.archived_by, await userId(db, ADMIN), 'by the admin');
  t.equal(period.archived_edition_id, edition.id, 'at the latest edition');
  const pages = await db.selectFrom('period_archive_pages').select('locale').where('period_id', '=', period.id).orderBy('locale').execute();
  t.same(pages.map((p) => p.locale), ['en', 'zh-Hans', 'zh-Hant'], 'its summary kept in every language');
  const audits = () => db.selectFrom('audit_log').select(['action', 'actor_user_id', 'changes']).where('entity', '=', 'period')
    .where('entity_id', '=', String(period.id)).where('action', 'in', ['archive', 'unarchive']).orderBy('id').execute();
  const audit = await audits();
  t.same(audit.map((a) => a.action), ['archive'], 'one audit entry');
  t.equal(audit[0]?.actor_user_id, period.archived_by);
  t.match(audit[0]?.changes, { edition: edition.id, archived_at: { from: null } });

  t.equal((await admin.post('/manage/periods/2018-19/archive')).statusCode, 303, 'archiving again does nothing');
  t.equal((await audits()).length, 1);
  const editions = () => db.selectFrom('summary_editions').select('id').where('period_id', '=', period.id).execute().then((r) => r.length);
  const editionsBefore = await editions();
  const republish = await admin.post('/manage/periods/2018-19/publish');
  t.equal(republish.statusCode, 409, 'the archived summary is not published again');
  t.match(republish.body, ARCHIVED);
  t.equal(await editions(), editionsBefore, 'no new edition');

  t.equal((await organiser.post('/manage/periods/2018-19/unarchive')).statusCode, 404, 'an organiser cannot undo it');
  const undone = await admin.post('/manage/periods/2018-19/unarchive');
  t.equal(undone.statusCode, 303);
  t.match((await admin.get('/manage/periods/2018-19')).body, 'The programme year is out of the archive');
  const after = await periodRow(db, '2018-19');
  t.equal(after.archived_at, null, 'current again');
  t.equal(after.archived_edition_id, null);
  t.equal((await db.selectFrom('period_archive_pages').select('locale').where('period_id', '=', period.id).execute()).length, 0,
    'the kept pages go: the summary is computed from the rows again');
  t.same((await audits()).map((a) => a.action), ['archive', 'unarchive'], 'undoing it is audited too');
});

/** Every statement a request runs, compiled as the dialect does. */
class StatementLog implements KyselyPlugin {
  statements: string[] | null = null;
  compile: ((args: Parameters<KyselyPlugin['transformQuery']>[0]) => string) | null = null;
  attach(db: Database) {
    const executor = db.getExecutor();
    this.compile = ({ node, queryId }) => executor.compileQuery(node, queryId).sql;
  }
  transformQuery: KyselyPlugin['transformQuery'] = (args) => {
    this.statements?.push(this.compile!(args));
    return args.node;
  };
  transformResult: KyselyPlugin['transformResult'] = async (args) => args.result;
  async tablesRead(run: () => Promise<unknown>): Promise<string[]> {
    this.statements = [];
    try {
      await run();
      return [...new Set(this.statements.flatMap((s) => tableReferences(s).filter((r) => !r.cte).map((r) => r.name)))].sort();
    } finally {
      this.statements = null;
    }
  }
}

t.test('an archived year\'s summary reads word for word as before, served from what was kept', async (t) => {
  const log = new StatementLog();
  const { app, db } = await build(t, { plugins: [log] });
  log.attach(db);
  const admin = await signedIn(app, ADMIN);
  t.equal((await admin.post('/manage/periods/2018-19/publish')).statusCode, 303);
  const current = (await db.selectFrom('periods').select('slug').orderBy('starts_on', 'desc').executeTakeFirstOrThrow()).slug;

  const get = (url: string) => app.inject({ method: 'GET', url });
  const addresses = [
    ...LOCALES.flatMap((l) => [`/periods/2018-19?lang=${l}`, `/periods/2018-19/summary.txt?lang=${l}`]),
    '/periods/2018-19/print', '/periods/2018-19/summary.md', `/periods/${current}`, '/periods/2018-19/published.txt',
  ];
  const read = async () => {
    const out = new Map<string, string>();
    for (const url of addresses) {
      const res = await get(url);
      t.equal(res.statusCode, 200, `${url} answers`);
      out.set(url, /\.(txt|md)$|\.txt\?/.test(url) ? res.body : mainOf(res.body));
    }
    return out;
  };
  const before = await read();
  t.ok(before.get('/periods/2018-19?lang=en')!.includes('id="item-27"'), 'the page holds the summary');
  const missesBefore = app.pageCache.misses;

  // Archived by an admin (the summary was published just now, as it reads).
  await admin.get('/manage/periods/2018-19/archive');
  t.equal((await admin.post('/manage/periods/2018-19/archive')).statusCode, 303);

  const after = await read();
  t.ok(app.pageCache.misses > missesBefore, 'the cached pages were rendered again: archiving moves their version');
  for (const url of addresses) t.equal(after.get(url), before.get(url), `${url} reads as before`);
  t.equal(words(after.get('/periods/2018-19/summary.txt?lang=en')!), words(seedText), 'the 2018-19 record, word for word');

  // Served from what was kept: none of the year's rows is read (its cost no longer grows with them).
  const kept = new Set(['periods', 'period_archive_pages', 'summary_editions', 'content_version', 'event_versions']);
  // What any signed-in request reads: the session, its user and their organisation, the sign-in policy and passkeys.
  const SIGNED_IN = new Set(['sessions', 'users', 'organisations', 'sign_in_policy', 'passkeys']);
  for (const url of ['/periods/2018-19?lang=zh-Hant', '/periods/2018-19/summary.txt', '/periods/2018-19/print', '/periods/2018-19/summary.docx']) {
    // Signed in, so that the page is rendered, never served from the cache; the session is read for that.
    const tables = await log.tablesRead(async () => {
      const res = await app.inject({ method: 'GET', url, headers: { cookie: admin.cookieHeader } });
      t.equal(res.statusCode, 200, url);
    });
    const live = tables.filter((name) => !kept.has(name) && !SIGNED_IN.has(name));
    t.same(live, [], `${url} reads ${tables.join(', ')}: nothing of the year's rows`);
  }

  // Organisers are told why there is nothing to publish; the public is not.
  const signedInPage = await admin.get('/periods/2018-19');
  t.match(signedInPage.body, 'This programme year was archived on');
  t.notMatch(signedInPage.body, 'action="/manage/periods/2018-19/publish"', 'no publish form');
  t.notMatch((await get('/periods/2018-19')).body, 'was archived on');

  // The organisers' pages show the year apart, not among current work.
  const organiser = await signedIn(app, ORGANISER);
  const dashboard = await organiser.get('/manage');
  const [work, archivedPart = ''] = dashboard.body.split('<h2>Archived years</h2>');
  t.match(archivedPart, 'href="/periods/2018-19"', 'the archived year is listed under "Archived years"');
  t.notMatch(work, '2018-2019', 'and not among the current items');
  const events = await organiser.get('/manage/events');
  const [currentEvents, archivedEvents = ''] = events.body.split('<h2>Archived years</h2>');
  const oldEvent = await db.selectFrom('events as e').innerJoin('items as i', 'i.id', 'e.item_id').innerJoin('periods as p', 'p.id', 'i.period_id')
    .innerJoin('item_parties as ip', 'ip.item_id', 'i.id').innerJoin('organisations as o', 'o.id', 'ip.organisation_id')
    .where('p.slug', '=', '2018-19').where('o.code', '=', 'HKIPD').select('e.slug').executeTakeFirst();
  if (oldEvent) {
    t.match(archivedEvents, `href="/manage/events/${oldEvent.slug}"`, 'an event of the year is listed apart');
    t.notMatch(currentEvents, `href="/manage/events/${oldEvent.slug}"`);
  }
  const adminDashboard = await admin.get('/manage');
  t.match(adminDashboard.body, /2018-2019<\/a> <span class="tag">Archived<\/span>/, 'the admin\'s list of years marks it');
});

t.test('every write to an archived year is refused with a 409 and writes nothing; reads go on; taken out of the archive, writes work', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ipcoop-archive-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const { app, db } = await build(t, { env: { DATA_DIR: dataDir } });
  const o = await ownedObjects(db, { owner: ORGANISER, intruder: 'organiser@customs.test', judge: JUDGE, dataDir });
  const admin = await signedIn(app, ADMIN);

  // The years of every object written to below, archived (each published first).
  const yearOf = (table: 'events' | 'programmes' | 'contests', slug: string) => db.selectFrom(`${table} as x` as 'events as x')
    .innerJoin('items as i', 'i.id', 'x.item_id').innerJoin('periods as p', 'p.id', 'i.period_id').where('x.slug', '=', slug)
    .select('p.slug').executeTakeFirstOrThrow().then((r) => r.slug);
  const years = new Set([o.period.slug, await yearOf('events', o.event.slug), await yearOf('programmes', o.programme.slug),
    await yearOf('contests', o.contest.slug)]);
  const openContestYear = await yearOf('contests', o.openContest.slug);
  const publicProgrammeYear = await yearOf('programmes', o.publicProgramme.slug);
  for (const slug of years) await publishAndArchive(t, admin, slug);
  const archived = (slug: string) => years.has(slug);

  // Private links of the year's registration, delegation and entry.
  const links = { registration: newToken(), delegation: newToken(), entry: newToken() };
  await db.updateTable('registrations').set({ token_hash: hashToken(links.registration) }).where('id', '=', o.registration.id).execute();
  await db.updateTable('delegations').set({ token_hash: hashToken(links.delegation) }).where('id', '=', o.delegation.id).execute();
  await db.updateTable('entries').set({ token_hash: hashToken(links.entry) }).where('id', '=', o.entry.id).execute();
  const organiser = await signedIn(app, ORGANISER);
  const judge = await signedIn(app, JUDGE);
  const visitor = new Agent(app);
  await visitor.get('/login');

  let state = await fingerprint(db, 'lightMyRequest');
  const unchanged = async (label: string) => {
    const now = await fingerprint(db, 'lightMyRequest');
    // A request moves its session's last-seen time (and nothing else): the test's own sessions are left out.
    t.same(changedTables(state, now), [], `${label}: nothing written`);
    state = now;
  };
  const refused = async (label: string, res: LightMyRequestResponse, status = 409) => {
    t.equal(res.statusCode, status, `${label}: refused (${res.statusCode})`);
    t.match(res.body, ARCHIVED, `${label}: says the year is archived`);
    await unchanged(label);
  };

  // 1. Every organisers' form of the year's objects, through their route groups: the event and all
  // that hangs off it (registrants, check-in, imports, mailings, certificates, surveys, templates),
  // programmes and delegations, contests with their rounds and awards, items.
  const OPEN = new Set(['/manage/items/:id/preview', '/manage/events/:slug/emails/templates/:kind/preview',
    '/manage/programmes/:id/emails/templates/:kind/preview', '/manage/contests/:slug/emails/templates/:kind/preview']);
  const bind: [string, Record<string, string | number>][] = [
    ['/manage/events/:slug', { slug: o.event.slug, id: o.registration.id, kind: 'confirmation' }],
    ['/manage/programmes/:id', { id: o.programme.id, kind: 'confirmation' }],
    ['/manage/delegations/:id', { id: o.delegation.id, memberId: o.member.id }],
    ['/manage/contests/:slug', {
      slug: o.contest.slug, position: o.round.position, entryId: o.entry.id, assignmentId: o.submittedAssignment.id, kind: 'entryReceived',
    }],
    ['/manage/items/:id', { id: o.item.id }],
  ];
  const routes = app.routeAccess.filter((r) => r.method === 'POST' && bind.some(([prefix]) => r.url.startsWith(`${prefix}/`) || r.url === prefix));
  t.ok(routes.length > 60, `${routes.length} organisers' write routes of the year's objects`);
  for (const route of routes) {
    const values = bind.find(([prefix]) => route.url.startsWith(prefix))![1];
    const url = route.url.replace(/:([A-Za-z]+)/g, (_m, name: string) => encodeURIComponent(String(values[name])));
    const res = await admin.post(url);
    if (OPEN.has(route.url)) {
      t.not(res.statusCode, 409, `${route.url}: a preview writes nothing, and stays open`);
      await unchanged(route.url);
    } else {
      await refused(`POST ${route.url}`, res);
    }
  }
  // The same for the organiser of the year's items (not only an admin).
  await refused('an organiser edits the event', await organiser.post(`/manage/events/${o.event.slug}/edit`, { title: 'Renamed' }));
  await refused('an organiser checks someone in', await organiser.post(`/manage/events/${o.event.slug}/checkin/${o.registration.id}`));
  await refused('translations', await organiser.post(`/manage/translations/event/${o.event.slug}`, { title_zh_hant: '新名稱' }));

  // Nothing new in the year's items, and nothing moved into them: the forms refuse (the item first, before the rest of the input).
  for (const form of ['/manage/events/new', '/manage/programmes/new', '/manage/contests/new']) {
    t.equal((await organiser.post(form, { item_id: String(o.item.id), title: 'New' })).statusCode, 400, `${form}: refused`);
    await unchanged(form);
  }
  const user = await userForSessionToken(db, await startSession(db, await userId(db, ORGANISER), '127.0.0.1', 'archive test'));
  if (!user) throw new Error('no session');
  const site = { baseUrl: 'http://ipcoop.test', domain: 'ipcoop.test' };
  const itemOnly = { item_id: o.item.id } as never;
  for (const [what, save] of [
    ['an event', () => saveEvent(db, user, site, null, itemOnly)],
    ['a programme', () => saveProgramme(db, user, null, itemOnly)],
    ['a contest', () => createContest(db, user, itemOnly)],
  ] as const) {
    const refusal: unknown = await save().then(() => null, (error: unknown) => error);
    t.match(refusal, { status: 400, errors: { item_id: 'archive.refused' } }, `${what} in an archived year's item: refused beside the item`);
  }
  state = await fingerprint(db, 'lightMyRequest');

  // 2. Judging.
  await refused('scoring', await judge.post(`/judging/assignments/${o.judgeAssignment.id}`, { action: 'submit' }));
  await refused('a conflict declaration', await judge.post(`/judging/assignments/${o.judgeAssignment.id}/declaration`, { conflict: 'none' }));

  // 3. The public forms and private links.
  const person = { name: 'Late Comer', email: 'late@example.org', organisation: 'IPD', side: 'HK', consent: 'on' };
  if (archived(await yearOf('events', o.event.slug))) {
    await refused('registering for an event', await visitor.post(`/events/${o.event.slug}/register`, person));
  }
  await refused('cancelling a registration', await visitor.post(`/registrations/${links.registration}/cancel`));
  await refused('confirming a registration', await visitor.post(`/registrations/${links.registration}/confirm`));
  await refused('editing a delegation', await visitor.post(`/delegations/${links.delegation}`, { contact_name: 'X' }));
  await refused('withdrawing a delegation', await visitor.post(`/delegations/${links.delegation}/withdraw`));
  await refused('editing an entry', await visitor.post(`/entries/${links.entry}`, { title: 'X' }));
  if (archived(openContestYear)) {
    await refused('entering a contest', await visitor.post(`/contests/${o.openContest.slug}/entries`, { title: 'X' }));
  }
  if (archived(publicProgrammeYear)) {
    await refused('registering a delegation', await visitor.post(`/programmes/${o.publicProgramme.slug}/register`, { contact_name: 'X' }));
  }

  // 4. The JSON API: a problem, 409, nothing written (the token's own use and rate count aside).
  const token = (await createApiToken(db, null, await userId(db, ORGANISER),
    { name: 'archive', scopes: ['read', 'registrations', 'checkin', 'figures'], days: 1 })).token;
  state = await fingerprint(db, 'lightMyRequest');
  const api = (method: 'GET' | 'POST', url: string, body?: unknown) => app.inject({
    method, url, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { payload: JSON.stringify(body) } : {}),
  });
  const apiWrites: [string, unknown][] = [
    [`/api/v1/events/${o.event.slug}/registrations`, { ...person, consent: true }],
    [`/api/v1/registrations/${o.registration.id}/cancel`, undefined],
    [`/api/v1/events/${o.event.slug}/checkins`, { registration_id: o.registration.id }],
    [`/api/v1/items/${o.item.id}/figures`, { key: 'late', label: 'Late', value: 1 }],
  ];
  for (const [url, body] of apiWrites) {
    const res = await api('POST', url, body);
    t.equal(res.statusCode, 409, `API ${url}: 409`);
    t.match(res.headers['content-type'], /^application\/problem\+json/);
    t.match(res.json(), { status: 409, type: 'urn:ipcoop:problem:refused', detail: ARCHIVED });
    const now = await fingerprint(db, 'lightMyRequest');
    t.same(changedTables(state, now).filter((name) => name !== 'api_tokens' && name !== 'rate_limits'), [], `API ${url}: nothing written`);
    state = now;
  }
  t.equal((await api('GET', `/api/v1/events/${o.event.slug}`)).statusCode, 200, 'the API still reads');

  // 5. Reads, exports and certificates go on.
  const reads = [
    `/manage/events/${o.event.slug}`, `/manage/events/${o.event.slug}/registrations`, `/manage/events/${o.event.slug}/attendance.csv`,
    `/manage/programmes/${o.programme.id}`, `/manage/delegations/${o.delegation.id}`, `/manage/contests/${o.contest.slug}`,
    `/manage/contests/${o.contest.slug}/rounds/${o.round.position}`, `/manage/items/${o.item.id}`, `/manage/events`, '/manage',
  ];
  for (const url of reads) t.equal((await organiser.get(url)).statusCode, 200, `${url} reads`);
  t.equal((await judge.get(`/judging/assignments/${o.judgeAssignment.id}`)).statusCode, 200, 'a judge\'s sheet reads');
  for (const url of [`/events/${o.event.slug}`, `/contests/${o.contest.slug}`, `/periods/${o.period.slug}`, `/periods/${o.period.slug}/items/${o.item.number}`,
    `/registrations/${links.registration}`, `/delegations/${links.delegation}`, `/entries/${links.entry}`]) {
    t.equal((await visitor.get(url)).statusCode, 200, `${url} reads`);
  }
  const code = 'archivedyearcertific01';
  await sql`insert into certificates (code, kind, registration_id, name, hours) values (${code}, 'attendance', ${o.registration.id}, 'Ada', 3)`
    .execute(db);
  state = await fingerprint(db, 'lightMyRequest');
  t.equal((await visitor.get(`/certificates/${code}`)).statusCode, 200, 'a certificate is verified');
  await unchanged('reading');

  // Erasing one's own data is a right that outlasts the year.
  t.equal((await visitor.post(`/registrations/${links.registration}/delete`)).statusCode, 303, 'a participant may still delete their data');

  // 6. Taken out of the archive, the year takes writes again.
  for (const slug of years) t.equal((await admin.post(`/manage/periods/${slug}/unarchive`)).statusCode, 303);
  const figure = await organiser.post(`/manage/items/${o.item.id}/figures`, { key: 'after', label: 'After', value: '7', unit: 'count' });
  t.equal(figure.statusCode, 303, 'a figure is recorded again');
  t.ok(await db.selectFrom('figures').select('id').where('item_id', '=', o.item.id).where('key', '=', 'after').executeTakeFirst());
  const apiFigure = await api('POST', `/api/v1/items/${o.item.id}/figures`, { key: 'late', label: 'Late', value: 1 });
  t.equal(apiFigure.statusCode, 200, 'and through the API');
});
