import { z } from 'zod';
import { ApiProblem } from './problem.ts';

/*
 * Lists are paged by keyset: the cursor names the last row of the page before (by id), so a
 * page costs the same at row 100 000 as at row 1, and rows written meanwhile neither repeat
 * nor vanish. The cursor is opaque to clients.
 */

export const MAX_PAGE = 500;

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100).describe(`Rows per page, at most ${MAX_PAGE}.`),
  cursor: z.string().max(100).optional().describe('The `next_cursor` of the page before.'),
  updated_since: z.iso.datetime({ offset: true }).optional()
    .describe('Only rows created or changed at or after this time (ISO 8601, with its offset).'),
};

export const pageOf = <T extends z.ZodType>(item: T) => z.object({
  data: z.array(item),
  next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
});

/** The id after which the page starts (0: from the first row); a cursor not of ours is a 400. */
export function afterId(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const id = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Number(Buffer.from(cursor, 'base64url').toString('utf8').replace(/^id:/, '')) : NaN;
  if (!Number.isSafeInteger(id) || id < 0) {
    throw new ApiProblem(400, 'api.problem.cursor', { issues: [{ in: 'query', pointer: '/cursor', detail: 'not a cursor of this API' }] });
  }
  return id;
}

/** One page of `rows` (fetched with one row more than the limit, to know whether another follows). */
export function page<T extends { id: number }, U>(rows: T[], limit: number, shape: (row: T) => U) {
  const more = rows.length > limit;
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return {
    data: data.map(shape),
    next_cursor: more && last ? Buffer.from(`id:${last.id}`).toString('base64url') : null,
  };
}

/** The keyset, the limit and the change filter of a list's query string. */
export const listOptions = (q: { cursor?: string | undefined; limit: number; updated_since?: string | undefined }) =>
  ({ after: afterId(q.cursor), limit: q.limit, since: since(q.updated_since) });

export const iso = (d: Date) => d.toISOString();
export const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);
export const dateTime = z.iso.datetime();
export const since = (value: string | undefined) => (value ? new Date(value) : undefined);
