import type { FastifyInstance } from 'fastify';
import { access } from '../../lib/access.ts';
import { Refusal } from '../../lib/errors.ts';
import { message, verbatim } from '../../lib/i18n.ts';
import { readParams, slugParams } from '../../lib/params.ts';
import { manageContestRoutes } from './manage-routes.ts';
import { contestCategories, contestOverview, publicContestBySlug, publishedResults } from './queries.ts';
import { entryWindowOpen } from './service.ts';

export async function contestRoutes(app: FastifyInstance) {
  await app.register(manageContestRoutes);

  app.get('/contests/:slug', access('public'), async (request, reply) => {
    const { slug } = readParams(slugParams, request.params);
    const contest = await publicContestBySlug(app.db, slug);
    if (!contest) throw Refusal.notFound('pages.notFound.contest');
    const [overview, categories] = await Promise.all([contestOverview(app.db, contest.id), contestCategories(app.db, contest.id)]);
    const entryForm = { open: entryWindowOpen(contest), categories, errors: {}, values: { side: '' } };
    return reply.view('contests/show', {
      title: verbatim(request.local(contest, 'title')), contest, ...overview, now: new Date(), entryForm,
    });
  });

  app.get('/contests/:slug/results', access('public'), async (request, reply) => {
    const { slug } = readParams(slugParams, request.params);
    const contest = await publicContestBySlug(app.db, slug);
    if (!contest || !contest.results_published_at) throw Refusal.notFound('pages.notFound.results');
    const results = await publishedResults(app.db, contest.id);
    const title = message('pages.results.title', { title: request.local(contest, 'title') });
    return reply.view('contests/results', { title, contest, results });
  });
}
