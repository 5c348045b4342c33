import { sql } from 'kysely';
import t from 'tap';
import { signedIn } from './helpers/agent.ts';
import { build } from './helpers/app.ts';

t.test('pages carry security headers and a strict content security policy', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ method: 'GET', url: '/' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/html/);
  const csp = String(res.headers['content-security-policy']);
  t.match(csp, /default-src 'self'/);
  t.match(csp, /script-src 'self'/);
  t.notMatch(csp, /unsafe-inline/);
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.match(String(res.headers['x-frame-options']), /SAMEORIGIN|DENY/);
  t.match(csp, /frame-ancestors 'none'/);
  t.equal(res.headers['referrer-policy'], 'no-referrer');
  t.equal(res.headers['strict-transport-security'], undefined, 'no HSTS for a site served over plain HTTP');
});

t.test('over HTTPS, pages ask browsers to keep to HTTPS', async (t) => {
  const { app } = await build(t, { env: { BASE_URL: 'https://ipcoop.test', SESSION_SECRET: 'x'.repeat(40) } });
  const res = await app.inject({ method: 'GET', url: '/' });
  t.match(String(res.headers['strict-transport-security']), /max-age=\d+/);
  t.match(String(res.headers['content-security-policy']), /upgrade-insecure-requests/);
});

t.test('an unknown page is a friendly 404 in the layout, JSON for JSON clients', async (t) => {
  const { app } = await build(t);
  const html = await app.inject({ method: 'GET', url: '/no/such/page' });
  t.equal(html.statusCode, 404);
  t.match(html.body, /<h1>Page not found<\/h1>/);
  t.match(html.body, /class="site-header"/);

  const json = await app.inject({ method: 'GET', url: '/no/such/page', headers: { accept: 'application/json' } });
  t.equal(json.statusCode, 404);
  t.same(json.json(), { statusCode: 404, error: 'Page not found', message: 'We could not find that page.' });
});

t.test('the stylesheet is served', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ method: 'GET', url: '/static/app.css' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/css/);
  t.match(res.body, /@media print/);
});

t.test('home shows the programme years, upcoming events and open contests', async (t) => {
  const { app, db } = await build(t);
  const res = await app.inject({ method: 'GET', url: '/' });
  t.equal(res.statusCode, 200);
  t.match(res.body, /href="\/periods\/2018-19"/);
  const upcoming = await db.selectFrom('events').select('slug').where('status', '=', 'published')
    .where('starts_at', '>', new Date()).execute();
  t.ok(upcoming.length >= 1, 'the demo data holds upcoming events');
  for (const e of upcoming.slice(0, 3)) t.match(res.body, `href="/events/${e.slug}"`);
  const open = await db.selectFrom('contests').select('slug').where('status', '=', 'open').execute();
  for (const c of open) t.match(res.body, `href="/contests/${c.slug}"`);
});

t.test('an error in the session lookup still answers with the error page, in the visitor\'s language', async (t) => {
  const { app, db } = await build(t);
  const agent = await signedIn(app, 'organiser@hkipd.test');
  await sql`alter table sessions rename to sessions_moved`.execute(db);
  t.teardown(() => sql`alter table sessions_moved rename to sessions`.execute(db).catch(() => undefined));
  const res = await agent.get('/events?lang=zh-Hant', { accept: 'text/html' });
  t.equal(res.statusCode, 500);
  t.match(res.headers['content-type'], /text\/html/);
  t.match(res.body, '<html lang="zh-Hant">');
  t.notMatch(res.body, 'sessions', 'nothing of the cause shown');
});
