import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/index.ts';
import { erasePersonalData } from './service.ts';

/**
 * Runs the retention erasure shortly after start and then every `intervalMs` (six hours by
 * default; erasure is due by the day, so that is soon enough). Errors are logged and retried.
 */
export function startErasureWorker(db: Database, log: FastifyBaseLogger, intervalMs = 6 * 3600_000, firstRunMs = 60_000) {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const tick = async () => {
    try {
      for (const erased of await erasePersonalData(db, new Date())) log.info({ erased }, 'personal data erased');
    } catch (error) {
      log.warn({ err: error }, 'personal-data erasure could not run');
    }
  };
  const schedule = () => {
    if (!stopped) running = running.then(tick);
  };
  const first = setTimeout(schedule, firstRunMs);
  const timer = setInterval(schedule, intervalMs);
  first.unref();
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
