import ExcelJS from 'exceljs';
import t from 'tap';
import { hashToken } from '../../../src/lib/tokens.ts';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { sendDueInvitations } from '../../../src/modules/surveys/service.ts';
import { startSurveyInvitations } from '../../../src/modules/surveys/worker.ts';
import { buildSummary, paragraphText } from '../../../src/modules/summary/service.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { startSmtp } from '../../helpers/mail.ts';

/*
 * Surveys after an event (issue 17, item 5): built by the organisers, sent once after the event
 * to those checked in, in their language, answered through a private link (editable until the
 * survey closes), shown as results with charts and exports, and quoted in the Summary.
 */

const inbox = await startSmtp(t);
const { app, db } = await build(t, { mailTransport: inbox.transport });
const site = { baseUrl: 'http://ipcoop.test', domain: 'ipcoop.test' };

// The demo's past seminar (item 3, HKIPD and GDAMR(GDIPA)): its survey is answered by 40 of the 52 checked in.
const past = await db.selectFrom('events as e').innerJoin('items as i', 'i.id', 'e.item_id').innerJoin('periods as p', 'p.id', 'i.period_id')
  .where('e.slug', 'like', 'sme-seminar-guangzhou-%').select(['e.id', 'e.slug', 'e.ends_at', 'e.item_id', 'i.number', 'p.slug as period'])
  .executeTakeFirstOrThrow();
const upcoming = await db.selectFrom('events').select(['id', 'slug', 'ends_at']).where('item_id', '=', past.item_id)
  .where('starts_at', '>', new Date()).where('status', '=', 'published').executeTakeFirstOrThrow();
const base = `/manage/events/${past.slug}/survey`;
const organiser = await signedIn(app, 'organiser@hkipd.test');

const itemPage = `/periods/${past.period}/items/${past.number}`;

/** The builder's form: settings and numbered question rows. */
const surveyForm = (extra: Record<string, string> = {}) => ({
  status: 'open', closes_at: '2099-01-01T12:00', intro: 'Tell us', intro_zh_hant: '請告訴我們',
  question_prompt_0: 'How useful was it?', question_prompt_zh_hant_0: '有多大用處？', question_kind_0: 'rating', question_required_0: 'on',
  question_position_0: '1',
  question_prompt_1: 'Best session', question_kind_1: 'single', question_options_1: 'Morning\nAfternoon',
  question_options_zh_hant_1: '上午\n下午', question_required_1: 'on', question_position_1: '2',
  question_prompt_2: 'Topics', question_kind_2: 'multiple', question_options_2: 'Trademarks\nPatents\nCopyright', question_position_2: '3',
  question_prompt_3: 'Comments', question_kind_3: 'text', question_position_3: '4',
  ...extra,
});

t.test('the demo narrative quotes the live survey figures, and the 2018-19 summary is untouched', async (t) => {
  const summary = await buildSummary(db, past.period);
  const item = summary?.items.find((i) => i.number === past.number);
  const text = item?.narrative.paragraphs.map(paragraphText).join('\n') ?? '';
  t.match(text, /95% of participants found the seminar useful, according to the 40 who answered the survey/);
  t.match(text, /was attended by 52 participants/);
  t.same(item?.narrative.errors, []);
  const res = await app.inject({ url: itemPage });
  t.equal(res.statusCode, 200);
  t.match(res.body, /95%/);
  const zh = await buildSummary(db, past.period, 'zh-Hant');
  t.ok(zh, 'renders in Chinese too');
});

t.test('the editor lists the survey placeholders with their descriptions, in each language', async (t) => {
  const res = await organiser.get(`/manage/items/${past.item_id}`);
  t.equal(res.statusCode, 200);
  t.match(res.body, `{{survey-satisfied ${past.slug}}}`);
  t.match(res.body, `{{survey-responses ${past.slug}}}`);
  t.match(res.body, /who rated it 4 or 5/);
  const zh = await organiser.get(`/manage/items/${past.item_id}?lang=zh-Hant`);
  t.match(zh.body, /評4或5分的比例/);
  const hans = await organiser.get(`/manage/items/${past.item_id}?lang=zh-Hans`);
  t.match(hans.body, /评4或5分的比例/);
  await organiser.get('/manage?lang=en');
});

t.test('placeholders resolve only for the item\'s own public events with a survey', async (t) => {
  const cases: [string, RegExp][] = [
    [`{{survey-satisfied ${upcoming.slug}}}`, /has no survey/],
    ['{{survey-responses no-such-event}}', /no event &quot;no-such-event&quot;/],
    [`{{survey-satisfied ${past.slug} question=2}}`, /no rating question 2/],
  ];
  for (const [narrative, error] of cases) {
    const res = await organiser.post(`/manage/items/${past.item_id}`, { narrative, action: 'preview' });
    t.match(res.body, error, narrative);
  }
  const other = await db.selectFrom('events').select('slug').where('item_id', '<>', past.item_id).where('status', '<>', 'draft')
    .executeTakeFirstOrThrow();
  const res = await organiser.post(`/manage/items/${past.item_id}`, { narrative: `{{survey-responses ${other.slug}}}`, action: 'preview' });
  t.match(res.body, /another item/);
  const ok = await organiser.post(`/manage/items/${past.item_id}`, {
    narrative: `{{survey-average ${past.slug}}} out of five; {{survey-responses ${past.slug}}}.`, action: 'preview',
  });
  const ratings = await db.selectFrom('survey_answers').select('rating').where('event_id', '=', past.id).where('rating', 'is not', null).execute();
  const average = Math.round((ratings.reduce((s, r) => s + (r.rating ?? 0), 0) / ratings.length) * 10) / 10;
  t.match(ok.body, new RegExp(`>${average}</span> out of five; <span[^>]*>40</span>\\.`));
});

t.test('another organisation\'s organiser finds no survey pages, and changes nothing', async (t) => {
  const intruder = await signedIn(app, 'organiser@customs.test');
  for (const url of [base, `${base}/results`, `${base}/results.csv`, `${base}/results.xlsx`]) {
    t.equal((await intruder.get(url)).statusCode, 404, url);
  }
  const before = await db.selectFrom('surveys').selectAll().where('event_id', '=', past.id).executeTakeFirstOrThrow();
  t.equal((await intruder.post(base, surveyForm())).statusCode, 404);
  t.equal((await intruder.post(`${base}/send`)).statusCode, 404);
  t.same(await db.selectFrom('surveys').selectAll().where('event_id', '=', past.id).executeTakeFirstOrThrow(), before);
  t.equal((await new Agent(app).get(base)).statusCode, 303, 'anonymous visitors are sent to sign in');
});

t.test('an event without a survey has empty results, and an offer to build one', async (t) => {
  const res = await organiser.get(`/manage/events/${upcoming.slug}/survey/results`);
  t.equal(res.statusCode, 200);
  t.match(res.body, /This event has no survey yet/);
  const csv = await organiser.get(`/manage/events/${upcoming.slug}/survey/results.csv`);
  t.equal(csv.body.replace(/^\uFEFF/, ''), 'Response,Submitted (HK time),Language\r\n');
  const builder = await organiser.get(`/manage/events/${upcoming.slug}/survey`);
  t.equal(builder.statusCode, 200);
  t.match(builder.body, /name="question_prompt_1"/, 'two empty rows to start with');
  t.notMatch(builder.body, /name="question_prompt_2"/);
});

t.test('results and exports show the figures the database holds', async (t) => {
  const res = await organiser.get(`${base}/results`);
  t.equal(res.statusCode, 200);
  t.match(res.body, /<svg[^>]*role="img"/);
  const answered = await db.selectFrom('survey_responses').where('event_id', '=', past.id).where('submitted_at', 'is not', null)
    .select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const invited = await db.selectFrom('survey_responses').where('event_id', '=', past.id)
    .select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  t.match(res.body, `<strong data-figure="answered">${Number(answered.n)}</strong>`);
  t.match(res.body, `<strong data-figure="invited">${Number(invited.n)}</strong>`);
  const fives = await db.selectFrom('survey_answers').where('event_id', '=', past.id).where('rating', '=', 5)
    .select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const share = Math.round((Number(fives.n) / Number(answered.n)) * 1000) / 10;
  t.match(res.body, `<tr><td>5</td><td class="num">${Number(fives.n)}</td><td class="num">${share}%</td></tr>`);
  t.match(res.body, /95% rated 4 or 5/);
  const zh = await organiser.get(`${base}/results?lang=zh-Hant`);
  t.match(zh.body, /問卷結果/);
  t.match(zh.body, /您認為研討會有多大用處？/, 'questions in the reader\'s language');
  t.match(zh.body, /知識產權估值與銀行貸款/);
  await organiser.get(`${base}/results?lang=en`);

  const csv = await organiser.get(`${base}/results.csv`);
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /text\/csv/);
  const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
  t.equal(lines.length, Number(answered.n) + 1, 'one line per submitted response');
  t.match(lines[0], /^Response,Submitted \(HK time\),Language,1\. How useful did you find the seminar\?/);
  const csvFives = lines.slice(1).filter((l) => l.split(',')[3] === '5').length;
  t.equal(csvFives, Number(fives.n));

  const xlsx = await organiser.get(`${base}/results.xlsx`);
  t.equal(xlsx.statusCode, 200);
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
  const sheet = book.getWorksheet('Survey');
  t.equal(sheet?.rowCount, Number(answered.n) + 1);
  const ratings = [];
  for (let r = 2; r <= (sheet?.rowCount ?? 0); r++) ratings.push(sheet?.getRow(r).getCell(4).value);
  t.equal(ratings.filter((v) => v === 5).length, Number(fives.n));
});

t.test('building a survey: bad input is refused beside its field, with nothing written', async (t) => {
  await db.deleteFrom('surveys').where('event_id', '=', past.id).execute();
  const page = await organiser.get(base);
  t.equal(page.statusCode, 200);
  const bad = await organiser.post(base, surveyForm({
    closes_at: '2000-01-01T09:00', question_prompt_0: '', question_options_1: 'Only one', question_kind_3: 'essay',
    question_options_zh_hant_2: '商標',
  }));
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /id="f-closes_at-error">The survey must close after the event ends/);
  t.match(bad.body, /id="f-question_prompt_0-error">Write the question in English/);
  t.match(bad.body, /id="f-question_options_1-error">Give at least two choices/);
  t.match(bad.body, /id="f-question_kind_3-error">Choose the kind of answer/);
  t.match(bad.body, /id="f-question_options_zh_hant_2-error">Give the 3 choices/);
  t.match(bad.body, /value="Only one|>Only one</, 'what was typed is shown again');
  t.notOk(await db.selectFrom('surveys').select('event_id').where('event_id', '=', past.id).executeTakeFirst());

  const empty = await organiser.post(base, { status: 'open', closes_at: '2099-01-01T12:00' });
  t.equal(empty.statusCode, 400);
  t.match(empty.body, /Add at least one question before opening the survey/);
  t.notOk(await db.selectFrom('surveys').select('event_id').where('event_id', '=', past.id).executeTakeFirst());

  // Order comes from the numbers, not the rows.
  const good = await organiser.post(base, surveyForm({ question_position_3: '2', question_position_1: '3' }));
  t.equal(good.statusCode, 303);
  const questions = await db.selectFrom('survey_questions').selectAll().where('event_id', '=', past.id).orderBy('position').execute();
  t.same(questions.map((q) => q.prompt), ['How useful was it?', 'Comments', 'Best session', 'Topics']);
  t.same(questions[2]?.translations, { 'zh-Hant': { options: '上午\n下午' } }, 'an empty Chinese text is not stored');
  t.same(questions[0]?.translations, { 'zh-Hant': { prompt: '有多大用處？' } });
  const audit = await db.selectFrom('audit_log').select(['action', 'entity']).where('entity', 'like', 'survey%')
    .where('entity_id', '=', String(past.id)).orderBy('id').execute();
  t.same(audit.map((a) => `${a.action} ${a.entity}`), ['create survey', 'update survey_questions']);
  const shown = await organiser.get(base);
  t.match(shown.body, /Survey saved\./);
  t.match(shown.body, /How useful was it\?/);
});

let tokens: { email: string; token: string; language: string }[] = [];

t.test('sent after the event, once per person even from two instances, in their language', async (t) => {
  // Not before an event has ended.
  await db.insertInto('surveys').values({ event_id: upcoming.id, status: 'open', closes_at: new Date(upcoming.ends_at.getTime() + 86_400_000) })
    .execute();
  await db.insertInto('survey_questions').values({ event_id: upcoming.id, position: 1, kind: 'rating', prompt: 'Useful?' }).execute();
  await db.updateTable('registrations').set({ checked_in_at: new Date() }).where('event_id', '=', upcoming.id)
    .where('status', '=', 'confirmed').execute();
  t.equal(await sendDueInvitations(db, site, new Date(), upcoming.id), 0);

  const people = await db.selectFrom('registrations').select(['id', 'email']).where('event_id', '=', past.id)
    .where('checked_in_at', 'is not', null).orderBy('id').execute();
  await db.updateTable('registrations').set({ language: 'zh-Hant' }).where('id', '=', people[0]!.id).execute();
  await db.updateTable('registrations').set({ language: 'zh-Hans' }).where('id', '=', people[1]!.id).execute();
  // A draft is not sent.
  await db.updateTable('surveys').set({ status: 'draft' }).where('event_id', '=', past.id).execute();
  t.equal(await sendDueInvitations(db, site, new Date(), past.id), 0);
  await db.updateTable('surveys').set({ status: 'open' }).where('event_id', '=', past.id).execute();

  const outboxBefore = await db.selectFrom('mail_outbox').select((eb) => eb.fn.coalesce(eb.fn.max('id'), eb.lit(0)).as('id'))
    .executeTakeFirstOrThrow();
  // Two instances' periodic workers at once.
  const workers = [startSurveyInvitations(db, site, app.log, 10), startSurveyInvitations(db, site, app.log, 10)];
  const invited = () => db.selectFrom('survey_responses').where('event_id', '=', past.id)
    .select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow().then((r) => Number(r.n));
  for (let tries = 0; tries < 500 && (await invited()) < people.length; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
  await Promise.all(workers.map((w) => w.stop()));
  t.equal(await invited(), people.length, 'everyone checked in is invited');
  t.equal(await sendDueInvitations(db, site, new Date()), 0, 'and nobody twice');
  const send = await organiser.post(`${base}/send`);
  t.equal(send.statusCode, 303);
  const responses = await db.selectFrom('survey_responses').select(['registration_id']).where('event_id', '=', past.id).execute();
  t.equal(responses.length, people.length);
  t.equal(new Set(responses.map((r) => r.registration_id)).size, people.length);
  const queued = await db.selectFrom('mail_outbox').select(['id', 'to_address']).where('id', '>', outboxBefore.id)
    .execute();
  t.equal(queued.length, people.length, 'one mail each');

  inbox.messages.length = 0;
  const report = await deliverDueMail(db, inbox.transport);
  t.equal(report.failed, 0);
  const mailsTo = (email: string) => inbox.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.text.includes(email));
  t.ok(people.every((p) => mailsTo(p.email).length === 1), 'each person receives one invitation');
  const mailTo = (email: string) => mailsTo(email)[0];
  t.match(mailTo(people[0]!.email)?.subject, /^請就.+提供意見$/);
  t.match(mailTo(people[1]!.email)?.subject, /^请就.+提供意见$/);
  t.match(mailTo(people[2]!.email)?.subject, /^Your feedback on Guangdong\/Hong Kong Seminar/);
  const stored = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', people[2]!.email)
    .orderBy('id', 'desc').executeTakeFirstOrThrow();
  t.notMatch(stored.text_body, /\/surveys\/[A-Za-z0-9_-]{43}/, 'the outbox keeps no link');
  tokens = people.map((p, i) => ({
    email: p.email, language: i === 0 ? 'zh-Hant' : i === 1 ? 'zh-Hans' : 'en',
    token: /\/surveys\/([A-Za-z0-9_-]{43})\?lang=/.exec(mailTo(p.email)?.text ?? '')?.[1] ?? '',
  }));
  t.ok(tokens.every((x) => x.token), 'every mail carries its link');
  t.match(mailTo(people[0]!.email)?.text, `?lang=zh-Hant`);
});

t.test('answering through the private link', async (t) => {
  const [first, second] = tokens;
  const questions = await db.selectFrom('survey_questions').select(['id', 'kind', 'position']).where('event_id', '=', past.id)
    .orderBy('position').execute();
  const id = (kind: string) => questions.find((q) => q.kind === kind)!.id;
  const person = new Agent(app);
  const page = await person.get(`/surveys/${first!.token}?lang=zh-Hant`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /有多大用處？/);
  t.match(page.body, />上午</);
  t.equal(page.headers['cache-control'], 'no-store');

  const missing = await person.post(`/surveys/${first!.token}`, { [`answer_${id('multiple')}`]: ['0', '2'] });
  t.equal(missing.statusCode, 400);
  t.match(missing.body, new RegExp(`id="f-answer_${id('rating')}-error">請選擇答案`));
  t.match(missing.body, new RegExp(`id="f-answer_${id('single')}-error">`));
  const response = await db.selectFrom('survey_responses').select(['id', 'submitted_at']).where('token_hash', '=', hashToken(first!.token))
    .executeTakeFirstOrThrow();
  t.equal(response.submitted_at, null);
  t.same(await db.selectFrom('survey_answers').select('question_id').where('response_id', '=', response.id).execute(), []);

  const outOfRange = await person.post(`/surveys/${first!.token}`, { [`answer_${id('rating')}`]: '6', [`answer_${id('single')}`]: '9' });
  t.equal(outOfRange.statusCode, 400);

  // Another event's question named in the form is no answer to this survey.
  const foreign = await db.selectFrom('survey_questions').select('id').where('event_id', '=', upcoming.id).executeTakeFirstOrThrow();
  const sent = await person.post(`/surveys/${first!.token}`, {
    [`answer_${id('rating')}`]: '5', [`answer_${id('single')}`]: '1', [`answer_${id('multiple')}`]: ['0', '2'],
    [`answer_${id('text')}`]: 'Very good', [`answer_${foreign.id}`]: '1',
  });
  t.equal(sent.statusCode, 303);
  const thanks = await person.get(sent.headers.location as string);
  t.match(thanks.body, /多謝您的回覆/);
  const answers = await db.selectFrom('survey_answers').selectAll().where('response_id', '=', response.id).orderBy('question_id').execute();
  t.same(answers.map((a) => [a.question_id, a.rating, a.choices, a.text]), [
    [id('rating'), 5, null, null], [id('text'), null, null, 'Very good'], [id('single'), null, [1], null], [id('multiple'), null, [0, 2], null],
  ].sort((x, y) => Number(x[0]) - Number(y[0])));

  // A second submission changes the one response (until the survey closes).
  const again = await person.post(`/surveys/${first!.token}`, { [`answer_${id('rating')}`]: '3', [`answer_${id('single')}`]: '0' });
  t.equal(again.statusCode, 303);
  t.match((await person.get(again.headers.location as string)).body, /您的答案已修改/);
  const rows = await db.selectFrom('survey_responses').select(['submitted_at', 'updated_at']).where('id', '=', response.id).execute();
  t.equal(rows.length, 1);
  t.ok(rows[0]?.updated_at);
  t.same((await db.selectFrom('survey_answers').select(['question_id', 'rating']).where('response_id', '=', response.id)
    .orderBy('question_id').execute()).map((a) => a.rating), [3, null]);

  // The public figure follows at once: the cached item page is not served stale.
  const itemPage1 = await app.inject({ url: itemPage });
  t.match(itemPage1.body, />0%<\/span> of participants found the seminar useful, according to the <span[^>]*>1<\/span> who answered/);

  // A registration's own link is not a survey link.
  const registrationToken = 'A'.repeat(43);
  t.equal((await person.get(`/surveys/${registrationToken}`)).statusCode, 404);
  t.equal((await person.post(`/surveys/${registrationToken}`, { [`answer_${id('rating')}`]: '5' })).statusCode, 404);
  t.equal((await person.get('/surveys/not-a-token')).statusCode, 404);

  // Closed: shown as closed, and answers are no longer taken.
  await db.updateTable('surveys').set({ closes_at: new Date(Date.now() - 1000) }).where('event_id', '=', past.id).execute();
  const closed = await new Agent(app).get(`/surveys/${second!.token}?lang=en`);
  t.equal(closed.statusCode, 200);
  t.match(closed.body, /This survey is closed/);
  const late = await new Agent(app).post(`/surveys/${second!.token}`, { [`answer_${id('rating')}`]: '5', [`answer_${id('single')}`]: '0' });
  t.equal(late.statusCode, 409);
  const secondRow = await db.selectFrom('survey_responses').select(['id', 'submitted_at']).where('token_hash', '=', hashToken(second!.token))
    .executeTakeFirstOrThrow();
  t.equal(secondRow.submitted_at, null);
  t.same(await db.selectFrom('survey_answers').select('question_id').where('response_id', '=', secondRow.id).execute(), []);
  t.equal(await sendDueInvitations(db, site, new Date(), past.id), 0, 'a closed survey is sent to nobody');
});

t.test('a question with answers keeps its kind and cannot be removed', async (t) => {
  await db.updateTable('surveys').set({ closes_at: new Date('2099-01-01T04:00:00Z') }).where('event_id', '=', past.id).execute();
  const questions = await db.selectFrom('survey_questions').selectAll().where('event_id', '=', past.id).orderBy('position').execute();
  const form: Record<string, string> = { status: 'open', closes_at: '2099-01-01T12:00' };
  questions.forEach((q, n) => Object.assign(form, {
    [`question_id_${n}`]: String(q.id), [`question_prompt_${n}`]: q.prompt, [`question_kind_${n}`]: q.kind,
    [`question_options_${n}`]: q.options.join('\n'), [`question_position_${n}`]: String(q.position),
  }));
  const changed = await organiser.post(base, { ...form, question_kind_0: 'text' });
  t.equal(changed.statusCode, 400);
  t.match(changed.body, /id="f-question_kind_0-error">This question has answers/);
  const removed = await organiser.post(base, { ...form, question_prompt_0: '', question_kind_0: '' });
  t.equal(removed.statusCode, 400);
  t.match(removed.body, /has answers and cannot be removed/);
  t.same(await db.selectFrom('survey_questions').selectAll().where('event_id', '=', past.id).orderBy('position').execute(), questions);
  const renamed = await organiser.post(base, { ...form, question_prompt_0: 'How useful was the seminar?' });
  t.equal(renamed.statusCode, 303, 'a question\'s words may still be corrected');
});
