import type { FastifyInstance } from 'fastify';
import { access } from '../../lib/access.ts';
import type { CurrentUser } from '../auth/service.ts';
import { assignmentsOfJudge } from './queries.ts';

export async function judgingRoutes(app: FastifyInstance) {
  app.get('/judging', access('judge'), async (request, reply) => {
    const assignments = await assignmentsOfJudge(app.db, (request.user as CurrentUser).id);
    return reply.view('judging/index', { title: 'Your assignments', assignments });
  });
}
