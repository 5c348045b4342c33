import t from 'tap';
import { hashToken } from '../../../src/lib/tokens.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { DEMO_PASSWORD } from '../../helpers/database.ts';

t.test('signing in starts a fresh server-side session with a safe cookie', async (t) => {
  const { app, db } = await build(t);
  const agent = new Agent(app);
  await agent.get('/login');
  agent.cookies.set('ipcoop_session', 'planted-by-an-attacker-aaaaaaaaaaaaaaaaaaaaaaa');
  const res = await agent.post('/login', { email: 'organiser@hkipd.test', password: 'demo-password-2019' });
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/manage');
  const cookie = res.cookies.find((c) => c.name === 'ipcoop_session');
  t.ok(cookie, 'a session cookie is set');
  t.not(cookie?.value, 'planted-by-an-attacker-aaaaaaaaaaaaaaaaaaaaaaa', 'never a session id chosen by the client');
  t.equal(cookie?.httpOnly, true);
  t.equal(cookie?.sameSite, 'Lax');
  t.equal(cookie?.path, '/');
  const stored = await db.selectFrom('sessions').select(['id', 'user_id']).where('id', '=', hashToken(cookie?.value ?? '')).executeTakeFirst();
  t.ok(stored, 'the session is stored by its hash, not its value');

  const manage = await agent.get('/manage');
  t.equal(manage.statusCode, 200);
  t.match(manage.body, /Items of HKIPD/);
});

t.test('over HTTPS the cookie is Secure and __Host- prefixed', async (t) => {
  const { app } = await build(t, { env: { BASE_URL: 'https://ipcoop.example', SESSION_SECRET: 'a-secret-of-at-least-thirty-two-characters' } });
  const agent = new Agent(app);
  await agent.get('/login');
  t.ok(agent.cookies.has('__Host-ipcoop_csrf'));
  const res = await agent.post('/login', { email: 'admin@ipcoop.test', password: 'demo-password-2019' });
  const cookie = res.cookies.find((c) => c.name === '__Host-ipcoop_session');
  t.equal(res.statusCode, 303, 'a signed CSRF cookie verifies');
  t.equal(cookie?.secure, true);
  t.equal(cookie?.path, '/');
  t.match(String(res.headers['strict-transport-security']), /max-age/);
  const csrfCookie = agent.cookies.get('__Host-ipcoop_csrf') ?? '';
  t.match(csrfCookie, /\./, 'the CSRF cookie carries a signature');
  agent.cookies.set('__Host-ipcoop_csrf', csrfCookie.replace(/\.[^.]*$/, '.forged'));
  t.equal((await agent.post('/logout')).statusCode, 403, 'a tampered cookie is refused');
});

t.test('a wrong password or unknown account gets the same answer', async (t) => {
  const { app } = await build(t);
  const agent = new Agent(app);
  const wrong = await agent.post('/login', { email: 'organiser@hkipd.test', password: 'not-the-password' });
  const unknown = await agent.post('/login', { email: 'nobody@nowhere.test', password: 'not-the-password' });
  t.equal(wrong.statusCode, 400);
  t.equal(unknown.statusCode, 400);
  t.match(wrong.body, 'The email address or password is not right.');
  t.match(unknown.body, 'The email address or password is not right.');
  t.match(wrong.body, 'value="organiser@hkipd.test"', 'the email typed is kept');
  t.notMatch(wrong.body, 'not-the-password', 'the password typed is not echoed');
  t.notOk(agent.cookies.has('ipcoop_session'));
});

t.test('missing fields are shown beside the fields', async (t) => {
  const { app } = await build(t);
  const res = await new Agent(app).post('/login', { email: 'not-an-email' });
  t.equal(res.statusCode, 400);
  t.match(res.body, /id="f-email-error">Enter an email address like name@example.org.</);
  t.match(res.body, /id="f-password-error">Enter your password.</);
});

t.test('repeated failures from one address lock the account there for a while, then allow again', async (t) => {
  const { app, db } = await build(t);
  const agent = new Agent(app);
  for (let i = 0; i < 5; i++) {
    const res = await agent.post('/login', { email: 'judge1@ipcoop.test', password: `wrong-${i}-password` });
    t.equal(res.statusCode, i < 4 ? 400 : 429, `attempt ${i + 1}`);
  }
  const locked = await agent.post('/login', { email: 'judge1@ipcoop.test', password: 'demo-password-2019' });
  t.equal(locked.statusCode, 429, 'even the right password waits, from this address');
  t.match(locked.body, /Too many failed attempts. Try again in 1 minute./);
  const keys = await db.selectFrom('login_throttle').select(['key', 'failures', 'locked_until']).orderBy('key').execute();
  t.same(keys.map((k) => [k.key, k.failures, k.locked_until !== null]), [
    ['email-ip:judge1@ipcoop.test 127.0.0.1', 5, true],
    ['email:judge1@ipcoop.test', 5, false],
    ['ip:127.0.0.1', 5, false],
  ], 'locked for this account from this address only; the account and the address alone are far from their ceilings');
  await db.updateTable('login_throttle').set({ locked_until: new Date(Date.now() - 1000) }).execute();
  const later = await agent.post('/login', { email: 'judge1@ipcoop.test', password: 'demo-password-2019' });
  t.equal(later.statusCode, 303);
  t.equal(later.headers.location, '/judging');
});

t.test('logout ends the session on the server', async (t) => {
  const { app, db } = await build(t);
  const agent = await signedIn(app, 'admin@ipcoop.test');
  const token = agent.cookies.get('ipcoop_session') ?? '';
  const res = await agent.post('/logout');
  t.equal(res.statusCode, 303);
  t.equal(await db.selectFrom('sessions').select('id').where('id', '=', hashToken(token)).executeTakeFirst(), undefined);
  const replay = await app.inject({ method: 'GET', url: '/manage', headers: { cookie: `ipcoop_session=${token}` } });
  t.equal(replay.statusCode, 303, 'the old cookie no longer works');
  t.match(replay.headers.location, /^\/login\?next=/);
});

t.test('sessions expire when idle and after an absolute limit', async (t) => {
  const { app, db } = await build(t);
  const idle = await signedIn(app, 'admin@ipcoop.test');
  await db.updateTable('sessions').set({ last_seen_at: new Date(Date.now() - 5 * 3600 * 1000) }).execute();
  t.equal((await idle.get('/manage')).statusCode, 303, 'idle for five hours');

  const old = await signedIn(app, 'admin@ipcoop.test');
  await db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000) }).execute();
  t.equal((await old.get('/manage')).statusCode, 303, 'past its absolute end');
  t.equal(Number((await db.selectFrom('sessions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 0);
});

t.test('a password change ends the other sessions and keeps this one', async (t) => {
  const { app } = await build(t);
  const here = await signedIn(app, 'organiser@gdipa.test');
  const elsewhere = await signedIn(app, 'organiser@gdipa.test');
  const weak = await here.post('/account/password', { current: 'demo-password-2019', password: '123456789012', confirm: '123456789012' });
  t.equal(weak.statusCode, 400);
  t.match(weak.body, /too common/);
  const res = await here.post('/account/password', { current: 'demo-password-2019', password: 'a much longer passphrase', confirm: 'a much longer passphrase' });
  t.equal(res.statusCode, 200);
  t.match(res.body, /Your password has been changed/);
  t.equal((await here.get('/manage')).statusCode, 200);
  t.equal((await elsewhere.get('/manage')).statusCode, 303);
  const again = await new Agent(app).post('/login', { email: 'organiser@gdipa.test', password: 'a much longer passphrase' });
  t.equal(again.statusCode, 303);
});

t.test('a user sees their sessions and can end one', async (t) => {
  const { app, db } = await build(t);
  const here = await signedIn(app, 'judge2@ipcoop.test');
  const other = await signedIn(app, 'judge2@ipcoop.test');
  const page = await here.get('/account');
  t.equal(page.statusCode, 200);
  t.match(page.body, /\(this session\)/);
  const otherId = hashToken(other.cookies.get('ipcoop_session') ?? '');
  const someoneElse = await signedIn(app, 'judge3@ipcoop.test');
  const foreignId = hashToken(someoneElse.cookies.get('ipcoop_session') ?? '');
  t.equal((await here.post(`/account/sessions/${foreignId}/end`)).statusCode, 404, "another user's session is not found");
  t.equal((await someoneElse.get('/judging')).statusCode, 200);
  t.equal((await here.post(`/account/sessions/${otherId}/end`)).statusCode, 303);
  t.equal((await other.get('/judging')).statusCode, 303);
  t.ok(await db.selectFrom('sessions').select('id').where('id', '=', foreignId).executeTakeFirst());
});

t.test('after sign-in, `next` leads only to a path of this site', async (t) => {
  const { app } = await build(t);
  const signInWith = async (next: string) => {
    const agent = new Agent(app);
    await agent.get('/login');
    return agent.post('/login', { email: 'organiser@hkipd.test', password: DEMO_PASSWORD, next });
  };
  const kept = await signInWith('/manage/events?x=1#top');
  t.equal(kept.statusCode, 303);
  t.equal(kept.headers.location, '/manage/events?x=1#top', 'a path of this site is followed');
  for (const next of [
    '/\t/evil.example/x', '/\n/evil.example', '/\r\nSet-Cookie: x=1', '//evil.example', '/\\evil.example', '/..//evil.example',
    '/%2e%2e//evil.example', 'https://evil.example/', 'javascript:alert(1)',
  ]) {
    const res = await signInWith(next);
    t.equal(res.statusCode, 303, `${JSON.stringify(next)}: signed in`);
    t.equal(res.headers.location, '/manage', `${JSON.stringify(next)}: sent home instead`);
  }
  const form = await app.inject({ method: 'GET', url: '/login?next=/%09/evil.example' });
  t.equal(form.statusCode, 200);
  t.match(form.body, 'name="next" value=""', 'a refused next is not carried into the form');
  t.match((await app.inject({ method: 'GET', url: '/login?next=/manage/events' })).body, 'name="next" value="/manage/events"');
  const twice = await app.inject({ method: 'GET', url: '/login?next=%2Fa&next=%2Fb' });
  t.equal(twice.statusCode, 200, 'a next given twice is no next at all');
  t.match(twice.body, 'name="next" value=""');
});
