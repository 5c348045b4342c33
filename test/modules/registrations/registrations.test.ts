import t from 'tap';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { hashToken, newToken } from '../../../src/lib/tokens.ts';
import { Agent } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { startSmtp } from '../../helpers/mail.ts';

/* The participant's path: register, get the email, manage, cancel, and the waiting list moving. */

type Db = Awaited<ReturnType<typeof build>>['db'];

/** The current year's SME seminar: open for registration, 200 places. */
async function openSeminar(db: Db) {
  return db.selectFrom('events').selectAll().where('slug', 'like', 'sme-seminar-20__-__').where('status', '=', 'published')
    .where('starts_at', '>', new Date()).executeTakeFirstOrThrow();
}

const person = (email: string, extra: Record<string, string> = {}) => ({
  name: '陳大文 Chan Tai-man', email, organisation: 'Hong Kong Productivity Council', side: 'HK', consent: 'on', ...extra,
});

const tokenOf = (location: string | undefined) => /^\/registrations\/([A-Za-z0-9_-]{43})$/.exec(location ?? '')?.[1] ?? '';

t.test('register, receive the email over SMTP, see the manage page, calendar and ticket', async (t) => {
  const inbox = await startSmtp(t);
  const { app, db } = await build(t, { mailTransport: inbox.transport });
  const event = await openSeminar(db);
  const agent = new Agent(app);

  const page = await agent.get(`/events/${event.slug}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, `action="/events/${event.slug}/register"`);
  t.match(page.body, /How we use your details/);
  t.match(page.body, /name="consent"/);

  const res = await agent.post(`/events/${event.slug}/register`, person('Tai-Man.Chan@Participant.test'));
  t.equal(res.statusCode, 303);
  const token = tokenOf(res.headers.location);
  t.ok(token, 'redirected to the private manage page');

  const row = await db.selectFrom('registrations').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
  t.equal(row.status, 'confirmed');
  t.equal(row.email, 'tai-man.chan@participant.test', 'emails are stored in lower case');
  t.equal(row.name, '陳大文 Chan Tai-man');
  const after = await db.selectFrom('events').select('confirmed_count').where('id', '=', event.id).executeTakeFirstOrThrow();
  t.equal(after.confirmed_count, event.confirmed_count + 1, 'the seat is counted');
  t.notOk(await db.selectFrom('registrations').select('id').where('token_hash', '=', token).executeTakeFirst(), 'the token itself is never stored');

  const report = await deliverDueMail(db, inbox.transport);
  t.same(report, { sent: 1, failed: 0 });
  const mail = inbox.messages[0];
  t.ok(mail);
  t.equal(mail?.to && 'text' in mail.to ? mail.to.text : '', 'tai-man.chan@participant.test');
  t.match(mail?.subject, /Your place is confirmed/);
  t.match(mail?.text, `http://ipcoop.test/registrations/${token}`);
  t.match(mail?.text, event.venue);
  const ics = mail?.attachments.find((a) => a.filename === 'event.ics');
  t.match(ics?.content.toString('utf8'), /BEGIN:VEVENT[\s\S]*DTSTART:\d{8}T\d{6}Z[\s\S]*END:VCALENDAR/);
  const png = mail?.attachments.find((a) => a.filename === 'ticket.png');
  t.same([...(png?.content.subarray(0, 4) ?? [])], [0x89, 0x50, 0x4e, 0x47], 'the ticket is a PNG');

  const manage = await agent.get(`/registrations/${token}`);
  t.equal(manage.statusCode, 200);
  t.equal(manage.headers['cache-control'], 'no-store');
  t.match(manage.body, /Your place is confirmed/);
  t.match(manage.body, 'Hong Kong Productivity Council');
  const ical = await agent.get(`/registrations/${token}/event.ics`);
  t.equal(ical.statusCode, 200);
  t.match(ical.headers['content-type'], /^text\/calendar/);
  t.match(ical.body, `SUMMARY:${event.title.slice(0, 20)}`);
  const ticket = await agent.get(`/registrations/${token}/ticket.png`);
  t.equal(ticket.statusCode, 200);
  t.equal(ticket.headers['content-type'], 'image/png');

  t.equal((await agent.get('/registrations/not-a-token')).statusCode, 404);
  t.equal((await agent.get(`/registrations/${newToken()}`)).statusCode, 404);
});

t.test('bad input re-renders the form with errors beside the fields, keeps what was typed, writes nothing', async (t) => {
  const { app, db } = await build(t);
  const event = await db.selectFrom('events').selectAll().where('slug', 'like', 'gba-ip-symposium-%').executeTakeFirstOrThrow();
  const questions = await db.selectFrom('event_questions').selectAll().where('event_id', '=', event.id).orderBy('position').execute();
  const choice = questions.find((q) => q.kind === 'choice');
  const count = async () => Number((await db.selectFrom('registrations').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const before = await count();
  const agent = new Agent(app);
  await agent.get(`/events/${event.slug}`);

  const res = await agent.post(`/events/${event.slug}/register`, {
    name: '', email: 'not-an-email', organisation: 'x'.repeat(201), side: 'MARS', [`q_${choice?.id}`]: 'Something else',
  });
  t.equal(res.statusCode, 400);
  t.match(res.body, /id="f-name-error">Enter your name.</);
  t.match(res.body, /id="f-email-error">Enter an email address like name@example.org.</);
  t.match(res.body, /id="f-organisation-error">Organisation must be at most 200 characters.</);
  t.match(res.body, /id="f-side-error">Choose where you come from.</);
  t.match(res.body, /id="f-consent-error">Tick the box/);
  t.match(res.body, new RegExp(`id="f-q_${choice?.id}-error">Choose one of the options.<`));
  t.match(res.body, 'value="not-an-email"', 'what was typed is kept');

  const stripped = await agent.post(`/events/${event.slug}/register`, person('ctrl@participant.test', { name: '\u0000\u0007  ' }));
  t.equal(stripped.statusCode, 400, 'a name of control characters is no name');
  t.equal(await count(), before, 'nothing was written');

  const good = await agent.post(`/events/${event.slug}/register`, person('answers@participant.test', {
    [`q_${choice?.id}`]: choice?.options[1] ?? '', [`q_${questions[1]?.id}`]: 'on', [`q_${questions[2]?.id}`]: 'Vegetarian\u0000',
  }));
  t.equal(good.statusCode, 303);
  const row = await db.selectFrom('registrations').select('answers').where('email', '=', 'answers@participant.test').executeTakeFirstOrThrow();
  t.same(row.answers, { [String(choice?.id)]: choice?.options[1], [String(questions[1]?.id)]: true, [String(questions[2]?.id)]: 'Vegetarian' });

  const huge = await app.inject({
    method: 'POST', url: `/events/${event.slug}/register`, headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `name=${'a'.repeat(300 * 1024)}`,
  });
  t.equal(huge.statusCode, 413);
});

t.test('registering the same email again creates nothing, cuts no link and mails the owner a new one, revealing nothing', async (t) => {
  const { app, db } = await build(t);
  const event = await openSeminar(db);
  const agent = new Agent(app);
  await agent.get(`/events/${event.slug}`);
  const first = await agent.post(`/events/${event.slug}/register`, person('twice@participant.test'));
  const oldToken = tokenOf(first.headers.location);
  const again = await new Agent(app).post(`/events/${event.slug}/register`, person('TWICE@participant.test', { name: 'Someone Else' }));
  t.equal(again.statusCode, 303);
  t.equal(again.headers.location, `/events/${event.slug}/check-your-inbox`);
  const inboxPage = await agent.get(again.headers.location as string);
  t.equal(inboxPage.statusCode, 200);
  t.match(inboxPage.body, /Check your inbox/);
  t.notMatch(inboxPage.body, /already/i);

  const rows = await db.selectFrom('registrations').select(['name', 'token_hash', 'pending_token_hash'])
    .where('email', '=', 'twice@participant.test').execute();
  t.equal(rows.length, 1, 'one registration');
  t.equal(rows[0]?.name, '陳大文 Chan Tai-man', 'the registration is unchanged');
  t.equal(rows[0]?.token_hash, hashToken(oldToken), 'the working link is left alone');
  t.equal((await agent.get(`/registrations/${oldToken}`)).statusCode, 200, 'the old link still works');
  const mails = await db.selectFrom('mail_outbox').select(['subject', 'text_body']).where('to_address', '=', 'twice@participant.test')
    .orderBy('id').execute();
  t.equal(mails.length, 2);
  t.match(mails[1]?.subject, /Your registration link/);
  const newToken_ = /\/registrations\/([A-Za-z0-9_-]{43})/.exec(mails[1]?.text_body ?? '')?.[1] ?? '';
  t.equal(hashToken(newToken_), rows[0]?.pending_token_hash, 'the email carries the new link, kept beside the old one');
  t.equal((await agent.get(`/registrations/${newToken_}`)).statusCode, 200);
  t.equal((await agent.get(`/registrations/${oldToken}`)).statusCode, 404, 'once the new link is opened, the old one no longer works');

  // A double click: two posts at once still make one registration.
  const clicks = await Promise.all([1, 2].map(() => agent.post(`/events/${event.slug}/register`, person('double@participant.test'))));
  t.same(clicks.map((r) => r.statusCode), [303, 303]);
  const doubles = await db.selectFrom('registrations').select('id').where('email', '=', 'double@participant.test').execute();
  t.equal(doubles.length, 1);
  const links = clicks.map((r) => tokenOf(r.headers.location)).filter(Boolean);
  t.equal(links.length, 1, 'one click registers, the other is told to check the inbox');
  t.equal((await agent.get(`/registrations/${links[0]}`)).statusCode, 200, 'the second click does not cut the first one\'s link');
});

t.test('a full event waitlists; cancelling a confirmed place promotes the first in line and emails them', async (t) => {
  const { app, db } = await build(t);
  const event = await openSeminar(db);
  await db.updateTable('events').set({ capacity: event.confirmed_count }).where('id', '=', event.id).execute();
  const agent = new Agent(app);
  await agent.get(`/events/${event.slug}`);
  const page = await agent.get(`/events/${event.slug}`);
  t.match(page.body, /Join the waiting list/);

  const tokens: string[] = [];
  for (const email of ['wait1@participant.test', 'wait2@participant.test']) {
    const res = await agent.post(`/events/${event.slug}/register`, person(email));
    t.equal(res.statusCode, 303);
    tokens.push(tokenOf(res.headers.location));
  }
  const second = await agent.get(`/registrations/${tokens[1]}`);
  t.match(second.body, /You are on the waiting list<\/strong> \(number 2\)/);
  t.equal((await agent.get(`/registrations/${tokens[1]}/ticket.png`)).statusCode, 404, 'no ticket while waiting');
  const waitMail = await db.selectFrom('mail_outbox').select(['subject', 'attachments']).where('to_address', '=', 'wait1@participant.test').executeTakeFirstOrThrow();
  t.match(waitMail.subject, /waiting list/);
  t.same(waitMail.attachments, [], 'no ticket or calendar file while waiting');

  // A seeded confirmed participant cancels through their link.
  const confirmedToken = newToken();
  const confirmed = await db.selectFrom('registrations').select('id').where('event_id', '=', event.id).where('status', '=', 'confirmed')
    .orderBy('id').executeTakeFirstOrThrow();
  await db.updateTable('registrations').set({ token_hash: hashToken(confirmedToken) }).where('id', '=', confirmed.id).execute();
  const ask = await agent.get(`/registrations/${confirmedToken}/cancel`);
  t.equal(ask.statusCode, 200);
  t.match(ask.body, /Cancel your registration\?/);
  const cancel = await agent.post(`/registrations/${confirmedToken}/cancel`);
  t.equal(cancel.statusCode, 303);
  t.match((await agent.get(`/registrations/${confirmedToken}`)).body, /This registration is cancelled/);

  const statuses = await db.selectFrom('registrations').select(['email', 'status']).where('email', 'in', ['wait1@participant.test', 'wait2@participant.test'])
    .orderBy('email').execute();
  t.same(statuses.map((r) => r.status), ['confirmed', 'waitlisted'], 'the first in line is promoted, the second waits');
  const counted = await db.selectFrom('events').select(['confirmed_count', 'capacity']).where('id', '=', event.id).executeTakeFirstOrThrow();
  t.equal(counted.confirmed_count, counted.capacity, 'still exactly full');
  const promoted = await db.selectFrom('mail_outbox').select(['subject', 'text_body']).where('to_address', '=', 'wait1@participant.test')
    .orderBy('id', 'desc').executeTakeFirstOrThrow();
  t.match(promoted.subject, /A place has come free/);
  const promotedToken = /\/registrations\/([A-Za-z0-9_-]{43})/.exec(promoted.text_body)?.[1] ?? '';
  t.match((await agent.get(`/registrations/${promotedToken}`)).body, /Your place is confirmed/);
  t.match((await agent.get(`/registrations/${tokens[1]}`)).body, /\(number 1\)/, 'the second moves up');

  // Without a waiting list, a full event says so.
  await db.updateTable('events').set({ waitlist_enabled: false }).where('id', '=', event.id).execute();
  const full = await agent.post(`/events/${event.slug}/register`, person('toolate@participant.test'));
  t.equal(full.statusCode, 409);
  t.match(full.body, /This event is full/);
  t.notOk(await db.selectFrom('registrations').select('id').where('email', '=', 'toolate@participant.test').executeTakeFirst());
});

t.test('outside the registration window, or for an unknown or draft event, nothing is registered', async (t) => {
  const { app, db } = await build(t);
  const event = await openSeminar(db);
  const agent = new Agent(app);
  await agent.get(`/events/${event.slug}`);
  await db.updateTable('events').set({ registration_closes_at: new Date(Date.now() - 1000), registration_opens_at: new Date(Date.now() - 2000) })
    .where('id', '=', event.id).execute();
  const closed = await agent.post(`/events/${event.slug}/register`, person('late@participant.test'));
  t.equal(closed.statusCode, 409);
  t.match(closed.body, /Registration for this event has closed/);
  t.notMatch((await agent.get(`/events/${event.slug}`)).body, /name="consent"/, 'no form when closed');

  await db.updateTable('events').set({ registration_opens_at: new Date(Date.now() + 86_400_000), registration_closes_at: null })
    .where('id', '=', event.id).execute();
  const early = await agent.post(`/events/${event.slug}/register`, person('early@participant.test'));
  t.equal(early.statusCode, 409);
  t.match(early.body, /has not opened yet/);

  t.equal((await agent.post('/events/no-such-event/register', person('x@participant.test'))).statusCode, 404);
  await db.updateTable('events').set({ status: 'draft', registration_opens_at: null }).where('id', '=', event.id).execute();
  t.equal((await agent.post(`/events/${event.slug}/register`, person('draft@participant.test'))).statusCode, 404);
  t.equal((await db.selectFrom('registrations').select('id').where('email', 'like', '%@participant.test').execute()).length, 0);
});

t.test('an SMTP server that refuses, then recovers: nothing lost, nothing sent twice', async (t) => {
  const inbox = await startSmtp(t);
  const { app, db } = await build(t, { mailTransport: inbox.transport });
  const event = await openSeminar(db);
  const agent = new Agent(app);
  await agent.get(`/events/${event.slug}`);
  await agent.post(`/events/${event.slug}/register`, person('retry@participant.test'));

  inbox.refuse = true;
  t.same(await deliverDueMail(db, inbox.transport), { sent: 0, failed: 1 });
  const failed = await db.selectFrom('mail_outbox').selectAll().where('to_address', '=', 'retry@participant.test').executeTakeFirstOrThrow();
  t.equal(failed.status, 'pending');
  t.equal(failed.attempts, 1);
  t.ok(failed.next_attempt_at > new Date(), 'retried later, not at once');
  t.same(await deliverDueMail(db, inbox.transport), { sent: 0, failed: 0 }, 'not due yet');

  inbox.refuse = false;
  await db.updateTable('mail_outbox').set({ next_attempt_at: new Date(Date.now() - 1000) }).where('id', '=', failed.id).execute();
  t.same(await deliverDueMail(db, inbox.transport), { sent: 1, failed: 0 });
  t.same(await deliverDueMail(db, inbox.transport), { sent: 0, failed: 0 });
  t.equal(inbox.messages.length, 1, 'delivered once');
  t.equal(inbox.messages[0]?.messageId, failed.message_id, 'with the Message-ID fixed when it was queued');
});
