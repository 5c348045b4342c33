import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/index.ts';
import { every, type Periodic } from '../../lib/periodic.ts';
import type { Site } from '../../lib/site.ts';
import { sweepUnconfirmed } from './service.ts';

/**
 * Releases registrations whose email address was not confirmed in time (events.confirm_email),
 * every `intervalMs`: their seats go back and the waiting list moves up. Several instances may
 * run it at once; each takes the rows it releases with SKIP LOCKED, so they never collide.
 * Registering for an event also releases that event's expired ones first. Errors are logged and retried.
 */
export function startConfirmationSweep(db: Database, site: Site, log: FastifyBaseLogger, intervalMs = 60_000): Periodic {
  return every(intervalMs, async (stopping) => {
    try {
      // A batch at a time, until a batch comes back short.
      for (let released = 100; released === 100 && !stopping();) {
        released = await sweepUnconfirmed(db, site, new Date());
        if (released > 0) log.info({ released }, 'unconfirmed registrations released');
      }
    } catch (error) {
      log.warn({ err: error }, 'unconfirmed registrations could not be released');
    }
  });
}
