import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { access } from '../../lib/access.ts';

export async function healthRoutes(app: FastifyInstance) {
  app.get('/healthz', access('public'), async (request, reply) => {
    try {
      await sql`select 1`.execute(app.db);
      return { status: 'ok' };
    } catch (error) {
      request.log.warn({ err: error }, 'health check: database did not answer');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
