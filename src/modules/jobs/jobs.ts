import type { FastifyBaseLogger } from 'fastify';
import { type Selectable, sql, type Transaction } from 'kysely';
import type { Executor } from '../../db/index.ts';
import type { DB, JobsTable } from '../../db/types.ts';
import { backoffSeconds, claimDue, recordWhileLeased, secondsFromNow } from './lease.ts';
import type { Work } from './runner.ts';

/*
 * Scheduled work: a job is something to do once, at a time. The modules above schedule jobs in
 * their own transactions (`scheduleJob`, `cancelJob`), and provide the handlers that do them;
 * the app hands the handlers to the runner (src/app.ts), so this module imports none of them.
 * A handler runs in one transaction with the mark that its job is done: what it writes (mail it
 * queues) is written once, whichever instance runs it and whatever dies on the way.
 */

export type Job = Selectable<JobsTable>;

export type NewJob = {
  kind: string;
  /** One logical job (`event-reminder:42`): scheduling the same key again moves that job. */
  key?: string | null;
  runAt: Date;
  payload?: Record<string, unknown>;
  /** The item the job is about, so that its organisers see it. */
  itemId?: number | null;
};

/** What a handler is told beside its payload. */
export type JobContext = { id: number; kind: string; key: string | null; itemId: number | null; runAt: Date; attempts: number };

/**
 * Does one job in `trx`, the transaction that then marks it done: throwing undoes what it wrote
 * and counts a failed attempt. A handler that finds nothing left to do (its event cancelled, say)
 * simply returns.
 */
export type JobHandler = (trx: Transaction<DB>, payload: Record<string, unknown>, ctx: JobContext) => Promise<void>;

/** The handlers by kind, put together where the app is composed. */
export type JobHandlers = Readonly<Record<string, JobHandler>>;

/** Attempts before a job is left failed, for an organiser to retry. */
export const MAX_JOB_ATTEMPTS = 5;
export const DEFAULT_JOB_LEASE_SECONDS = 120;
export const DEFAULT_JOB_RETRY_SECONDS = 30;

/**
 * Schedules a job in the caller's transaction (it exists if and only if the caller commits).
 * With a key, the job of that key is moved instead when its kind, time, payload or item differ,
 * or it was cancelled: it is pending again with a fresh set of attempts. Scheduled again as it
 * is, it stays as it is (a reminder already sent is not sent again). Returns the job's id.
 */
export async function scheduleJob(db: Executor, job: NewJob): Promise<number> {
  const values = {
    kind: job.kind, key: job.key ?? null, run_at: job.runAt, payload: JSON.stringify(job.payload ?? {}), item_id: job.itemId ?? null,
  };
  const row = await db.insertInto('jobs').values(values)
    .$if(job.key != null, (q) => q.onConflict((oc) => oc.column('key').doUpdateSet({
      kind: values.kind, run_at: values.run_at, payload: values.payload, item_id: values.item_id,
      status: 'pending', attempts: 0, locked_until: null, last_error: null, done_at: null,
    }).where(sql<boolean>`jobs.status = 'cancelled' OR jobs.kind <> excluded.kind OR jobs.run_at <> excluded.run_at
      OR jobs.payload <> excluded.payload OR jobs.item_id IS DISTINCT FROM excluded.item_id`)))
    .returning('id').executeTakeFirst();
  if (row) return row.id;
  const kept = await db.selectFrom('jobs').select('id').where('key', '=', values.key).executeTakeFirstOrThrow();
  return kept.id;
}

/** Cancels the pending job of `key`, in the caller's transaction; says whether there was one. */
export async function cancelJob(db: Executor, key: string): Promise<boolean> {
  const result = await db.updateTable('jobs').set({ status: 'cancelled', done_at: sql<Date>`now()`, locked_until: null })
    .where('key', '=', key).where('status', '=', 'pending').executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Puts a failed job back, due now, with a fresh set of attempts; says whether it was failed. */
export async function retryJob(db: Executor, id: number): Promise<boolean> {
  const result = await db.updateTable('jobs')
    .set({ status: 'pending', attempts: 0, locked_until: null, run_at: sql<Date>`least(run_at, now())`, done_at: null })
    .where('id', '=', id).where('status', '=', 'failed').executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * An item's jobs, pending first by time, then the latest others. With `eventId`, only the jobs
 * about that event: those whose payload names it (`{ eventId }`, the convention for event jobs).
 */
export async function jobsOfItem(db: Executor, itemId: number, options: { eventId?: number; limit?: number } = {}) {
  return db.selectFrom('jobs').where('item_id', '=', itemId)
    .$if(options.eventId !== undefined, (q) => q.where(sql<boolean>`payload->>'eventId' = ${String(options.eventId)}`))
    .select(['id', 'kind', 'key', 'run_at', 'status', 'attempts', 'last_error', 'done_at'])
    .orderBy(sql`status = 'pending'`, 'desc').orderBy('run_at', 'desc').limit(options.limit ?? 50).execute();
}

export type JobRow = Awaited<ReturnType<typeof jobsOfItem>>[number];

/** Claims due jobs for one attempt each (see lease.ts). */
export async function claimDueJobs(db: Executor, limit: number, leaseSeconds = DEFAULT_JOB_LEASE_SECONDS): Promise<Job[]> {
  return claimDue<Job>(db, {
    table: 'jobs', lease: 'locked_until', limit, leaseSeconds,
    due: sql`run_at <= now() AND (locked_until IS NULL OR locked_until <= now())`,
    order: sql`run_at, id`,
  });
}

export type JobOptions = {
  /** How long a claimed job is left to this instance (JOB_LEASE_SECONDS). */
  leaseSeconds?: number;
  /** The first retry after a failed attempt (JOB_RETRY_SECONDS). */
  retrySeconds?: number;
  stopping?: () => boolean;
  /** Told of each failed attempt. */
  onFailure?: (job: Job, reason: string) => void;
};

export type JobReport = { done: number; failed: number };

/**
 * Runs one claimed job: its handler and the mark that it is done, in one transaction that first
 * makes sure the claim still stands (the row still pending, with the attempts this claim counted;
 * the row lock keeps any other instance away meanwhile). A claim that no longer stands (the lease
 * ran out and another instance took it, or the job was moved) does nothing.
 */
async function runClaimed(db: Executor, handlers: JobHandlers, job: Job): Promise<'done' | 'gone'> {
  return db.transaction().execute(async (trx) => {
    const held = await trx.selectFrom('jobs').select('id').where('id', '=', job.id).where('status', '=', 'pending')
      .where('attempts', '=', job.attempts).forUpdate().executeTakeFirst();
    if (!held) return 'gone';
    const handler = handlers[job.kind];
    if (!handler) throw new Error(`no handler for jobs of kind ${job.kind}`);
    await handler(trx, job.payload, {
      id: job.id, kind: job.kind, key: job.key, itemId: job.item_id, runAt: job.run_at, attempts: job.attempts,
    });
    await trx.updateTable('jobs').set({ status: 'done', done_at: sql<Date>`now()`, locked_until: null, last_error: null })
      .where('id', '=', job.id).execute();
    return 'done';
  });
}

/** A failed attempt: the next waits (30 s, 2 min, 8 min …); after the last, the job is failed. */
async function recordFailure(db: Executor, job: Job, reason: string, retrySeconds: number) {
  const final = job.attempts >= MAX_JOB_ATTEMPTS;
  await db.updateTable('jobs').set({
    status: final ? 'failed' : 'pending',
    last_error: reason.slice(0, 1000),
    locked_until: final ? null : secondsFromNow(backoffSeconds(job.attempts, retrySeconds)),
    done_at: final ? sql<Date>`now()` : null,
  }).where('id', '=', job.id).where('status', '=', 'pending').where('attempts', '=', job.attempts).execute();
}

/**
 * Runs every job that is due now, one claim at a time, until none is left or `stopping`.
 * Several instances may run it at once: each job is done once between them.
 */
export async function runDueJobs(db: Executor, handlers: JobHandlers, options: JobOptions = {}): Promise<JobReport> {
  const leaseSeconds = options.leaseSeconds ?? DEFAULT_JOB_LEASE_SECONDS;
  const stopping = options.stopping ?? (() => false);
  const report = { done: 0, failed: 0 };
  while (!stopping()) {
    const [job] = await claimDueJobs(db, 1, leaseSeconds);
    if (!job) break;
    try {
      if ((await runClaimed(db, handlers, job)) === 'done') report.done++;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await recordWhileLeased(() => recordFailure(db, job, reason, options.retrySeconds ?? DEFAULT_JOB_RETRY_SECONDS),
        leaseSeconds, stopping);
      options.onFailure?.(job, reason);
      report.failed++;
    }
  }
  return report;
}

/**
 * How long a job is kept once done, cancelled or failed (JOB_KEEP_DAYS, at least 30). A keyed
 * job's row is what keeps it from running twice: scheduled again unchanged, it stays done
 * (scheduleJob), while a pruned one would be written anew. Its callers stop scheduling it once its
 * moment has passed (the event begun, the round closed), and no job is due more than 720 hours
 * (30 days) before that moment, so a row kept 30 days past its end is never needed again.
 */
export const DEFAULT_JOB_KEEP_DAYS = 90;

/**
 * Deletes the jobs that ended (done, cancelled, or failed after their last attempt) more than
 * `keepDays` ago, a batch at a time; a pending job is never touched. A failed job goes too: by
 * then a retry could do nothing (its handler finds the event begun or the round closed), and the
 * organisers' page shows only the last 30 days' anyway. Returns how many were deleted.
 */
export async function pruneEndedJobs(db: Executor, keepDays: number, stopping = () => false, batch = 500): Promise<number> {
  let pruned = 0;
  while (!stopping()) {
    const result = await db.deleteFrom('jobs').where('id', 'in', db.selectFrom('jobs').select('id')
      .where('status', '<>', 'pending').where('done_at', '<', sql<Date>`now() - make_interval(days => ${keepDays})`)
      .orderBy('id').limit(batch)).executeTakeFirst();
    const n = Number(result.numDeletedRows);
    pruned += n;
    if (n < batch) break;
  }
  return pruned;
}

/** Pruning as the runner's work: hourly by default (the first a minute after start), beside the sweeps. */
export function jobPruningWork(
  db: Executor, log: FastifyBaseLogger, keepDays = DEFAULT_JOB_KEEP_DAYS, everyMs = 3_600_000, firstMs = 60_000,
): Work {
  return {
    name: 'job-pruning', everyMs, firstMs,
    run: async (stopping) => {
      const pruned = await pruneEndedJobs(db, keepDays, stopping);
      if (pruned) log.info({ pruned, keepDays }, 'ended jobs pruned');
    },
  };
}

/** Due jobs as the runner's work (runner.ts): every second by default. */
export function jobWork(
  db: Executor, handlers: JobHandlers, log: FastifyBaseLogger, options: Omit<JobOptions, 'stopping' | 'onFailure'> = {}, everyMs = 1000,
): Work {
  return {
    name: 'jobs', everyMs,
    run: async (stopping) => {
      const report = await runDueJobs(db, handlers, {
        ...options, stopping,
        onFailure: (job, reason) => log.warn({ job: job.id, kind: job.kind, attempts: job.attempts, reason }, 'job failed'),
      });
      if (report.done) log.info(report, 'jobs done');
    },
  };
}
