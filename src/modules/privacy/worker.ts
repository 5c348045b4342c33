import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/index.ts';
import type { Periodic } from '../../lib/periodic.ts';
import { startRunner, type Work } from '../jobs/runner.ts';
import { erasePersonalData } from './service.ts';

/**
 * Runs the retention erasure shortly after start and then every `intervalMs` (six hours by
 * default; erasure is due by the day, so that is soon enough). Errors are logged and retried.
 */
export function erasureWork(db: Database, log: FastifyBaseLogger, intervalMs = 6 * 3600_000, firstRunMs = 60_000): Work {
  return {
    name: 'erasure', everyMs: intervalMs, firstMs: firstRunMs,
    run: async () => {
      try {
        for (const erased of await erasePersonalData(db, new Date())) log.info({ erased }, 'personal data erased');
      } catch (error) {
        log.warn({ err: error }, 'personal-data erasure could not run');
      }
    },
  };
}

/** The same work on a runner of its own. */
export function startErasureWorker(db: Database, log: FastifyBaseLogger, intervalMs = 6 * 3600_000, firstRunMs = 60_000): Periodic {
  return startRunner([erasureWork(db, log, intervalMs, firstRunMs)], log);
}
