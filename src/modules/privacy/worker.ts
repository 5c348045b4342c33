import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/index.ts';
import { every, type Periodic } from '../../lib/periodic.ts';
import { erasePersonalData } from './service.ts';

/**
 * Runs the retention erasure shortly after start and then every `intervalMs` (six hours by
 * default; erasure is due by the day, so that is soon enough). Errors are logged and retried.
 */
export function startErasureWorker(db: Database, log: FastifyBaseLogger, intervalMs = 6 * 3600_000, firstRunMs = 60_000): Periodic {
  return every(intervalMs, async () => {
    try {
      for (const erased of await erasePersonalData(db, new Date())) log.info({ erased }, 'personal data erased');
    } catch (error) {
      log.warn({ err: error }, 'personal-data erasure could not run');
    }
  }, firstRunMs);
}
