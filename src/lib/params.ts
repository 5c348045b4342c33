import { z } from 'zod';
import { Refusal } from './errors.ts';

/*
 * Route parameters, read once per route group. A parameter that cannot name anything (not a
 * positive 32-bit id, an over-long slug) is answered like an object that does not exist.
 */

export const idParam = z.coerce.number().int().positive().max(2_147_483_647);
// A control character (a NUL the database refuses) names nothing either.
export const slugParam = z.string().min(1).max(200).refine((s) => [...s].every((ch) => ch.charCodeAt(0) >= 0x20));

export const idParams = z.object({ id: idParam });
export const slugParams = z.object({ slug: slugParam });
export const tokenParams = z.object({ token: z.string().min(1).max(200) });

/** The route's parameters by `schema`, or a 404 for the whole group. */
export function readParams<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw Refusal.notFound();
  return parsed.data;
}
