import { Writable } from 'node:stream';
import type { KyselyPlugin } from 'kysely';
import helmet from 'helmet';
import t from 'tap';
import { signedIn } from '../helpers/agent.ts';
import { build } from '../helpers/app.ts';

/*
 * What every request pays before a page does any work (hooks, headers, session, language, log)
 * is kept small without giving anything up: every security header, the session of a signed-in
 * visitor, the request log. Speed itself is measured by bench/event-page.ts, not here.
 */

class Statements implements KyselyPlugin {
  readonly seen: string[] = [];
  transformQuery: KyselyPlugin['transformQuery'] = (args) => args.node;
  transformResult: KyselyPlugin['transformResult'] = async (args) => args.result;
  readonly record = (sql: string) => this.seen.push(sql);
}

const lines: Record<string, unknown>[] = [];
const stream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});
const statements = new Statements();
const counter: KyselyPlugin = {
  transformQuery: (args) => {
    if (args.node.kind === 'RawNode') statements.record(args.node.sqlFragments.join('?'));
    else statements.record(args.node.kind);
    return args.node;
  },
  transformResult: async (args) => args.result,
};
const { app } = await build(t, { plugins: [counter], logger: { level: 'info', stream } });

/** What helmet's own middleware sets for the app's options, response by response. */
function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = { setHeader: (name: string, value: string) => { headers[name.toLowerCase()] = value; }, removeHeader: () => {} };
  helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"], frameAncestors: ["'none'"], upgradeInsecureRequests: null,
      },
    },
    strictTransportSecurity: false,
  })({} as never, res as never, () => {});
  return headers;
}

t.test('every answer carries the security headers helmet sets, worked out once', async (t) => {
  const expected = helmetHeaders();
  t.ok(Object.keys(expected).length >= 10, 'helmet names its headers');
  for (const url of ['/healthz', '/events/sme-seminar-2019', '/no-such-page', '/static/app.css', '/manage']) {
    const res = await app.inject({ method: 'GET', url });
    for (const [name, value] of Object.entries(expected)) t.equal(res.headers[name], value, `${url}: ${name}`);
    t.equal(res.headers['content-language'], 'en', `${url}: its language`);
  }
});

t.test('a request without a session cookie does no session work; one with a session is signed in', async (t) => {
  statements.seen.length = 0;
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  t.same(health.json(), { status: 'ok' });
  t.same(statements.seen, ['select 1'], 'the health check alone reaches the database');

  statements.seen.length = 0;
  await app.inject({ method: 'GET', url: '/healthz', headers: { cookie: 'ipcoop_session=not-a-token; lang=zh-Hant' } });
  t.same(statements.seen, ['select 1'], 'nor a cookie that cannot be a session');

  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const page = await organiser.get('/manage');
  t.equal(page.statusCode, 200, 'a session cookie still signs in');
  t.equal(page.headers['cache-control'], 'no-store');
  const anonymous = await app.inject({ method: 'GET', url: '/manage' });
  t.equal(anonymous.statusCode, 303, 'and without one, the visitor is sent to sign in');
});

t.test('the language, the notice and the page address still reach every page', async (t) => {
  const zh = await app.inject({ method: 'GET', url: '/events?lang=zh-Hant' });
  t.equal(zh.headers['content-language'], 'zh-Hant');
  t.match(zh.headers.vary, /Accept-Language/);
  t.match(String(zh.headers['set-cookie']), /lang=zh-Hant/, 'the choice is remembered');
  t.match(zh.body, /<html lang="zh-Hant">/);
  t.match(zh.body, /href="\/events\?lang=en"/, 'links to the page in the other languages');
  const hans = await app.inject({ method: 'GET', url: '/events?x=1', headers: { cookie: 'lang=zh-Hans' } });
  t.match(hans.body, /<html lang="zh-Hans">/, 'the cookie chooses the language');
  t.match(hans.body, /href="\/events\?x=1&amp;lang=en"/, 'the query kept in the links');
});

t.test('health checks arriving together share one round trip and each still reflects the database', async (t) => {
  statements.seen.length = 0;
  const answers = await Promise.all(Array.from({ length: 12 }, () => app.inject({ method: 'GET', url: '/healthz' })));
  t.same([...new Set(answers.map((a) => a.statusCode))], [200]);
  t.ok(statements.seen.length >= 1 && statements.seen.length < 12, `${statements.seen.length} statements for 12 checks`);
});

t.test('every request is logged once, when answered, with its id, address, status and time', async (t) => {
  lines.length = 0;
  await app.inject({ method: 'GET', url: '/healthz?probe=1' });
  t.equal(lines.length, 1, 'one line per request');
  const completed = lines[0];
  t.match(completed, { msg: 'request completed', req: { method: 'GET', url: '/healthz?probe=1', remoteAddress: '127.0.0.1' } });
  t.match(completed, { res: { statusCode: 200 } });
  t.ok(typeof completed?.responseTime === 'number', 'with the time it took');
  t.ok(typeof completed?.reqId === 'string', 'and its id');
  lines.length = 0;
  await app.inject({ method: 'GET', url: '/healthz' });
  t.not(lines[0]?.reqId, completed?.reqId, 'a new id for the next request');
  lines.length = 0;
  await app.inject({ method: 'GET', url: '/registrations/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' });
  t.notMatch(JSON.stringify(lines), 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'a private link is logged without its token');
  t.match(lines.find((l) => l.msg === 'request completed'), { res: { statusCode: 404 } });
});

t.test('at debug level a request is logged as it comes in too, under the same id', async (t) => {
  const seen: Record<string, unknown>[] = [];
  const stream = { write: (line: string) => { seen.push(JSON.parse(line) as Record<string, unknown>); } };
  const { app: debugging } = await build(t, { logger: { level: 'debug', stream } });
  await debugging.inject({ method: 'GET', url: '/healthz' });
  const incoming = seen.find((l) => l.msg === 'incoming request');
  const completed = seen.find((l) => l.msg === 'request completed');
  t.match(incoming, { req: { method: 'GET', url: '/healthz' } });
  t.ok(typeof incoming?.reqId === 'string' && incoming.reqId === completed?.reqId, 'one id for both lines');
});
