import type { FastifyInstance } from 'fastify';
import { access } from '../../lib/access.ts';
import { Refusal } from '../../lib/errors.ts';
import { verbatim } from '../../lib/i18n.ts';
import { sendPublicPage } from '../../lib/page-cache.ts';
import { readParams, slugParams } from '../../lib/params.ts';
import { eventPageVersion, upcomingEvents } from './queries.ts';
import { eventPage, registrationChangesAt, registrationState } from './service.ts';

/** The public side of events: the list of what is coming, and each event's page. */
export async function eventRoutes(app: FastifyInstance) {
  app.get('/events', access('public'), async (_request, reply) => {
    const now = new Date();
    const events = await upcomingEvents(app.db, now);
    return reply.view('events/list', { title: 'pages.events.title', events, now, registrationState });
  });

  app.get('/events/:slug', access('public'), async (request, reply) => {
    const { slug } = readParams(slugParams, request.params);
    const version = { name: `event ${slug}`, read: () => eventPageVersion(app.db, slug) };
    return sendPublicPage(request, reply, version, async () => {
      const now = new Date();
      const page = await eventPage(app.db, slug, now);
      if (!page) throw Refusal.notFound('pages.notFound.event');
      return {
        template: 'events/show',
        data: { title: verbatim(request.local(page.event, 'title')), ...page, values: {}, errors: {} },
        until: registrationChangesAt(page.event, now),
      };
    });
  });
}
