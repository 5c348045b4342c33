import t from 'tap';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { startSmtp } from '../../helpers/mail.ts';

const languageOf = async (db: Awaited<ReturnType<typeof build>>['db'], email: string) =>
  (await db.selectFrom('users').select('language').where('email', '=', email).executeTakeFirstOrThrow()).language;

t.test('a user who switched the site to Simplified Chinese gets the password reset in it', async (t) => {
  const inbox = await startSmtp(t);
  const { app, db } = await build(t, { mailTransport: inbox.transport });
  t.equal(await languageOf(db, 'judge2@ipcoop.test'), 'en', 'English until told otherwise');

  const judge = await signedIn(app, 'judge2@ipcoop.test');
  t.equal((await judge.get('/judging?lang=zh-Hans')).statusCode, 200);
  t.equal(await languageOf(db, 'judge2@ipcoop.test'), 'zh-Hans', 'switching the language while signed in is remembered');
  await new Agent(app).get('/?lang=zh-Hant');
  t.equal(await languageOf(db, 'judge2@ipcoop.test'), 'zh-Hans', 'a visitor switching changes no account');

  const visitor = new Agent(app);
  await visitor.get('/password/forgot?lang=en');
  t.equal((await visitor.post('/password/forgot', { email: 'judge2@ipcoop.test' })).statusCode, 200);
  t.same(await deliverDueMail(db, inbox.transport), { sent: 1, failed: 0 });
  const mail = inbox.messages.at(-1);
  t.equal(mail?.subject, '重置你的 ipcoop 密码', 'the subject in Simplified Chinese, whatever language the request was made in');
  t.match(mail?.text ?? '', /有人要求重置你的 ipcoop 账户密码。/);
  t.match(mail?.text ?? '', /http:\/\/ipcoop\.test\/password\/reset\/[A-Za-z0-9_-]{43}/);
  t.match(mail?.text ?? '', '如非你本人提出，请忽略此邮件');
});

t.test('an invitation is written in the language the inviter chose', async (t) => {
  const inbox = await startSmtp(t);
  const { app, db } = await build(t, { mailTransport: inbox.transport });
  const admin = await signedIn(app, 'admin@ipcoop.test');
  const form = await admin.get('/manage/users');
  t.match(form.body, /<select id="f-language" name="language"[^>]*>\s*<option value="en" selected>English<\/option>/, 'the inviter\'s language first');

  const bad = await admin.post('/manage/users/invite', { name: '陳大文', email: 'chan@example.org', role: 'judge', organisation_id: '', language: 'fr' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, 'id="f-language-error">Choose the language of their emails.');

  const res = await admin.post('/manage/users/invite', { name: '陳大文', email: 'chan@example.org', role: 'judge', organisation_id: '', language: 'zh-Hant' });
  t.equal(res.statusCode, 200);
  t.equal(await languageOf(db, 'chan@example.org'), 'zh-Hant');
  t.same(await deliverDueMail(db, inbox.transport), { sent: 1, failed: 0 });
  const mail = inbox.messages.at(-1);
  t.equal(mail?.subject, '你獲邀加入 ipcoop');
  t.match(mail?.text ?? '', /陳大文：\n\n.+邀請你以評審身分加入 ipcoop/);

  // Without a choice, the inviter's own language.
  await admin.get('/manage/users?lang=zh-Hans');
  await admin.post('/manage/users/invite', { name: '李明', email: 'li@example.org', role: 'judge', organisation_id: '' });
  t.equal(await languageOf(db, 'li@example.org'), 'zh-Hans');
});
