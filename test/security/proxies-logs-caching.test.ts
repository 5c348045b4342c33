import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/index.ts';
import { newToken } from '../../src/lib/tokens.ts';
import { Agent } from '../helpers/agent.ts';
import { build } from '../helpers/app.ts';
import { DEMO_PASSWORD } from '../helpers/database.ts';

/*
 * Who the client is (only named proxies may say), what the log keeps of a private link (not its
 * token), and which pages a shared computer's browser or a proxy may keep (no private one).
 */

/** Signs in from `remoteAddress`, claiming to be 203.0.113.9; the address the new session records. */
async function signInFrom(app: FastifyInstance, db: Database, remoteAddress: string) {
  const agent = new Agent(app);
  await agent.get('/login');
  const res = await app.inject({
    method: 'POST', url: '/login', remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: agent.cookieHeader, 'x-forwarded-for': '203.0.113.9' },
    payload: new URLSearchParams({ _csrf: agent.csrf, email: 'organiser@hkipd.test', password: DEMO_PASSWORD }).toString(),
  });
  if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode}`);
  const session = await db.selectFrom('sessions').select('ip').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
  return session.ip;
}

t.test('without TRUST_PROXY, X-Forwarded-For is ignored: the connection is the client', async (t) => {
  const { app, db } = await build(t);
  t.equal(await signInFrom(app, db, '198.51.100.7'), '198.51.100.7', 'the session records the connection, not the claimed address');
});

t.test('with TRUST_PROXY naming the proxy, its X-Forwarded-For names the client', async (t) => {
  const { app, db } = await build(t, { env: { TRUST_PROXY: '198.51.100.0/24' } });
  t.equal(await signInFrom(app, db, '198.51.100.7'), '203.0.113.9', 'through the named proxy, the forwarded address is the client');
  t.equal(await signInFrom(app, db, '192.0.2.50'), '192.0.2.50', 'from anywhere else, the header is ignored');
});

t.test('TRUST_PROXY names proxies; "true" and hop counts are refused', async (t) => {
  t.equal(loadConfig({}).trustProxy, false, 'unset: nobody');
  t.equal(loadConfig({ TRUST_PROXY: ' 127.0.0.1 , 10.0.0.0/8, ::1, loopback ' }).trustProxy, '127.0.0.1,10.0.0.0/8,::1,loopback');
  t.throws(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' }), /TRUST_PROXY/, 'a range wider than the address');
  t.throws(() => loadConfig({ TRUST_PROXY: 'true' }), /TRUST_PROXY must name the proxies/);
  t.throws(() => loadConfig({ TRUST_PROXY: '2' }), /TRUST_PROXY must name the proxies/, 'a hop count would trust whatever stands that far away');
});

t.test('the request log keeps a private link without its token', async (t) => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const { app } = await build(t, { logger: { level: 'info', stream } });
  const token = newToken();
  for (const url of [
    `/registrations/${token}`, `/registrations/${token}/event.ics`, `/password/reset/${token}`, `/invitations/${token}`,
    `/entries/${token}`, `/delegations/${token}`, `/delegation-invitations/${token}`, `/event-invitations/${token}`, `/unsubscribe/${token}`,
    `/login?next=/x&t=${token}`,
  ]) {
    const res = await app.inject({ method: 'GET', url });
    t.ok(res.statusCode < 500, `${url.replace(token, '…')}: ${res.statusCode}`);
  }
  const log = lines.join('\n');
  t.ok(lines.length >= 8, `the requests were logged (${lines.length} lines)`);
  t.notOk(log.includes(token), 'the token appears nowhere in the log');
  t.match(log, '/registrations/[token]', 'the address is kept, with the token replaced');
  t.match(log, '/password/reset/[token]');
});

t.test('private pages are kept by no cache; public pages may be', async (t) => {
  const { app } = await build(t);
  const publicPage = await app.inject({ method: 'GET', url: '/periods/2018-19' });
  t.equal(publicPage.statusCode, 200);
  t.not(publicPage.headers['cache-control'], 'no-store', 'a public page may be kept');
  const privateLink = await app.inject({ method: 'GET', url: `/registrations/${newToken()}` });
  t.equal(privateLink.headers['cache-control'], 'no-store', 'a private link, even one that leads nowhere');
  const organiser = await new Agent(app).signIn('organiser@hkipd.test');
  const manage = await organiser.get('/manage');
  t.equal(manage.statusCode, 200);
  t.equal(manage.headers['cache-control'], 'no-store', 'a signed-in page');
  const summary = await organiser.get('/periods/2018-19');
  t.equal(summary.headers['cache-control'], 'no-store', 'even a public page, when it is shown to someone signed in');
});
