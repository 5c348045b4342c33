import t from 'tap';
import { sql } from 'kysely';
import { hashToken } from '../../../src/lib/tokens.ts';
import { eventCounts } from '../../../src/modules/events/queries.ts';
import { confirmDeadline, releaseUnconfirmed, sweepUnconfirmed } from '../../../src/modules/registrations/service.ts';
import { eventCounts as summaryEventCounts } from '../../../src/modules/summary/queries.ts';
import { loadFigureData, paragraphText, renderNarrative } from '../../../src/modules/summary/service.ts';
import { parseNarrative } from '../../../src/modules/summary/placeholders.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

/*
 * Email confirmation (double opt-in) per event (issue 16, item 7, for events; item 9's last
 * sentence). With events.confirm_email on, a public registration holds its seat (or waiting-list
 * place) unconfirmed until its owner confirms from the mailed link; it never counts in public
 * figures; past confirm_by it is released and the waiting list moves up. A new and a repeat
 * registration get the same answer.
 */

type Db = Awaited<ReturnType<typeof build>>['db'];
type App = Awaited<ReturnType<typeof build>>['app'];

const HOUR = 3_600_000;
const site = { baseUrl: 'http://ipcoop.test', domain: 'ipcoop.test' };

/** The current year's SME seminar, with email confirmation switched on (and `capacity` places if given). */
async function confirmingSeminar(db: Db, capacity?: number) {
  const event = await db.selectFrom('events').selectAll().where('slug', 'like', 'sme-seminar-20__-__').where('status', '=', 'published')
    .where('starts_at', '>', new Date()).executeTakeFirstOrThrow();
  await db.updateTable('events').set({
    confirm_email: true, ...(capacity === undefined ? {} : { capacity: event.confirmed_count + capacity, waitlist_enabled: true }),
  }).where('id', '=', event.id).execute();
  return db.selectFrom('events').selectAll().where('id', '=', event.id).executeTakeFirstOrThrow();
}

const person = (email: string, extra: Record<string, string> = {}) => ({
  name: '陳大文 Chan Tai-man', email, organisation: 'Hong Kong Productivity Council', side: 'HK', consent: 'on', ...extra,
});

async function registerAs(app: App, slug: string, email: string, extra: Record<string, string> = {}) {
  const agent = new Agent(app);
  await agent.get(`/events/${slug}`);
  const res = await agent.post(`/events/${slug}/register`, person(email, extra));
  return { agent, res };
}

const rowOf = (db: Db, eventId: number, email: string) => db.selectFrom('registrations')
  .select(['id', 'status', 'confirm_by', 'cancelled_at', 'token_hash', 'checked_in_at', 'created_at'])
  .where('event_id', '=', eventId).where('email', '=', email).orderBy('id', 'desc').executeTakeFirstOrThrow();

const seatsOf = async (db: Db, eventId: number) =>
  (await db.selectFrom('events').select('confirmed_count').where('id', '=', eventId).executeTakeFirstOrThrow()).confirmed_count;

const outboxFor = (db: Db, email: string) => db.selectFrom('mail_outbox')
  .select(['subject', 'text_body', 'attachments']).where('to_address', '=', email).orderBy('id').execute();

const linkIn = (text: string | undefined) => /\/registrations\/([A-Za-z0-9_-]{43})/.exec(text ?? '')?.[1] ?? '';
const TOKEN_SHAPED = /[A-Za-z0-9_-]{43}/;

async function registrationsPlaceholder(db: Db, slug: string) {
  const parts = parseNarrative(`{{registrations ${slug}}}`);
  const data = await loadFigureData(db, 0, [], [parts]);
  const rendered = renderNarrative(parts, data, null);
  return paragraphText(rendered.paragraphs[0] ?? []);
}

t.test('with confirmation on, a registration is unconfirmed, holds its seat and counts nowhere until confirmed', async (t) => {
  const { app, db } = await build(t);
  const event = await confirmingSeminar(db);
  const seatsBefore = await seatsOf(db, event.id);
  const publicBefore = await eventCounts(db, event.id);
  const summaryBefore = await registrationsPlaceholder(db, event.slug);
  const email = 'pending@participant.test';

  const { agent, res } = await registerAs(app, event.slug, email);
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, `/events/${event.slug}/check-your-inbox`, 'no manage page: the address is not confirmed yet');
  t.notMatch(String(res.headers.location), TOKEN_SHAPED);
  const inbox = await agent.get(String(res.headers.location));
  t.equal(inbox.statusCode, 200);
  t.match(inbox.body, /Check your inbox/);
  t.match(inbox.body, /confirm your email address to keep your place/);

  const row = await rowOf(db, event.id, email);
  t.equal(row.status, 'unconfirmed');
  t.ok(row.confirm_by, 'it has a time to be confirmed by');
  const heldFor = (row.confirm_by?.getTime() ?? 0) - row.created_at.getTime();
  t.ok(heldFor > 23.9 * HOUR && heldFor <= 24 * HOUR + 60_000, 'held for 24 hours');
  t.equal(await seatsOf(db, event.id), seatsBefore + 1, 'it holds a seat');
  t.same(await eventCounts(db, event.id), publicBefore, 'the public counts do not change');
  t.equal(await registrationsPlaceholder(db, event.slug), summaryBefore, 'nor does the summary placeholder');
  const summaryRows = await summaryEventCounts(db, [event.slug]);
  t.equal(summaryRows.reduce((n, r) => n + r.confirmed, 0), Number(summaryBefore));

  const mails = await outboxFor(db, email);
  t.equal(mails.length, 1);
  t.match(mails[0]?.subject, /^Confirm your email address: /);
  t.match(mails[0]?.text_body, /Confirm by /);
  t.same(mails[0]?.attachments, [], 'no ticket before the address is confirmed');
  const token = linkIn(mails[0]?.text_body);
  t.equal(hashToken(token), row.token_hash, 'the mailed link is the registration\'s private link');
  t.equal((await new Agent(app).get(`/registrations/${token}/ticket.png`)).statusCode, 404, 'no ticket yet');

  // Opening the link (as a mail scanner would) confirms nothing: it shows a button.
  const owner = new Agent(app);
  const page = await owner.get(`/registrations/${token}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /Confirm your email address to keep your place/);
  t.match(page.body, `action="/registrations/${token}/confirm"`);
  t.equal((await rowOf(db, event.id, email)).status, 'unconfirmed', 'a GET confirms nothing');

  t.equal((await owner.post(`/registrations/${token}/confirm`, { _csrf: 'wrong' })).statusCode, 403, 'the button needs its CSRF token');
  const confirmed = await owner.post(`/registrations/${token}/confirm`);
  t.equal(confirmed.statusCode, 303);
  t.equal(confirmed.headers.location, `/registrations/${token}`);
  const after = await rowOf(db, event.id, email);
  t.equal(after.status, 'confirmed');
  t.equal(after.confirm_by, null);
  t.equal(await seatsOf(db, event.id), seatsBefore + 1, 'the same seat, not a second one');
  t.equal((await eventCounts(db, event.id)).confirmed, publicBefore.confirmed + 1, 'now it counts');
  t.equal(await registrationsPlaceholder(db, event.slug), String(Number(summaryBefore) + 1));
  const ticketMail = (await outboxFor(db, email))[1];
  t.match(ticketMail?.subject, /^Your place is confirmed: /);
  t.match(JSON.stringify(ticketMail?.attachments), /ticket\.png/, 'the usual confirmation, with the ticket');
  t.equal(linkIn(ticketMail?.text_body), token);
  t.match((await owner.get(`/registrations/${token}`)).body, /Your place is confirmed/);
  t.equal((await owner.get(`/registrations/${token}/ticket.png`)).statusCode, 200);

  t.equal((await owner.post(`/registrations/${token}/confirm`)).statusCode, 303, 'confirming twice is harmless');
  t.equal((await outboxFor(db, email)).length, 2, 'and mails nothing more');
});

t.test('a new and a repeat registration get the same answer, apart from the CSRF token', async (t) => {
  const { app, db } = await build(t);
  const event = await confirmingSeminar(db);
  const email = 'twice@participant.test';
  const answer = async (address: string) => {
    const { agent, res } = await registerAs(app, event.slug, address);
    const page = await agent.get(String(res.headers.location));
    const strip = (s: string) => s.replace(/name="_csrf" value="[^"]*"/g, '');
    return {
      status: res.statusCode, location: res.headers.location, body: res.body, cookies: res.cookies.map((c) => c.name).sort(),
      pageStatus: page.statusCode, page: strip(page.body),
    };
  };
  const first = await answer(email);
  const seats = await seatsOf(db, event.id);
  const repeat = await answer(email);
  t.same(repeat, first, 'new and repeat are indistinguishable');
  t.notMatch(first.page, TOKEN_SHAPED, 'no token in the answer');
  t.equal(await seatsOf(db, event.id), seats, 'the repeat takes no second seat');
  const rows = await db.selectFrom('registrations').select('status').where('event_id', '=', event.id).where('email', '=', email).execute();
  t.same(rows, [{ status: 'unconfirmed' }], 'one registration, still unconfirmed');
  t.equal((await outboxFor(db, email)).length, 2, 'the owner is mailed both times');
});

t.test('past confirm_by the seat is released and the first on the waiting list moves up', async (t) => {
  const { app, db } = await build(t);
  const event = await confirmingSeminar(db, 1);
  await registerAs(app, event.slug, 'first@participant.test');
  await registerAs(app, event.slug, 'second@participant.test');
  const first = await rowOf(db, event.id, 'first@participant.test');
  const second = await rowOf(db, event.id, 'second@participant.test');
  t.equal(first.status, 'unconfirmed');
  t.equal(second.status, 'waitlisted');
  t.ok(second.confirm_by, 'a pending place on the waiting list');
  t.equal((await eventCounts(db, event.id)).waitlisted, 0, 'which is not counted either');

  // The second confirms: an ordinary place on the waiting list now.
  const secondToken = linkIn((await outboxFor(db, 'second@participant.test'))[0]?.text_body);
  const secondAgent = new Agent(app);
  await secondAgent.get(`/registrations/${secondToken}`);
  t.equal((await secondAgent.post(`/registrations/${secondToken}/confirm`)).statusCode, 303);
  t.same(await rowOf(db, event.id, 'second@participant.test'), { ...second, confirm_by: null });
  t.match((await outboxFor(db, 'second@participant.test'))[1]?.subject, /^You are on the waiting list: /);
  const seats = await seatsOf(db, event.id);

  // Not yet due: the sweep leaves it alone.
  t.equal(await sweepUnconfirmed(db, site, new Date(Date.now() + HOUR)), 0);
  const due = new Date((first.confirm_by?.getTime() ?? 0) + 1000);
  t.equal(await sweepUnconfirmed(db, site, due), 1);
  const released = await rowOf(db, event.id, 'first@participant.test');
  t.equal(released.status, 'cancelled');
  t.ok(released.cancelled_at);
  t.ok(released.confirm_by, 'it keeps its confirm_by: it never counts');
  const promoted = await rowOf(db, event.id, 'second@participant.test');
  t.equal(promoted.status, 'confirmed', 'the first on the waiting list moves up');
  t.equal(await seatsOf(db, event.id), seats, 'the released seat went to them');
  t.match((await outboxFor(db, 'second@participant.test'))[2]?.subject, /^A place has come free for you: /);
  t.equal(await sweepUnconfirmed(db, site, due), 0, 'sweeping again does nothing');

  // Too late to confirm from the old link.
  const firstToken = linkIn((await outboxFor(db, 'first@participant.test'))[0]?.text_body);
  const late = new Agent(app);
  await late.get(`/registrations/${firstToken}`);
  const refused = await late.post(`/registrations/${firstToken}/confirm`);
  t.equal(refused.statusCode, 409);
  t.match(refused.body, /not confirmed in time/);
  t.equal((await rowOf(db, event.id, 'first@participant.test')).status, 'cancelled');
});

t.test('an expired hold is released when someone registers for that event', async (t) => {
  const { app, db } = await build(t);
  const event = await confirmingSeminar(db, 1);
  await registerAs(app, event.slug, 'slow@participant.test');
  await db.updateTable('registrations').set({ confirm_by: sql<Date>`now() - interval '1 minute'` })
    .where('event_id', '=', event.id).where('email', '=', 'slow@participant.test').execute();
  const seats = await seatsOf(db, event.id);
  await registerAs(app, event.slug, 'quick@participant.test');
  t.equal((await rowOf(db, event.id, 'slow@participant.test')).status, 'cancelled');
  t.equal((await rowOf(db, event.id, 'quick@participant.test')).status, 'unconfirmed', 'the released seat is taken, not the waiting list');
  t.equal(await seatsOf(db, event.id), seats);
  // The slow one may register again, afresh.
  await registerAs(app, event.slug, 'slow@participant.test');
  t.equal((await rowOf(db, event.id, 'slow@participant.test')).status, 'waitlisted');
  t.equal(await releaseUnconfirmed(db, site, new Date(), event.id), 0);
});

t.test('confirm_by never passes the registration deadline', async (t) => {
  const now = new Date('2031-03-01T00:00:00Z');
  const starts = new Date('2031-03-01T10:00:00Z');
  t.same(confirmDeadline({ registration_closes_at: null, starts_at: starts }, now), starts, 'the event starts first');
  t.same(confirmDeadline({ registration_closes_at: new Date('2031-03-01T05:00:00Z'), starts_at: starts }, now),
    new Date('2031-03-01T05:00:00Z'), 'registration closes first');
  t.same(confirmDeadline({ registration_closes_at: null, starts_at: new Date('2031-04-01T00:00:00Z') }, now),
    new Date('2031-03-02T00:00:00Z'), 'otherwise 24 hours');

  const { app, db } = await build(t);
  const event = await confirmingSeminar(db);
  const closes = new Date(Date.now() + 2 * HOUR);
  await db.updateTable('events').set({ registration_closes_at: closes }).where('id', '=', event.id).execute();
  await registerAs(app, event.slug, 'deadline@participant.test');
  t.same((await rowOf(db, event.id, 'deadline@participant.test')).confirm_by, closes, 'stored: the deadline, not 24 hours');
});

t.test('the organiser switches confirmation on in the event form; off, registering is as before', async (t) => {
  const { app, db } = await build(t);
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const item = await db.selectFrom('items as i').innerJoin('item_parties as ip', 'ip.item_id', 'i.id')
    .innerJoin('organisations as o', 'o.id', 'ip.organisation_id').where('o.code', '=', 'HKIPD').select('i.id')
    .orderBy('i.id', 'desc').executeTakeFirstOrThrow();
  const form = await organiser.get('/manage/events/new');
  t.match(form.body, /name="confirm_email" value="on" aria-describedby/, 'off by default');
  t.match(form.body, /Ask registrants to confirm their email address/);
  const fields = {
    item_id: String(item.id), kind: 'seminar', title: 'Seminar on Trade Secrets', timezone: 'Asia/Hong_Kong',
    starts_at: '2031-05-01T09:30', ends_at: '2031-05-01T12:00', capacity: '10', waitlist_enabled: 'on',
  };
  t.equal((await organiser.post('/manage/events/new', fields)).statusCode, 303);
  const slug = 'seminar-on-trade-secrets-2031';
  const off = await db.selectFrom('events').selectAll().where('slug', '=', slug).executeTakeFirstOrThrow();
  t.equal(off.confirm_email, false);
  t.equal((await organiser.post(`/manage/events/${slug}/status`, { status: 'published' })).statusCode, 303);

  // Off: a first registration goes straight to its manage page, confirmed.
  const plain = await registerAs(app, slug, 'plain@participant.test');
  t.match(String(plain.res.headers.location), /^\/registrations\/[A-Za-z0-9_-]{43}$/);
  t.equal((await rowOf(db, off.id, 'plain@participant.test')).status, 'confirmed');
  t.equal((await rowOf(db, off.id, 'plain@participant.test')).confirm_by, null);

  t.equal((await organiser.post(`/manage/events/${slug}/edit`, { ...fields, slug, confirm_email: 'on' })).statusCode, 303);
  t.equal((await db.selectFrom('events').select('confirm_email').where('id', '=', off.id).executeTakeFirstOrThrow()).confirm_email, true);
  t.match((await organiser.get(`/manage/events/${slug}/edit`)).body, /name="confirm_email" value="on" checked/, 'the form shows it');
  const pending = await registerAs(app, slug, 'careful@participant.test');
  t.equal(pending.res.headers.location, `/events/${slug}/check-your-inbox`);
  t.equal((await rowOf(db, off.id, 'careful@participant.test')).status, 'unconfirmed');
});

t.test('at the door an unconfirmed registration is marked, and checking it in confirms it', async (t) => {
  const { app, db } = await build(t);
  const event = await confirmingSeminar(db);
  await registerAs(app, event.slug, 'door@participant.test', { name: 'Door Person' });
  const row = await rowOf(db, event.id, 'door@participant.test');
  const scope = await db.selectFrom('item_parties as ip').innerJoin('organisations as o', 'o.id', 'ip.organisation_id')
    .where('ip.item_id', '=', event.item_id).select('o.code').execute();
  const organiserEmail = scope.some((s) => s.code === 'HKIPD') ? 'organiser@hkipd.test' : 'admin@ipcoop.test';
  const organiser = await signedIn(app, organiserEmail);
  const desk = await organiser.get(`/manage/events/${event.slug}/checkin?q=Door`);
  t.equal(desk.statusCode, 200);
  t.match(desk.body, /Door Person <span class="tag">email not confirmed/);
  const seats = await seatsOf(db, event.id);
  t.equal((await organiser.post(`/manage/events/${event.slug}/checkin/${row.id}`, { present: 'yes', q: 'Door' })).statusCode, 200);
  const after = await rowOf(db, event.id, 'door@participant.test');
  t.equal(after.status, 'confirmed');
  t.equal(after.confirm_by, null);
  t.ok(after.checked_in_at);
  t.equal(await seatsOf(db, event.id), seats, 'no second seat');
});
