import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { ParsedMail } from 'mailparser';
import t from 'tap';
import { hashToken, newToken } from '../../../src/lib/tokens.ts';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { audienceOf, EVENT_AUDIENCES } from '../../../src/modules/mailings/queries.ts';
import { multipart, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { startSmtp } from '../../helpers/mail.ts';
import { ownedObjects } from '../../helpers/owned-objects.ts';

/*
 * Organisers' mail to a programme's delegations and a contest's entrants or judges: who each
 * audience and filter reaches, in which language, the progress, the List-Unsubscribe headers,
 * the unsubscribe link (its page and RFC 8058's one-click POST) and the next mailing skipping
 * the address; another organisation's programme or contest is not found; bad input writes nothing.
 */

const inbox = await startSmtp(t);
const dataDir = await mkdtemp(join(tmpdir(), 'ipcoop-mailings-'));
t.teardown(() => rm(dataDir, { recursive: true, force: true }));
const { app, db } = await build(t, { mailTransport: inbox.transport, env: { DATA_DIR: dataDir } });
const owned = await ownedObjects(db, {
  owner: 'organiser@hkipd.test', intruder: 'organiser@customs.test', judge: 'judge1@ipcoop.test', dataDir,
});
const organiser = await signedIn(app, 'organiser@hkipd.test');
const itemId = owned.event.item_id;
const one = async <T>(query: string) => (await sql.raw<T>(query).execute(db)).rows[0]!;

// A programme of the owner's, with delegations in every state.
const programme = await one<{ id: number }>(`insert into programmes (item_id, slug, title, starts_on, ends_on, status)
  values (${itemId}, 'mail-programme', 'Mail Programme', '2031-05-01', '2031-05-03', 'open') returning id`);
const delegation = async (name: string, email: string, status: string, language: string, confirmBy = 'null') =>
  (await one<{ id: number }>(`insert into delegations (programme_id, name, from_side, to_side, contact_name, contact_email, status, language, confirm_by)
    values (${programme.id}, '${name}', 'GD', 'HK', 'Leader ${name}', '${email}', '${status}', '${language}', ${confirmBy}) returning id`)).id;
const d1 = await delegation('One', 'leader1@mail.test', 'proposed', 'zh-Hant');
const d2 = await delegation('Two', 'leader2@mail.test', 'confirmed', 'en');
const d3 = await delegation('Three', 'leader3@mail.test', 'withdrawn', 'en');
await delegation('Four', 'leader4@mail.test', 'confirmed', 'en', "now() + interval '1 day'");
const member = async (delegationId: number, position: number, email: string | null, language = 'en') => {
  const m = await one<{ id: number }>(`insert into delegation_members (delegation_id, position, name, role)
    values (${delegationId}, ${position}, 'Member ${position}', 'member') returning id`);
  if (email) {
    await sql`insert into registrations (event_id, name, email, side, status, answers, token_hash, language, delegation_member_id)
      values (${owned.event.id}, ${`Member ${position}`}, ${email}, 'GD', 'confirmed', '{}', ${hashToken(newToken())}, ${language}, ${m.id})`.execute(db);
  }
};
await member(d2, 1, 'member1@mail.test', 'zh-Hans');
await member(d2, 2, null);
await member(d2, 3, 'leader2@mail.test');
await member(d3, 1, 'member3@mail.test');
await member(d1, 1, 'member4@mail.test');

// A contest of the owner's: two categories, two rounds, entries in every state, a panel of two judges.
const contest = await one<{ id: number }>(`insert into contests (item_id, slug, kind, title, status)
  values (${itemId}, 'mail-contest', 'patent_portfolio', 'Mail Contest', 'judging') returning id`);
const category = async (code: string) => (await one<{ id: number }>(`insert into contest_categories (contest_id, code, name)
  values (${contest.id}, '${code}', 'Category ${code}') returning id`)).id;
const [k1, k2] = [await category('K1'), await category('K2')];
const round = async (position: number) => (await one<{ id: number }>(`insert into contest_rounds (contest_id, position, name)
  values (${contest.id}, ${position}, 'Round ${position}') returning id`)).id;
const [r1, r2] = [await round(1), await round(2)];
let n = 0;
const entry = async (categoryId: number, email: string, status: string, language: string, rounds: number[]) => {
  const e = await one<{ id: number }>(`insert into entries (contest_id, category_id, reference, title, applicant_name, applicant_type, side,
    details, contact_email, status, language) values (${contest.id}, ${categoryId}, 'MAIL-${++n}', 'Entry ${n}', 'Applicant ${n}',
    'enterprise', 'HK', '{}', '${email}', '${status}', '${language}') returning id`);
  for (const r of rounds) await sql`insert into round_entries (round_id, entry_id) values (${r}, ${e.id})`.execute(db);
};
await entry(k1, 'entrant1@mail.test', 'submitted', 'en', [r1, r2]);
await entry(k2, 'entrant2@mail.test', 'submitted', 'zh-Hant', [r1]);
await entry(k1, 'entrant3@mail.test', 'draft', 'en', []);
await entry(k1, 'entrant4@mail.test', 'withdrawn', 'en', [r1]);
await entry(k2, 'entrant1@mail.test', 'submitted', 'en', []);
const judges = await db.selectFrom('users').select(['id', 'email']).where('email', 'in', ['judge2@ipcoop.test', 'judge3@ipcoop.test']).execute();
for (const j of judges) await sql`insert into contest_judges (contest_id, user_id) values (${contest.id}, ${j.id})`.execute(db);
await sql`update users set language = 'zh-Hant' where email = 'judge3@ipcoop.test'`.execute(db);

const P = `/manage/programmes/${programme.id}/email`;
const C = '/manage/contests/mail-contest/email';

/** The addresses, and their texts, of the last mailing sent. */
async function lastMailing() {
  const m = await db.selectFrom('mailings').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
  const messages = await db.selectFrom('mail_outbox').select(['to_address', 'text_body', 'list_unsubscribe', 'item_id'])
    .where('message_id', 'in', m.message_ids.length ? m.message_ids : ['-']).execute();
  return { mailing: m, to: messages.map((x) => x.to_address).sort(), messages };
}
const send = async (url: string, form: Record<string, string>) => {
  const res = await organiser.post(url, { subject: `Subject ${++n}`, body: 'Our words, as written.', ...form });
  return { res, ...(await lastMailing()) };
};

t.test('a programme: leaders or everyone with an email, by delegation status, each in their language', async (t) => {
  const page = await organiser.get(P);
  t.equal(page.statusCode, 200);
  t.match(page.body, /Delegation leaders \(2\)/, 'leaders of live delegations with a confirmed address');
  t.match(page.body, /Delegation leaders, and members with an email \(4\)/, 'and members who gave their own address, once each');
  t.match((await organiser.get(`/manage/programmes/${programme.id}`)).body, `href="${P}"`, 'the programme page links to it');

  const leaders = await send(P, { audience: 'leaders', status: '' });
  t.equal(leaders.res.statusCode, 303);
  t.equal(leaders.res.headers.location, P);
  t.same(leaders.to, ['leader1@mail.test', 'leader2@mail.test']);
  t.equal(leaders.mailing.programme_id, programme.id);
  t.same(leaders.mailing.filters, {});
  const chinese = leaders.messages.find((m) => m.to_address === 'leader1@mail.test')!;
  t.match(chinese.text_body, /^Leader One您好：\n\nOur words, as written\.\n/, 'the greeting in the leader\'s language, the words as written');
  t.match(chinese.text_body, /2031/, 'the programme\'s dates');
  t.match(chinese.text_body, /http:\/\/ipcoop\.test\/programmes\/mail-programme/);
  t.match(chinese.list_unsubscribe, /^http:\/\/ipcoop\.test\/unsubscribe\/[A-Za-z0-9_-]{43}$/);
  t.ok(chinese.text_body.includes(chinese.list_unsubscribe!), 'the link is in the text too');
  t.equal(chinese.item_id, itemId);

  t.same((await send(P, { audience: 'delegations', status: 'confirmed' })).to, ['leader2@mail.test', 'member1@mail.test']);
  const withdrawn = await send(P, { audience: 'delegations', status: 'withdrawn' });
  t.same(withdrawn.to, ['leader3@mail.test', 'member3@mail.test']);
  t.same(withdrawn.mailing.filters, { status: 'withdrawn' });
  t.same((await send(P, { audience: 'delegations' })).to, ['leader1@mail.test', 'leader2@mail.test', 'member1@mail.test', 'member4@mail.test']);
  const audit = await db.selectFrom('audit_log').select('changes').where('entity', '=', 'programme')
    .where('entity_id', '=', String(programme.id)).where('action', '=', 'email').orderBy('id', 'desc').executeTakeFirstOrThrow();
  t.match(audit.changes, { audience: 'delegations', recipients: 4, skipped: 0 });

  const progress = await organiser.get(P);
  t.match(progress.body, /0 of 4 sent/);
  t.equal(progress.headers.refresh, '3', 'the page refreshes while delivery goes on');
});

t.test('a contest: entrants by category, round and status, or its judges', async (t) => {
  const page = await organiser.get(C);
  t.equal(page.statusCode, 200);
  t.match(page.body, /Entrants \(3\)/);
  t.match(page.body, /Judges of this contest \(2\)/);
  t.match(page.body, /K1 · Category K1/);
  t.match((await organiser.get('/manage/contests/mail-contest')).body, `href="${C}"`, 'the contest page links to it');

  t.same((await send(C, { audience: 'entrants' })).to, ['entrant1@mail.test', 'entrant2@mail.test', 'entrant3@mail.test'],
    'each address once; withdrawn entries left out');
  t.same((await send(C, { audience: 'entrants', category: String(k1) })).to, ['entrant1@mail.test', 'entrant3@mail.test']);
  t.same((await send(C, { audience: 'entrants', round: '2' })).to, ['entrant1@mail.test']);
  t.same((await send(C, { audience: 'entrants', status: 'draft' })).to, ['entrant3@mail.test']);
  const byAll = await send(C, { audience: 'entrants', category: String(k2), round: '1', status: 'submitted' });
  t.same(byAll.to, ['entrant2@mail.test']);
  t.same(byAll.mailing.filters, { category: String(k2), round: '1', status: 'submitted' });
  t.match(byAll.messages[0]?.text_body, /^Applicant 2您好：/);
  const panel = await send(C, { audience: 'judges', category: String(k1), status: 'draft' });
  t.same(panel.to, ['judge2@ipcoop.test', 'judge3@ipcoop.test'], 'the entrants\' filters do not apply to judges');
  t.same(panel.mailing.filters, {});
  t.match(panel.messages.find((m) => m.to_address === 'judge3@ipcoop.test')?.text_body, /您好：/, 'the judge\'s own language');
  t.match((await organiser.get(C)).body, /Judges of this contest<\/td>|Entrants · K2 · Category K2 · 1\. Round 1 · Submitted/);
});

t.test('bad input is refused beside its field and nothing is written', async (t) => {
  const before = await sql<{ m: number; o: number }>`select (select count(*) from mailings)::int as m, (select count(*) from mail_outbox)::int as o`
    .execute(db);
  const cases: [string, Record<string, string>, string][] = [
    [P, { audience: 'leaders', subject: '', body: 'x' }, 'subject'],
    [P, { audience: 'leaders', subject: 'x', body: '' }, 'body'],
    [P, { audience: 'leaders', subject: 'x', body: 'x', status: 'lost' }, 'status'],
    [P, { audience: 'judges', subject: 'x', body: 'x' }, 'audience'],
    [C, { audience: 'entrants', subject: 'x', body: 'x', category: '999999' }, 'category'],
    [C, { audience: 'entrants', subject: 'x', body: 'x', round: '9' }, 'round'],
    [C, { audience: 'entrants', subject: 'x', body: 'x', status: 'proposed' }, 'status'],
    [C, { audience: 'leaders', subject: 'x', body: 'x' }, 'audience'],
    [`/manage/events/${owned.event.slug}/email`, { audience: 'entrants', subject: 'x', body: 'x' }, 'audience'],
  ];
  for (const [url, form, fieldName] of cases) {
    const res = await organiser.post(url, form);
    t.equal(res.statusCode, 400, `${url} ${fieldName}`);
    t.match(res.body, new RegExp(`id="f-${fieldName}-error"`), `the problem beside ${fieldName}`);
  }
  const other = await db.selectFrom('contest_categories').select('id').where('contest_id', '<>', contest.id).executeTakeFirstOrThrow();
  t.equal((await organiser.post(C, { audience: 'entrants', subject: 'x', body: 'x', category: String(other.id) })).statusCode, 400,
    'another contest\'s category is not one of this one');
  const after = await sql<{ m: number; o: number }>`select (select count(*) from mailings)::int as m, (select count(*) from mail_outbox)::int as o`
    .execute(db);
  t.same(after.rows, before.rows);
});

t.test('another organisation\'s programme or contest is not found, and nothing is sent', async (t) => {
  const intruder = await signedIn(app, 'organiser@customs.test');
  const before = (await db.selectFrom('mailings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
  for (const url of [P, C, `/manage/programmes/${owned.programme.id}/email`, `/manage/contests/${owned.contest.slug}/email`]) {
    t.equal((await intruder.get(url)).statusCode, 404, `GET ${url}`);
    t.equal((await intruder.post(url, { audience: 'leaders', subject: 'x', body: 'x' })).statusCode, 404, `POST ${url}`);
  }
  const judge = await signedIn(app, 'judge2@ipcoop.test');
  t.equal((await judge.get(C)).statusCode, 404, 'a judge of the contest does not write to it');
  t.equal((await db.selectFrom('mailings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n, before);
});

t.test('delivery carries List-Unsubscribe; the link asks, one click unsubscribes, the next mailing skips', async (t) => {
  await send(P, { audience: 'leaders' });
  const report = await deliverDueMail(db, inbox.transport);
  t.equal(report.failed, 0);
  const mail = inbox.messages.filter((m) => addressOf(m) === 'leader1@mail.test' && m.subject === `Subject ${n}`);
  t.equal(mail.length, 1);
  // A long header is folded onto several lines: unfolded, as mail software reads it.
  const line = (key: string) => (mail[0]!.headerLines.find((h) => h.key === key)?.line ?? '').replace(/\r?\n[ \t]+/g, ' ');
  const url = /^List-Unsubscribe: ?<(http:\/\/ipcoop\.test\/unsubscribe\/([A-Za-z0-9_-]{43}))>$/i.exec(line('list-unsubscribe'));
  t.ok(url, 'List-Unsubscribe names the recipient\'s link');
  t.equal(line('list-unsubscribe-post'), 'List-Unsubscribe-Post: List-Unsubscribe=One-Click', 'RFC 8058 one-click');
  const token = url![2]!;
  t.match(mail[0]!.text, token, 'and the text carries it');

  const stored = await db.selectFrom('mail_outbox').select(['text_body', 'list_unsubscribe', 'status']).where('to_address', '=', 'leader1@mail.test')
    .where('subject', '=', `Subject ${n}`).executeTakeFirstOrThrow();
  t.equal(stored.status, 'sent');
  t.notMatch(stored.text_body, token, 'the sent copy keeps no token');
  t.equal(stored.list_unsubscribe, 'http://ipcoop.test/unsubscribe/[link removed]');
  const link2 = await db.selectFrom('mail_unsubscribe_links').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
  t.same([link2.email, link2.list_kind, link2.owner_id], ['leader1@mail.test', 'programme', programme.id], 'only the hash is kept');

  const ask = await app.inject({ method: 'GET', url: `/unsubscribe/${token}` });
  t.equal(ask.statusCode, 200);
  t.match(ask.body, /Mail Programme/);
  t.match(ask.headers['cache-control'], /no-store/);
  t.equal(await countOptOuts(), 0, 'opening the link changes nothing (mail scanners open links)');

  const oneClick = await app.inject({
    method: 'POST', url: `/unsubscribe/${token}`, payload: 'List-Unsubscribe=One-Click',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.equal(oneClick.statusCode, 200, 'one click, with no CSRF token and no cookie');
  t.match(oneClick.body, /no more of the organisers/);
  const optOut = await db.selectFrom('mail_opt_outs').selectAll().executeTakeFirstOrThrow();
  t.same([optOut.email, optOut.list_kind, optOut.owner_id], ['leader1@mail.test', 'programme', programme.id]);
  const form = multipart({ 'List-Unsubscribe': 'One-Click' });
  const again = await app.inject({ method: 'POST', url: `/unsubscribe/${token}`, payload: form.payload, headers: { 'content-type': form.contentType } });
  t.equal(again.statusCode, 200, 'as multipart too, and twice is harmless');
  t.equal(await countOptOuts(), 1);

  const next = await organiser.post(P, { audience: 'leaders', subject: 'After', body: 'Again.' });
  t.equal(next.statusCode, 303);
  const after = await lastMailing();
  t.same(after.to, ['leader2@mail.test'], 'the opted-out address is skipped');
  t.equal(after.mailing.skipped, 1);
  const shown = await organiser.get(P);
  t.match(shown.body, /1 messages queued; 1 addresses were left out because they unsubscribed/);
  t.match(shown.body, /<td class="num">1<\/td>/, 'the history shows how many were left out');
  t.same((await send(C, { audience: 'entrants', status: 'draft' })).to, ['entrant3@mail.test'], 'other lists are not affected');

  const invited = await organiser.post(`/manage/programmes/${programme.id}/invitations`, { email: 'leader1@mail.test', language: 'en' });
  t.equal(invited.statusCode, 200);
  t.ok(await db.selectFrom('mail_outbox').select('id').where('to_address', '=', 'leader1@mail.test').where('status', '=', 'pending')
    .executeTakeFirst(), 'a transactional message still goes to the address');
  await deliverDueMail(db, inbox.transport);
  const invitation = inbox.messages.filter((m) => addressOf(m) === 'leader1@mail.test').at(-1)!;
  t.notMatch(invitation.subject, /^Subject /);
  t.notOk(invitation.headerLines.some((h) => h.key === 'list-unsubscribe'), 'transactional mail carries no List-Unsubscribe');
});

t.test('the unsubscribe form: every list of a kind, bad input, unknown links', async (t) => {
  const { messages } = await send(C, { audience: 'judges' });
  const token = /unsubscribe\/([A-Za-z0-9_-]{43})$/.exec(messages.find((m) => m.to_address === 'judge3@ipcoop.test')!.list_unsubscribe!)![1]!;
  const page = await app.inject({ method: 'GET', url: `/unsubscribe/${token}`, headers: { cookie: 'ipcoop_lang=zh-Hant' } });
  t.equal(page.statusCode, 200);
  const before = await countOptOuts();
  const bad = await app.inject({ method: 'POST', url: `/unsubscribe/${token}`, payload: 'scope=everything',
    headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /id="f-scope-error"/);
  const text = await app.inject({ method: 'POST', url: `/unsubscribe/${token}`, payload: 'List-Unsubscribe=One-Click',
    headers: { 'content-type': 'text/plain' } });
  t.equal(text.statusCode, 400, 'a body that is not a form is refused');
  t.equal(await countOptOuts(), before, 'nothing written');
  const kind = await app.inject({ method: 'POST', url: `/unsubscribe/${token}`, payload: 'scope=kind',
    headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.equal(kind.statusCode, 200);
  t.ok(await db.selectFrom('mail_opt_outs').select('id').where('email', '=', 'judge3@ipcoop.test').where('list_kind', '=', 'contest')
    .where('owner_id', 'is', null).executeTakeFirst(), 'every contest\'s mailings');
  t.same((await send(C, { audience: 'judges' })).to, ['judge2@ipcoop.test']);

  for (const url of [`/unsubscribe/${newToken()}`, '/unsubscribe/short', `/unsubscribe/${'%27'.repeat(20)}`]) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 404, `GET ${url}`);
    t.equal((await app.inject({ method: 'POST', url, payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' } })).statusCode, 404, `POST ${url}`);
  }
  t.equal(await countOptOuts(), before + 1);
});

t.test('the event page is the same form, with the unsubscribe link in its messages', async (t) => {
  const url = `/manage/events/${owned.event.slug}/email`;
  const page = await organiser.get(url);
  t.equal(page.statusCode, 200);
  t.match(page.body, /Confirmed \(\d+\)/);
  const sent = await send(url, { audience: 'confirmed' });
  t.equal(sent.res.statusCode, 303);
  t.equal(sent.mailing.event_id, owned.event.id);
  t.ok(sent.messages.length > 0 && sent.messages.every((m) => m.list_unsubscribe?.startsWith('http://ipcoop.test/unsubscribe/')));
});

t.test('an event\'s audiences are counted from its tally, the same as whom each reaches', async (t) => {
  const url = `/manage/events/${owned.event.slug}/email`;
  const eventOwner = { kind: 'event' as const, id: owned.event.id };
  const LABELS = { all: 'Everyone registered', confirmed: 'Confirmed', attended: 'Checked in', waitlisted: 'On the waiting list' } as const;
  /** The counts the form shows beside each audience, and those of whom the audience reaches. */
  const compare = async (when: string) => {
    const page = await organiser.get(url);
    t.equal(page.statusCode, 200);
    const shown = Object.fromEntries(EVENT_AUDIENCES.map((a) => [a, Number(new RegExp(`${LABELS[a]} \\((\\d+)\\)`).exec(page.body)?.[1])])) as
      Record<(typeof EVENT_AUDIENCES)[number], number>;
    const real = Object.fromEntries(await Promise.all(EVENT_AUDIENCES.map(async (a): Promise<[string, number]> =>
      [a, (await audienceOf(db, eventOwner, a)).length])));
    t.same(shown, real, when);
    return shown;
  };
  const start = await compare('the demo data');
  let k = 0;
  const register = (status: 'confirmed' | 'waitlisted' | 'unconfirmed' | 'awaiting', pending = false) => ({
    event_id: owned.event.id, name: `Audience ${++k}`, email: `audience-${k}@mail.test`, side: 'HK' as const, status,
    answers: '{}', token_hash: hashToken(newToken()), confirm_by: pending || status === 'unconfirmed' ? new Date(Date.now() + 86_400_000) : null,
  });
  const ids = (await db.insertInto('registrations').values([
    register('confirmed'), register('confirmed'), register('confirmed'), register('waitlisted'), register('waitlisted', true),
    register('unconfirmed'), register('awaiting'),
  ]).returning('id').execute()).map((r) => r.id);
  const registered = await compare('after registrations of every kind');
  t.same(registered, {
    all: start.all + 5, confirmed: start.confirmed + 3, attended: start.attended, waitlisted: start.waitlisted + 1,
  }, 'only confirmed addresses count');

  const checkedIn = await organiser.post(`/manage/events/${owned.event.slug}/checkin/${ids[0]}`, { present: 'yes' });
  t.equal(checkedIn.statusCode, 200);
  // Checking in an unconfirmed registration confirms it (and its address).
  t.equal((await organiser.post(`/manage/events/${owned.event.slug}/checkin/${ids[5]}`, { present: 'yes' })).statusCode, 200);
  t.same(await compare('after check-ins'), { ...registered, all: registered.all + 1, confirmed: registered.confirmed + 1, attended: start.attended + 2 });

  const cancelled = await organiser.post(`/manage/events/${owned.event.slug}/registrations/${ids[1]}/cancel`, { reason: '' });
  t.equal(cancelled.statusCode, 303);
  await db.updateTable('registrations').set({ status: 'cancelled', cancelled_at: new Date() }).where('id', '=', ids[3]!).execute();
  const after = await compare('after cancellations');
  t.equal(after.all, registered.all + 1 - 2);
  t.equal(after.waitlisted, start.waitlisted, 'the waiting list as it was');
  await db.deleteFrom('registrations').where('id', 'in', ids).execute();
  t.same(await compare('after deletes'), start);
});

function addressOf(m: ParsedMail) {
  return [m.to ?? []].flat()[0]?.text;
}

async function countOptOuts() {
  return (await db.selectFrom('mail_opt_outs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
}
