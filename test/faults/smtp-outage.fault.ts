import t from 'tap';
import {
  createEvent, deliveryCounts, figure, outboxDrained, registrationsOf, registrationStream, seededDatabase, sleep, startApp,
  startCluster, startSink, tally, until,
} from './support.ts';

/*
 * The mail server goes away while registrations stream in, and comes back: every message
 * queued meanwhile is delivered once it is back, exactly once each, with the Message-ID it
 * was given when queued; registering never depended on the mail server.
 */

t.test('the SMTP server down for a while, then back', async (t) => {
  const cluster = await startCluster(t);
  const handle = await seededDatabase(cluster);
  t.teardown(() => handle.close());
  const event = await createEvent(handle, 'smtp-outage', 40);
  const sink = await startSink(t);
  const app = await startApp(t, { DATABASE_URL: cluster.url('ipcoop'), SMTP_URL: sink.url, MAIL_RETRY_SECONDS: '2' });
  await app.ready();

  let stop = false;
  const stream = registrationStream({ bases: [app.url], slug: event.slug, concurrency: 4, stop: () => stop, tag: 'smtp', pauseMs: 20 });
  await until('some mail to go out', () => sink.deliveries.length >= 10, 20_000);

  const downAt = Date.now();
  await sink.down();
  const deliveredBefore = sink.deliveries.length;
  await sleep(6_000);
  const during = await handle.db.selectFrom('mail_outbox').where('to_address', 'like', 'smtp-%').where('status', '=', 'pending')
    .select(['attempts', 'last_error']).execute();
  t.ok(during.length > 0, `messages wait in the outbox while the mail server is down (${during.length})`);
  t.ok(during.some((m) => m.attempts > 0 && m.last_error), 'failed attempts are recorded, to be retried');
  t.equal(sink.deliveries.length, deliveredBefore, 'nothing was delivered while down');
  const upAt = Date.now();
  await sink.up();
  await sleep(1_000);
  stop = true;
  const attempts = await stream;
  t.ok(app.alive(), 'the app never stopped');

  const counts = tally(attempts);
  t.same(Object.keys(counts).filter((k) => k !== '303' && k !== '409'), [], `registering did not depend on the mail server: ${JSON.stringify(counts)}`);
  const { rows, emails } = await registrationsOf(handle, event.id);
  t.same(attempts.filter((a) => a.status === 303 && !emails.has(a.email)).map((a) => a.email), [], 'every 303 is in the database');

  const drainStart = Date.now();
  const outbox = await outboxDrained(handle, 'smtp-%', 60_000);
  const drainedMs = Date.now() - drainStart;
  await until('the sink to see every message', () => sink.deliveries.length >= outbox.length, 10_000);
  await sleep(1_500);
  t.equal(outbox.length, rows.length, 'one message queued per registration');
  t.ok(outbox.every((m) => m.status === 'sent'), 'every message sent, none given up');
  const { byRecipient, byMessageId, repeatedIds } = deliveryCounts(sink.deliveries);
  t.same(rows.filter((r) => byRecipient.get(r.email) !== 1).map((r) => r.email), [], 'every registration got exactly one email');
  t.same(repeatedIds, [], 'no message delivered twice');
  t.same(outbox.filter((m) => byMessageId.get(m.message_id) !== 1).map((m) => m.message_id), [],
    'each delivered under the Message-ID fixed when it was queued');
  const retried = outbox.filter((m) => m.attempts > 1).length;
  t.ok(retried > 0, `messages queued during the outage were retried (${retried})`);

  figure(t, 'smtp-outage', {
    registrations: rows.length, answers: counts, outageMs: upAt - downAt, queuedDuringOutage: during.length, retried,
    drainedAfterRecoveryMs: drainedMs, delivered: sink.deliveries.length, duplicates: repeatedIds.length,
    lost: rows.filter((r) => !byRecipient.has(r.email)).length,
  });
});
