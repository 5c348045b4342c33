import type { FastifyInstance } from 'fastify';
import { access } from '../../lib/access.ts';
import { Refusal } from '../../lib/errors.ts';
import { translator, verbatim } from '../../lib/i18n.ts';
import { sendPublicPage } from '../../lib/page-cache.ts';
import { readParams, slugParams } from '../../lib/params.ts';
import { calendarFile } from './calendar.ts';
import { eventPageVersion, feedEvents, feedVersion, publicEventBySlug, upcomingEvents } from './queries.ts';
import { eventPage, registrationChangesAt, registrationState } from './service.ts';

/** The public side of events: the list of what is coming, and each event's page. */
export async function eventRoutes(app: FastifyInstance) {
  app.get('/events', access('public'), async (_request, reply) => {
    const now = new Date();
    const events = await upcomingEvents(app.db, now);
    return reply.view('events/list', { title: 'pages.events.title', events, now, registrationState });
  });

  // Calendar feeds, in the reader's language: a calendar subscribes to `/events.ics?lang=…`.
  const site = { baseUrl: app.config.baseUrl, domain: app.mail.domain };
  const CALENDAR_TYPE = 'text/calendar; charset=utf-8';

  app.get('/events.ics', access('public'), async (request, reply) => {
    reply.header('content-disposition', 'inline; filename="ipcoop-events.ics"').header('cache-control', 'public, max-age=300');
    return sendPublicPage(request, reply, { name: 'events feed', read: () => feedVersion(app.db) }, async () => {
      const now = new Date();
      const events = await feedEvents(app.db, now);
      const name = translator(request.locale)('pages.events.calendarName');
      // The feed changes by the clock alone when its first event ends.
      const ends = events.map((e) => e.ends_at.getTime());
      const until = ends.length ? new Date(Math.min(...ends)) : null;
      return { body: calendarFile(events, site, request.locale, name, now), type: CALENDAR_TYPE, until };
    });
  });

  // The router tells '/events/x.ics' from the page '/events/x' by its static suffix.
  app.get('/events/:slug.ics', access('public'), async (request, reply) => {
    const { slug } = readParams(slugParams, request.params);
    reply.header('content-disposition', `attachment; filename="${slug.replace(/[^\w.-]+/g, '-')}.ics"`).header('cache-control', 'public, max-age=300');
    const version = { name: `event ${slug}`, read: () => eventPageVersion(app.db, slug) };
    return sendPublicPage(request, reply, version, async () => {
      const event = await publicEventBySlug(app.db, slug);
      if (!event) throw Refusal.notFound('pages.notFound.event');
      return { body: calendarFile([event], site, request.locale, request.local(event, 'title')), type: CALENDAR_TYPE };
    });
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
