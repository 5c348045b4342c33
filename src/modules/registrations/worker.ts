import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/index.ts';
import type { Periodic } from '../../lib/periodic.ts';
import type { Site } from '../../lib/site.ts';
import { startRunner, type Work } from '../jobs/runner.ts';
import { sweepUnconfirmed } from './service.ts';

/**
 * Another kind of pending object the same sweep releases (delegations, contest entries): `sweep`
 * releases one batch of at most 100 past their time, with SKIP LOCKED, and says how many it released.
 */
export type ConfirmationSweep = { what: string; sweep: (db: Database, now: Date) => Promise<number> };

/**
 * Releases registrations whose email address was not confirmed in time (events.confirm_email),
 * every `intervalMs`: their seats go back and the waiting list moves up; then the same for each
 * of `others`. Several instances may run it at once; each takes the rows it releases with SKIP
 * LOCKED, so they never collide. Registering for an event (a delegation for a programme, an entry
 * for a contest) also releases that one's expired ones first. Errors are logged and retried.
 */
export function confirmationSweepWork(
  db: Database, site: Site, log: FastifyBaseLogger, intervalMs = 60_000, others: readonly ConfirmationSweep[] = [],
): Work {
  const sweeps: ConfirmationSweep[] = [
    { what: 'registrations', sweep: (database, now) => sweepUnconfirmed(database, site, now) }, ...others,
  ];
  return {
    name: 'confirmation sweep', everyMs: intervalMs,
    run: async (stopping) => {
      for (const { what, sweep } of sweeps) {
        try {
          // A batch at a time, until a batch comes back short.
          for (let released = 100; released === 100 && !stopping();) {
            released = await sweep(db, new Date());
            if (released > 0) log.info({ released, what }, 'unconfirmed objects released');
          }
        } catch (error) {
          log.warn({ err: error, what }, 'unconfirmed objects could not be released');
        }
      }
    },
  };
}

/** The same work on a runner of its own. */
export function startConfirmationSweep(
  db: Database, site: Site, log: FastifyBaseLogger, intervalMs = 60_000, others: readonly ConfirmationSweep[] = [],
): Periodic {
  return startRunner([confirmationSweepWork(db, site, log, intervalMs, others)], log);
}
