import t from 'tap';
import { Secret, TOTP } from 'otpauth';
import type { Database } from '../../../src/db/index.ts';
import { RECENT_CONFIRMATION_MS } from '../../../src/modules/auth/plugin.ts';
import { SIGN_IN_THROTTLE } from '../../../src/modules/auth/service.ts';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { DEMO_PASSWORD } from '../../helpers/database.ts';
import { startSmtp } from '../../helpers/mail.ts';
import { SoftAuthenticator } from './authenticator.ts';

const ORIGIN = 'http://ipcoop.test';
const codeNow = (secret: string) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: Date.now() });

const userId = async (db: Database, email: string) =>
  (await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
const policyRow = (db: Database) => db.selectFrom('sign_in_policy').selectAll().executeTakeFirstOrThrow();
/** Makes the agent's session's last confirmation older than the window allows. */
const ageConfirmation = (db: Database, id: number) => db.updateTable('sessions')
  .set({ confirmed_at: new Date(Date.now() - RECENT_CONFIRMATION_MS - 60_000) }).where('user_id', '=', id).execute();

t.test('sign-in policy, recent confirmation and reset', async (t) => {
  const inbox = await startSmtp(t);
  const { app, db } = await build(t, { mailTransport: inbox.transport });
  const judge = await userId(db, 'judge1@ipcoop.test');
  const organiser = await userId(db, 'organiser@hkipd.test');
  /** judge2's passkey, added on the way. */
  const judge2Key = new SoftAuthenticator();

  t.test('only administrators set the policy; the change is audited', async (t) => {
    const organiserAgent = await signedIn(app, 'organiser@hkipd.test');
    t.equal((await organiserAgent.get('/manage/sign-in-policy')).statusCode, 404);
    t.equal((await organiserAgent.post('/manage/sign-in-policy', { judges: 'on' })).statusCode, 404);
    t.equal((await policyRow(db)).second_factor_judges, false);

    const admin = await signedIn(app, 'admin@ipcoop.test');
    const page = await admin.get('/manage/sign-in-policy');
    t.equal(page.statusCode, 200);
    t.match(page.body, /name="judges"/);
    t.match(page.body, /name="organisers"/);
    t.match(page.body, /\d+ of \d+/, 'how many have a second factor, per role');
    const saved = await admin.post('/manage/sign-in-policy', { judges: 'on' });
    t.equal(saved.statusCode, 303);
    const row = await policyRow(db);
    t.equal(row.second_factor_judges, true);
    t.equal(row.second_factor_organisers, false);
    const audit = await db.selectFrom('audit_log').select(['changes']).where('action', '=', 'set_sign_in_policy').executeTakeFirstOrThrow();
    t.match(audit.changes, { second_factor_judges: { from: false, to: true }, second_factor_organisers: { from: false, to: false } });
    t.match((await admin.get('/manage/sign-in-policy')).body, /The sign-in policy is saved\./);
  });

  t.test('a judge without a second factor is led through enrolment and reaches nothing else', async (t) => {
    const agent = new Agent(app);
    await agent.get('/login');
    const signIn = await agent.post('/login', { email: 'judge1@ipcoop.test', password: DEMO_PASSWORD });
    t.equal(signIn.statusCode, 303);
    const home = await agent.get(signIn.headers.location as string);
    t.equal(home.statusCode, 303, 'the judging pages wait');
    t.equal(home.headers.location, '/account/two-factor');
    t.equal((await agent.get('/account')).headers.location, '/account/two-factor', 'so does the account page');
    const refused = await agent.post('/account/sessions/end-others');
    t.equal(refused.statusCode, 403, 'a form elsewhere is refused');
    t.match(refused.body, /must have a second factor before you can go on/);

    const enrol = await agent.get('/account/two-factor');
    t.equal(enrol.statusCode, 200);
    t.match(enrol.body, /The administrators require a second factor for your account/);
    t.match(enrol.body, /href="\/account\/passkeys"/, 'a passkey is offered too');
    t.equal((await agent.get('/account/passkeys')).statusCode, 200);

    // A wrong code leaves nothing half-enrolled.
    const secret = /<code class="totp-secret">([A-Z2-7]+)<\/code>/.exec(enrol.body)?.[1] ?? '';
    const wrong = await agent.post('/account/two-factor', { code: '000000' });
    t.equal(wrong.statusCode, 400);
    const row = await db.selectFrom('users').select('totp_secret').where('id', '=', judge).executeTakeFirstOrThrow();
    t.equal(row.totp_secret, null, 'not enrolled');
    t.equal((await agent.get('/judging')).statusCode, 303, 'still waiting');

    const right = await agent.post('/account/two-factor', { code: codeNow(secret) });
    t.equal(right.statusCode, 200);
    t.equal((await agent.get('/judging')).statusCode, 200, 'enrolled: the judging pages open');
    t.equal((await agent.post('/logout')).statusCode, 303);
  });

  t.test('a passkey also meets the policy; organisers are not covered by the judges\' rule', async (t) => {
    const organiserAgent = await signedIn(app, 'organiser@hkipd.test');
    t.equal((await organiserAgent.get('/manage')).statusCode, 200, 'organisers are not covered');

    await db.updateTable('sign_in_policy').set({ second_factor_organisers: true }).execute();
    t.equal((await organiserAgent.get('/manage')).headers.location, '/account/two-factor', 'a change of policy applies at once');
    const page = await organiserAgent.get('/account/passkeys');
    t.equal(page.statusCode, 200);
    const options = await organiserAgent.post('/account/passkeys/options');
    const added = await organiserAgent.post('/account/passkeys', { name: 'Phone', response: new SoftAuthenticator().create(options.json(), ORIGIN) });
    t.equal(added.statusCode, 303);
    t.equal((await organiserAgent.get('/manage')).statusCode, 200, 'a passkey is a second factor');
    await db.updateTable('sign_in_policy').set({ second_factor_organisers: false }).execute();
  });

  t.test('changing factors asks for a recent confirmation: the password, throttled', async (t) => {
    const agent = await signedIn(app, 'organiser@hkipd.test');
    await ageConfirmation(db, organiser);
    const page = await agent.get('/account/passkeys');
    t.equal(page.statusCode, 303);
    t.equal(page.headers.location, '/account/confirm?next=%2Faccount%2Fpasskeys');
    const [passkey] = await db.selectFrom('passkeys').select('id').where('user_id', '=', organiser).execute();
    const removal = await agent.post(`/account/passkeys/${passkey?.id ?? 0}/remove`, {}, { referer: `${ORIGIN}/account/passkeys` });
    t.equal(removal.statusCode, 303);
    t.equal(removal.headers.location, '/account/confirm?next=%2Faccount%2Fpasskeys', 'back to the form afterwards');
    t.equal((await db.selectFrom('passkeys').select('id').where('user_id', '=', organiser).execute()).length, 1, 'not removed');
    const json = await agent.post('/account/passkeys/options', {}, { accept: 'application/json' });
    t.equal(json.statusCode, 403);

    const confirm = await agent.get('/account/confirm?next=%2Faccount%2Fpasskeys');
    t.equal(confirm.statusCode, 200);
    t.match(confirm.body, /in the last 15 minutes/);
    t.match(confirm.body, /data-passkey="confirm"/, 'a passkey can confirm too');
    const wrong = await agent.post('/account/confirm', { password: 'not-the-password', next: '/account/passkeys' });
    t.equal(wrong.statusCode, 400);
    t.match(wrong.body, /id="f-password-error">Your current password is not right\.</);
    t.equal((await db.selectFrom('login_throttle').select('failures').where('key', '=', 'email-ip:organiser@hkipd.test 127.0.0.1')
      .executeTakeFirstOrThrow()).failures, 1, 'counted with wrong sign-ins');
    const offsite = await agent.post('/account/confirm', { password: DEMO_PASSWORD, next: '//evil.test/' });
    t.equal(offsite.headers.location, '/account', 'never sent to another site');
    await ageConfirmation(db, organiser);
    const done = await agent.post('/account/confirm', { password: DEMO_PASSWORD, next: '/account/passkeys' });
    t.equal(done.statusCode, 303);
    t.equal(done.headers.location, '/account/passkeys');
    t.equal((await agent.get('/account/passkeys')).statusCode, 200, 'confirmed: the page opens');

    await ageConfirmation(db, organiser);
    for (let i = 0; i < SIGN_IN_THROTTLE.pair.threshold; i++) await agent.post('/account/confirm', { password: 'wrong-again' });
    const locked = await agent.post('/account/confirm', { password: DEMO_PASSWORD });
    t.equal(locked.statusCode, 429, 'guessing is throttled, and the right password waits too');
    t.match(locked.body, /Too many failed attempts/);
    await db.deleteFrom('login_throttle').execute();
  });

  t.test('a passkey confirms, but only one of the user\'s own', async (t) => {
    const agent = await signedIn(app, 'judge2@ipcoop.test');
    const judge2 = await userId(db, 'judge2@ipcoop.test');
    await agent.get('/account/passkeys');
    const reg = await agent.post('/account/passkeys/options');
    const mine = judge2Key;
    t.equal((await agent.post('/account/passkeys', { name: 'Key', response: mine.create(reg.json(), ORIGIN) })).statusCode, 303);
    await ageConfirmation(db, judge2);

    const someone = await signedIn(app, 'organiser@hkipd.test');
    await someone.get('/account/confirm');
    const foreign = new SoftAuthenticator();
    const ownOptions = await someone.post('/account/confirm/passkey/options');
    await db.updateTable('sessions').set({ confirmed_at: new Date(0) }).where('user_id', '=', organiser).execute();
    const refused = await someone.post('/account/confirm/passkey', { response: foreign.get(ownOptions.json(), ORIGIN) });
    t.equal(refused.statusCode, 400);

    await agent.get('/account/confirm');
    const options = await agent.post('/account/confirm/passkey/options');
    const allowed = options.json<{ allowCredentials: { id: string }[] }>().allowCredentials.map((c) => c.id);
    t.same(allowed, [mine.id], 'only the user\'s own passkeys are asked for');
    const ok = await agent.post('/account/confirm/passkey', { response: mine.get(options.json(), ORIGIN), next: '/account/passkeys' });
    t.equal(ok.statusCode, 303);
    t.equal(ok.headers.location, '/account/passkeys');
    const confirmedAt = (await db.selectFrom('sessions').select('confirmed_at').where('user_id', '=', judge2)
      .orderBy('confirmed_at', 'desc').executeTakeFirstOrThrow()).confirmed_at;
    t.ok(Date.now() - confirmedAt.getTime() < RECENT_CONFIRMATION_MS, 'the session is confirmed');
    const again = await agent.post('/account/confirm/passkey', { response: mine.get(options.json(), ORIGIN) });
    t.equal(again.statusCode, 400, 'the challenge was used once');
  });

  t.test('exports of personal data and erasure ask for a recent confirmation', async (t) => {
    const admin = await signedIn(app, 'admin@ipcoop.test');
    const adminId = await userId(db, 'admin@ipcoop.test');
    const event = await db.selectFrom('events').select('slug').orderBy('id').executeTakeFirstOrThrow();
    const period = await db.selectFrom('periods').select('slug').orderBy('id').executeTakeFirstOrThrow();
    const programme = await db.selectFrom('programmes').select('id').orderBy('id').executeTakeFirstOrThrow();
    const fresh = await admin.get(`/manage/events/${event.slug}/attendance.csv`);
    t.equal(fresh.statusCode, 200, 'a fresh sign-in exports');
    await ageConfirmation(db, adminId);
    for (const url of [
      `/manage/events/${event.slug}/attendance.csv`, `/manage/events/${event.slug}/attendance.xlsx`,
      `/manage/programmes/${programme.id}/delegations.csv`, `/manage/programmes/${programme.id}/delegations.xlsx`,
    ]) {
      const res = await admin.get(url);
      t.equal(res.statusCode, 303, url);
      t.equal(res.headers.location, `/account/confirm?next=${encodeURIComponent(url)}`);
    }
    const erase = await admin.post(`/manage/periods/${period.slug}/retention`, { retention_months: '1' },
      { referer: `${ORIGIN}/manage/periods/${period.slug}/retention` });
    t.equal(erase.statusCode, 303);
    t.match(erase.headers.location, /^\/account\/confirm\?next=/);
  });

  t.test('an administrator resets a user\'s factors: audited, signed out, told by email', async (t) => {
    const admin = await signedIn(app, 'admin@ipcoop.test');
    // judge2 added a passkey above; an authenticator app and recovery codes too.
    const judge2 = await userId(db, 'judge2@ipcoop.test');
    // The policy covers judges and judge2's factor is a passkey: the password alone does not sign in.
    const refused = new Agent(app);
    await refused.get('/login');
    const password = await refused.post('/login', { email: 'judge2@ipcoop.test', password: DEMO_PASSWORD });
    t.equal(password.statusCode, 400);
    t.match(password.body, /Your account needs a second factor: sign in with your passkey/);
    t.notOk(password.cookies.some((c) => c.name === 'ipcoop_session'), 'no session');
    const judgeAgent = new Agent(app);
    await judgeAgent.get('/login');
    const options = await judgeAgent.post('/login/passkey/options');
    const withKey = await judgeAgent.post('/login/passkey', { response: judge2Key.get(options.json(), ORIGIN) });
    t.equal(withKey.statusCode, 303, 'the passkey does');
    await db.updateTable('users').set({ totp_secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' }).where('id', '=', judge2).execute();
    await db.insertInto('recovery_codes').values({ user_id: judge2, code_hash: 'a-hash' }).execute();
    t.equal((await db.selectFrom('passkeys').select('id').where('user_id', '=', judge2).execute()).length, 1);

    const organiserAgent = await signedIn(app, 'organiser@hkipd.test');
    t.equal((await organiserAgent.post(`/manage/users/${judge2}/factors/reset`)).statusCode, 404, 'organisers cannot');
    t.equal((await organiserAgent.get(`/manage/users/${judge2}/factors`)).statusCode, 404);

    const users = await admin.get('/manage/users');
    t.match(users.body, new RegExp(`href="/manage/users/${judge2}/factors"`), 'linked from the list of users');
    const page = await admin.get(`/manage/users/${judge2}/factors`);
    t.equal(page.statusCode, 200);
    t.match(page.body, /Authenticator app on/);
    t.equal((await admin.get('/manage/users/999999/factors')).statusCode, 404);
    const before = inbox.messages.length;
    const reset = await admin.post(`/manage/users/${judge2}/factors/reset`);
    t.equal(reset.statusCode, 303);
    const row = await db.selectFrom('users').select(['totp_secret']).where('id', '=', judge2).executeTakeFirstOrThrow();
    t.equal(row.totp_secret, null, 'the app is gone');
    t.equal((await db.selectFrom('passkeys').select('id').where('user_id', '=', judge2).execute()).length, 0, 'passkeys gone');
    t.equal((await db.selectFrom('recovery_codes').select('id').where('user_id', '=', judge2).execute()).length, 0, 'codes gone');
    t.equal((await db.selectFrom('sessions').select('id').where('user_id', '=', judge2).execute()).length, 0, 'signed out everywhere');
    t.equal((await judgeAgent.get('/judging')).statusCode, 303);
    const audit = await db.selectFrom('audit_log').select(['actor_user_id', 'entity_id', 'changes']).where('action', '=', 'reset_factors')
      .executeTakeFirstOrThrow();
    t.equal(audit.entity_id, String(judge2));
    t.equal(audit.actor_user_id, await userId(db, 'admin@ipcoop.test'));
    t.match(audit.changes, { totp: true, passkeys: ['Key'], recovery_codes: 1 });

    await deliverDueMail(db, inbox.transport);
    const mail = inbox.messages.slice(before).find((m) => JSON.stringify(m.to).includes('judge2@ipcoop.test'));
    t.ok(mail, 'the user is emailed');
    t.match(mail?.subject ?? '', /second factors were reset/);
    t.match(mail?.text ?? '', /an administrator, has removed your authenticator app/);

    // The policy still covers judges: the next sign-in leads through enrolment again.
    const again = await signedIn(app, 'judge2@ipcoop.test');
    t.equal((await again.get('/judging')).headers.location, '/account/two-factor');
    const self = await admin.post(`/manage/users/${await userId(db, 'admin@ipcoop.test')}/factors/reset`);
    t.equal(self.statusCode, 409, 'not one\'s own, here');
  });
});
