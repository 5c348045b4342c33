import { type RawBuilder, sql } from 'kysely';
import { type Executor, isDatabaseUnavailable } from '../../db/index.ts';

/*
 * The claim, lease and back-off that every queue shares (jobs, the mail outbox, webhook
 * deliveries). A worker claims due rows in a short transaction of its own, with FOR UPDATE SKIP
 * LOCKED, so several instances never claim the same row; the claim moves the row's lease column
 * past the longest one attempt can take, so a row whose worker died is taken up again when the
 * lease ends, and one in hand is not.
 */

/** `now()` plus so many seconds, in the database's clock (every instance reads the same one). */
export const secondsFromNow = (seconds: number): RawBuilder<Date> => sql<Date>`now() + make_interval(secs => ${seconds})`;

/** The wait after the `attempts`-th failed attempt: `first`, then four times longer each time, up to `max`. */
export function backoffSeconds(attempts: number, first: number, max = Infinity): number {
  return Math.min(first * 4 ** Math.max(0, attempts - 1), max);
}

export type ClaimSpec = {
  /** The queue's table: its rows have `id`, `status` and `attempts`. */
  table: 'mail_outbox' | 'jobs';
  /** What makes a pending row due, beside `status = 'pending'`. */
  due: RawBuilder<unknown>;
  /** The order in which due rows are taken. */
  order: RawBuilder<unknown>;
  /** The column the lease moves. */
  lease: 'next_attempt_at' | 'locked_until';
  limit: number;
  leaseSeconds: number;
};

/**
 * Claims up to `limit` due rows for one attempt each: FOR UPDATE SKIP LOCKED, then `attempts`
 * counted and the lease taken, in one short transaction. Returns the claimed rows as they now are.
 */
export async function claimDue<Row>(db: Executor, spec: ClaimSpec): Promise<Row[]> {
  const run = async (trx: Executor) => {
    const { rows: due } = await sql<{ id: number }>`SELECT id FROM ${sql.table(spec.table)}
      WHERE status = 'pending' AND ${spec.due} ORDER BY ${spec.order} LIMIT ${spec.limit}
      FOR UPDATE SKIP LOCKED`.execute(trx);
    if (due.length === 0) return [];
    const { rows } = await sql<Row & { id: number }>`UPDATE ${sql.table(spec.table)}
      SET attempts = attempts + 1, ${sql.ref(spec.lease)} = ${secondsFromNow(spec.leaseSeconds)}
      WHERE id IN (${sql.join(due.map((r) => r.id))}) RETURNING *`.execute(trx);
    return rows.sort((a, b) => due.findIndex((d) => d.id === a.id) - due.findIndex((d) => d.id === b.id));
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Records what an attempt came to. Should the database be unreachable at that moment (a
 * restart), keeps trying while the lease still holds the row for this worker: given up, the
 * row would be attempted a second time when its lease ends.
 */
export async function recordWhileLeased(record: () => Promise<void>, leaseSeconds: number, stopping: () => boolean): Promise<void> {
  const deadline = Date.now() + Math.min(leaseSeconds * 500, 30_000);
  for (let wait = 200; ; wait = Math.min(wait * 2, 2_000)) {
    try {
      await record();
      return;
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() + wait > deadline || stopping()) throw error;
      await sleep(wait);
    }
  }
}
