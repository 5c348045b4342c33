import t from 'tap';
import {
  createEvent, deliveryCounts, figure, healthProbe, outboxDrained, registrationsOf, registrationStream, seededDatabase,
  sleep, startApp, startCluster, startSink, tally, until,
} from './support.ts';

/*
 * PostgreSQL restarted under a stream of registrations: the app answers 503 for what it cannot
 * do, never 500 and never a dropped connection, stays up, recovers by itself, and every
 * registration it confirmed (303) is in the database afterwards, its email sent once.
 */

t.test('PostgreSQL restarted twice while registrations stream in', async (t) => {
  const cluster = await startCluster(t);
  const handle = await seededDatabase(cluster);
  t.teardown(() => handle.close());
  const event = await createEvent(handle, 'db-restart', null);
  const sink = await startSink(t);
  const app = await startApp(t, { DATABASE_URL: cluster.url('ipcoop'), SMTP_URL: sink.url, MAIL_RETRY_SECONDS: '1' });
  await app.ready();

  const health = healthProbe(app.url, 50);
  let stop = false;
  const stream = registrationStream({ bases: [app.url], slug: event.slug, concurrency: 6, stop: () => stop, tag: 'dbr', pauseMs: 20 });
  await sleep(2_000);

  // 1. pg_ctl restart -m fast: every connection ends at once, the server is back within a second.
  const restartAt = Date.now();
  await cluster.restart();
  const restartedAt = Date.now();
  await until('healthz to answer 200 after the restart', async () => (await fetch(`${app.url}/healthz`)).status === 200, 15_000, 50);
  const recovered1 = Date.now() - restartedAt;
  await sleep(1_500);

  // 2. A longer outage: down for three seconds, then back.
  const downAt = Date.now();
  await cluster.stop('fast');
  const stoppedAt = Date.now();
  await sleep(3_000);
  const upAt = Date.now();
  await cluster.start();
  await until('healthz to answer 200 after the outage', async () => (await fetch(`${app.url}/healthz`)).status === 200, 15_000, 50);
  const recovered2 = Date.now() - upAt;
  await sleep(1_500);
  stop = true;
  const attempts = await stream;
  const probes = await health.stop();

  t.ok(app.alive(), 'the app never stopped');
  const counts = tally(attempts);
  t.same(Object.keys(counts).filter((k) => k !== '303' && k !== '503'), [], `only 303 and 503 answers: ${JSON.stringify(counts)}`);
  // Phases, not totals: how many fit in each depends on the machine, that some do does not.
  const through = (from: number, to: number) => attempts.filter((a) => a.status === 303 && a.at >= from && a.at < to).length;
  const phases = [through(0, restartAt), through(restartedAt + recovered1, downAt), through(upAt + recovered2, Number.POSITIVE_INFINITY)];
  t.ok(phases.every((n) => n > 0), `registrations went through before (${phases[0]}), between (${phases[1]}) and after (${phases[2]}) the outages`);
  t.ok((counts['503'] ?? 0) > 0, 'registrations the database could not take were answered 503');
  const afterRecovery = attempts.filter((a) => a.at > upAt + recovered2 + 500);
  t.ok(afterRecovery.length > 0 && afterRecovery.every((a) => a.status === 303), 'all registrations after recovery succeed');

  const healthDuringOutage = probes.filter((p) => p.at >= stoppedAt && p.at < upAt);
  t.ok(healthDuringOutage.length > 10, 'healthz was asked during the outage');
  t.ok(healthDuringOutage.every((p) => p.status === 503), 'healthz answered 503 while the database was down');
  t.same([...new Set(probes.map((p) => p.status))].filter((s) => s !== 200 && s !== 503), [], 'healthz only ever answered 200 or 503');
  t.ok(probes.filter((p) => p.at > upAt + recovered2).every((p) => p.status === 200), 'healthz answers 200 once recovered');
  t.ok(recovered1 < 5_000 && recovered2 < 5_000, `recovered within seconds (${recovered1} ms, ${recovered2} ms)`);

  const { rows, emails, counter } = await registrationsOf(handle, event.id);
  const confirmed303 = attempts.filter((a) => a.status === 303);
  t.same(confirmed303.filter((a) => !emails.has(a.email)).map((a) => a.email), [], 'every registration answered 303 is in the database');
  t.equal(counter, rows.filter((r) => r.status === 'confirmed').length, 'the counter agrees with the rows');

  const outbox = await outboxDrained(handle, 'dbr-%', 60_000);
  t.equal(outbox.length, rows.length, 'one email queued per registration');
  await until('the sink to see every message', () => new Set(sink.deliveries.map((d) => d.messageId)).size >= outbox.length, 10_000);
  const { byRecipient, repeatedIds } = deliveryCounts(sink.deliveries);
  t.same(rows.filter((r) => byRecipient.get(r.email) !== 1).map((r) => r.email), [], 'each registration got exactly one email');
  t.same(repeatedIds, [], 'no message delivered twice');

  figure(t, 'database-restart', {
    requests: attempts.length, answers: counts, restartDownMs: restartedAt - restartAt, outageMs: upAt - downAt,
    recoveredAfterRestartMs: recovered1, recoveredAfterOutageMs: recovered2, registrations: rows.length,
    lost: confirmed303.filter((a) => !emails.has(a.email)).length, emailsDelivered: sink.deliveries.length,
    duplicates: repeatedIds.length, healthProbes: probes.length,
  });
});
