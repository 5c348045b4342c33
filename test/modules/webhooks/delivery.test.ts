import { sql } from 'kysely';
import t from 'tap';
import { buildApp } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import type { Database } from '../../../src/db/index.ts';
import { submitEntry } from '../../../src/modules/entries/service.ts';
import type { MailTransport } from '../../../src/modules/mail/transport.ts';
import { deliverDueWebhooks } from '../../../src/modules/webhooks/worker.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { cloneTemplate, DEMO_PASSWORD } from '../../helpers/database.ts';
import { INTRUDER, OWNER, ownedEvent } from './fixtures.ts';
import { Receiver } from './receiver.ts';

/*
 * Webhooks from the change to the receiver: written in the change's transaction, signed the
 * Standard Webhooks way (checked by a receiver with the library's own verify), retried with
 * growing delays while the receiver is down, delivered after a restart by a new app on the same
 * database, never twice by two workers, and only to the organisations party to the item.
 */

const ENV = { DEMO_PASSWORD, LOG_LEVEL: 'silent', BASE_URL: 'http://ipcoop.test', WEBHOOK_ALLOW_PRIVATE: '1', RATE_LIMITS: 'off' };
const config = loadConfig(ENV);
const site = { baseUrl: config.baseUrl, domain: 'ipcoop.test' };
const noMail: MailTransport = { describe: 'none', send: async () => {}, close: () => {} };

const handle = await cloneTemplate();
t.teardown(() => handle.close());
const db: Database = handle.db;
let app = await buildApp({ config, db, logger: false, mailTransport: noMail });
t.teardown(() => app.close());

const receiver = await new Receiver().start(t);
const { event } = await ownedEvent(db, 'webhook-delivery');
const deliver = () => deliverDueWebhooks(db, config.webhooks, site);

/** Registers endpoints through the organisers' form; returns the id and the secret shown on request. */
async function register(agent: Agent, url: string, types: string[]) {
  const created = await agent.post('/manage/webhooks', { url, description: 'Our CRM', event_types: types, enabled: 'on' });
  if (created.statusCode !== 303) throw new Error(`endpoint not created: ${created.statusCode} ${created.body}`);
  const id = Number(/\/manage\/webhooks\/(\d+)$/.exec(created.headers.location as string)?.[1]);
  const page = await agent.post(`/manage/webhooks/${id}/secret`);
  const secret = /<code id="webhook-secret">(whsec_[A-Za-z0-9+/=]+)<\/code>/.exec(page.body)?.[1] ?? '';
  return { id, secret };
}

const ALL = ['registration.created', 'registration.cancelled', 'registration.promoted', 'checkin.created'];
const organiser = await signedIn(app, OWNER);
const mine = await register(organiser, receiver.url, ALL);
receiver.secret = mine.secret;
// Another organisation's endpoint: the item is not theirs, so nothing of it may reach them.
const intruder = await signedIn(app, INTRUDER);
const theirs = await register(intruder, `${receiver.url}?customs`, ALL);

const participant = new Agent(app);
async function registerPerson(email: string) {
  await participant.get(`/events/${event.slug}`);
  const res = await participant.post(`/events/${event.slug}/register`, { name: 'Chan Tai Man', email, organisation: '', side: 'HK', consent: 'on' });
  if (res.statusCode !== 303) throw new Error(`registration failed: ${res.statusCode}`);
  return (res.headers.location as string).split('/').pop() ?? '';
}

const deliveriesOf = (endpointId: number) => db.selectFrom('webhook_deliveries as d').innerJoin('webhook_events as e', 'e.id', 'd.event_id')
  .where('d.endpoint_id', '=', endpointId).select(['d.id', 'd.status', 'd.attempts', 'e.type', 'e.message_id']).orderBy('d.id').execute();

t.test('the secret is a Standard Webhooks secret, shown only on request', async (t) => {
  t.match(mine.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  const page = await organiser.get(`/manage/webhooks/${mine.id}`);
  t.equal(page.statusCode, 200);
  t.notOk(page.body.includes(mine.secret), 'the page a GET brings up does not show it');
});

t.test('a registration is reported, signed, to the endpoints of the organisations party to the item only', async (t) => {
  const token = await registerPerson('first@participant.test');
  const mineQueued = await deliveriesOf(mine.id);
  t.same(mineQueued.map((d) => [d.type, d.status]), [['registration.created', 'pending']], 'queued in the same transaction');
  t.same(await deliveriesOf(theirs.id), [], 'nothing for the other organisation');

  const report = await deliver();
  t.same(report, { delivered: 1, retried: 0, failed: 0 });
  t.equal(receiver.received.length, 1);
  const [got] = receiver.received;
  t.ok(got?.verified, 'the signature verifies with the endpoint secret');
  t.equal(got?.id, mineQueued[0]?.message_id, 'webhook-id is the message id');
  t.match(got?.headers['webhook-signature'], /^v1,[A-Za-z0-9+/=]+$/);
  t.match(got?.body, { type: 'registration.created', data: { event: { id: event.id, slug: event.slug }, item_id: event.item_id } });
  const registration = await db.selectFrom('registrations').where('email', '=', 'first@participant.test').select(['id', 'status'])
    .executeTakeFirstOrThrow();
  t.match(got?.body, { data: { registration: { id: registration.id, status: 'confirmed' } } });
  t.notOk(JSON.stringify(got?.body).includes('Chan Tai Man'), 'no personal data in the payload');
  t.ok(token.length > 20);

  const log = await db.selectFrom('webhook_attempts').innerJoin('webhook_deliveries as d', 'd.id', 'webhook_attempts.delivery_id')
    .where('d.endpoint_id', '=', mine.id).select(['status_code', 'error', 'response_body']).execute();
  t.same(log, [{ status_code: 200, error: null, response_body: 'thanks' }], 'the attempt is in the delivery log');
  const page = await organiser.get(`/manage/webhooks/${mine.id}`);
  t.match(page.body, 'registration.created');
  t.match(page.body, mineQueued[0]?.message_id ?? '-');
});

t.test('cancelling, promotion from the waiting list and check-in are reported', async (t) => {
  receiver.received.length = 0;
  const waiting = await registerPerson('second@participant.test');
  const first = await db.selectFrom('registrations').where('email', '=', 'first@participant.test').select('id').executeTakeFirstOrThrow();
  const second = await db.selectFrom('registrations').where('email', '=', 'second@participant.test').select(['id', 'status'])
    .executeTakeFirstOrThrow();
  t.equal(second.status, 'waitlisted');
  t.ok(waiting);
  // The first cancels from the manage page; the second moves up.
  const links = await db.selectFrom('mail_outbox').where('to_address', '=', 'first@participant.test').select('text_body').execute();
  const firstToken = /\/registrations\/([A-Za-z0-9_-]{43})/.exec(links[0]?.text_body ?? '')?.[1] ?? '';
  const manage = new Agent(app);
  await manage.get(`/registrations/${firstToken}`);
  t.equal((await manage.post(`/registrations/${firstToken}/cancel`)).statusCode, 303);
  const checkin = await organiser.post(`/manage/events/${event.slug}/checkin/${second.id}`, { present: 'yes' });
  t.equal(checkin.statusCode, 200);

  t.same((await deliver()).delivered, 4);
  // Sent a few at a time: they may arrive in any order (docs/RELIABILITY.md).
  t.same(receiver.received.map((r) => r.type).sort(),
    ['checkin.created', 'registration.cancelled', 'registration.created', 'registration.promoted']);
  t.ok(receiver.received.every((r) => r.verified));
  const got = (type: string) => receiver.received.find((r) => r.type === type)?.body;
  t.match(got('registration.created'), { data: { registration: { id: second.id } } });
  t.match(got('registration.cancelled'), { data: { registration: { id: first.id, status: 'cancelled' } } });
  t.match(got('registration.promoted'), { data: { registration: { id: second.id } } });
  t.match(got('checkin.created'), { data: { registration: { id: second.id, status: 'confirmed' } } });
});

t.test('a receiver that is down: retried with growing delays, then delivered, the same message each time', async (t) => {
  receiver.received.length = 0;
  receiver.answer = 503;
  await registerPerson('third@participant.test');
  const [delivery] = (await deliveriesOf(mine.id)).filter((d) => d.status === 'pending');
  t.ok(delivery);
  const id = delivery?.id ?? 0;
  const gap = async () => (await sql<{ s: number }>`select extract(epoch from next_attempt_at - last_attempt_at)::float8 as s
    from webhook_deliveries where id = ${id}`.execute(db)).rows[0]?.s;

  t.same(await deliver(), { delivered: 0, retried: 1, failed: 0 });
  t.equal(await gap(), config.webhooks.retrySeconds, 'first retry after the base delay');
  t.same(await deliver(), { delivered: 0, retried: 0, failed: 0 }, 'not attempted again before it is due');
  await db.updateTable('webhook_deliveries').set({ next_attempt_at: sql`now()` }).where('id', '=', id).execute();
  t.same(await deliver(), { delivered: 0, retried: 1, failed: 0 });
  t.equal(await gap(), config.webhooks.retrySeconds * 4, 'then four times longer');
  const endpoint = await db.selectFrom('webhook_endpoints').where('id', '=', mine.id).select('failing_since').executeTakeFirstOrThrow();
  t.ok(endpoint.failing_since, 'the endpoint is known to be failing');

  receiver.answer = 200;
  await db.updateTable('webhook_deliveries').set({ next_attempt_at: sql`now()` }).where('id', '=', id).execute();
  t.same(await deliver(), { delivered: 1, retried: 0, failed: 0 });
  t.equal(receiver.received.length, 3);
  t.equal(new Set(receiver.received.map((r) => r.id)).size, 1, 'every attempt carries the same webhook-id');
  t.ok(receiver.received.every((r) => r.verified));
  const log = await db.selectFrom('webhook_attempts').where('delivery_id', '=', id).select('status_code').orderBy('id').execute();
  t.same(log.map((a) => a.status_code), [503, 503, 200]);
  const after = await db.selectFrom('webhook_endpoints').where('id', '=', mine.id).select('failing_since').executeTakeFirstOrThrow();
  t.equal(after.failing_since, null, 'a success ends the run of failures');
});

t.test('two workers at once never deliver the same message twice', async (t) => {
  receiver.received.length = 0;
  const extra = await db.insertInto('events').values({
    item_id: event.item_id, slug: 'webhook-crowd', kind: 'seminar', title: 'Crowd', starts_at: new Date(Date.now() + 86_400_000 * 30),
    ends_at: new Date(Date.now() + 86_400_000 * 30 + 3_600_000), capacity: 100, status: 'published', waitlist_enabled: false,
  }).returning('slug').executeTakeFirstOrThrow();
  const crowd = new Agent(app);
  await crowd.get(`/events/${extra.slug}`);
  for (let i = 0; i < 12; i++) {
    await crowd.post(`/events/${extra.slug}/register`, { name: `P ${i}`, email: `crowd-${i}@participant.test`, organisation: '', side: 'MO', consent: 'on' });
  }
  const [a, b] = await Promise.all([deliver(), deliver()]);
  t.equal((a?.delivered ?? 0) + (b?.delivered ?? 0), 12, 'all delivered between them');
  t.equal(receiver.received.length, 12, 'each received once');
  t.equal(new Set(receiver.received.map((r) => r.id)).size, 12);
});

t.test('manual redelivery sends the same message again; only the endpoint\'s owners may ask', async (t) => {
  receiver.received.length = 0;
  const [delivered] = (await deliveriesOf(mine.id)).filter((d) => d.status === 'delivered');
  const id = delivered?.id ?? 0;
  t.equal((await intruder.post(`/manage/webhooks/${mine.id}/deliveries/${id}/redeliver`)).statusCode, 404, 'another organisation: not found');
  t.equal((await intruder.post(`/manage/webhooks/${theirs.id}/deliveries/${id}/redeliver`)).statusCode, 404,
    'a delivery of another endpoint: not found');
  const res = await organiser.post(`/manage/webhooks/${mine.id}/deliveries/${id}/redeliver`);
  t.equal(res.statusCode, 303);
  t.equal((await organiser.post(`/manage/webhooks/${mine.id}/deliveries/${id}/redeliver`)).statusCode, 409, 'already queued');
  t.same(await deliver(), { delivered: 1, retried: 0, failed: 0 });
  t.same(receiver.received.map((r) => r.id), [delivered?.message_id]);
});

t.test('an endpoint failing for days is turned off and its owner emailed; turning it on starts afresh', async (t) => {
  receiver.answer = 500;
  await registerPerson('fourth@participant.test');
  await db.updateTable('webhook_endpoints').set({ failing_since: sql`now() - interval '6 days'` }).where('id', '=', mine.id).execute();
  t.same(await deliver(), { delivered: 0, retried: 1, failed: 0 });
  const endpoint = await db.selectFrom('webhook_endpoints').where('id', '=', mine.id).select(['enabled', 'disabled_reason'])
    .executeTakeFirstOrThrow();
  t.same(endpoint, { enabled: false, disabled_reason: 'failures' });
  const mail = await db.selectFrom('mail_outbox').where('to_address', '=', OWNER).where('subject', '=', 'A webhook endpoint has been turned off')
    .select('text_body').execute();
  t.equal(mail.length, 1, 'the owner is told once');
  t.match(mail[0]?.text_body, `/manage/webhooks/${mine.id}`);
  t.match(mail[0]?.text_body, receiver.url);
  await db.updateTable('webhook_deliveries').set({ next_attempt_at: sql`now()` }).where('endpoint_id', '=', mine.id).execute();
  t.same(await deliver(), { delivered: 0, retried: 0, failed: 0 }, 'nothing goes to a disabled endpoint');
  t.match((await organiser.get(`/manage/webhooks/${mine.id}`)).body, 'turned off because every attempt');

  receiver.answer = 200;
  const saved = await organiser.post(`/manage/webhooks/${mine.id}`, { url: receiver.url, description: 'Our CRM', event_types: ALL, enabled: 'on' });
  t.equal(saved.statusCode, 303);
  const on = await db.selectFrom('webhook_endpoints').where('id', '=', mine.id).select(['enabled', 'disabled_reason', 'failing_since'])
    .executeTakeFirstOrThrow();
  t.same(on, { enabled: true, disabled_reason: null, failing_since: null });
  t.equal((await deliver()).delivered, 1, 'what waited is sent');
});

t.test('results, delegations and entries are reported too', async (t) => {
  receiver.received.length = 0;
  await organiser.post(`/manage/webhooks/${mine.id}`, {
    url: receiver.url, description: 'Our CRM', event_types: ['delegation.confirmed', 'entry.submitted', 'results.published'], enabled: 'on',
  });
  // A proposed delegation of a programme of the item, confirmed by its organiser.
  const programme = await db.selectFrom('programmes').where('item_id', '=', event.item_id).select('id').executeTakeFirst()
    ?? await db.insertInto('programmes').values({
      item_id: event.item_id, slug: 'webhook-programme', title: 'Exchange', starts_on: '2027-03-01', ends_on: '2027-03-05',
    }).returning('id').executeTakeFirstOrThrow();
  const delegation = await db.insertInto('delegations').values({
    programme_id: programme.id, name: 'Visiting team', from_side: 'GD', to_side: 'HK', contact_name: 'Lead', contact_email: 'lead@gd.test',
    status: 'proposed',
  }).returning('id').executeTakeFirstOrThrow();
  t.equal((await organiser.post(`/manage/delegations/${delegation.id}/confirm`)).statusCode, 303);
  t.equal((await deliver()).delivered, 1);
  t.match(receiver.received[0]?.body, { type: 'delegation.confirmed', data: { delegation: { id: delegation.id, status: 'confirmed' } } });
  t.ok(receiver.received[0]?.verified);

  // An entry to a contest of the item, then its results published by the organiser.
  const contest = await db.insertInto('contests').values({
    item_id: event.item_id, slug: 'webhook-contest', kind: 'youth_invention', title: 'Inventions', status: 'open',
  }).returning(['id', 'slug', 'title', 'item_id', 'entry_closes_at']).executeTakeFirstOrThrow();
  const { reference } = await submitEntry(db, contest, {
    title: 'A better lock', applicant_name: 'Wong Siu Ming', applicant_type: 'school', side: 'MO', category_id: null, summary: 'It locks.',
    contact_email: 'wong@school.test', details: {},
  }, [], { ...site, dataDir: '/nonexistent' });
  const entry = await db.selectFrom('entries').where('reference', '=', reference).select('id').executeTakeFirstOrThrow();
  const tier = await db.insertInto('award_tiers').values({ contest_id: contest.id, code: 'gold', name: 'Gold', rank: 1, quota: 1 })
    .returning('id').executeTakeFirstOrThrow();
  await db.insertInto('award_grants').values({ tier_id: tier.id, entry_id: entry.id }).execute();
  t.equal((await organiser.post(`/manage/contests/${contest.slug}/publish`)).statusCode, 303);
  t.equal((await deliver()).delivered, 2);
  const got = (type: string) => receiver.received.find((r) => r.type === type)?.body;
  t.match(got('entry.submitted'), { data: { entry: { id: entry.id, reference }, contest: { id: contest.id } } });
  t.notOk(JSON.stringify(got('entry.submitted')).includes('Wong'), 'not who entered: a blind contest\'s judges must not learn it');
  t.match(got('results.published'), { data: { contest: { id: contest.id, slug: contest.slug } } });
  await organiser.post(`/manage/webhooks/${mine.id}`, { url: receiver.url, description: 'Our CRM', event_types: ALL, enabled: 'on' });
});

t.test('an administrator\'s endpoint receives the events of every item', async (t) => {
  receiver.received.length = 0;
  const admin = await signedIn(app, 'admin@ipcoop.test');
  const everything = await register(admin, `${receiver.url}?admin`, ['registration.created']);
  const row = await db.selectFrom('webhook_endpoints').where('id', '=', everything.id).select('organisation_id').executeTakeFirstOrThrow();
  t.equal(row.organisation_id, null);
  await registerPerson('sixth@participant.test');
  t.same((await deliveriesOf(everything.id)).map((d) => d.type), ['registration.created']);
  t.same((await deliver()).delivered, 2, 'to the organisation\'s endpoint and the administrator\'s');
  t.equal(receiver.received.length, 2);
  t.equal((await admin.post(`/manage/webhooks/${everything.id}/delete`)).statusCode, 303);
  t.same(await deliveriesOf(everything.id), [], 'its deliveries go with it');
});

t.test('a delivery survives the receiver being down and a restart of the app', async (t) => {
  receiver.received.length = 0;
  await receiver.stop();
  await registerPerson('fifth@participant.test');
  t.same(await deliver(), { delivered: 0, retried: 1, failed: 0 }, 'connection refused: kept for a retry');
  const [pending] = (await deliveriesOf(mine.id)).filter((d) => d.status === 'pending');
  const attempt = await db.selectFrom('webhook_attempts').where('delivery_id', '=', pending?.id ?? 0).select(['status_code', 'error'])
    .executeTakeFirstOrThrow();
  t.equal(attempt.status_code, null);
  t.ok(attempt.error);

  await app.close();
  await receiver.start();
  await db.updateTable('webhook_deliveries').set({ next_attempt_at: sql`now()` }).where('id', '=', pending?.id ?? 0).execute();
  // A new app on the same database, with its background workers, as `npm start` runs it.
  app = await buildApp({ config, db, logger: false, mailTransport: noMail, runMailWorker: true });
  // Until the worker has recorded the delivery (the receiver has it a moment before that).
  const status = async () => (await db.selectFrom('webhook_deliveries').where('id', '=', pending?.id ?? 0).select('status')
    .executeTakeFirstOrThrow()).status;
  for (let waited = 0; (await status()) !== 'delivered' && waited < 15_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  t.equal(receiver.received.length, 1, 'delivered by the new app\'s worker');
  t.equal(receiver.received[0]?.id, pending?.message_id);
  t.ok(receiver.received[0]?.verified);
  const after = await db.selectFrom('webhook_deliveries').where('id', '=', pending?.id ?? 0).select(['status', 'attempts'])
    .executeTakeFirstOrThrow();
  t.same(after, { status: 'delivered', attempts: 2 });
});
