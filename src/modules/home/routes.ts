import type { FastifyInstance } from 'fastify';
import { access } from '../../lib/access.ts';
import { openContests } from '../contests/queries.ts';
import { upcomingEvents } from '../events/queries.ts';
import { openProgrammes } from '../programmes/queries.ts';
import { allPeriods } from '../summary/queries.ts';

export async function homeRoutes(app: FastifyInstance) {
  app.get('/', access('public'), async (_request, reply) => {
    const now = new Date();
    const [periods, events, contests, programmes] = await Promise.all([
      allPeriods(app.db),
      upcomingEvents(app.db, now, 6),
      openContests(app.db, now),
      openProgrammes(app.db),
    ]);
    return reply.view('home/index', { title: 'pages.home.title', periods, events, contests, programmes });
  });
}
