import { sql } from 'kysely';
import t from 'tap';
import { loadConfig } from '../../../src/config.ts';
import { jobPruningWork, pruneEndedJobs, scheduleJob } from '../../../src/modules/jobs/jobs.ts';
import { build } from '../../helpers/app.ts';

/* Jobs that ended (done, cancelled, failed) are deleted JOB_KEEP_DAYS later; pending jobs never are. */

const daysAgo = (n: number) => sql<Date>`now() - make_interval(days => ${n})`;

t.test('ended jobs older than JOB_KEEP_DAYS are pruned; pending and recent ones stay', async (t) => {
  const { app, db, config } = await build(t, { env: { JOB_KEEP_DAYS: '40' } });
  t.equal(config.jobKeepDays, 40);
  const job = async (key: string, status: 'pending' | 'done' | 'cancelled' | 'failed', endedDaysAgo: number | null) => {
    const id = await scheduleJob(db, { kind: 'test-kind', key, runAt: new Date(Date.now() - 400 * 86_400_000) });
    await db.updateTable('jobs').set({ status, done_at: endedDaysAgo === null ? null : daysAgo(endedDaysAgo) }).where('id', '=', id).execute();
    return id;
  };
  const before = await db.selectFrom('jobs').select('id').orderBy('id').execute();
  const kept = [
    await job('pending-long-overdue', 'pending', null),
    await job('done-recently', 'done', 39),
    await job('failed-recently', 'failed', 10),
    await job('cancelled-recently', 'cancelled', 1),
  ];
  const pruned = [
    await job('done-long-ago', 'done', 41),
    await job('failed-long-ago', 'failed', 200),
    await job('cancelled-long-ago', 'cancelled', 41),
  ];

  const lines: string[] = [];
  const log: typeof app.log = Object.create(app.log, {
    info: { value: (obj: unknown, msg: string) => lines.push(`${JSON.stringify(obj)} ${msg}`) },
  }) as typeof app.log;
  await jobPruningWork(db, log, config.jobKeepDays).run(() => false);
  const left = (await db.selectFrom('jobs').select('id').orderBy('id').execute()).map((r) => r.id);
  for (const id of kept) t.ok(left.includes(id), `job ${id} kept`);
  for (const id of pruned) t.notOk(left.includes(id), `job ${id} pruned`);
  t.same(before.map((r) => r.id).filter((id) => !left.includes(id)), [], 'the jobs there before are untouched');
  t.match(lines, [/"pruned":3.*ended jobs pruned/]);

  t.equal(await pruneEndedJobs(db, config.jobKeepDays), 0, 'a second run finds nothing');
  // A pruned keyed job may be scheduled again: it comes back as a fresh pending job.
  const again = await scheduleJob(db, { kind: 'test-kind', key: 'done-long-ago', runAt: new Date() });
  t.match(await db.selectFrom('jobs').selectAll().where('id', '=', again).executeTakeFirst(), { status: 'pending', attempts: 0 });
});

t.test('pruning goes a batch at a time until nothing old is left', async (t) => {
  const { db } = await build(t);
  const ids = [];
  for (let i = 0; i < 7; i++) ids.push(await scheduleJob(db, { kind: 'test-kind', runAt: new Date() }));
  await db.updateTable('jobs').set({ status: 'done', done_at: daysAgo(100) }).where('id', 'in', ids).execute();
  t.equal(await pruneEndedJobs(db, 90, () => false, 3), 7, 'three batches');
  t.equal((await db.selectFrom('jobs').select('id').where('id', 'in', ids).execute()).length, 0);
  const stopped = await scheduleJob(db, { kind: 'test-kind', runAt: new Date() });
  await db.updateTable('jobs').set({ status: 'done', done_at: daysAgo(100) }).where('id', '=', stopped).execute();
  t.equal(await pruneEndedJobs(db, 90, () => true), 0, 'a stopping runner prunes nothing more');
});

t.test('JOB_KEEP_DAYS is a whole number of days, at least 30', (t) => {
  t.equal(loadConfig({}).jobKeepDays, 90, '90 days by default');
  t.throws(() => loadConfig({ JOB_KEEP_DAYS: '29' }), /JOB_KEEP_DAYS/);
  t.throws(() => loadConfig({ JOB_KEEP_DAYS: '45.5' }), /JOB_KEEP_DAYS/);
  t.throws(() => loadConfig({ JOB_KEEP_DAYS: 'month' }), /JOB_KEEP_DAYS/);
  t.end();
});
