import t from 'tap';
import { LOCALES } from '../../../src/lib/i18n.ts';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { defaultTexts, KIND_FIELDS, MAIL_KINDS, parseTemplate, renderMail } from '../../../src/modules/mail/templates.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { startSmtp } from '../../helpers/mail.ts';

/*
 * Email templates (issue 18, item 4): organisers reword the messages people are sent about an
 * event, programme or contest; merge fields are checked on save; every message goes as HTML with
 * a plain-text alternative, escaped, with the ticket inline; a test goes to the organiser.
 */

const inbox = await startSmtp(t);
const { app, db } = await build(t, { mailTransport: inbox.transport });
const OWNER = 'organiser@hkipd.test';
const organiser = await signedIn(app, OWNER);
const intruder = await signedIn(app, 'organiser@customs.test');

/** The current year's SME seminar, open for registration, of HKIPD's item. */
const event = await db.selectFrom('events').selectAll().where('slug', 'like', 'sme-seminar-20__-__').where('status', '=', 'published')
  .where('starts_at', '>', new Date()).executeTakeFirstOrThrow();
const base = `/manage/events/${event.slug}/emails/templates`;

const mailsTo = (address: string) => inbox.messages.filter((m) => (m.to && 'text' in m.to ? m.to.text : '') === address);
const templateRows = () => db.selectFrom('mail_templates').selectAll().where('event_id', '=', event.id).orderBy('language').execute();
const person = (email: string, name: string) => ({ name, email, organisation: 'HKPC', side: 'HK', consent: 'on' });

/** The editor's whole form, English and Traditional given, Simplified left to be derived. */
const form = (extra: Record<string, string> = {}) => ({
  subject_en: 'Welcome {{name}} to {{title}}',
  body_en: 'Dear {{ name }},\n\nSee you <b>soon</b> & keep {{manage_link}} safe.',
  subject_zh_hant: '歡迎{{name}}參加{{title}}',
  body_zh_hant: '{{name}}您好：\n\n我們期待與你見面。',
  subject_zh_hans: '', body_zh_hans: '', preview_language: 'en',
  ...extra,
});

t.test('every default wording reads, with only its kind\'s merge fields, in every language', async (t) => {
  for (const kind of MAIL_KINDS) {
    for (const locale of LOCALES) {
      const texts = defaultTexts(kind, locale);
      t.ok(parseTemplate(texts.subject, KIND_FIELDS[kind]).ok, `${kind} ${locale} subject`);
      t.ok(parseTemplate(texts.body, KIND_FIELDS[kind]).ok, `${kind} ${locale} body`);
    }
  }
  t.same(parseTemplate('a {{name}} b', ['name']), { ok: true, pieces: [{ text: 'a ' }, { field: 'name' }, { text: ' b' }] });
  t.notOk(parseTemplate('{{name', ['name']).ok, 'unclosed');
  t.notOk(parseTemplate('name}} {{name}}', ['name']).ok, 'closed before opened');
  t.notOk(parseTemplate('{{Name}}', ['name']).ok, 'not a field name');
  t.notOk(parseTemplate('{{ {{name}}', ['name']).ok, 'opened twice');
  t.ok(parseTemplate('{ single braces } are text', ['name']).ok);
  const slow = Date.now();
  t.notOk(parseTemplate(`${'{{'.repeat(50_000)}x`, ['name']).ok);
  t.ok(Date.now() - slow < 500, 'a long hostile text is read in one pass');
});

t.test('the list shows only the kinds of the owner, marked when customised', async (t) => {
  const res = await organiser.get(base);
  t.equal(res.statusCode, 200);
  t.match(res.body, `href="${base}/confirmation"`);
  t.match(res.body, `href="${base}/survey"`);
  t.notMatch(res.body, 'entryReceived', 'a contest\'s kinds are not an event\'s');
  t.notMatch(res.body, '>customised<');
  const contest = await db.selectFrom('contests').select('slug').where('slug', 'in',
    db.selectFrom('contests as c').innerJoin('item_parties as p', 'p.item_id', 'c.item_id').innerJoin('organisations as o', 'o.id', 'p.organisation_id')
      .where('o.code', '=', 'HKIPD').select('c.slug')).executeTakeFirstOrThrow();
  const contestList = await organiser.get(`/manage/contests/${contest.slug}/emails/templates`);
  t.equal(contestList.statusCode, 200);
  t.match(contestList.body, '/emails/templates/entryReceived"');
  t.match(contestList.body, '/emails/templates/judgeReminder"');
  t.notMatch(contestList.body, '/emails/templates/confirmation"');
  t.equal((await organiser.get(`/manage/contests/${contest.slug}/emails/templates/results`)).statusCode, 200);
  t.equal((await organiser.get(`${base}/entryReceived`)).statusCode, 404, 'a kind of another owner type is not found');
  t.equal((await organiser.get(`${base}/nothing`)).statusCode, 404);
});

t.test('the editor lists the merge fields and previews with the first real registration', async (t) => {
  const first = await db.selectFrom('registrations').select('name').where('event_id', '=', event.id).where('status', '<>', 'cancelled')
    .where('erased_at', 'is', null).orderBy('id').executeTakeFirst();
  const res = await organiser.get(`${base}/confirmation`);
  t.equal(res.statusCode, 200);
  for (const field of KIND_FIELDS.confirmation) t.match(res.body, `<code>{{${field}}}</code>`, field);
  t.match(res.body, 'name="subject_en" type="text" value="Your place is confirmed: {{title}}"', 'the default wording is in the form');
  if (first) t.match(res.body, `With the details of ${first.name.replaceAll('&', '&amp;')}`, 'a real record');
  else t.match(res.body, 'With sample details');
  t.match(res.body, 'srcdoc="&lt;!DOCTYPE html&gt;', 'the HTML preview, escaped into its frame');
  t.match(res.body, '<iframe class="mail-preview__frame"');
  const hant = await organiser.get(`${base}/confirmation?lang=zh-Hant`);
  t.match(hant.body, '<h2 id="merge-fields">合併欄位</h2>');
  t.match(hant.body, '主題：你的名額已確認', 'previewed in the organiser\'s language');
  const hans = await organiser.get(`${base}/confirmation?lang=zh-Hans`);
  t.match(hans.body, '<h2 id="merge-fields">合并字段</h2>');
  await organiser.get(`${base}?lang=en`);
});

t.test('the kinds sent by reminders, approvals and contests preview as they are sent', async (t) => {
  const contest = await db.selectFrom('contests as c').innerJoin('item_parties as p', 'p.item_id', 'c.item_id')
    .innerJoin('organisations as o', 'o.id', 'p.organisation_id').where('o.code', '=', 'HKIPD').select('c.slug').executeTakeFirstOrThrow();
  const results = await organiser.get(`/manage/contests/${contest.slug}/emails/templates/results`);
  t.match(results.body, '<code>{{award}}</code>', 'the award a winner is told of');
  t.match(results.body, '<code>{{certificate_link}}</code>');
  t.match(results.body, 'Congratulations! Your entry has won: Gold Award.', 'the note winners get, with a sample award');
  const judging = await organiser.get(`/manage/contests/${contest.slug}/emails/templates/judgeAssigned`);
  t.match(judging.body, 'My judging page', 'the judging page as a button');
  const reminder = await organiser.get(`${base}/reminder`);
  t.match(reminder.body, `href=&quot;http://ipcoop.test/events/${event.slug}&quot;`, 'the event page as a button');
  t.match(reminder.body, 'Your QR ticket is attached');
  t.match(reminder.body, 'src=&quot;cid:ticket@', 'the ticket inline');
  const invitation = await organiser.get(`${base}/invitation`);
  t.match(invitation.body, 'Subject: You are invited: ');
});

t.test('an unknown merge field or broken markup is refused beside its field, and nothing is written', async (t) => {
  const unknown = await organiser.post(`${base}/confirmation`, form({ subject_en: 'Hello {{nmae}}' }));
  t.equal(unknown.statusCode, 400);
  t.match(unknown.body, /id="f-subject_en-error">There is no merge field called &quot;nmae&quot; in this email\. Use one of: name, title/);
  const unclosed = await organiser.post(`${base}/confirmation`, form({ body_zh_hant: '{{name您好' }));
  t.equal(unclosed.statusCode, 400);
  t.match(unclosed.body, /id="f-body_zh_hant-error">A merge field is not closed/);
  const stray = await organiser.post(`${base}/confirmation`, form({ body_en: 'Dear name}}' }));
  t.match(stray.body, /id="f-body_en-error">Two closing braces/);
  const half = await organiser.post(`${base}/confirmation`, form({ subject_zh_hans: '你好' }));
  t.match(half.body, /id="f-body_zh_hans-error">Enter the text/);
  t.match(unknown.body, 'value="Hello {{nmae}}"', 'what was sent is shown again');
  t.same(await templateRows(), [], 'nothing is written');
});

t.test('a saved template changes the real confirmation mail, in each language, as HTML and text', async (t) => {
  const saved = await organiser.post(`${base}/confirmation`, form());
  t.equal(saved.statusCode, 303);
  const rows = await templateRows();
  t.same(rows.map((r) => r.language), ['en', 'zh-Hant'], 'Simplified is left to be derived');
  t.equal(rows[0]?.body, 'Dear {{ name }},\n\nSee you <b>soon</b> & keep {{manage_link}} safe.');
  const audit = await db.selectFrom('audit_log').select(['action', 'item_id']).where('action', '=', 'mail_template.save').execute();
  t.same(audit, [{ action: 'mail_template.save', item_id: event.item_id }]);
  t.match((await organiser.get(base)).body, '>customised<');

  const visitor = new Agent(app);
  const hostile = '<script>alert(1)</script> Lee & Co';
  t.equal((await visitor.post(`/events/${event.slug}/register`, person('lee@tpl.test', hostile), { 'accept-language': 'en' })).statusCode, 303);
  t.equal((await visitor.post(`/events/${event.slug}/register`, person('chan@tpl.test', '陳大文'), { 'accept-language': 'zh-HK' })).statusCode,
    303);
  t.equal((await visitor.post(`/events/${event.slug}/register`, person('zhang@tpl.test', '张伟'), { 'accept-language': 'zh-CN' })).statusCode,
    303);
  await deliverDueMail(db, inbox.transport);

  const [en] = mailsTo('lee@tpl.test');
  t.equal(en?.subject, `Welcome ${hostile} to ${event.title}`, 'the subject is plain text');
  t.match(en?.text, `Dear ${hostile},\n\nSee you <b>soon</b> & keep http://ipcoop.test/registrations/`, 'the text alternative, as written');
  const html = typeof en?.html === 'string' ? en.html : '';
  t.match(html, /^<!DOCTYPE html>\n<html lang="en" dir="ltr">/);
  t.match(html, 'Dear &lt;script&gt;alert(1)&lt;/script&gt; Lee &amp; Co,', 'the merge value is escaped');
  t.match(html, 'See you &lt;b&gt;soon&lt;/b&gt; &amp; keep <a href="http://ipcoop.test/registrations/', 'the organiser\'s text is escaped');
  t.notMatch(html, '<script>');
  t.notMatch(html, '<b>soon');
  t.match(html, `>${event.title.replaceAll('&', '&amp;')}</h1>`, 'the item\'s title heads the message');
  t.match(html, /src="data:image\/png;base64,/, 'the inline ticket (the parser puts cid: references inline)');
  const stored = await db.selectFrom('mail_outbox').select('html_body').where('to_address', '=', 'lee@tpl.test').executeTakeFirstOrThrow();
  t.match(stored.html_body, 'src="cid:ticket@ipcoop.test"', 'the HTML refers to the ticket by its Content-ID');
  t.match(html, /alt="Your QR ticket\./, 'readable with images off');
  t.match(html, `href="http://ipcoop.test/events/${event.slug}.ics"`, 'a calendar button');
  const ticket = en?.attachments.find((a) => a.filename === 'ticket.png');
  t.equal(ticket?.cid, 'ticket@ipcoop.test', 'the QR ticket is inline, under the id the HTML refers to');
  t.equal(ticket?.contentType, 'image/png');
  t.ok(en?.attachments.some((a) => a.filename === 'event.ics'), 'the calendar file is still attached');

  const [hant] = mailsTo('chan@tpl.test');
  t.equal(hant?.subject, `歡迎陳大文參加${event.title}`);
  t.match(hant?.text, /^陳大文您好：\n\n我們期待與你見面。\n/);
  t.match(typeof hant?.html === 'string' ? hant.html : '', '<html lang="zh-Hant" dir="ltr">');

  const [hans] = mailsTo('zhang@tpl.test');
  t.equal(hans?.subject, `欢迎张伟参加${event.title}`, 'Simplified is derived from the organiser\'s Traditional');
  t.match(hans?.text, /^张伟您好：\n\n我们期待与你见面。\n/);
  t.match(typeof hans?.html === 'string' ? hans.html : '', '<html lang="zh-Hans" dir="ltr">');
});

t.test('preview with the form as sent, and a test to the organiser through the outbox', async (t) => {
  const preview = await organiser.post(`${base}/confirmation/preview`, form({ preview_language: 'zh-Hans' }));
  t.equal(preview.statusCode, 200);
  t.match(preview.body, 'Subject: 欢迎', 'the derived Simplified is previewed');
  const broken = await organiser.post(`${base}/confirmation/preview`, form({ subject_en: '{{' }));
  t.equal(broken.statusCode, 400);

  const before = inbox.messages.length;
  const sent = await organiser.post(`${base}/confirmation/test`, form({ subject_en: 'Trial for {{name}}' }));
  t.equal(sent.statusCode, 200);
  t.match(sent.body, `A test is on its way to ${OWNER}`);
  const queued = await db.selectFrom('mail_outbox').select(['subject', 'item_id']).where('to_address', '=', OWNER)
    .where('subject', 'like', '[Test]%').execute();
  t.equal(queued.length, 1);
  t.equal(queued[0]?.item_id, event.item_id);
  await deliverDueMail(db, inbox.transport);
  const [test] = inbox.messages.slice(before).filter((m) => (m.to && 'text' in m.to ? m.to.text : '') === OWNER);
  t.match(test?.subject, /^\[Test\] Trial for /);
  t.equal(test?.attachments.find((a) => a.filename === 'ticket.png')?.cid, 'ticket@ipcoop.test');
  t.equal((await templateRows())[0]?.subject, 'Welcome {{name}} to {{title}}', 'a test saves nothing');
});

t.test('another organisation\'s organiser finds nothing, and changes nothing', async (t) => {
  t.equal((await intruder.get(base)).statusCode, 404);
  t.equal((await intruder.get(`${base}/confirmation`)).statusCode, 404);
  t.equal((await intruder.post(`${base}/confirmation`, form({ subject_en: 'Mine' }))).statusCode, 404);
  t.equal((await intruder.post(`${base}/confirmation/reset`)).statusCode, 404);
  t.equal((await intruder.post(`${base}/confirmation/test`, form())).statusCode, 404);
  t.equal((await templateRows()).length, 2);
  t.equal((await db.selectFrom('mail_outbox').select('id').where('to_address', '=', 'organiser@customs.test').execute()).length, 0);
});

t.test('reset goes back to the default wording, audited', async (t) => {
  const res = await organiser.post(`${base}/confirmation/reset`);
  t.equal(res.statusCode, 303);
  t.same(await templateRows(), []);
  t.ok(await db.selectFrom('audit_log').select('id').where('action', '=', 'mail_template.reset').executeTakeFirst());
  const visitor = new Agent(app);
  await visitor.post(`/events/${event.slug}/register`, person('after@tpl.test', 'After Reset'), { 'accept-language': 'en' });
  await deliverDueMail(db, inbox.transport);
  t.equal(mailsTo('after@tpl.test')[0]?.subject, `Your place is confirmed: ${event.title}`);
  t.match(mailsTo('after@tpl.test')[0]?.text, /^Dear After Reset,\n\nThank you for registering\. Your place is confirmed\.\n/);
});

t.test('a stored wording that no longer reads gives way to the default', async (t) => {
  const mail = renderMail({ subject: 'Hi {{gone}}', body: '{{' }, {
    kind: 'survey', locale: 'en', to: 'x@example.org', fields: { name: 'X', title: 'T', survey_link: 'http://ipcoop.test/s', closes: 'soon' },
  });
  t.equal(mail.subject, 'Your feedback on T');
  t.match(mail.text, 'The survey is open until soon.');
});
