import t from 'tap';
import type { Database } from '../../../src/db/index.ts';
import { PASSKEY_CHALLENGES_PER_ADDRESS } from '../../../src/modules/auth/passkey-routes.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { SoftAuthenticator } from './authenticator.ts';

const ORIGIN = 'http://ipcoop.test';

const userId = async (db: Database, email: string) =>
  (await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
const passkeysOf = (db: Database, id: number) =>
  db.selectFrom('passkeys').selectAll().where('user_id', '=', id).orderBy('id').execute();
const count = async (db: Database, table: 'webauthn_challenges' | 'passkeys') =>
  Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

/** Registers a new soft authenticator for the signed-in agent, through the pages. */
async function addPasskey(agent: Agent, name: string, authenticator = new SoftAuthenticator()) {
  await agent.get('/account/passkeys');
  const options = await agent.post('/account/passkeys/options');
  if (options.statusCode !== 200) throw new Error(`options: ${options.statusCode}`);
  const response = authenticator.create(options.json(), ORIGIN);
  const res = await agent.post('/account/passkeys', { name, response });
  return { authenticator, res, response };
}

/** Asks for a sign-in challenge in a fresh browser and answers it with the authenticator. */
async function passkeySignIn(app: Agent['app'], authenticator: SoftAuthenticator, next = '') {
  const agent = new Agent(app);
  await agent.get('/login');
  const options = await agent.post('/login/passkey/options');
  const response = authenticator.get(options.json(), ORIGIN);
  const res = await agent.post('/login/passkey', { response, next });
  return { agent, res, response, options };
}

t.test('passkeys', async (t) => {
  const { app, db } = await build(t);
  const organiser = await userId(db, 'organiser@hkipd.test');

  t.test('the account page offers passkeys; the browser script is served from the site', async (t) => {
    const agent = await signedIn(app, 'organiser@hkipd.test');
    const account = await agent.get('/account');
    t.match(account.body, /href="\/account\/passkeys"/);
    const page = await agent.get('/account/passkeys');
    t.equal(page.statusCode, 200);
    t.match(page.body, /You have no passkeys yet\./);
    t.match(page.body, /<script src="\/static\/vendor\/simplewebauthn-browser\.js" defer><\/script>/);
    t.match(page.body, /data-passkey="register"/);
    const script = await app.inject({ url: '/static/vendor/simplewebauthn-browser.js' });
    t.equal(script.statusCode, 200);
    t.match(script.headers['content-type'], /javascript/);
    t.match(script.body, /SimpleWebAuthnBrowser/);
    t.match(String(page.headers['content-security-policy']), /script-src 'self'/, 'no other script source is allowed');
    const own = await app.inject({ url: '/static/passkeys.js' });
    t.equal(own.statusCode, 200);
    const login = await app.inject({ url: '/login' });
    t.match(login.body, /action="\/login\/passkey"/);
  });

  t.test('adding a named passkey stores its public key, once', async (t) => {
    const agent = await signedIn(app, 'organiser@hkipd.test');
    await agent.get('/account/passkeys');
    const options = await agent.post('/account/passkeys/options');
    t.equal(options.statusCode, 200);
    const json = options.json<{ rp: { id: string }; authenticatorSelection: { userVerification: string; residentKey: string } }>();
    t.equal(json.rp.id, 'ipcoop.test', 'the relying party is the site');
    t.equal(json.authenticatorSelection.userVerification, 'required', 'user verification: a passkey is both factors');
    t.equal(json.authenticatorSelection.residentKey, 'required');
    t.equal(options.cookies.find((c) => c.name === 'ipcoop_webauthn')?.httpOnly, true);
    const authenticator = new SoftAuthenticator();
    const response = authenticator.create(options.json(), ORIGIN);
    const added = await agent.post('/account/passkeys', { name: ' Office laptop ', response });
    t.equal(added.statusCode, 303);
    t.equal(added.headers.location, '/account/passkeys');
    const rows = await passkeysOf(db, organiser);
    t.equal(rows.length, 1);
    t.equal(rows[0]?.name, 'Office laptop');
    t.equal(rows[0]?.credential_id, authenticator.id);
    t.equal(rows[0]?.transports, 'internal');
    t.equal(await count(db, 'webauthn_challenges'), 0, 'the challenge is used up');
    const page = await agent.get('/account/passkeys');
    t.match(page.body, /Passkey “Office laptop” added\./);
    t.match(page.body, /value="Office laptop"/);
    const audit = await db.selectFrom('audit_log').select(['action', 'changes']).where('action', '=', 'add_passkey').execute();
    t.equal(audit.length, 1);

    const replay = await agent.post('/account/passkeys', { name: 'Again', response });
    t.equal(replay.statusCode, 400, 'the same answer again is refused: its challenge is gone');
    t.match(replay.body, /Adding the passkey took too long/);
    t.equal((await passkeysOf(db, organiser)).length, 1);

    const options2 = await agent.post('/account/passkeys/options');
    const excluded = options2.json<{ excludeCredentials: { id: string }[] }>().excludeCredentials.map((c) => c.id);
    t.same(excluded, [authenticator.id], 'the same authenticator is not registered twice');
    await db.deleteFrom('passkeys').where('user_id', '=', organiser).execute();
  });

  t.test('refused registrations leave nothing behind', async (t) => {
    const agent = await signedIn(app, 'organiser@hkipd.test');
    const other = await signedIn(app, 'organiser@hkipd.test');
    await agent.get('/account/passkeys');

    const noName = await agent.post('/account/passkeys', { name: '', response: '' });
    t.equal(noName.statusCode, 400);
    t.match(noName.body, /id="f-name-error">Give the passkey a name\.</);
    const long = await agent.post('/account/passkeys', { name: 'x'.repeat(61) });
    t.match(long.body, /id="f-name-error">The name is too long\.</);

    const noChallenge = await agent.post('/account/passkeys', { name: 'Phone', response: '{}' });
    t.equal(noChallenge.statusCode, 400);
    t.match(noChallenge.body, /Adding the passkey took too long, or was started in another window/);

    // A challenge of one session, answered in another session with its cookie copied.
    const options = await agent.post('/account/passkeys/options');
    other.cookies.set('ipcoop_webauthn', agent.cookies.get('ipcoop_webauthn') ?? '');
    await other.get('/account/passkeys');
    const stolen = await other.post('/account/passkeys', { name: 'Phone', response: new SoftAuthenticator().create(options.json(), ORIGIN) });
    t.equal(stolen.statusCode, 400, 'a challenge is bound to its session');
    t.match(stolen.body, /took too long/);

    // An answer for another site, and one without user verification.
    const fresh = await agent.post('/account/passkeys/options');
    const phishing = await agent.post('/account/passkeys', { name: 'Phone', response: new SoftAuthenticator().create(fresh.json(), 'https://evil.test') });
    t.equal(phishing.statusCode, 400);
    t.match(phishing.body, /Your browser did not give a passkey we can use/);
    const again = await agent.post('/account/passkeys/options');
    const presenceOnly = new SoftAuthenticator();
    presenceOnly.flags = 0x01;
    const unverified = await agent.post('/account/passkeys', { name: 'Key', response: presenceOnly.create(again.json(), ORIGIN) });
    t.equal(unverified.statusCode, 400, 'a passkey without user verification is not both factors');
    const garbage = await agent.post('/account/passkeys/options');
    t.equal(garbage.statusCode, 200);
    t.equal((await agent.post('/account/passkeys', { name: 'Key', response: 'not json' })).statusCode, 400);
    t.equal((await passkeysOf(db, organiser)).length, 0, 'no passkey stored');
    t.equal(await db.selectFrom('audit_log').select('id').where('action', '=', 'add_passkey').execute().then((r) => r.length), 1,
      'nothing audited but the earlier one');
  });

  t.test('signing in with a passkey is both factors, from any browser', async (t) => {
    const owner = await signedIn(app, 'organiser@hkipd.test');
    const { authenticator } = await addPasskey(owner, 'Phone');
    // Two-factor is on too: the passkey still signs in alone.
    await db.updateTable('users').set({ totp_secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' }).where('id', '=', organiser).execute();

    const anonymous = new Agent(app);
    await anonymous.get('/login');
    const options = await anonymous.post('/login/passkey/options');
    t.equal(options.statusCode, 200);
    const json = options.json<{ rpId: string; userVerification: string; allowCredentials?: unknown[] }>();
    t.equal(json.rpId, 'ipcoop.test');
    t.equal(json.userVerification, 'required');
    t.same(json.allowCredentials ?? [], [], 'no account is named: the browser offers its passkeys for the site');

    const response = authenticator.get(options.json(), ORIGIN);
    const res = await anonymous.post('/login/passkey', { response, next: '/account' });
    t.equal(res.statusCode, 303);
    t.equal(res.headers.location, '/account', 'next is honoured');
    const session = await db.selectFrom('sessions').select(['auth_method']).where('user_id', '=', organiser)
      .orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    t.equal(session.auth_method, 'passkey', 'the session records the passkey');
    const [row] = await passkeysOf(db, organiser);
    t.equal(Number(row?.counter), 1, 'the counter is kept');
    t.ok(row?.last_used_at, 'last use recorded');
    const account = await anonymous.get('/account');
    t.equal(account.statusCode, 200);
    t.match(account.body, /<td>Passkey<\/td>/);

    const replayed = await anonymous.post('/login/passkey', { response });
    t.equal(replayed.statusCode, 400, 'a replayed answer is refused');
    t.match(replayed.body, /Signing in with the passkey took too long/);

    // Another browser's challenge answered with this one's cookie-less request.
    const elsewhere = new Agent(app);
    await elsewhere.get('/login');
    const theirs = await elsewhere.post('/login/passkey/options');
    const thief = new Agent(app);
    await thief.get('/login');
    const stolen = await thief.post('/login/passkey', { response: authenticator.get(theirs.json(), ORIGIN) });
    t.equal(stolen.statusCode, 400, 'a challenge belongs to the browser that asked for it');

    // A cloned authenticator: its counter does not move forward.
    authenticator.counter = 0;
    const cloned = await passkeySignIn(app, authenticator);
    t.equal(cloned.res.statusCode, 400);
    t.match(cloned.res.body, /That passkey did not sign you in/);
    authenticator.counter = 10;
    await db.updateTable('users').set({ totp_secret: null }).where('id', '=', organiser).execute();
    await db.deleteFrom('login_throttle').execute();
  });

  t.test('a forged signature, an unknown passkey and a removed one are refused, and counted', async (t) => {
    const owner = await signedIn(app, 'judge1@ipcoop.test');
    const judge = await userId(db, 'judge1@ipcoop.test');
    const { authenticator } = await addPasskey(owner, 'Key');
    const sessionsBefore = await db.selectFrom('sessions').select('id').where('auth_method', '=', 'passkey').execute();

    const agent = new Agent(app);
    await agent.get('/login');
    const options = await agent.post('/login/passkey/options');
    const answer = JSON.parse(authenticator.get(options.json(), ORIGIN)) as { response: { signature: string } };
    const sig = Buffer.from(answer.response.signature, 'base64url');
    sig.writeUInt8((sig.at(-1) ?? 0) ^ 1, sig.length - 1);
    answer.response.signature = sig.toString('base64url');
    const forged = await agent.post('/login/passkey', { response: JSON.stringify(answer) });
    t.equal(forged.statusCode, 400);
    t.match(forged.body, /That passkey did not sign you in/);
    const throttle = await db.selectFrom('login_throttle').select('failures').where('key', '=', 'email-ip:judge1@ipcoop.test 127.0.0.1')
      .executeTakeFirst();
    t.equal(throttle?.failures, 1, 'a failed signature counts like a wrong password, in the database');

    const stranger = await passkeySignIn(app, new SoftAuthenticator());
    t.equal(stranger.res.statusCode, 400, 'a passkey of no account');

    const { id } = (await passkeysOf(db, judge))[0] ?? { id: 0 };
    const removed = await owner.post(`/account/passkeys/${id}/remove`);
    t.equal(removed.statusCode, 303);
    t.equal((await passkeysOf(db, judge)).length, 0);
    const gone = await passkeySignIn(app, authenticator);
    t.equal(gone.res.statusCode, 400, 'a removed passkey no longer signs in');
    t.match(gone.res.body, /It may have been removed from your account/);
    const sessionsAfter = await db.selectFrom('sessions').select('id').where('auth_method', '=', 'passkey').execute();
    t.equal(sessionsAfter.length, sessionsBefore.length, 'no session from any of them');
    await db.deleteFrom('login_throttle').execute();
  });

  t.test('rename and remove reach only one\'s own passkeys', async (t) => {
    const owner = await signedIn(app, 'organiser@hkipd.test');
    await addPasskey(owner, 'Laptop');
    const [mine] = await passkeysOf(db, organiser);
    const id = mine?.id ?? 0;

    const renamed = await owner.post(`/account/passkeys/${id}/rename`, { name: 'Work laptop' });
    t.equal(renamed.statusCode, 303);
    t.equal((await passkeysOf(db, organiser))[0]?.name, 'Work laptop');
    const empty = await owner.post(`/account/passkeys/${id}/rename`, { name: '  ' });
    t.equal(empty.statusCode, 400);
    t.match(empty.body, new RegExp(`id="f-name_${id}-error">Give the passkey a name\\.<`));

    const intruder = await signedIn(app, 'organiser@customs.test');
    t.equal((await intruder.post(`/account/passkeys/${id}/rename`, { name: 'Mine now' })).statusCode, 404);
    t.equal((await intruder.post(`/account/passkeys/${id}/remove`)).statusCode, 404);
    t.equal((await owner.post('/account/passkeys/abc/remove')).statusCode, 404);
    t.equal((await passkeysOf(db, organiser))[0]?.name, 'Work laptop', 'unchanged by another account');
    const actions = (await db.selectFrom('audit_log').select('action').where('actor_user_id', '=', organiser).execute()).map((r) => r.action);
    t.ok(actions.includes('rename_passkey'));
  });

  t.test('sign-in challenges are limited per address', async (t) => {
    const agent = new Agent(app);
    await agent.get('/login');
    await db.deleteFrom('rate_limits').execute();
    let last = 0;
    for (let i = 0; i <= PASSKEY_CHALLENGES_PER_ADDRESS.max; i++) last = (await agent.post('/login/passkey/options')).statusCode;
    t.equal(last, 429, 'one over the limit is refused');
    const stored = await db.selectFrom('rate_limits').select('count').where('key', 'like', 'passkey-challenge:address%').execute();
    t.equal(stored.length, 1, 'counted in the database');
  });
});
