import t from 'tap';
import {
  createEvent, deliveryCounts, figure, freePort, outboxDrained, registrationsOf, registrationStream, seededDatabase, sleep,
  startApp, startCluster, startSink, stopwatch, tally, until,
} from './support.ts';

/*
 * The app killed outright (SIGKILL: no shutdown, a message possibly half sent) while
 * registrations stream in and mail goes out, then started again: the outbox resumes where it
 * was, the message the dead process held is retried when its lease ends, and every
 * registration in the database has its confirmation delivered.
 */

const LEASE_SECONDS = 4;

t.test('SIGKILL mid-run, then a restart', async (t) => {
  const lap = stopwatch(t);
  const cluster = await startCluster(t);
  const handle = await seededDatabase(cluster);
  lap('cluster and database');
  t.teardown(() => handle.close());
  const event = await createEvent(handle, 'sigkill', 60);
  const sink = await startSink(t);
  // Each message takes the mail server a moment to accept, so the kill finds one in hand.
  sink.delayMs = 40;
  const port = await freePort();
  const env = {
    PORT: String(port), DATABASE_URL: cluster.url('ipcoop'), SMTP_URL: sink.url,
    MAIL_LEASE_SECONDS: String(LEASE_SECONDS), MAIL_RETRY_SECONDS: '1',
  };
  const first = await startApp(t, env, 'first process');
  await first.ready();
  lap('first process up');

  let stop = false;
  const stream = registrationStream({ bases: [first.url], slug: event.slug, concurrency: 4, stop: () => stop, tag: 'kill', pauseMs: 30 });
  await until('mail to be flowing', () => sink.deliveries.length >= 15, 20_000);
  lap('mail flowing');
  const killedAt = Date.now();
  first.child.kill('SIGKILL');
  const { signal } = await first.exited;
  t.equal(signal, 'SIGKILL', 'the first process was killed');
  const heldByTheDead = await handle.db.selectFrom('mail_outbox').where('to_address', 'like', 'kill-%')
    .where('status', '=', 'pending').where('next_attempt_at', '>', new Date()).select(['id', 'message_id']).execute();
  await sleep(1_000);

  const second = await startApp(t, env, 'second process');
  await second.ready();
  lap('second process up');
  const restartedAt = Date.now();
  await sleep(2_500);
  stop = true;
  const attempts = await stream;

  const counts = tally(attempts);
  const beforeKill = attempts.filter((a) => a.done < killedAt);
  const afterRestart = attempts.filter((a) => a.at > restartedAt);
  t.ok(beforeKill.every((a) => a.status === 303 || a.status === 409), 'before the kill, every registration was answered');
  t.ok(afterRestart.length > 0 && afterRestart.every((a) => a.status === 303 || a.status === 409), 'after the restart too');
  t.same(attempts.filter((a) => typeof a.status === 'number' && a.status >= 500).map((a) => a.status), [], 'no 5xx answer');

  const { rows, emails, counter, capacity } = await registrationsOf(handle, event.id);
  const ok303 = attempts.filter((a) => a.status === 303);
  t.same(ok303.filter((a) => !emails.has(a.email)).map((a) => a.email), [], 'every registration answered 303 is in the database');
  const confirmed = rows.filter((r) => r.status === 'confirmed').length;
  t.equal(counter, confirmed, 'the counter agrees with the rows');
  t.ok(confirmed <= (capacity ?? Infinity), 'no overbooking');

  const drainStart = Date.now();
  const outbox = await outboxDrained(handle, 'kill-%', 60_000);
  const drainedMs = Date.now() - drainStart;
  lap('outbox delivered');
  await until('the sink to see every message', () => new Set(sink.deliveries.map((d) => d.messageId)).size >= outbox.length, 10_000);
  await sleep(1_000);
  t.equal(outbox.length, rows.length, 'one message queued per registration, including those whose answer the kill cut off');
  const { byRecipient, byMessageId, repeatedIds } = deliveryCounts(sink.deliveries);
  t.same(rows.filter((r) => !byRecipient.has(r.email)).map((r) => r.email), [], 'nothing lost: every registration got its email');
  t.same(outbox.filter((m) => !byMessageId.has(m.message_id)).map((m) => m.message_id), [], 'every queued message was delivered');
  const messageIdsOf = (email: string) => new Set(sink.deliveries.filter((d) => d.to === email).map((d) => d.messageId));
  t.same(rows.filter((r) => messageIdsOf(r.email).size !== 1).map((r) => r.email), [], 'each registration got one message, never two different ones');
  // The one unavoidable repeat: a message the mail server accepted in the instant before the
  // kill, before the process could record it. It goes again with the same Message-ID.
  t.ok(repeatedIds.length <= 1, `at most the message in hand at the kill is repeated (${repeatedIds.length})`);
  t.ok(repeatedIds.every((id) => heldByTheDead.some((m) => m.message_id === id)), 'and only a message the killed process held');

  figure(t, 'sigkill', {
    requests: attempts.length, answers: counts, registrations: rows.length, heldByKilledProcess: heldByTheDead.length,
    leaseSeconds: LEASE_SECONDS, drainedMs, delivered: sink.deliveries.length, repeated: repeatedIds.length,
    lost: rows.filter((r) => !byRecipient.has(r.email)).length,
  });
});
