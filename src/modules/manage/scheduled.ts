import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import { access } from '../../lib/access.ts';
import { Refusal } from '../../lib/errors.ts';
import { idParams, readParams } from '../../lib/params.ts';
import { recordAudit } from '../audit/service.ts';
import { requireUser } from '../auth/plugin.ts';
import type { CurrentUser } from '../auth/service.ts';
import { retryJob } from '../jobs/jobs.ts';
import { itemInScope } from '../scope/scope.ts';

/* What the site will send by itself: the scheduled jobs of the items in the organiser's scope. */

/** How long done, failed and cancelled jobs stay on the page. */
const RECENT_DAYS = 30;

function scopedJobs(db: Executor, user: CurrentUser) {
  const q = db.selectFrom('jobs as j')
    .leftJoin('events as e', (join) => join.on(sql<boolean>`e.id::text = j.payload->>'eventId'`))
    .select(['j.id', 'j.kind', 'j.run_at', 'j.status', 'j.attempts', 'j.last_error', 'j.done_at', 'j.item_id',
      'e.title as event_title', 'e.slug as event_slug']);
  return user.role === 'admin' ? q : q.where('j.item_id', 'is not', null).where((eb) => itemInScope(user, eb.ref('j.item_id')));
}

/** Pending jobs by time, then those done, failed or cancelled in the last RECENT_DAYS, latest first. */
export async function jobsInScope(db: Executor, user: CurrentUser, limit = 200) {
  return scopedJobs(db, user)
    .where((eb) => eb.or([eb('j.status', '=', 'pending'),
      eb('j.done_at', '>', sql<Date>`now() - make_interval(days => ${RECENT_DAYS})`)]))
    .orderBy(sql`j.status = 'pending'`, 'desc').orderBy(sql`CASE WHEN j.status = 'pending' THEN j.run_at END`)
    .orderBy('j.done_at', 'desc').limit(limit).execute();
}

export async function scheduledRoutes(app: FastifyInstance) {
  app.get('/manage/scheduled', access('organiser'), async (request, reply) => {
    const jobs = await jobsInScope(app.db, requireUser(request));
    return reply.view('manage/scheduled', { title: 'scheduled.title', jobs });
  });

  app.post('/manage/scheduled/:id/retry', access('organiser'), async (request, reply) => {
    const { id } = readParams(idParams, request.params);
    const user = requireUser(request);
    await app.db.transaction().execute(async (trx) => {
      const job = await scopedJobs(trx, user).where('j.id', '=', id).executeTakeFirst();
      if (!job) throw Refusal.notFound('scheduled.notFound');
      if (await retryJob(trx, id)) {
        await recordAudit(trx, user.id, 'retry', 'job', id, { status: { from: job.status, to: 'pending' } }, job.item_id);
      }
    });
    return reply.notice('scheduled.retried').redirect('/manage/scheduled', 303);
  });
}
