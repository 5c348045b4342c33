import t from 'tap';
import { hashToken, newToken } from '../../src/lib/tokens.ts';
import { claimDueJobs, scheduleJob } from '../../src/modules/jobs/jobs.ts';
import { EVENT_REMINDER, reminderKey } from '../../src/modules/registrations/reminder.ts';
import {
  createEvent, deliveryCounts, figure, outboxDrained, seededDatabase, sleep, startApp, startCluster, startSink, stopwatch, until,
} from './support.ts';

/*
 * Scheduled messages on two instances sharing one PostgreSQL database: each event's reminder
 * goes to each of its registrants exactly once, although one job was claimed by an instance
 * that died before finishing it, and one instance is killed while the reminders go out and
 * started again.
 */

const EVENTS = 24;
const PEOPLE = 8;
const LEASE_SECONDS = 3;

t.test('reminders from two instances, through a crash between claim and finish', async (t) => {
  const lap = stopwatch(t);
  const cluster = await startCluster(t);
  const handle = await seededDatabase(cluster);
  t.teardown(() => handle.close());
  const db = handle.db;

  const events: { id: number; slug: string }[] = [];
  for (let e = 0; e < EVENTS; e++) {
    const event = await createEvent(handle, `sched-${e}`, null);
    events.push(event);
    await db.insertInto('registrations').values(Array.from({ length: PEOPLE }, (_, p) => ({
      event_id: event.id, name: `Person ${e}-${p}`, email: `sched-${e}-${p}@example.test`, side: 'HK' as const, status: 'confirmed' as const,
      answers: '{}', token_hash: hashToken(newToken()), language: p % 2 === 0 ? 'en' : 'zh-Hant',
    }))).execute();
  }
  const item = await db.selectFrom('events').select('item_id').where('id', '=', events[0]!.id).executeTakeFirstOrThrow();
  const schedule = (event: { id: number }, runAt: Date) => scheduleJob(db, {
    kind: EVENT_REMINDER, key: reminderKey(event.id), runAt, payload: { eventId: event.id }, itemId: item.item_id,
  });

  // An instance claimed the first reminder and died before finishing it: the claim is all that is left.
  const [first, ...rest] = events;
  await schedule(first!, new Date(Date.now() - 1000));
  const [dead] = await claimDueJobs(db, 1, LEASE_SECONDS);
  t.equal(dead?.key, reminderKey(first!.id), 'claimed by an instance that is gone');
  lap('data ready');

  const sink = await startSink(t);
  const env = {
    DATABASE_URL: cluster.url('ipcoop'), SMTP_URL: sink.url, JOB_LEASE_SECONDS: String(LEASE_SECONDS), MAIL_LEASE_SECONDS: '5',
  };
  const a = await startApp(t, env, 'instance A');
  const b = await startApp(t, env, 'instance B');
  await Promise.all([a.ready(), b.ready()]);
  lap('both instances up');

  // The rest fall due over the next few seconds, while both instances run.
  const start = Date.now();
  for (const [n, event] of rest.entries()) await schedule(event, new Date(start + 500 + n * 150));

  // Instance A is killed while the reminders go out, and started again.
  await until('some reminders to be done', async () => {
    const done = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'done').executeTakeFirstOrThrow();
    return Number(done.n) >= 3;
  }, 30_000, 20);
  a.child.kill('SIGKILL');
  await a.exited;
  lap('instance A killed');
  const again = await startApp(t, env, 'instance A, restarted');
  await again.ready();
  lap('instance A restarted');

  await until('every reminder to be done', async () => {
    const left = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '<>', 'done').executeTakeFirstOrThrow();
    return Number(left.n) === 0;
  }, 60_000, 100);
  lap('jobs done');
  const outbox = await outboxDrained(handle, 'sched-%', 60_000);
  await until('the sink to see every message', () => sink.deliveries.length >= EVENTS * PEOPLE, 15_000);
  await sleep(1_000);
  lap('reminders delivered');

  const jobs = await db.selectFrom('jobs').select(['key', 'status', 'attempts']).execute();
  t.equal(jobs.length, EVENTS, 'one job per event');
  t.ok(jobs.every((j) => j.status === 'done'), 'every job done');
  t.equal(jobs.find((j) => j.key === reminderKey(first!.id))?.attempts, 2, 'the dead claim taken up again when its lease ended');
  t.equal(outbox.length, EVENTS * PEOPLE, 'one reminder queued per registrant');
  const { byRecipient, repeatedIds } = deliveryCounts(sink.deliveries);
  const everyone = events.flatMap((_, e) => Array.from({ length: PEOPLE }, (__, p) => `sched-${e}-${p}@example.test`));
  t.same(everyone.filter((email) => byRecipient.get(email) !== 1), [], 'each registrant reminded exactly once');
  t.same(repeatedIds, [], 'no message sent twice');
  t.ok(sink.deliveries.some((d) => d.subject.startsWith('Reminder: ')), 'in English');
  t.ok(sink.deliveries.some((d) => d.subject.startsWith('=?UTF-8?') || d.subject.startsWith('提示：')), 'and in Chinese');
  t.ok(b.alive() && again.alive(), 'both instances up');
  figure(t, 'scheduled-messages', {
    events: EVENTS, registrants: EVENTS * PEOPLE, delivered: sink.deliveries.length, duplicates: repeatedIds.length,
    retriedJobs: jobs.filter((j) => j.attempts > 1).length,
  });
});
