import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { access } from '../../lib/access.ts';
import { SharedReads } from '../../lib/page-cache.ts';

export async function healthRoutes(app: FastifyInstance) {
  // Checks arriving while one is under way share the next one, begun after all of them arrived:
  // each answer still reflects the database after its request came in, and a monitor polling
  // hard costs the database one round trip per batch, not one per request.
  const checks = new SharedReads();
  const check = async () => {
    await sql`select 1`.execute(app.db);
    return 'ok';
  };
  app.get('/healthz', access('public'), async (request, reply) => {
    try {
      await checks.read('database', check);
      return { status: 'ok' };
    } catch (error) {
      request.log.warn({ err: error }, 'health check: database did not answer');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
