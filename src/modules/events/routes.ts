import type { FastifyInstance } from 'fastify';
import { access } from '../../lib/access.ts';
import { notFound } from '../../lib/errors.ts';
import { upcomingEvents } from './queries.ts';
import { eventPage, registrationState } from './service.ts';

export async function eventRoutes(app: FastifyInstance) {
  app.get('/events', access('public'), async (_request, reply) => {
    const now = new Date();
    const events = await upcomingEvents(app.db, now);
    return reply.view('events/list', { title: 'Upcoming events', events, now, registrationState });
  });

  app.get<{ Params: { slug: string } }>('/events/:slug', access('public'), async (request, reply) => {
    const page = await eventPage(app.db, request.params.slug, new Date());
    if (!page) throw notFound('event');
    return reply.view('events/show', { title: page.event.title, ...page, values: {}, errors: {} });
  });
}
