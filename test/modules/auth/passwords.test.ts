import t from 'tap';
import { breachedPasswords, passwordProblem } from '../../../src/modules/auth/passwords.ts';
import { signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { DEMO_PASSWORD } from '../../helpers/database.ts';

t.test('passwords from a breached-password list are refused', async (t) => {
  const list = await breachedPasswords();
  t.ok(list.size > 250, `${list.size} breached passwords long enough to pass the length rule`);
  // None of these was on the old list of about 70.
  for (const password of ['leavemealone', 'sonyericsson', 'FinalFantasy', 'qwerasdfzxcv', 'q1w2e3r4t5y6']) {
    t.equal(await passwordProblem(password), 'account.password.common', password);
  }
  t.equal(await passwordProblem('hongkong1234'), 'account.password.common', 'the site\'s own words still count');
  t.equal(await passwordProblem('lantern river quietly'), null, 'an uncommon phrase passes');
  t.same(await passwordProblem('short'), { key: 'account.password.tooShort', params: { min: 12 } });
});

t.test('the account page refuses a breached password', async (t) => {
  const { app } = await build(t);
  const judge = await signedIn(app, 'judge1@ipcoop.test');
  const res = await judge.post('/account/password', { current: DEMO_PASSWORD, password: 'leavemealone', confirm: 'leavemealone' });
  t.equal(res.statusCode, 400);
  t.match(res.body, 'This password is too common. Choose one that is harder to guess.');
});
