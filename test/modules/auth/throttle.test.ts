import t from 'tap';
import { SIGN_IN_THROTTLE } from '../../../src/modules/auth/service.ts';
import { Agent } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { DEMO_PASSWORD } from '../../helpers/database.ts';

// The app trusts the test's loopback as a proxy, so each request names its client address.
const proxied = { env: { TRUST_PROXY: '127.0.0.1' } };
const from = (ip: string) => ({ 'x-forwarded-for': ip });

t.test('a stranger hammering one account from one address does not lock its owner out elsewhere', async (t) => {
  const { app, db } = await build(t, proxied);
  const stranger = new Agent(app);
  const owner = new Agent(app);
  const fail = () => stranger.post('/login', { email: 'judge1@ipcoop.test', password: 'guessing-wrong-again' }, from('203.0.113.7'));

  for (let i = 1; i <= SIGN_IN_THROTTLE.pair.threshold; i++) {
    t.equal((await fail()).statusCode, i < SIGN_IN_THROTTLE.pair.threshold ? 400 : 429, `stranger's attempt ${i}`);
  }
  t.equal((await stranger.post('/login', { email: 'judge1@ipcoop.test', password: DEMO_PASSWORD }, from('203.0.113.7'))).statusCode, 429,
    'locked out there, even with the right password');

  // The stranger keeps at it as each lock runs out: the account's own count does not grow.
  for (let round = 0; round < 3; round++) {
    await db.updateTable('login_throttle').set({ locked_until: new Date(Date.now() - 1000) }).execute();
    t.equal((await fail()).statusCode, 429, 'each further failure locks again, for longer');
  }
  const account = await db.selectFrom('login_throttle').select('failures').where('key', '=', 'email:judge1@ipcoop.test').executeTakeFirstOrThrow();
  t.equal(account.failures, SIGN_IN_THROTTLE.pair.threshold, 'one address counts towards the account at most up to its own threshold');

  const signIn = await owner.post('/login', { email: 'judge1@ipcoop.test', password: DEMO_PASSWORD }, from('198.51.100.20'));
  t.equal(signIn.statusCode, 303, 'the owner at another address signs in');
  t.equal(signIn.headers.location, '/judging');
});

t.test('failures spread over many addresses reach the account\'s ceiling and lock it everywhere', async (t) => {
  const { app, db } = await build(t, proxied);
  const { account, pair } = SIGN_IN_THROTTLE;
  t.equal(account.threshold, 10 * pair.threshold, 'the ceiling is ten addresses\' worth');
  const addresses = account.threshold / pair.threshold;
  for (let a = 0; a < addresses; a++) {
    const agent = new Agent(app);
    for (let i = 1; i <= pair.threshold; i++) {
      const res = await agent.post('/login', { email: 'judge2@ipcoop.test', password: `wrong-${a}-${i}-password` }, from(`192.0.2.${a + 1}`));
      t.equal(res.statusCode, i < pair.threshold ? 400 : 429, `address ${a + 1}, attempt ${i}`);
    }
  }
  const row = await db.selectFrom('login_throttle').selectAll().where('key', '=', 'email:judge2@ipcoop.test').executeTakeFirstOrThrow();
  t.equal(row.failures, account.threshold);
  t.ok(row.locked_until && row.locked_until > new Date(), 'the account is locked');
  const owner = await new Agent(app).post('/login', { email: 'judge2@ipcoop.test', password: DEMO_PASSWORD }, from('198.51.100.20'));
  t.equal(owner.statusCode, 429, 'a distributed attack stops at the ceiling, for everyone');
  t.match(owner.body, /Too many failed attempts. Try again in 1 minute./);
  const other = await new Agent(app).post('/login', { email: 'judge3@ipcoop.test', password: DEMO_PASSWORD }, from('198.51.100.20'));
  t.equal(other.statusCode, 303, 'other accounts are not affected');
});
