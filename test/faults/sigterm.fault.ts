import t from 'tap';
import {
  createEvent, figure, registrationsOf, registrationStream, seededDatabase, sleep, startApp, startCluster, startSink,
  stopwatch, tally,
} from './support.ts';

/*
 * SIGTERM while registrations pour in: the server stops taking new requests, answers every
 * request it had accepted (no connection reset for those), lets the mail worker finish the
 * message in hand, closes the database and exits 0. "Accepted" is read from the database: a
 * registration the server wrote must have had its 303 delivered to the client.
 */

t.test('SIGTERM under load', async (t) => {
  const lap = stopwatch(t);
  const cluster = await startCluster(t);
  const handle = await seededDatabase(cluster);
  t.teardown(() => handle.close());
  const event = await createEvent(handle, 'sigterm', 100);
  const sink = await startSink(t);
  const app = await startApp(t, { DATABASE_URL: cluster.url('ipcoop'), SMTP_URL: sink.url });
  await app.ready();
  lap('app up');

  let stop = false;
  const stream = registrationStream({ bases: [app.url], slug: event.slug, concurrency: 16, stop: () => stop, tag: 'term' });
  await sleep(2_500);
  const termAt = Date.now();
  app.child.kill('SIGTERM');
  const { code, signal } = await app.exited;
  const exitedAt = Date.now();
  lap('shut down');
  await sleep(300);
  stop = true;
  const attempts = await stream;

  t.equal(code, 0, 'exit code 0');
  t.equal(signal, null, 'the process ended by itself, not by a signal');
  t.ok(exitedAt - termAt < 10_000, `shut down in ${exitedAt - termAt} ms, within the grace period`);

  const counts = tally(attempts);
  t.same(attempts.filter((a) => typeof a.status === 'number' && ![303, 409, 503].includes(a.status)).map((a) => a.status), [],
    `no other answer than 303, 409 (full) and 503 (closing): ${JSON.stringify(counts)}`);
  const inFlight = attempts.filter((a) => a.at < termAt && a.done > termAt);
  t.ok(inFlight.length > 0, `requests were in flight at SIGTERM (${inFlight.length})`);
  t.ok(inFlight.filter((a) => a.status === 303).length > 0, 'in-flight registrations were completed');

  const { rows, emails, counter } = await registrationsOf(handle, event.id);
  const answered = new Set(attempts.filter((a) => a.status === 303 || a.status === 409).map((a) => a.email));
  t.same(rows.filter((r) => !answered.has(r.email)).map((r) => r.email), [],
    'every registration the server wrote had its answer delivered: nothing accepted was cut off');
  t.same(attempts.filter((a) => a.status === 303 && !emails.has(a.email)).map((a) => a.email), [], 'every 303 is in the database');
  const cutOff = attempts.filter((a) => a.status === 'network');
  t.same(cutOff.filter((a) => emails.has(a.email)).map((a) => a.email), [], 'requests that failed on the network were never processed');
  t.equal(counter, rows.filter((r) => r.status === 'confirmed').length, 'the counter agrees with the rows');
  const queued = await handle.db.selectFrom('mail_outbox').where('to_address', 'like', 'term-%').select(['status']).execute();
  t.equal(queued.length, rows.length, 'each registration has its message queued (sent, or waiting for the next start)');
  t.notMatch(app.output(), /"level":(50|60)/, 'no error logged on the way out');

  figure(t, 'sigterm', {
    requests: attempts.length, answers: counts, inFlightAtSigterm: inFlight.length,
    completedAfterSigterm: inFlight.filter((a) => a.status === 303).length, shutdownMs: exitedAt - termAt, exitCode: code,
    registrations: rows.length, lost: attempts.filter((a) => a.status === 303 && !emails.has(a.email)).length,
    mailSentBeforeExit: queued.filter((q) => q.status === 'sent').length,
  });
});
