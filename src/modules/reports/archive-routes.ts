import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Period } from '../../db/types.ts';
import { access } from '../../lib/access.ts';
import { attempt, type FormErrors } from '../../lib/errors.ts';
import { message } from '../../lib/i18n.ts';
import { readParams, slugParams } from '../../lib/params.ts';
import { loadsObject } from '../../lib/route-group.ts';
import { recentlyConfirmed, requireUser } from '../auth/plugin.ts';
import { periodBySlug } from '../summary/queries.ts';
import { archivePeriod, archiveState, unarchivePeriod } from './archive.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The programme year of a /manage/periods/:slug route (administrators only). */
    adminPeriod: Period;
  }
}

/**
 * A programme year's page for administrators: whether it is archived, and archiving it (after a
 * page that says what archiving does) or taking it out of the archive. Both ask for a recent
 * confirmation of the password, as every change that reaches a whole year does.
 */
export async function archiveRoutes(app: FastifyInstance) {
  await app.register(async (group) => {
    // A period names no parent (src/lib/archive.ts): its own page stays open when it is archived.
    loadsObject(group, 'adminPeriod', (request) => periodBySlug(group.db, readParams(slugParams, request.params).slug),
      'pages.notFound.period');

    group.get('', access('admin'), async (request, reply) => {
      const period = request.adminPeriod;
      return reply.view('reports/period-admin', {
        title: message('archive.page.title', { label: period.label }), period, state: await archiveState(group.db, period),
      });
    });

    const confirmPage = async (reply: FastifyReply, errors: FormErrors = {}) => {
      const period = reply.request.adminPeriod;
      return reply.code(Object.keys(errors).length ? 400 : 200).view('reports/archive', {
        title: message('archive.confirm.title', { label: period.label }), period, state: await archiveState(group.db, period), errors,
      });
    };

    group.get('/archive', access('admin'), async (_request, reply) => confirmPage(reply));

    group.post('/archive', recentlyConfirmed('admin'), async (request, reply) => {
      const period = request.adminPeriod;
      const done = await attempt(() => archivePeriod(group.db, requireUser(request), period.slug));
      if (!done.ok) return confirmPage(reply, done.errors);
      return reply.notice('archive.archived').redirect(`/manage/periods/${period.slug}`, 303);
    });

    group.post('/unarchive', recentlyConfirmed('admin'), async (request, reply) => {
      const period = request.adminPeriod;
      await unarchivePeriod(group.db, requireUser(request), period.slug);
      return reply.notice('archive.unarchived').redirect(`/manage/periods/${period.slug}`, 303);
    });
  }, { prefix: '/manage/periods/:slug' });
}
