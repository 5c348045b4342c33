import type { FastifyInstance } from 'fastify';
import { access } from '../../lib/access.ts';
import { notFound } from '../../lib/errors.ts';
import { eventCounts, publicEventBySlug, upcomingEvents } from './queries.ts';
import { registrationState } from './service.ts';

export async function eventRoutes(app: FastifyInstance) {
  app.get('/events', access('public'), async (_request, reply) => {
    const now = new Date();
    const events = await upcomingEvents(app.db, now);
    return reply.view('events/list', { title: 'Upcoming events', events, now, registrationState });
  });

  app.get<{ Params: { slug: string } }>('/events/:slug', access('public'), async (request, reply) => {
    const event = await publicEventBySlug(app.db, request.params.slug);
    if (!event) throw notFound('event');
    const counts = await eventCounts(app.db, event.id);
    const state = registrationState(event, new Date());
    return reply.view('events/show', { title: event.title, event, counts, state });
  });
}
