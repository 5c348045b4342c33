import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { contestRoutes } from './contests.ts';
import { eventRoutes } from './events.ts';
import { programmeRoutes } from './programmes.ts';
import { yearRoutes } from './years.ts';

/** Version 1 of the API: its resources, each in its own file. */
export async function v1Routes(app: FastifyInstance) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  yearRoutes(api);
  eventRoutes(api);
  programmeRoutes(api);
  contestRoutes(api);
}
