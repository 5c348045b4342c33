import type { FastifyInstance } from 'fastify';
import { access } from '../../lib/access.ts';
import { notFound } from '../../lib/errors.ts';
import { contestCategories } from '../entries/queries.ts';
import { entryWindowOpen } from '../entries/service.ts';
import { manageContestRoutes } from './manage-routes.ts';
import { contestSetupRoutes } from './setup-routes.ts';
import { contestOverview, publicContestBySlug, publishedResults } from './queries.ts';

export async function contestRoutes(app: FastifyInstance) {
  await app.register(manageContestRoutes);
  await app.register(contestSetupRoutes);

  app.get<{ Params: { slug: string } }>('/contests/:slug', access('public'), async (request, reply) => {
    const contest = await publicContestBySlug(app.db, request.params.slug);
    if (!contest) throw notFound('contest');
    const [overview, categories] = await Promise.all([contestOverview(app.db, contest.id), contestCategories(app.db, contest.id)]);
    const entryForm = { open: entryWindowOpen(contest), categories, errors: {}, values: { side: '' } };
    return reply.view('contests/show', { title: request.local(contest, 'title'), contest, ...overview, now: new Date(), entryForm });
  });

  app.get<{ Params: { slug: string } }>('/contests/:slug/results', access('public'), async (request, reply) => {
    const contest = await publicContestBySlug(app.db, request.params.slug);
    if (!contest || !contest.results_published_at) throw notFound('published results');
    const results = await publishedResults(app.db, contest.id);
    return reply.view('contests/results', { title: `Results: ${contest.title}`, contest, results });
  });
}
