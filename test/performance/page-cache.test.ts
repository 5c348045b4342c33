import t from 'tap';
import { sql } from 'kysely';
import { PageCache, SharedReads } from '../../src/lib/page-cache.ts';
import { registrationChangesAt } from '../../src/modules/events/service.ts';
import { Agent, signedIn } from '../helpers/agent.ts';
import { build } from '../helpers/app.ts';

/*
 * Public pages are served from memory only while the database's change counters say nothing
 * they show has changed. Every change below is made straight in SQL, not through the app's
 * services, to show that the invalidation lives with the data and not with the code paths
 * that happen to be tested.
 */

const withoutTokens = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value=""');

async function openEvent(db: Awaited<ReturnType<typeof build>>['db'], capacity = 3) {
  const template = await db.selectFrom('events').selectAll().where('slug', 'like', 'ip-commercialisation-workshop-%').executeTakeFirstOrThrow();
  return db.insertInto('events').values({
    item_id: template.item_id, slug: 'cache-test', kind: 'seminar', title: 'Cached seminar', starts_at: new Date(Date.now() + 30 * 86_400_000),
    ends_at: new Date(Date.now() + 30 * 86_400_000 + 3_600_000), capacity, status: 'published', waitlist_enabled: true,
  }).returning(['id', 'slug', 'item_id']).executeTakeFirstOrThrow();
}

t.test('an anonymous event page is rendered once, then served from memory with a fresh, working CSRF token', async (t) => {
  const { app, db } = await build(t);
  const event = await openEvent(db);
  const first = await app.inject({ method: 'GET', url: '/events/cache-test' });
  const misses = app.pageCache.misses;
  const hits = app.pageCache.hits;
  const visitor = new Agent(app);
  const second = await visitor.get('/events/cache-test');
  t.equal(second.statusCode, 200);
  t.equal(app.pageCache.hits, hits + 1, 'the second request was a hit');
  t.equal(app.pageCache.misses, misses, 'and rendered nothing');
  t.equal(withoutTokens(second.body), withoutTokens(first.body), 'the same page');
  t.match(second.headers['content-type'], /text\/html; charset=utf-8/);
  t.notMatch(second.body, app.pageCache.slot, 'no slot left in the page');
  t.match(second.body, /3 places left/);

  // The token filled in for this visitor is one the CSRF check accepts.
  const registered = await visitor.post('/events/cache-test/register', {
    name: 'Cache Visitor', email: 'cache@participant.test', organisation: '', side: 'HK', consent: 'on',
  });
  t.equal(registered.statusCode, 303, 'registered with the token from the cached page');
  t.equal(Number((await db.selectFrom('registrations').where('event_id', '=', event.id).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 1);

  const after = await app.inject({ method: 'GET', url: '/events/cache-test' });
  t.match(after.body, /2 places left/, 'the registration moved the page on');
});

t.test('requests arriving together after a change render the page once', async (t) => {
  const { app, db } = await build(t);
  await openEvent(db);
  const misses = app.pageCache.misses;
  const pages = await Promise.all(Array.from({ length: 8 }, () => app.inject({ method: 'GET', url: '/events/cache-test' })));
  t.same([...new Set(pages.map((p) => p.statusCode))], [200]);
  t.equal(new Set(pages.map((p) => withoutTokens(p.body))).size, 1, 'the same page for all');
  t.equal(app.pageCache.misses, misses + 1, 'rendered once');
  const unknown = await Promise.all([1, 2].map(() => app.inject({ method: 'GET', url: '/events/no-such-event' })));
  t.same(unknown.map((r) => r.statusCode), [404, 404], 'a missing page is not found, and not stored');
});

t.test('every kind of change to what an event page shows is seen on the next request', async (t) => {
  const { app, db } = await build(t);
  const event = await openEvent(db);
  const page = async () => (await app.inject({ method: 'GET', url: '/events/cache-test' })).body;
  t.match(await page(), /3 places left/);

  await sql`insert into registrations (event_id, name, email, side, status, token_hash, answers)
    values (${event.id}, 'Direct', 'direct@participant.test', 'HK', 'confirmed', 'x', '{}')`.execute(db);
  await sql`update events set confirmed_count = confirmed_count + 1 where id = ${event.id}`.execute(db);
  t.match(await page(), /2 places left/, 'a registration and its seat');

  await sql`update events set title = 'Renamed seminar' where id = ${event.id}`.execute(db);
  t.match(await page(), /<h1>Renamed seminar<\/h1>/, 'the event itself');

  await sql`update items set title = 'A renamed item' where id = ${event.item_id}`.execute(db);
  t.match(await page(), /A renamed item/, 'the item around it');

  await sql`insert into event_questions (event_id, position, label, kind, options) values (${event.id}, 1, 'Dietary needs?', 'text', '[]')`.execute(db);
  t.match(await page(), /Dietary needs\?/, 'a question on the form');

  await sql`update events set status = 'cancelled' where id = ${event.id}`.execute(db);
  t.match(await page(), /This event has been cancelled|cancelled/i, 'its status');
  t.notMatch(await page(), /name="email"/, 'and the form is gone');

  await sql`update events set status = 'draft' where id = ${event.id}`.execute(db);
  t.equal((await app.inject({ method: 'GET', url: '/events/cache-test' })).statusCode, 404, 'withdrawn: not found at once');
});

t.test('each language is kept apart, and pages for signed-in people are never stored', async (t) => {
  const { app, db } = await build(t);
  await openEvent(db);
  const en = await app.inject({ method: 'GET', url: '/events/cache-test' });
  const zh = await app.inject({ method: 'GET', url: '/events/cache-test?lang=zh-Hant' });
  const zhAgain = await app.inject({ method: 'GET', url: '/events/cache-test', headers: { 'accept-language': 'zh-HK' } });
  t.match(en.body, /<html lang="en">/);
  t.match(zh.body, /<html lang="zh-Hant">/);
  t.match(zhAgain.body, /<html lang="zh-Hant">/, 'the Chinese page, not the English one stored first');
  t.equal(app.pageCache.size, 2, 'one page per language');

  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const before = { hits: app.pageCache.hits, size: app.pageCache.size };
  const own = await organiser.get('/events/cache-test');
  t.match(own.body, /href="\/manage"/, 'the signed-in navigation');
  t.notMatch(en.body, /href="\/manage"/);
  t.same({ hits: app.pageCache.hits, size: app.pageCache.size }, before, 'neither served from nor added to the cache');
  // Parameters the page does not read are no new page (test/performance/page-params.test.ts).
  await app.inject({ method: 'GET', url: '/events/cache-test?utm_source=mail' });
  t.same({ hits: app.pageCache.hits, size: app.pageCache.size }, { hits: before.hits + 1, size: before.size }, 'the stored page');
});

t.test('the summary and item pages follow registrations, check-ins and content', async (t) => {
  const { app, db } = await build(t);
  const period = await db.selectFrom('periods').select(['id', 'slug']).where('slug', '=', '2018-19').executeTakeFirstOrThrow();
  const item = await db.selectFrom('items').select(['id', 'number', 'title']).where('period_id', '=', period.id).where('number', '=', 1).executeTakeFirstOrThrow();
  const summary = async () => (await app.inject({ method: 'GET', url: `/periods/${period.slug}` })).body;
  const itemPage = async () => (await app.inject({ method: 'GET', url: `/periods/${period.slug}/items/${item.number}` })).body;

  const first = await summary();
  const hits = app.pageCache.hits;
  t.equal(await summary(), first, 'unchanged: the same page');
  t.equal(app.pageCache.hits, hits + 1, 'from memory');

  await sql`update items set title = 'Cache-tested first item' where id = ${item.id}`.execute(db);
  t.match(await summary(), /Cache-tested first item/, 'an item renamed');
  await itemPage();
  await sql`update items set narrative = 'Narrative rewritten for the cache test.' where id = ${item.id}`.execute(db);
  t.match(await itemPage(), /Narrative rewritten for the cache test\./, 'the item page follows too');

  // A figure counted from registrations: the attendance of an event of the year changes the summary.
  const counted = await db.selectFrom('registrations as r').innerJoin('events as e', 'e.id', 'r.event_id')
    .innerJoin('items as i', 'i.id', 'e.item_id').where('i.period_id', '=', period.id)
    .where('r.checked_in_at', 'is not', null).select(['r.id', 'r.event_id']).executeTakeFirstOrThrow();
  const version = async () => (await db.selectFrom('event_versions').select(sql<string>`version::text`.as('v')).where('event_id', '=', counted.event_id).executeTakeFirstOrThrow()).v;
  const before = await version();
  const stored = await summary();
  await sql`update registrations set checked_in_at = null where id = ${counted.id}`.execute(db);
  t.not(await version(), before, 'a check-in undone moves its event\'s counter');
  const missesBefore = app.pageCache.misses;
  await summary();
  t.equal(app.pageCache.misses, missesBefore + 1, 'so the summary is rendered afresh');
  t.ok(stored.length > 0);
});

t.test('the cache keeps the most recently used pages, up to its capacity, and honours the clock', async (t) => {
  const cache = new PageCache(2);
  const entry = (html: string, until = Infinity) => ({ version: '1.1', parts: [Buffer.from(html)], until });
  cache.set('a', entry('A'));
  cache.set('b', entry('B'));
  t.equal(cache.get('a', '1.1', 0)?.parts.join(''), 'A', 'a used again');
  cache.set('c', entry('C'));
  t.equal(cache.get('b', '1.1', 0), undefined, 'b, the least recently used, went');
  t.equal(cache.get('a', '1.1', 0)?.parts.join(''), 'A');
  t.equal(cache.get('a', '1.2', 0), undefined, 'another version is a miss');
  cache.set('d', entry('D', 1_000));
  t.equal(cache.get('d', '1.1', 999)?.parts.join(''), 'D');
  t.equal(cache.get('d', '1.1', 1_000), undefined, 'past its moment, a miss');

  const now = new Date('2026-03-01T00:00:00Z');
  const window = { registration_opens_at: new Date('2026-03-02T00:00:00Z'), registration_closes_at: new Date('2026-03-10T00:00:00Z'), starts_at: new Date('2026-03-11T00:00:00Z') };
  t.same(registrationChangesAt(window, now), window.registration_opens_at, 'first the opening');
  t.same(registrationChangesAt(window, new Date('2026-03-05T00:00:00Z')), window.registration_closes_at, 'then the closing');
  t.same(registrationChangesAt({ ...window, registration_closes_at: null }, new Date('2026-03-05T00:00:00Z')), window.starts_at, 'or the start');
  t.equal(registrationChangesAt(window, new Date('2026-04-01T00:00:00Z')), null, 'afterwards, never');
});

t.test('requests arriving during a read of a version share the next read, never one begun before them', async (t) => {
  const reads = new SharedReads();
  const started: Array<(value: string) => void> = [];
  const fetch = () => new Promise<string | null>((resolve) => { started.push(resolve); });
  const first = reads.read('v', fetch);
  t.equal(started.length, 1, 'the first request reads');
  const second = reads.read('v', fetch);
  const third = reads.read('v', fetch);
  t.equal(started.length, 1, 'the next two wait rather than read alongside');
  started[0]!('1');
  t.equal(await first, '1');
  await new Promise((r) => setImmediate(r));
  t.equal(started.length, 2, 'one more read, begun after both arrived');
  started[1]!('2');
  t.same(await Promise.all([second, third]), ['2', '2'], 'both take it, not the read begun before them');
  const fourth = reads.read('v', async () => '3');
  t.equal(await fourth, '3', 'an idle name reads at once');
  const failing = reads.read('w', async () => { throw new Error('down'); });
  const after = reads.read('w', async () => 'up');
  await t.rejects(failing, /down/);
  t.equal(await after, 'up', 'a failed read does not stop the next');
});
