import t from 'tap';
import { Secret, TOTP } from 'otpauth';
import type { Database } from '../../../src/db/index.ts';
import { issueLink, SIGN_IN_THROTTLE } from '../../../src/modules/auth/service.ts';
import { hashToken } from '../../../src/lib/tokens.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { DEMO_PASSWORD } from '../../helpers/database.ts';

// Codes are computed here, as an authenticator app would, from the secret the page shows.
const STEP_MS = 30_000;
const codeAt = (secret: string, steps = 0) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: Date.now() + steps * STEP_MS });

/** Waits out the last seconds of a time step, so that a code computed now is checked in the same step. */
async function awayFromStepEdge() {
  const into = Date.now() % STEP_MS;
  if (into > STEP_MS - 4000) await new Promise((resolve) => setTimeout(resolve, STEP_MS - into + 500));
}

const WRONG = 'That code is not right, or it has already been used.';
const besideCode = (body: string) => new RegExp(`id="f-code-error">${WRONG}<`).test(body);

const userRow = (db: Database, email: string) =>
  db.selectFrom('users').select(['id', 'totp_secret', 'totp_last_step']).where('email', '=', email).executeTakeFirstOrThrow();

/** Enrols the user through the pages (with a code one step old), returning the secret and the recovery codes. */
async function enrol(app: Agent['app'], email: string) {
  const agent = await signedIn(app, email);
  const page = await agent.get('/account/two-factor');
  const secret = /<code class="totp-secret">([A-Z2-7]+)<\/code>/.exec(page.body)?.[1] ?? '';
  await awayFromStepEdge();
  const done = await agent.post('/account/two-factor', { code: codeAt(secret, -1) });
  if (done.statusCode !== 200) throw new Error(`enrolment failed: ${done.statusCode}`);
  const codes = [...done.body.matchAll(/<code>([0-9a-f]{5}-[0-9a-f]{5})<\/code>/g)].map((m) => m[1] ?? '');
  return { agent, secret, codes };
}

/** A browser that has given the right password and is asked for the code. */
async function halfSignedIn(app: Agent['app'], email: string, next = '', headers: Record<string, string> = {}) {
  const agent = new Agent(app);
  await agent.get('/login', headers);
  const res = await agent.post('/login', { email, password: DEMO_PASSWORD, next }, headers);
  return { agent, res };
}

const sessionsOf = async (db: Database, userId: number) =>
  db.selectFrom('sessions').select(['id', 'auth_method']).where('user_id', '=', userId).orderBy('created_at').execute();

t.test('enrolment: a wrong code enables nothing; the first right code turns it on and shows ten recovery codes once', async (t) => {
  const { app, db } = await build(t);
  const agent = await signedIn(app, 'judge1@ipcoop.test');
  const page = await agent.get('/account/two-factor');
  t.equal(page.statusCode, 200);
  t.match(page.body, /otpauth:\/\/totp\/ipcoop:judge1%40ipcoop\.test\?/, 'the otpauth:// URI is on the page');
  t.match(page.body, /<img src="data:image\/png;base64,[A-Za-z0-9+/=]+"/, 'with its QR code');
  const secret = /<code class="totp-secret">([A-Z2-7]+)<\/code>/.exec(page.body)?.[1] ?? '';
  t.ok(secret.length >= 32, 'the base32 key is on the page');
  t.equal((await agent.get('/account/two-factor')).body.includes(secret), true, 'the same secret until it is confirmed');
  const elsewhere = await signedIn(app, 'judge1@ipcoop.test');
  t.notOk((await elsewhere.get('/account/two-factor')).body.includes(secret), 'another session is offered another secret');

  await awayFromStepEdge();
  const wrong = await agent.post('/account/two-factor', { code: codeAt(secret, 5) });
  t.equal(wrong.statusCode, 400);
  t.ok(besideCode(wrong.body), 'the message is beside the code field');
  let row = await userRow(db, 'judge1@ipcoop.test');
  t.equal(row.totp_secret, null, 'nothing enabled');
  t.equal(Number((await db.selectFrom('recovery_codes').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 0);

  const right = await agent.post('/account/two-factor', { code: codeAt(secret) });
  t.equal(right.statusCode, 200);
  const codes = [...right.body.matchAll(/<code>([0-9a-f]{5}-[0-9a-f]{5})<\/code>/g)].map((m) => m[1] ?? '');
  t.equal(codes.length, 10, 'ten recovery codes are shown');
  t.equal(new Set(codes).size, 10);
  row = await userRow(db, 'judge1@ipcoop.test');
  t.equal(row.totp_secret, secret, 'two-factor is on');
  const stored = await db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', row.id).execute();
  t.equal(stored.length, 10);
  t.same(stored.map((s) => s.code_hash).sort(), codes.map((c) => hashToken(c.replace('-', ''))).sort(), 'stored as hashes only');

  const again = await agent.get('/account/two-factor');
  t.notOk(codes.some((c) => again.body.includes(c)), 'the codes are not shown again');
  t.match(again.body, /Recovery codes left: 10\./);
  t.match((await agent.get('/account')).body, /On: signing in asks for a code/);
});

t.test('sign-in asks for the code after the password and then starts the session', async (t) => {
  const { app, db } = await build(t);
  const { secret } = await enrol(app, 'judge1@ipcoop.test');
  const { id } = await userRow(db, 'judge1@ipcoop.test');
  const before = (await sessionsOf(db, id)).length;

  const { agent, res } = await halfSignedIn(app, 'judge1@ipcoop.test', '/account');
  t.equal(res.statusCode, 200, 'the password alone does not sign in');
  t.match(res.body, /action="\/login\/code"/);
  t.match(res.body, /name="code"/);
  t.notOk(res.cookies.some((c) => c.name === 'ipcoop_session'), 'no session yet');
  const cookie = res.cookies.find((c) => c.name === 'ipcoop_2fa');
  t.equal(cookie?.httpOnly, true);
  t.equal(cookie?.maxAge, 300, 'the half-signed-in state lasts five minutes');
  t.equal((await sessionsOf(db, id)).length, before);
  t.equal((await agent.get('/account')).statusCode, 303, 'and is not signed in');

  await awayFromStepEdge();
  const code = codeAt(secret);
  const done = await agent.post('/login/code', { code });
  t.equal(done.statusCode, 303);
  t.equal(done.headers.location, '/account', 'next is honoured');
  const sessions = await sessionsOf(db, id);
  t.equal(sessions.length, before + 1);
  t.equal(sessions.at(-1)?.auth_method, 'password+totp', 'the session records how it was authenticated');
  t.equal(Number((await db.selectFrom('login_challenges').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 0,
    'the half-signed-in state is used up');
  const account = await agent.get('/account');
  t.equal(account.statusCode, 200);
  t.match(account.body, /Password and code/, 'shown in the session list');

  // The same code again, from another sign-in: refused.
  const replay = await halfSignedIn(app, 'judge1@ipcoop.test');
  const refused = await replay.agent.post('/login/code', { code });
  t.equal(refused.statusCode, 400, 'a replayed code is refused');
  t.ok(besideCode(refused.body));
  t.equal((await sessionsOf(db, id)).length, before + 1, 'no session');
});

t.test('a wrong code, and a code of another user\'s secret, are refused beside the field', async (t) => {
  const { app, db } = await build(t);
  await enrol(app, 'judge1@ipcoop.test');
  const other = await enrol(app, 'judge2@ipcoop.test');
  const { id } = await userRow(db, 'judge1@ipcoop.test');
  const before = (await sessionsOf(db, id)).length;
  const { agent } = await halfSignedIn(app, 'judge1@ipcoop.test');

  await awayFromStepEdge();
  const wrong = await agent.post('/login/code', { code: '12345x' });
  t.equal(wrong.statusCode, 400);
  t.ok(besideCode(wrong.body), 'the message is beside the code field');
  t.match(wrong.body, /aria-invalid="true"/);
  const foreign = await agent.post('/login/code', { code: codeAt(other.secret) });
  t.equal(foreign.statusCode, 400, 'a code from another user\'s secret is refused');
  t.ok(besideCode(foreign.body));
  t.equal((await sessionsOf(db, id)).length, before, 'no session');
  const missing = await agent.post('/login/code', { code: '' });
  t.equal(missing.statusCode, 400);
  t.match(missing.body, /id="f-code-error">Enter the code\.</);
});

t.test('one step of clock drift either way is accepted, two are not', async (t) => {
  const { app, db } = await build(t);
  const { secret } = await enrol(app, 'judge1@ipcoop.test');
  const { id } = await userRow(db, 'judge1@ipcoop.test');
  const forget = () => db.updateTable('users').set({ totp_last_step: null }).where('id', '=', id).execute();
  const tryCode = async (steps: number) => {
    await forget();
    const { agent } = await halfSignedIn(app, 'judge1@ipcoop.test');
    await awayFromStepEdge();
    return (await agent.post('/login/code', { code: codeAt(secret, steps) })).statusCode;
  };
  t.equal(await tryCode(-1), 303, 'one step behind');
  t.equal(await tryCode(1), 303, 'one step ahead');
  t.equal(await tryCode(-2), 400, 'two steps behind');
  t.equal(await tryCode(2), 400, 'two steps ahead');

  // An earlier step than the last one used is refused too, even within the drift.
  await forget();
  const ahead = await halfSignedIn(app, 'judge1@ipcoop.test');
  await awayFromStepEdge();
  t.equal((await ahead.agent.post('/login/code', { code: codeAt(secret, 1) })).statusCode, 303);
  const behind = await halfSignedIn(app, 'judge1@ipcoop.test');
  t.equal((await behind.agent.post('/login/code', { code: codeAt(secret, 0) })).statusCode, 400, 'a step at or before the last used');
});

t.test('a recovery code signs in once and is then gone', async (t) => {
  const { app, db } = await build(t);
  const { codes } = await enrol(app, 'judge1@ipcoop.test');
  const { id } = await userRow(db, 'judge1@ipcoop.test');
  const code = codes[3] ?? '';
  const first = await halfSignedIn(app, 'judge1@ipcoop.test');
  const used = await first.agent.post('/login/code', { code: ` ${code.toUpperCase()} ` });
  t.equal(used.statusCode, 303);
  t.equal(used.headers.location, '/judging');
  t.equal((await sessionsOf(db, id)).at(-1)?.auth_method, 'password+recovery');
  const left = await db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', id).execute();
  t.equal(left.length, 9, 'the code is deleted');
  t.notOk(left.some((r) => r.code_hash === hashToken(code.replace('-', ''))));

  const stolen = await halfSignedIn(app, 'judge1@ipcoop.test');
  const again = await stolen.agent.post('/login/code', { code });
  t.equal(again.statusCode, 400, 'the second use is refused');
  t.ok(besideCode(again.body));
});

t.test('wrong codes are throttled like wrong passwords, per account and address', async (t) => {
  const { app, db } = await build(t);
  const { secret } = await enrol(app, 'judge1@ipcoop.test');
  const { id } = await userRow(db, 'judge1@ipcoop.test');
  const { agent } = await halfSignedIn(app, 'judge1@ipcoop.test');
  const { threshold } = SIGN_IN_THROTTLE.pair;
  for (let i = 1; i <= threshold; i++) {
    const res = await agent.post('/login/code', { code: String(100000 + i) });
    t.equal(res.statusCode, i < threshold ? 400 : 429, `attempt ${i}`);
    if (i === threshold) t.match(res.body, /id="f-code-error">Too many failed attempts/);
  }
  await awayFromStepEdge();
  const right = await agent.post('/login/code', { code: codeAt(secret) });
  t.equal(right.statusCode, 429, 'even the right code waits out the lock');
  t.equal((await sessionsOf(db, id)).filter((s) => s.auth_method !== 'password').length, 0, 'no session');
  const row = await db.selectFrom('login_throttle').select('failures').where('key', '=', 'email-ip:judge1@ipcoop.test 127.0.0.1')
    .executeTakeFirstOrThrow();
  t.equal(row.failures, threshold);
});

t.test('the half-signed-in state expires, and cannot be used from another browser or address', async (t) => {
  const { app, db } = await build(t, { env: { TRUST_PROXY: '127.0.0.1' } });
  const { secret } = await enrol(app, 'judge1@ipcoop.test');
  const { id } = await userRow(db, 'judge1@ipcoop.test');
  const here = { 'x-forwarded-for': '198.51.100.7' };
  const { agent } = await halfSignedIn(app, 'judge1@ipcoop.test', '', here);
  await awayFromStepEdge();

  const elsewhere = new Agent(app);
  await elsewhere.get('/login');
  const noCookie = await elsewhere.post('/login/code', { code: codeAt(secret) });
  t.equal(noCookie.statusCode, 400, 'another browser has no half-signed-in state');
  t.match(noCookie.body, /Your sign-in took too long, or was started in another browser/);

  elsewhere.cookies.set('ipcoop_2fa', agent.cookies.get('ipcoop_2fa') ?? '');
  const copied = await elsewhere.post('/login/code', { code: codeAt(secret) }, { 'x-forwarded-for': '203.0.113.9' });
  t.equal(copied.statusCode, 400, 'a copied cookie from another address is refused');
  t.equal((await sessionsOf(db, id)).filter((s) => s.auth_method === 'password+totp').length, 0);

  await db.updateTable('login_challenges').set({ expires_at: new Date(Date.now() - 1000) }).execute();
  const late = await agent.post('/login/code', { code: codeAt(secret) }, here);
  t.equal(late.statusCode, 400, 'an expired state is refused');
  t.match(late.body, /Your sign-in took too long/);
  t.equal((await sessionsOf(db, id)).filter((s) => s.auth_method === 'password+totp').length, 0, 'no session');
});

t.test('guessing codes to turn two-factor off is throttled', async (t) => {
  const { app, db } = await build(t);
  const { agent, secret } = await enrol(app, 'judge1@ipcoop.test');
  const { threshold } = SIGN_IN_THROTTLE.pair;
  for (let i = 1; i <= threshold; i++) {
    const res = await agent.post('/account/two-factor/disable', { code: String(200000 + i) });
    t.equal(res.statusCode, 400, `guess ${i} refused`);
    if (i === threshold) t.match(res.body, /Too many failed attempts/);
  }
  await awayFromStepEdge();
  const right = await agent.post('/account/two-factor/disable', { code: codeAt(secret) });
  t.equal(right.statusCode, 400, 'even the right code waits out the lock');
  t.equal((await userRow(db, 'judge1@ipcoop.test')).totp_secret, secret, 'still on');
});

t.test('a password reset link does not skip the second factor', async (t) => {
  const { app, db } = await build(t);
  const { secret } = await enrol(app, 'judge1@ipcoop.test');
  const { id } = await userRow(db, 'judge1@ipcoop.test');
  const token = await issueLink(db, id, 'password_reset');
  const agent = new Agent(app);
  await agent.get(`/password/reset/${token}`);
  const res = await agent.post(`/password/reset/${token}`, { password: 'a-brand-new-passphrase-2026', confirm: 'a-brand-new-passphrase-2026' });
  t.equal(res.statusCode, 200, 'no session from the link alone');
  t.match(res.body, /action="\/login\/code"/);
  t.notOk(res.cookies.some((c) => c.name === 'ipcoop_session'));
  await awayFromStepEdge();
  const done = await agent.post('/login/code', { code: codeAt(secret) });
  t.equal(done.statusCode, 303);
  t.equal((await sessionsOf(db, id)).at(-1)?.auth_method, 'password+totp');
});

t.test('recovery codes can be made anew, and two-factor turned off with the password', async (t) => {
  const { app, db } = await build(t);
  const { agent, secret, codes } = await enrol(app, 'judge1@ipcoop.test');
  const { id } = await userRow(db, 'judge1@ipcoop.test');

  await awayFromStepEdge();
  const fresh = await agent.post('/account/two-factor/recovery-codes', { code: codeAt(secret) });
  t.equal(fresh.statusCode, 200);
  const newCodes = [...fresh.body.matchAll(/<code>([0-9a-f]{5}-[0-9a-f]{5})<\/code>/g)].map((m) => m[1] ?? '');
  t.equal(newCodes.length, 10);
  const stored = (await db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', id).execute()).map((r) => r.code_hash);
  t.notOk(codes.some((c) => stored.includes(hashToken(c.replace('-', '')))), 'the old codes are gone');

  const wrong = await agent.post('/account/two-factor/disable', { password: 'not-my-password-at-all' });
  t.equal(wrong.statusCode, 400);
  t.match(wrong.body, /id="f-password-error">Your current password is not right\./);
  const neither = await agent.post('/account/two-factor/disable', {});
  t.equal(neither.statusCode, 400);
  t.equal((await userRow(db, 'judge1@ipcoop.test')).totp_secret, secret, 'still on');

  t.equal((await db.selectFrom('login_throttle').select('failures').where('key', '=', 'email-ip:judge1@ipcoop.test 127.0.0.1')
    .executeTakeFirstOrThrow()).failures, 2, 'wrong proofs count against the sign-in throttle');

  const off = await agent.post('/account/two-factor/disable', { password: DEMO_PASSWORD });
  t.equal(off.statusCode, 303);
  t.equal(off.headers.location, '/account');
  const row = await userRow(db, 'judge1@ipcoop.test');
  t.equal(row.totp_secret, null, 'off');
  t.equal((await db.selectFrom('recovery_codes').select('id').where('user_id', '=', id).execute()).length, 0, 'recovery codes gone');

  const plain = new Agent(app);
  await plain.get('/login');
  const res = await plain.post('/login', { email: 'judge1@ipcoop.test', password: DEMO_PASSWORD });
  t.equal(res.statusCode, 303, 'the password alone signs in again');
  t.equal((await sessionsOf(db, id)).at(-1)?.auth_method, 'password');
});
