import type { FastifyInstance } from 'fastify';
import { access } from '../../lib/access.ts';
import { notFound } from '../../lib/errors.ts';
import { delegationsOfProgramme, publicProgrammeBySlug, visitsOfDelegations } from './queries.ts';

export async function programmeRoutes(app: FastifyInstance) {
  app.get<{ Params: { slug: string } }>('/programmes/:slug', access('public'), async (request, reply) => {
    const programme = await publicProgrammeBySlug(app.db, request.params.slug);
    if (!programme) throw notFound('exchange programme');
    const delegations = await delegationsOfProgramme(app.db, programme.id);
    const visits = await visitsOfDelegations(app.db, delegations.map((d) => d.id));
    return reply.view('programmes/show', { title: programme.title, programme, delegations, visits });
  });
}
