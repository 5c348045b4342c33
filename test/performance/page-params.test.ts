import t from 'tap';
import { sql } from 'kysely';
import { signedIn } from '../helpers/agent.ts';
import { build } from '../helpers/app.ts';

/*
 * A cached page is keyed by what it reads: its route's parameters, its language and the query
 * parameters it declares. Anything else in the address (`?x=1`, `?utm_source=…`, an encoded
 * path) is the same page, served from the same entry: varying it cannot make the server render
 * afresh on every request.
 */

const withoutTokens = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value=""');

const { app, db } = await build(t);

t.test('unknown parameters and spellings of the path are one cached page', async (t) => {
  const first = await app.inject({ method: 'GET', url: '/periods/2018-19' });
  t.equal(first.statusCode, 200);
  const { misses, size, hits } = app.pageCache;

  const urls = [
    ...Array.from({ length: 10 }, (_, i) => `/periods/2018-19?x=${i}`),
    '/periods/2018-19?utm_source=mail&utm_campaign=%3Cscript%3E',
    '/periods/2018-19?published=2',
    '/periods/2018-19?published=1&published=1',
    '/periods/%32018-19',
    '/periods/2018-19?lang=nope',
  ];
  for (const url of urls) {
    const page = await app.inject({ method: 'GET', url });
    t.equal(page.statusCode, 200, url);
    t.equal(withoutTokens(page.body), withoutTokens(first.body), `${url}: the same page`);
  }
  t.equal(app.pageCache.misses, misses, 'nothing rendered again');
  t.equal(app.pageCache.size, size, 'no entry added');
  t.equal(app.pageCache.hits, hits + urls.length, 'every request served from the cache');
});

t.test('the page stored for an address with stray parameters does not carry them', async (t) => {
  const page = await app.inject({ method: 'GET', url: '/periods/2018-19?campaign=poisoned' });
  t.equal(page.statusCode, 200);
  t.notMatch(page.body, /poisoned/, 'the language links name the page by its own address');
  t.match(page.body, /href="\/periods\/2018-19\?lang=zh-Hant"/);
  const again = await app.inject({ method: 'GET', url: '/periods/2018-19' });
  t.notMatch(again.body, /poisoned/);
});

t.test('parameters a page reads still make their own page', async (t) => {
  const plain = await app.inject({ method: 'GET', url: '/periods/2018-19' });
  const size = app.pageCache.size;
  const published = await app.inject({ method: 'GET', url: '/periods/2018-19?published=1&x=1' });
  t.notMatch(plain.body, /The edition of today is frozen/);
  t.match(published.body, /The edition of today is frozen/, 'the page after publishing shows its notice');
  t.match(published.body, /href="\/periods\/2018-19\?published=1&amp;lang=zh-Hant"|href="\/periods\/2018-19\?published=1&lang=zh-Hant"/);
  t.equal(app.pageCache.size, size + 1, 'stored apart');
  const again = await app.inject({ method: 'GET', url: '/periods/2018-19?x=2&published=1' });
  t.equal(withoutTokens(again.body), withoutTokens(published.body), 'and served again under its own key');
  t.equal(app.pageCache.size, size + 1);

  const zh = await app.inject({ method: 'GET', url: '/periods/2018-19?lang=zh-Hant&x=3' });
  t.match(zh.body, /<html lang="zh-Hant">/, 'each language apart');
  t.equal(app.pageCache.size, size + 2);

  const event = await app.inject({ method: 'GET', url: '/events/sme-seminar-2019?x=1' });
  const other = await app.inject({ method: 'GET', url: '/periods/2018-19/items/1?x=1' });
  t.equal(event.statusCode, 200);
  t.equal(other.statusCode, 200);
  t.equal(app.pageCache.size, size + 4, 'another route parameter is another page');
});

t.test('requests for one page with different stray parameters render it once', async (t) => {
  await app.inject({ method: 'GET', url: '/periods/2018-19' });
  // A change to what the page shows, made straight in SQL: the requests below all miss together.
  await sql`update content_version set n = n + 1`.execute(db);
  const misses = app.pageCache.misses;
  const pages = await Promise.all(Array.from({ length: 8 }, (_, i) => app.inject({ method: 'GET', url: `/periods/2018-19?x=${i}` })));
  t.same([...new Set(pages.map((p) => p.statusCode))], [200]);
  t.equal(new Set(pages.map((p) => withoutTokens(p.body))).size, 1);
  t.equal(app.pageCache.misses, misses + 1, 'rendered once');
});

t.test('signed-in pages are still rendered for their reader, whatever the parameters', async (t) => {
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const before = { hits: app.pageCache.hits, misses: app.pageCache.misses, size: app.pageCache.size };
  const page = await organiser.get('/periods/2018-19?x=1');
  t.equal(page.statusCode, 200);
  t.match(page.body, /href="\/manage"/);
  t.same({ hits: app.pageCache.hits, misses: app.pageCache.misses, size: app.pageCache.size }, before);
});
