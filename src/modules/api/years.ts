import { z } from 'zod';
import { refuseWriteInArchivedYear } from '../../lib/archive.ts';
import { requireUser } from '../auth/plugin.ts';
import { FIGURE_KEY, FIGURE_VALUE_MAX, recordFigure } from '../manage/service.ts';
import { scopedItem } from '../scope/queries.ts';
import { dateTime, iso, listOptions, page, pageOf, pageQuery } from './paging.ts';
import { type ApiApp, postHeaders, tokenRoute } from './route.ts';
import { ApiProblem, problemResponses } from './problem.ts';
import { figuresOfItem, itemsPage, yearsWithFigures } from './queries.ts';

/* Years with their summary figures, items, and the figures recorded on items. */

const yearSchema = z.object({
  slug: z.string(),
  label: z.string(),
  starts_on: z.iso.date(),
  ends_on: z.iso.date(),
  published_at: dateTime.nullable().describe('When the Summary of Co-operation Items was last published'),
  figures: z.object({
    items: z.number().int(), events: z.number().int(), registrations: z.number().int().describe('Confirmed registrations'),
    attended: z.number().int(), programmes: z.number().int(), delegations: z.number().int(), contests: z.number().int(),
    entries: z.number().int(), awards: z.number().int(),
  }).describe('Counted over the items within the token\'s scope'),
});

const itemSchema = z.object({
  id: z.number().int(),
  year: z.string(),
  number: z.number().int(),
  title: z.string(),
  is_new: z.boolean(),
  status: z.enum(['planned', 'in_progress', 'completed']),
  narrative: z.string().describe('The narrative as written, with its live placeholders'),
  parties: z.array(z.string()).describe('Codes of the organisations party to the item, the lead first'),
  updated_at: dateTime,
});

const figureSchema = z.object({
  id: z.number().int(), item_id: z.number().int(), key: z.string(), label: z.string(), value: z.number(),
  unit: z.enum(['count', 'hkd']), recorded_at: dateTime,
});

const figureBody = z.strictObject({
  key: z.string().min(1).max(FIGURE_KEY.max).regex(FIGURE_KEY.pattern).describe('The figure\'s key within the item, as narratives name it'),
  label: z.string().trim().min(1).max(200),
  value: z.number().min(0).max(FIGURE_VALUE_MAX),
  unit: z.enum(['count', 'hkd']).default('count'),
});

type YearRow = Awaited<ReturnType<typeof yearsWithFigures>>[number];
const yearOut = (y: YearRow) => ({
  slug: y.slug, label: y.label, starts_on: y.starts_on, ends_on: y.ends_on, published_at: y.published_at ? iso(y.published_at) : null,
  figures: {
    items: y.items, events: y.events, registrations: y.registrations, attended: y.attended, programmes: y.programmes,
    delegations: y.delegations, contests: y.contests, entries: y.entries, awards: y.awards,
  },
});
type FigureRow = Awaited<ReturnType<typeof figuresOfItem>>[number];
const figureOut = (f: FigureRow) => ({ ...f, recorded_at: iso(f.recorded_at) });

const idPath = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

export function yearRoutes(api: ApiApp) {
  api.get('/years', {
    ...tokenRoute(),
    schema: {
      tags: ['years'], summary: 'The reporting years with their summary figures',
      response: { 200: z.object({ data: z.array(yearSchema) }), ...problemResponses(401, 403, 429) },
    },
  }, async (request) => ({ data: (await yearsWithFigures(api.db, requireUser(request))).map(yearOut) }));

  api.get('/years/:slug', {
    ...tokenRoute(),
    schema: {
      tags: ['years'], summary: 'One year with its summary figures',
      params: z.object({ slug: z.string().max(50) }),
      response: { 200: yearSchema, ...problemResponses(401, 403, 404, 429) },
    },
  }, async (request) => {
    const [year] = await yearsWithFigures(api.db, requireUser(request), request.params.slug);
    if (!year) throw new ApiProblem(404, 'api.problem.notFound');
    return yearOut(year);
  });

  api.get('/items', {
    ...tokenRoute(),
    schema: {
      tags: ['years'], summary: 'Items within the token\'s scope',
      querystring: z.object({ ...pageQuery, year: z.string().max(50).optional().describe('A year\'s slug, e.g. 2018-19') }),
      response: { 200: pageOf(itemSchema), ...problemResponses(400, 401, 403, 429) },
    },
  }, async (request) => {
    const q = request.query;
    const rows = await itemsPage(api.db, requireUser(request), { ...listOptions(q), year: q.year });
    return page(rows, q.limit, (i) => ({ ...i, updated_at: iso(i.updated_at) }));
  });

  api.get('/items/:id/figures', {
    ...tokenRoute(),
    schema: {
      tags: ['years'], summary: 'The figures recorded on an item',
      params: idPath,
      response: { 200: z.object({ data: z.array(figureSchema) }), ...problemResponses(401, 403, 404, 429) },
    },
  }, async (request) => {
    const item = await scopedItem(api.db, requireUser(request), request.params.id);
    if (!item) throw new ApiProblem(404, 'api.problem.notFound');
    return { data: (await figuresOfItem(api.db, item.id)).map(figureOut) };
  });

  api.post('/items/:id/figures', {
    ...tokenRoute('figures'),
    schema: {
      tags: ['years'], summary: 'Record a figure on an item (or a new value of it)',
      description: 'The same as recording it on the item\'s page: the change is kept in the item\'s history.',
      params: idPath,
      headers: postHeaders,
      body: figureBody,
      response: { 200: figureSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429) },
    },
  }, async (request) => {
    const user = requireUser(request);
    const item = await scopedItem(api.db, user, request.params.id);
    if (!item) throw new ApiProblem(404, 'api.problem.notFound');
    await refuseWriteInArchivedYear(api.db, request, item);
    const id = await recordFigure(api.db, user, request.params.id, request.body);
    const figure = (await figuresOfItem(api.db, request.params.id)).find((f) => f.id === id);
    if (!figure) throw new ApiProblem(404, 'api.problem.notFound');
    return figureOut(figure);
  });
}
