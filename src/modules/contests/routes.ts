import type { FastifyInstance } from 'fastify';
import { access } from '../../lib/access.ts';
import { notFound } from '../../lib/errors.ts';
import { contestOverview, publicContestBySlug, publishedResults } from './queries.ts';

export async function contestRoutes(app: FastifyInstance) {
  app.get<{ Params: { slug: string } }>('/contests/:slug', access('public'), async (request, reply) => {
    const contest = await publicContestBySlug(app.db, request.params.slug);
    if (!contest) throw notFound('contest');
    const overview = await contestOverview(app.db, contest.id);
    return reply.view('contests/show', { title: contest.title, contest, ...overview, now: new Date() });
  });

  app.get<{ Params: { slug: string } }>('/contests/:slug/results', access('public'), async (request, reply) => {
    const contest = await publicContestBySlug(app.db, request.params.slug);
    if (!contest || !contest.results_published_at) throw notFound('published results');
    const results = await publishedResults(app.db, contest.id);
    return reply.view('contests/results', { title: `Results: ${contest.title}`, contest, results });
  });
}
