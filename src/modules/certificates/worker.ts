import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/index.ts';
import type { Periodic } from '../../lib/periodic.ts';
import type { Site } from '../../lib/site.ts';
import { startRunner, type Work } from '../jobs/runner.ts';
import { runCertificates } from './service.ts';

/**
 * Issues and mails attendance certificates once events that give them have ended, and gives award
 * grants of published results their codes, every `intervalMs`. Several instances may run it at
 * once: issuing and mailing are each done once (see service.ts). Errors are logged and retried.
 */
export function certificateWork(db: Database, site: Site, log: FastifyBaseLogger, intervalMs = 60_000): Work {
  return {
    name: 'certificates', everyMs: intervalMs,
    run: async () => {
      try {
        const done = await runCertificates(db, site, new Date());
        if (done.issued || done.mailed || done.awards) log.info(done, 'certificates issued');
      } catch (error) {
        log.warn({ err: error }, 'certificates could not be issued');
      }
    },
  };
}

/** The same work on a runner of its own. */
export function startCertificateWorker(db: Database, site: Site, log: FastifyBaseLogger, intervalMs = 60_000): Periodic {
  return startRunner([certificateWork(db, site, log, intervalMs)], log);
}
