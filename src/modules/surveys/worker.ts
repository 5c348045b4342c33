import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/index.ts';
import type { Periodic } from '../../lib/periodic.ts';
import type { Site } from '../../lib/site.ts';
import { startRunner, type Work } from '../jobs/runner.ts';
import { sendDueInvitations } from './service.ts';

/**
 * Sends each open survey, after its event has ended, to the people who were checked in, every
 * `intervalMs`. Several instances may run it at once: an invitation is a row unique per
 * registration, so nobody is invited twice. Errors are logged and retried on the next run.
 */
export function surveyInvitationWork(db: Database, site: Site, log: FastifyBaseLogger, intervalMs = 60_000): Work {
  return {
    name: 'survey invitations', everyMs: intervalMs,
    run: async (stopping) => {
      try {
        for (let invited = 100; invited > 0 && !stopping();) {
          invited = await sendDueInvitations(db, site, new Date());
          if (invited > 0) log.info({ invited }, 'survey invitations queued');
        }
      } catch (error) {
        log.warn({ err: error }, 'survey invitations could not be queued');
      }
    },
  };
}

/** The same work on a runner of its own. */
export function startSurveyInvitations(db: Database, site: Site, log: FastifyBaseLogger, intervalMs = 60_000): Periodic {
  return startRunner([surveyInvitationWork(db, site, log, intervalMs)], log);
}
