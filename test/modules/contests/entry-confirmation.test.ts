import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { sql } from 'kysely';
import { contestsOfItem } from '../../../src/modules/contests/queries.ts';
import { entryConfirmDeadline, releaseUnconfirmedEntries, sweepUnconfirmedEntries } from '../../../src/modules/entries/service.ts';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { contestTotals } from '../../../src/modules/reports/queries.ts';
import { roundEntries } from '../../../src/modules/scoring/queries.ts';
import { parseNarrative } from '../../../src/modules/summary/placeholders.ts';
import { loadFigureData, paragraphText, renderNarrative } from '../../../src/modules/summary/service.ts';
import { Agent, multipart, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { startSmtp } from '../../helpers/mail.ts';

/*
 * Email confirmation (double opt-in) per contest (issue 16, item 7, for contest entries). With
 * contests.confirm_email on, an entry sent through the public form is pending until its sender
 * confirms from the mailed link: it holds its reference and files, appears in no public figure,
 * never reaches the judges, and is withdrawn if not confirmed in time.
 */

const HOUR = 3_600_000;

const dataDir = await mkdtemp(join(tmpdir(), 'ipcoop-entry-confirmation-'));
t.teardown(() => rm(dataDir, { recursive: true, force: true }));
const inbox = await startSmtp(t);
// Many entries from one address: past the public forms' rate limits (tested elsewhere).
const { app, db } = await build(t, { mailTransport: inbox.transport, env: { DATA_DIR: dataDir, RATE_LIMITS: 'off' } });

const contest = await db.selectFrom('contests').selectAll().where('slug', 'like', 'hvpp-contest-20__-__').where('status', '=', 'open')
  .executeTakeFirstOrThrow();
await db.updateTable('contests').set({ confirm_email: true }).where('id', '=', contest.id).execute();


const pdf = (text: string) => Buffer.from(`%PDF-1.4\n% ${text}\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n`
  + '2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 300 300]>> endobj\n'
  + 'trailer <</Root 1 0 R>>\n%%EOF\n');

const portfolio = (title: string, email: string) => ({
  applicant_name: 'Lion Rock Robotics Limited', applicant_type: 'enterprise', side: 'HK', title,
  patent_numbers: 'HK1234567', contact_person: 'Ms. Wong Mei-ling', category: 'manufacturing', summary: 'Autonomous shuttles.', email,
});

/** Sends an entry through the public form; with a PDF only where `withFile` (cleaning one takes a worker's time). */
async function submit(title: string, email: string, agent = new Agent(app), withFile = false) {
  await agent.get(`/contests/${contest.slug}`);
  const files = withFile ? [{ name: 'attachments', filename: 'claims.pdf', content: pdf(title) }] : [];
  const body = multipart({ _csrf: agent.csrf, ...portfolio(title, email) }, files);
  const res = await app.inject({
    method: 'POST', url: `/contests/${contest.slug}/entries`, payload: body.payload,
    headers: { 'content-type': body.contentType, cookie: agent.cookieHeader },
  });
  return { agent, res };
}

const rowOf = (title: string) => db.selectFrom('entries').selectAll().where('title', '=', title).executeTakeFirstOrThrow();
const auditOf = async (id: number) => (await db.selectFrom('audit_log').select(['action', 'actor_user_id', 'changes'])
  .where('entity', '=', 'entry').where('entity_id', '=', String(id)).orderBy('id').execute());

async function mailsTo(to: string) {
  await deliverDueMail(db, inbox.transport);
  return inbox.messages.filter((m) => [m.to ?? []].flat().some((a) => a.value.some((v) => v.address === to)));
}
const linkIn = (text: string | undefined) => /http:\/\/ipcoop\.test\/entries\/([A-Za-z0-9_-]{43})/.exec(text ?? '')?.[1] ?? '';

async function placeholder(code: string) {
  const parts = parseNarrative(code);
  return paragraphText(renderNarrative(parts, await loadFigureData(db, 0, [], [parts]), null).paragraphs[0] ?? []);
}

/** The figure the public contest page shows beside "Entries". */
async function publicCount() {
  const page = await new Agent(app).get(`/contests/${contest.slug}`);
  return Number(/<dt>Entries<\/dt><dd>(\d+)/.exec(page.body)?.[1]);
}

const figures = async () => ({
  page: await publicCount(),
  placeholder: await placeholder(`{{entries ${contest.slug}}}`),
  hk: await placeholder(`{{entries ${contest.slug} side=HK}}`),
  list: (await contestsOfItem(db, contest.item_id)).find((c) => c.slug === contest.slug)?.entries,
  report: (await contestTotals(db, (await db.selectFrom('items').select('period_id').where('id', '=', contest.item_id)
    .executeTakeFirstOrThrow()).period_id)).find((c) => c.title === contest.title)?.entries,
});

t.test('with confirmation on, a public entry is pending: it keeps its reference and files and counts nowhere until confirmed', async (t) => {
  const before = await figures();
  t.ok(before.page > 0, 'the page shows a count');
  const email = 'pending@lionrock.example';
  const { agent, res } = await submit('Pending portfolio', email, new Agent(app), true);
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, `/contests/${contest.slug}/check-your-inbox`, 'no private page: the address is not confirmed yet');
  const inboxPage = await agent.get(String(res.headers.location));
  t.equal(inboxPage.statusCode, 200);
  t.match(inboxPage.body, 'Check your inbox');
  t.match(inboxPage.body, 'is not passed to the judges');
  t.notMatch(inboxPage.body, '/entries/', 'the page carries no private link');

  const row = await rowOf('Pending portfolio');
  t.equal(row.status, 'submitted');
  t.match(row.reference, /^HVPP\d{4}-\d{3}$/, 'its reference is taken');
  const heldFor = (row.confirm_by?.getTime() ?? 0) - row.created_at.getTime();
  t.ok(heldFor > 23.9 * HOUR && heldFor <= 24 * HOUR + 60_000, 'held for 24 hours');
  t.equal((await db.selectFrom('entry_attachments').select('id').where('entry_id', '=', row.id).execute()).length, 1, 'its file is kept');
  t.same(await figures(), before, 'no public figure changes: page, placeholders, contest lists, the year\'s report');

  const organiser = await signedIn(app, 'admin@ipcoop.test');
  const list = await organiser.get(`/manage/contests/${contest.slug}`);
  t.match(list.body, new RegExp(`${row.reference}</td><td>Pending portfolio[\\s\\S]*?awaiting email confirmation`), 'organisers see it, marked');

  const mails = await mailsTo(email);
  t.equal(mails.length, 1);
  t.equal(mails[0]?.subject, `Confirm your email address: entry ${row.reference} to ${contest.title}`);
  const token = linkIn(mails[0]?.text);
  t.ok(token, 'the private link is in the mail');
  const entrant = new Agent(app);
  const page = await entrant.get(`/entries/${token}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, 'Confirm your email address to keep this entry');
  t.match(page.body, `action="/entries/${token}/confirm"`);
  t.not((await rowOf('Pending portfolio')).confirm_by, null, 'a GET confirms nothing');
  t.equal((await entrant.post(`/entries/${token}/confirm`, { _csrf: 'forged' })).statusCode, 403);

  const confirmed = await entrant.post(`/entries/${token}/confirm`);
  t.equal(confirmed.statusCode, 303);
  t.equal(confirmed.headers.location, `/entries/${token}?confirmed=1`);
  t.match((await entrant.get(String(confirmed.headers.location))).body, 'your email address is confirmed');
  t.match(await rowOf('Pending portfolio'), { status: 'submitted', confirm_by: null, reference: row.reference });
  t.same((await auditOf(row.id)).map((a) => a.action), ['confirm_email']);
  const received = (await mailsTo(email))[1];
  t.equal(received?.subject, `Entry ${row.reference} received: ${contest.title}`, 'the usual mail follows');
  t.equal(linkIn(received?.text), token);

  const after = await figures();
  t.equal(after.page, before.page + 1, 'now counted on the public page');
  t.equal(after.placeholder, String(Number(before.placeholder) + 1));
  t.equal(after.hk, String(Number(before.hk) + 1));
  t.equal(after.list, (before.list ?? 0) + 1);
  t.equal(after.report, (before.report ?? 0) + 1);

  t.equal((await entrant.post(`/entries/${token}/confirm`)).statusCode, 303, 'confirming again is harmless');
  t.equal((await mailsTo(email)).length, 2);
});

t.test('bad input is refused beside its field; nothing is stored or mailed', async (t) => {
  const count = async () => (await db.selectFrom('entries').select('id').where('contest_id', '=', contest.id).execute()).length;
  const entries = await count();
  const outbox = await db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const agent = new Agent(app);
  await agent.get(`/contests/${contest.slug}`);
  const body = multipart({ _csrf: agent.csrf, ...portfolio('', 'not-an-address') });
  const res = await app.inject({
    method: 'POST', url: `/contests/${contest.slug}/entries`, payload: body.payload,
    headers: { 'content-type': body.contentType, cookie: agent.cookieHeader },
  });
  t.equal(res.statusCode, 400);
  t.match(res.body, 'id="f-title-error"');
  t.equal(await count(), entries);
  t.same(await db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(), outbox);
});

t.test('a pending entry never reaches the judges: not in the round, not in their lists, not in the ranking', async (t) => {
  const { res } = await submit('Unconfirmed portfolio', 'unconfirmed@lionrock.example');
  t.equal(res.statusCode, 303);
  const pending = await rowOf('Unconfirmed portfolio');
  const judge = await db.selectFrom('users').select('id').where('email', '=', 'judge1@ipcoop.test').executeTakeFirstOrThrow();
  await db.insertInto('contest_judges').values({ contest_id: contest.id, user_id: judge.id }).onConflict((oc) => oc.doNothing()).execute();

  const organiser = await signedIn(app, 'admin@ipcoop.test');
  t.equal((await organiser.post(`/manage/contests/${contest.slug}/rounds/1/open`)).statusCode, 303);
  const round = await db.selectFrom('contest_rounds').select('id').where('contest_id', '=', contest.id).where('position', '=', 1)
    .executeTakeFirstOrThrow();
  const inRound = await db.selectFrom('round_entries').select('entry_id').where('round_id', '=', round.id).execute();
  t.ok(inRound.length > 0, 'the confirmed entries are in the round');
  t.notOk(inRound.some((r) => r.entry_id === pending.id), 'the pending one is not');
  t.equal((await organiser.post(`/manage/contests/${contest.slug}/rounds/1/auto-assign`, { per_entry: '1' })).statusCode, 303);
  const assign = await organiser.post(`/manage/contests/${contest.slug}/rounds/1/assign`, { entry_id: String(pending.id), judge_id: String(judge.id) });
  t.equal(assign.statusCode, 400, 'nor can it be assigned by hand');

  const judgeAgent = await signedIn(app, 'judge1@ipcoop.test');
  const mine = await judgeAgent.get('/judging');
  t.equal(mine.statusCode, 200);
  t.match(mine.body, contest.title);
  t.notMatch(mine.body, pending.reference);

  // Even an assignment made behind the application's back shows the judge nothing of it.
  await db.insertInto('round_entries').values({ round_id: round.id, entry_id: pending.id }).execute();
  const stray = await db.insertInto('assignments').values({ round_id: round.id, entry_id: pending.id, judge_id: judge.id })
    .returning('id').executeTakeFirstOrThrow();
  t.notMatch((await judgeAgent.get('/judging')).body, pending.reference);
  t.equal((await judgeAgent.get(`/judging/assignments/${stray.id}`)).statusCode, 404);
  t.notOk((await roundEntries(db, round.id)).some((e) => e.id === pending.id), 'the ranking leaves it out');
  t.notMatch((await organiser.get(`/manage/contests/${contest.slug}/rounds/1/ranking`)).body, pending.reference);
  await db.deleteFrom('assignments').where('id', '=', stray.id).execute();
  await db.deleteFrom('round_entries').where('round_id', '=', round.id).where('entry_id', '=', pending.id).execute();
  // Opening the round moved the contest on to judging: it takes entries again for the tests below.
  await db.updateTable('contests').set({ status: 'open' }).where('id', '=', contest.id).execute();
});

t.test('past its time a pending entry is withdrawn, audited; confirming then is refused with a clear message', async (t) => {
  const email = 'late@lionrock.example';
  await submit('Late portfolio', email);
  const row = await rowOf('Late portfolio');
  t.equal(await sweepUnconfirmedEntries(db, new Date(Date.now() + HOUR)), 0, 'not yet due: left alone');
  const due = new Date((row.confirm_by?.getTime() ?? 0) + 1000);
  t.ok(await sweepUnconfirmedEntries(db, due) >= 1);
  const released = await rowOf('Late portfolio');
  t.equal(released.status, 'withdrawn');
  t.same(released.confirm_by, row.confirm_by, 'it keeps its confirm_by: it never counted');
  t.equal(released.reference, row.reference, 'and its reference, never given out again');
  const audit = await auditOf(row.id);
  t.same(audit.map((a) => a.action), ['release_unconfirmed']);
  t.match(audit[0], { actor_user_id: null, changes: { status: { from: 'submitted', to: 'withdrawn' } } });
  t.equal(await sweepUnconfirmedEntries(db, due), 0, 'sweeping again does nothing');

  const token = linkIn((await mailsTo(email))[0]?.text);
  const late = new Agent(app);
  const page = await late.get(`/entries/${token}`);
  t.match(page.body, 'This entry was not confirmed in time, so it has been withdrawn.');
  t.notMatch(page.body, `action="/entries/${token}/confirm"`);
  const refused = await late.post(`/entries/${token}/confirm`);
  t.equal(refused.statusCode, 409);
  t.match(refused.body, 'This entry was not confirmed in time, so it has been withdrawn. You can send it again while entries are open.');
  t.equal((await rowOf('Late portfolio')).status, 'withdrawn');
});

t.test('an expired entry is released when the next one is sent; past its time, one not yet swept cannot be confirmed', async (t) => {
  await submit('Slow portfolio', 'slow@lionrock.example');
  await db.updateTable('entries').set({ confirm_by: sql<Date>`now() - interval '1 minute'` }).where('title', '=', 'Slow portfolio').execute();
  const token = linkIn((await mailsTo('slow@lionrock.example'))[0]?.text);
  const agent = new Agent(app);
  await agent.get(`/entries/${token}`);
  t.equal((await agent.post(`/entries/${token}/confirm`)).statusCode, 409, 'past its time: too late, though not yet swept');
  t.equal((await rowOf('Slow portfolio')).status, 'submitted');

  await submit('Quick portfolio', 'quick@lionrock.example');
  t.equal((await rowOf('Slow portfolio')).status, 'withdrawn', 'released before the next entry was taken');
  t.equal(await db.transaction().execute((trx) => releaseUnconfirmedEntries(trx, new Date(), contest.id)), 0);
});

t.test('the hold never passes the contest\'s closing', async (t) => {
  const now = new Date('2031-03-01T00:00:00Z');
  t.same(entryConfirmDeadline({ entry_closes_at: null }, now), new Date('2031-03-02T00:00:00Z'), '24 hours');
  t.same(entryConfirmDeadline({ entry_closes_at: new Date('2031-03-01T05:00:00Z') }, now), new Date('2031-03-01T05:00:00Z'),
    'the contest closes first');
  const closes = new Date(Date.now() + 2 * HOUR);
  await db.updateTable('contests').set({ entry_closes_at: closes }).where('id', '=', contest.id).execute();
  t.teardown(() => db.updateTable('contests').set({ entry_closes_at: contest.entry_closes_at }).where('id', '=', contest.id).execute());
  await submit('Deadline portfolio', 'deadline@lionrock.example');
  t.same((await rowOf('Deadline portfolio')).confirm_by, closes, 'stored: the closing time, not 24 hours');
});

t.test('an entry sent by someone signed in needs no confirmation; the organiser switches it in the contest settings', async (t) => {
  const organiser = await signedIn(app, 'admin@ipcoop.test');
  const staff = await submit('Staff-entered portfolio', 'staff@lionrock.example', organiser);
  t.match(String(staff.res.headers.location), /^\/entries\/[A-Za-z0-9_-]{43}$/);
  t.equal((await rowOf('Staff-entered portfolio')).confirm_by, null);

  const overview = await organiser.get(`/manage/contests/${contest.slug}`);
  t.match(overview.body, 'Ask entrants to confirm their email address');
  t.match(overview.body, /name="confirm_email" value="on" checked/);
  const settings = (confirm: boolean) => ({
    status: 'open', entry_opens_at: '', entry_closes_at: '', ...(contest.blind ? { blind: 'on' } : {}), ...(confirm ? { confirm_email: 'on' } : {}),
  });
  t.equal((await organiser.post(`/manage/contests/${contest.slug}/settings`, settings(false))).statusCode, 303);
  t.equal((await db.selectFrom('contests').select('confirm_email').where('id', '=', contest.id).executeTakeFirstOrThrow()).confirm_email, false);
  t.match((await organiser.get(`/manage/contests/${contest.slug}`)).body, /name="confirm_email" value="on" aria-describedby/);
  const plain = await submit('Plain portfolio', 'plain@lionrock.example');
  t.match(String(plain.res.headers.location), /^\/entries\/[A-Za-z0-9_-]{43}$/, 'off: straight to its page');
  t.equal((await rowOf('Plain portfolio')).confirm_by, null);

  t.equal((await organiser.post(`/manage/contests/${contest.slug}/settings`, settings(true))).statusCode, 303);
  const pending = await submit('Careful portfolio', 'careful@lionrock.example');
  t.equal(pending.res.headers.location, `/contests/${contest.slug}/check-your-inbox`);
});
