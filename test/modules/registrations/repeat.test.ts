import t from 'tap';
import { hashToken, newToken } from '../../../src/lib/tokens.ts';
import { ticketCode, ticketPng } from '../../../src/modules/registrations/ticket.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

/*
 * Registering again with an address that is already registered (issue 16, item 9). Whoever asks
 * may be a stranger: the owner's link and ticket keep working, the owner is mailed a new link
 * (pending until first opened, then it replaces the old one), and the stranger is told only to
 * check their inbox.
 */

type Db = Awaited<ReturnType<typeof build>>['db'];
type App = Awaited<ReturnType<typeof build>>['app'];

/** The current year's SME seminar: open for registration, 200 places. */
async function openSeminar(db: Db) {
  return db.selectFrom('events').selectAll().where('slug', 'like', 'sme-seminar-20__-__').where('status', '=', 'published')
    .where('starts_at', '>', new Date()).executeTakeFirstOrThrow();
}

const person = (email: string, extra: Record<string, string> = {}) => ({
  name: '陳大文 Chan Tai-man', email, organisation: 'Hong Kong Productivity Council', side: 'HK', consent: 'on', ...extra,
});

const TOKEN_SHAPED = /[A-Za-z0-9_-]{43}/;
const tokenOf = (location: unknown) => /^\/registrations\/([A-Za-z0-9_-]{43})$/.exec(typeof location === 'string' ? location : '')?.[1] ?? '';
const linkIn = (text: string | undefined) => /\/registrations\/([A-Za-z0-9_-]{43})/.exec(text ?? '')?.[1] ?? '';

/** The owner registers; returns their token. */
async function registerOwner(app: App, slug: string, email: string, headers: Record<string, string> = {}) {
  const owner = new Agent(app);
  await owner.get(`/events/${slug}`, headers);
  const res = await owner.post(`/events/${slug}/register`, person(email), headers);
  if (res.statusCode !== 303) throw new Error(`registration failed with ${res.statusCode}`);
  return tokenOf(res.headers.location);
}

/** Someone else registers the same address; returns their response. */
async function registerAgain(app: App, slug: string, email: string) {
  const stranger = new Agent(app);
  await stranger.get(`/events/${slug}`);
  return stranger.post(`/events/${slug}/register`, person(email.toUpperCase(), { name: 'Mallory Stranger', organisation: 'Nowhere' }));
}

const rowOf = (db: Db, email: string) => db.selectFrom('registrations')
  .select(['id', 'name', 'organisation', 'status', 'token_hash', 'pending_token_hash', 'checked_in_at', 'erased_at'])
  .where('email', '=', email).executeTakeFirstOrThrow();

/** The messages queued for an address, oldest first, read before any delivery. */
const outboxFor = (db: Db, email: string) => db.selectFrom('mail_outbox')
  .select(['subject', 'text_body', 'attachments', 'status']).where('to_address', '=', email).orderBy('id').execute();

t.test('a repeat leaves the owner\'s link and ticket working, mails the owner a new link and tells the stranger nothing', async (t) => {
  const { app, db } = await build(t);
  const event = await openSeminar(db);
  const email = 'owner@participant.test';
  const oldToken = await registerOwner(app, event.slug, email);
  const owner = new Agent(app);
  const ticketBefore = await owner.get(`/registrations/${oldToken}/ticket.png`);
  t.equal(ticketBefore.statusCode, 200);
  const seats = (await db.selectFrom('events').select('confirmed_count').where('id', '=', event.id).executeTakeFirstOrThrow()).confirmed_count;

  const res = await registerAgain(app, event.slug, email);
  t.equal(res.statusCode, 303, 'the stranger gets the same kind of answer as anyone registering');
  t.equal(res.headers.location, `/events/${event.slug}/check-your-inbox`);
  t.notMatch(String(res.headers.location), TOKEN_SHAPED, 'no token in the redirect');
  t.notMatch(res.body, TOKEN_SHAPED, 'no token in the body');
  t.notMatch(JSON.stringify(res.headers['set-cookie'] ?? ''), `/registrations/`, 'no link in a cookie');
  const inbox = await new Agent(app).get(`/events/${event.slug}/check-your-inbox`);
  t.equal(inbox.statusCode, 200);
  t.match(inbox.body, /Check your inbox/);
  t.notMatch(inbox.body, /already/i);

  const row = await rowOf(db, email);
  t.equal(row.name, '陳大文 Chan Tai-man', 'nothing the stranger typed is kept');
  t.equal(row.organisation, 'Hong Kong Productivity Council');
  t.equal(row.status, 'confirmed');
  t.equal(row.token_hash, hashToken(oldToken), 'the working link is untouched');
  t.match(row.pending_token_hash, /^[0-9a-f]{64}$/, 'a new link waits beside it');
  t.equal((await db.selectFrom('registrations').select('id').where('email', '=', email).execute()).length, 1, 'one registration');
  t.equal((await db.selectFrom('events').select('confirmed_count').where('id', '=', event.id).executeTakeFirstOrThrow()).confirmed_count,
    seats, 'no second seat is taken');

  // The owner's link and ticket still work, and the ticket is the same one.
  const page = await owner.get(`/registrations/${oldToken}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /Your place is confirmed/);
  t.match(page.body, 'Hong Kong Productivity Council');
  const ticketAfter = await owner.get(`/registrations/${oldToken}/ticket.png`);
  t.equal(ticketAfter.statusCode, 200);
  t.equal(ticketAfter.headers['content-type'], 'image/png');
  t.ok(ticketAfter.rawPayload.equals(ticketBefore.rawPayload), 'the ticket has not changed');
  t.equal((await rowOf(db, email)).pending_token_hash, row.pending_token_hash, 'using the old link leaves the new one pending');

  // The owner is mailed the new link, in the outbox before delivery.
  const mails = await outboxFor(db, email);
  t.equal(mails.length, 2, 'the confirmation, then the new link');
  const mail = mails[1];
  t.equal(mail?.status, 'pending');
  t.match(mail?.subject, `Your registration link: ${event.title}`);
  t.match(mail?.text_body, /^Dear 陳大文 Chan Tai-man,\n\nSomeone, perhaps you, asked to register again for this event with this email address\. You are already registered/);
  t.match(mail?.text_body, 'The link we sent you before still works. The first time you open this new link, it takes the earlier one\'s place');
  t.notMatch(mail?.text_body, 'Mallory', 'nothing the stranger typed goes into the mail');
  const newToken_ = linkIn(mail?.text_body);
  t.not(newToken_, oldToken);
  t.equal(hashToken(newToken_), row.pending_token_hash, 'the mail carries the pending link');
  t.notMatch(mail?.text_body, oldToken, 'the old link cannot be re-sent: only its hash is kept');
  const qr = (mail?.attachments as { filename: string; qr?: string }[]).find((a) => a.filename === 'ticket.png');
  t.equal(qr?.qr, ticketCode(hashToken(newToken_)), 'the ticket attached goes with the new link');

  // Opening the new link makes it the link; the old link and ticket stop working.
  const opened = await owner.get(`/registrations/${newToken_}`);
  t.equal(opened.statusCode, 200);
  t.equal(opened.headers['cache-control'], 'no-store');
  t.match(opened.body, /Your place is confirmed/);
  const swapped = await rowOf(db, email);
  t.equal(swapped.token_hash, hashToken(newToken_), 'the pending link is now the link');
  t.equal(swapped.pending_token_hash, null);
  t.equal((await owner.get(`/registrations/${oldToken}`)).statusCode, 404, 'the old link no longer works');
  t.equal((await owner.get(`/registrations/${oldToken}/ticket.png`)).statusCode, 404, 'nor its ticket page');
  t.equal((await owner.get(`/registrations/${newToken_}`)).statusCode, 200, 'the new link keeps working');
  const newTicket = await owner.get(`/registrations/${newToken_}/ticket.png`);
  t.equal(newTicket.statusCode, 200);
  t.ok(newTicket.rawPayload.equals(await ticketPng(hashToken(newToken_))), 'the ticket is now the new link\'s');
});

t.test('a second repeat replaces the pending link: the first pending link then leads nowhere', async (t) => {
  const { app, db } = await build(t);
  const event = await openSeminar(db);
  const email = 'thrice@participant.test';
  const oldToken = await registerOwner(app, event.slug, email);
  t.equal((await registerAgain(app, event.slug, email)).statusCode, 303);
  t.equal((await registerAgain(app, event.slug, email)).statusCode, 303);

  const mails = await outboxFor(db, email);
  t.equal(mails.length, 3);
  const first = linkIn(mails[1]?.text_body);
  const second = linkIn(mails[2]?.text_body);
  t.not(first, second);
  const row = await rowOf(db, email);
  t.equal(row.token_hash, hashToken(oldToken), 'the working link is still the first one');
  t.equal(row.pending_token_hash, hashToken(second), 'only the latest link is pending');

  const agent = new Agent(app);
  t.equal((await agent.get(`/registrations/${first}`)).statusCode, 404, 'the replaced pending link leads nowhere');
  t.same(await rowOf(db, email), row, 'and changes nothing');
  t.equal((await agent.get(`/registrations/${oldToken}`)).statusCode, 200);
  t.equal((await agent.get(`/registrations/${second}`)).statusCode, 200);
  const after = await rowOf(db, email);
  t.same([after.token_hash, after.pending_token_hash], [hashToken(second), null]);
  t.equal((await agent.get(`/registrations/${oldToken}`)).statusCode, 404);
  t.equal((await agent.get(`/registrations/${first}`)).statusCode, 404);

  // Registering again after that starts a new pending link beside the one now working.
  t.equal((await registerAgain(app, event.slug, email)).statusCode, 303);
  const fourth = linkIn((await outboxFor(db, email))[3]?.text_body);
  t.same(Object.values(await db.selectFrom('registrations').select(['token_hash', 'pending_token_hash'])
    .where('email', '=', email).executeTakeFirstOrThrow()), [hashToken(second), hashToken(fourth)]);
  t.equal((await agent.get(`/registrations/${second}`)).statusCode, 200);
});

t.test('the mail to the owner is written in the language they registered in', async (t) => {
  const { app, db } = await build(t);
  const event = await openSeminar(db);
  const email = 'hk-owner@participant.test';
  await registerOwner(app, event.slug, email, { 'accept-language': 'zh-HK' });
  t.equal((await registerAgain(app, event.slug, email)).statusCode, 303, 'asked in English');
  const mail = (await outboxFor(db, email))[1];
  t.match(mail?.subject, `你的登記連結：`);
  t.match(mail?.text_body, '有人（或許是你本人）以此電郵地址要求再次登記參加本活動。你已經登記，你的登記並無改變。');
  t.match(mail?.text_body, '我們之前發給你的連結仍然有效。');
  t.notMatch(mail?.text_body, /Someone|still works/);
});

t.test('a cancelled registration\'s pending link leads nowhere', async (t) => {
  const { app, db } = await build(t);
  const event = await openSeminar(db);
  const email = 'cancels@participant.test';
  const oldToken = await registerOwner(app, event.slug, email);
  await registerAgain(app, event.slug, email);
  const pending = linkIn((await outboxFor(db, email))[1]?.text_body);
  t.equal((await rowOf(db, email)).pending_token_hash, hashToken(pending));

  const owner = new Agent(app);
  await owner.get(`/registrations/${oldToken}/cancel`);
  t.equal((await owner.post(`/registrations/${oldToken}/cancel`)).statusCode, 303);
  const row = await rowOf(db, email);
  t.equal(row.status, 'cancelled');
  t.equal(row.pending_token_hash, null, 'cancelling drops the pending link');
  t.equal(row.token_hash, hashToken(oldToken));
  t.equal((await owner.get(`/registrations/${pending}`)).statusCode, 404);
  t.match((await owner.get(`/registrations/${oldToken}`)).body, /This registration is cancelled/, 'the old link shows the cancellation');

  // Even if one were left behind, a cancelled registration's pending link is not followed or swapped in.
  await db.updateTable('registrations').set({ pending_token_hash: hashToken(pending) }).where('id', '=', row.id).execute();
  t.equal((await owner.get(`/registrations/${pending}`)).statusCode, 404);
  t.equal((await rowOf(db, email)).token_hash, hashToken(oldToken));

  // Registering again after a cancellation is a new registration with its own link.
  const again = await registerAgain(app, event.slug, email);
  t.match(again.headers.location, /^\/registrations\/[A-Za-z0-9_-]{43}$/);
});

t.test('erasing a registration clears its pending link', async (t) => {
  const { app, db } = await build(t);
  const event = await openSeminar(db);
  const email = 'erases@participant.test';
  const oldToken = await registerOwner(app, event.slug, email);
  // Checked in, so deleting their data erases it without cancelling: only the erasure can clear the link.
  await db.updateTable('registrations').set({ checked_in_at: new Date() }).where('email', '=', email).execute();
  await registerAgain(app, event.slug, email);
  const pending = linkIn((await outboxFor(db, email))[1]?.text_body);
  const { id } = await rowOf(db, email);

  const owner = new Agent(app);
  await owner.get(`/registrations/${oldToken}/delete`);
  t.equal((await owner.post(`/registrations/${oldToken}/delete`)).statusCode, 303);
  const row = await db.selectFrom('registrations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  t.ok(row.erased_at);
  t.equal(row.status, 'confirmed', 'someone checked in stays counted');
  t.equal(row.name, '[erased]');
  t.equal(row.pending_token_hash, null, 'the pending link is erased with the rest');
  t.equal((await owner.get(`/registrations/${pending}`)).statusCode, 404);
  t.match((await owner.get(`/registrations/${oldToken}`)).body, /Your personal data has been deleted/);

  // An erased registration's pending link is not followed, whatever is left in the column.
  await db.updateTable('registrations').set({ pending_token_hash: hashToken(pending) }).where('id', '=', id).execute();
  t.equal((await owner.get(`/registrations/${pending}`)).statusCode, 404);
  t.equal((await db.selectFrom('registrations').select('token_hash').where('id', '=', id).executeTakeFirstOrThrow()).token_hash,
    hashToken(oldToken));
});

t.test('the ticket sent with a pending link checks its holder in at the door', async (t) => {
  const { app, db } = await build(t);
  const event = await openSeminar(db);
  const email = 'door@participant.test';
  const oldToken = await registerOwner(app, event.slug, email);
  await registerAgain(app, event.slug, email);
  const pending = linkIn((await outboxFor(db, email))[1]?.text_body);

  const organiser = await signedIn(app, 'organiser@hkipd.test');
  await organiser.get(`/manage/events/${event.slug}/checkin`);
  const scanned = await organiser.post(`/manage/events/${event.slug}/checkin`, { code: ticketCode(hashToken(pending)) });
  t.equal(scanned.statusCode, 200);
  t.match(scanned.body, 'is checked in.');
  const row = await rowOf(db, email);
  t.ok(row.checked_in_at);
  t.same([row.token_hash, row.pending_token_hash], [hashToken(oldToken), hashToken(pending)], 'scanning swaps no link');
  const old = await organiser.post(`/manage/events/${event.slug}/checkin`, { code: ticketCode(hashToken(oldToken)) });
  t.equal(old.statusCode, 200, 'the old ticket still works too');
  const unknown = await organiser.post(`/manage/events/${event.slug}/checkin`, { code: ticketCode(hashToken(newToken())) });
  t.equal(unknown.statusCode, 400);
});

t.test('promotion from the waiting list sends a link that supersedes a pending one', async (t) => {
  const { app, db } = await build(t);
  const event = await openSeminar(db);
  await db.updateTable('events').set({ capacity: event.confirmed_count }).where('id', '=', event.id).execute();
  const email = 'waits@participant.test';
  const oldToken = await registerOwner(app, event.slug, email);
  t.equal((await rowOf(db, email)).status, 'waitlisted');
  await registerAgain(app, event.slug, email);
  const repeatMail = (await outboxFor(db, email))[1];
  t.same(repeatMail?.attachments, [], 'no ticket while waiting');
  const pending = linkIn(repeatMail?.text_body);

  const seatedToken = newToken();
  const seated = await db.selectFrom('registrations').select('id').where('event_id', '=', event.id).where('status', '=', 'confirmed')
    .orderBy('id').executeTakeFirstOrThrow();
  await db.updateTable('registrations').set({ token_hash: hashToken(seatedToken) }).where('id', '=', seated.id).execute();
  const agent = new Agent(app);
  await agent.get(`/registrations/${seatedToken}/cancel`);
  t.equal((await agent.post(`/registrations/${seatedToken}/cancel`)).statusCode, 303);

  const row = await rowOf(db, email);
  t.equal(row.status, 'confirmed');
  t.equal(row.pending_token_hash, null, 'the promotion link supersedes the pending one');
  const promoted = linkIn((await outboxFor(db, email)).at(-1)?.text_body);
  t.equal(row.token_hash, hashToken(promoted));
  t.equal((await agent.get(`/registrations/${pending}`)).statusCode, 404);
  t.equal((await agent.get(`/registrations/${oldToken}`)).statusCode, 404);
  t.equal((await agent.get(`/registrations/${promoted}`)).statusCode, 200);
});
