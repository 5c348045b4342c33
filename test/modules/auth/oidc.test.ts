import t from 'tap';
import type { Database } from '../../../src/db/index.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { startProvider } from './oidc-provider.ts';

const CALLBACK = 'http://ipcoop.test/login/oidc/gov/callback';

const identities = (db: Database) => db.selectFrom('oidc_identities').selectAll().orderBy('id').execute();
const latestSession = (db: Database, email: string) => db.selectFrom('sessions as s').innerJoin('users as u', 'u.id', 's.user_id')
  .where('u.email', '=', email).select(['s.auth_method']).orderBy('s.created_at', 'desc').executeTakeFirst();

t.test('single sign-on with OpenID Connect', async (t) => {
  const idp = await startProvider(t, {
    redirectUri: CALLBACK,
    people: {
      'organiser-sub': { email: 'Organiser@HKIPD.test', email_verified: true },
      'unverified-sub': { email: 'judge1@ipcoop.test', email_verified: false },
      'stranger-sub': { email: 'someone.else@example.test', email_verified: true },
      'judge2-sub': { email: 'judge2@ipcoop.test', email_verified: true },
    },
  });
  const { app, db } = await build(t, {
    env: {
      OIDC_PROVIDERS: 'gov', OIDC_GOV_ISSUER: idp.issuer, OIDC_GOV_CLIENT_ID: 'ipcoop',
      OIDC_GOV_CLIENT_SECRET: 'a-client-secret-for-tests', OIDC_GOV_NAME: 'GovID',
    },
  });
  const usersBefore = await db.selectFrom('users').select(['id', 'role']).orderBy('id').execute();

  /** Presses the provider's button on the login page and signs in there as `sub`. */
  const viaProvider = async (sub: string, next = '') => {
    const agent = new Agent(app);
    const login = await agent.get('/login');
    const started = await agent.post('/login/oidc/gov', { next });
    if (started.statusCode !== 303) throw new Error(`start: ${started.statusCode}`);
    const location = String(started.headers.location);
    const back = await idp.authorize(location, sub);
    return { agent, login, location, back };
  };

  t.test('the login page has a button per provider; the request uses PKCE, state and nonce', async (t) => {
    const { login, location } = await viaProvider('organiser-sub');
    t.match(login.body, /<form class="inline-form" method="post" action="\/login\/oidc\/gov">/);
    t.match(login.body, /Continue with GovID/);
    const url = new URL(location);
    t.equal(url.origin, idp.issuer);
    t.equal(url.searchParams.get('code_challenge_method'), 'S256');
    t.ok(url.searchParams.get('code_challenge'));
    t.ok(url.searchParams.get('state'));
    t.ok(url.searchParams.get('nonce'));
    t.equal(url.searchParams.get('redirect_uri'), CALLBACK);
    t.equal((await app.inject({ method: 'GET', url: '/login/oidc/nope/callback' })).statusCode, 404, 'an unknown provider');
  });

  t.test('an invited user signs in by their verified address; the identity is linked', async (t) => {
    await db.deleteFrom('oidc_logins').execute();
    const { agent, back } = await viaProvider('organiser-sub', '/account');
    const res = await agent.get(`${back.pathname}${back.search}`);
    t.equal(res.statusCode, 303);
    t.equal(res.headers.location, '/account');
    t.equal((await latestSession(db, 'organiser@hkipd.test'))?.auth_method, 'oidc', 'the session records single sign-on');
    const [identity] = await identities(db);
    t.equal(identity?.issuer, idp.issuer);
    t.equal(identity?.subject, 'organiser-sub');
    t.equal(identity?.provider, 'gov');
    const account = await agent.get('/account');
    t.match(account.body, /<td>GovID<\/td>/, 'listed on the account page');
    t.match(account.body, /<td>Single sign-on<\/td>/);
    t.equal(await db.selectFrom('oidc_logins').select('id').execute().then((r) => r.length), 0, 'the request is used up');

    const replay = await agent.get(`${back.pathname}${back.search}`);
    t.equal(replay.statusCode, 303, 'the same answer twice is refused');
    t.match((await agent.get('/account')).body, /took too long, or was started in another browser/);
    t.equal((await db.selectFrom('oidc_identities').select('id').execute()).length, 1, 'nothing more linked');
  });

  t.test('unverified addresses, unknown people, and a tampered state or nonce are refused', async (t) => {
    const before = await identities(db);
    const sessions = await db.selectFrom('sessions').select('id').execute();

    const unverified = await viaProvider('unverified-sub');
    const u = await unverified.agent.get(`${unverified.back.pathname}${unverified.back.search}`);
    t.equal(u.statusCode, 403);
    t.match(u.body, /has not verified your email address/);

    const stranger = await viaProvider('stranger-sub');
    const s = await stranger.agent.get(`${stranger.back.pathname}${stranger.back.search}`);
    t.equal(s.statusCode, 403);
    t.match(s.body, /Accounts are made by invitation only/);

    const forged = await viaProvider('judge2-sub');
    const tampered = new URL(forged.back);
    tampered.searchParams.set('state', 'not-the-state');
    const f = await forged.agent.get(`${tampered.pathname}${tampered.search}`);
    t.equal(f.statusCode, 403, 'a state that does not match');
    t.match(f.body, /did not confirm who you are/);

    const nonce = await viaProvider('judge2-sub');
    await db.updateTable('oidc_logins').set({ nonce: 'another-nonce' }).execute();
    const n = await nonce.agent.get(`${nonce.back.pathname}${nonce.back.search}`);
    t.equal(n.statusCode, 403, 'an ID token with another nonce');

    const elsewhere = await viaProvider('judge2-sub');
    const otherBrowser = new Agent(app);
    const o = await otherBrowser.get(`${elsewhere.back.pathname}${elsewhere.back.search}`);
    t.equal(o.statusCode, 400, 'the answer reaches another browser: no request of its own');

    t.same(await identities(db), before, 'nothing linked');
    t.equal((await db.selectFrom('sessions').select('id').execute()).length, sessions.length, 'no session');
    t.same(await db.selectFrom('users').select(['id', 'role']).orderBy('id').execute(), usersBefore, 'nobody made, nobody promoted');
  });

  t.test('linking from the account page needs the same verified address; identities can be unlinked', async (t) => {
    const judge = await signedIn(app, 'judge2@ipcoop.test');
    const page = await judge.get('/account');
    t.match(page.body, /action="\/account\/sso\/gov\/link"/);
    const start = await judge.post('/account/sso/gov/link');
    t.equal(start.statusCode, 303);
    const back = await idp.authorize(String(start.headers.location), 'stranger-sub');
    const other = await judge.get(`${back.pathname}${back.search}`);
    t.equal(other.statusCode, 303);
    t.match((await judge.get('/account')).body, /has another email address than yours/);

    const again = await judge.post('/account/sso/gov/link');
    const mine = await idp.authorize(String(again.headers.location), 'judge2-sub');
    t.equal((await judge.get(`${mine.pathname}${mine.search}`)).statusCode, 303);
    const linked = (await identities(db)).filter((i) => i.subject === 'judge2-sub');
    t.equal(linked.length, 1);
    t.match((await judge.get('/account')).body, /Your account at the provider is linked/);

    const intruder = await signedIn(app, 'organiser@customs.test');
    t.equal((await intruder.post(`/account/sso/identities/${linked[0]?.id ?? 0}/unlink`)).statusCode, 404, 'not someone else\'s');
    const unlinked = await judge.post(`/account/sso/identities/${linked[0]?.id ?? 0}/unlink`);
    t.equal(unlinked.statusCode, 303);
    t.equal((await identities(db)).filter((i) => i.subject === 'judge2-sub').length, 0);
    const actions = (await db.selectFrom('audit_log').select('action').where('action', 'in', ['link_identity', 'unlink_identity']).execute())
      .map((r) => r.action);
    t.ok(actions.includes('link_identity') && actions.includes('unlink_identity'), 'audited');
  });

  t.test('an account with two-factor still gives its code after the provider', async (t) => {
    await db.updateTable('users').set({ totp_secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' }).where('email', '=', 'organiser@hkipd.test').execute();
    const { agent, back } = await viaProvider('organiser-sub');
    const res = await agent.get(`${back.pathname}${back.search}`);
    t.equal(res.statusCode, 200);
    t.match(res.body, /action="\/login\/code"/);
    const challenge = await db.selectFrom('login_challenges').select('first_factor').executeTakeFirstOrThrow();
    t.equal(challenge.first_factor, 'oidc');
    await db.updateTable('users').set({ totp_secret: null }).where('email', '=', 'organiser@hkipd.test').execute();
  });
});
