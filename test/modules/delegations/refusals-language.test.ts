import { sql } from 'kysely';
import t from 'tap';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { startSmtp } from '../../helpers/mail.ts';

t.test('an organiser\'s refusal about a delegation names its status in the reader\'s language', async (t) => {
  const { app, db } = await build(t);
  const d = await db.selectFrom('delegations as d').innerJoin('programmes as p', 'p.id', 'd.programme_id')
    .where('p.slug', '=', 'ip-dispute-resolution-exchange-2019').where('d.status', '=', 'completed').select('d.id').executeTakeFirstOrThrow();
  const hkipd = await signedIn(app, 'organiser@hkipd.test');

  await hkipd.get('/manage?lang=zh-Hant');
  const hant = await hkipd.post(`/manage/delegations/${d.id}/withdraw`);
  t.equal(hant.statusCode, 409);
  t.match(hant.body, /代表團的狀態為「[^」A-Za-z]+」，不可撤回。/, 'the status in Chinese, not "completed"');
  t.notMatch(hant.body, 'completed');

  await hkipd.get('/manage?lang=en');
  const en = await hkipd.post(`/manage/delegations/${d.id}/withdraw`);
  t.match(en.body, 'The delegation is completed; it cannot be withdrawn.');
  t.equal((await db.selectFrom('delegations').select('status').where('id', '=', d.id).executeTakeFirstOrThrow()).status, 'completed');
});

t.test('a delegation invitation is written in the language the organiser chooses, with the programme\'s title in it', async (t) => {
  const inbox = await startSmtp(t);
  const { app, db } = await build(t, { mailTransport: inbox.transport });
  const programme = await db.selectFrom('programmes').select(['id', 'title']).where('status', '=', 'open').orderBy('id').executeTakeFirstOrThrow();
  await sql`update programmes set translations = ${JSON.stringify({ 'zh-Hant': { title: '知識產權交流計劃' } })}::jsonb where id = ${programme.id}`.execute(db);
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const page = await organiser.get(`/manage/programmes/${programme.id}`);
  t.match(page.body, /<select[^>]*name="language"/, 'the form asks for the language');

  const bad = await organiser.post(`/manage/programmes/${programme.id}/invitations`, { email: 'leader@example.org', language: 'fr' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, 'Choose the language of the invitation.');
  t.equal((await db.selectFrom('delegation_invitations').select('id').where('email', '=', 'leader@example.org').execute()).length, 0, 'nothing stored');

  const sent = await organiser.post(`/manage/programmes/${programme.id}/invitations`, { email: 'leader@example.org', language: 'zh-Hans' });
  t.equal(sent.statusCode, 200);
  await deliverDueMail(db, inbox.transport);
  const mail = inbox.messages.find((m) => m.text?.includes('/delegation-invitations/'));
  t.equal(mail?.subject, '登记代表团：知识产权交流计划', 'the subject in Simplified Chinese, the title derived');
  t.match(mail?.text ?? '', '代表团团长您好：');
  t.match(mail?.text ?? '', /此链接只可使用一次，有效期至 \d{4}年/);
  t.notMatch(mail?.text ?? '', 'Dear delegation leader');
});
