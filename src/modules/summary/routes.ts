import type { FastifyInstance } from 'fastify';
import { access } from '../../lib/access.ts';
import { z } from 'zod';
import { notFound } from '../../lib/errors.ts';
import { contestsOfItem } from '../contests/queries.ts';
import { eventsOfItem } from '../events/queries.ts';
import { programmesOfItem } from '../programmes/queries.ts';
import { latestEdition } from '../reports/queries.ts';
import { changedSincePublication, compareWithPrevious, type EditionContent, itemCharts, periodCharts } from '../reports/service.ts';
import { parseNarrative } from './placeholders.ts';
import { allPeriods, itemByNumber, itemFigures, itemParties, periodBySlug, periodItems } from './queries.ts';
import { buildSummary, loadFigureData, renderNarrative, summaryAsText } from './service.ts';

const itemParams = z.object({ slug: z.string(), number: z.coerce.number().int().positive().max(10_000) });

export async function summaryRoutes(app: FastifyInstance) {
  app.get('/periods', access('public'), async (_request, reply) => {
    const periods = await allPeriods(app.db);
    return reply.view('summary/periods', { title: 'Programme years', periods });
  });

  app.get<{ Params: { slug: string }; Querystring: { published?: string } }>('/periods/:slug', access('public'), async (request, reply) => {
    const summary = await buildSummary(app.db, request.params.slug);
    if (!summary) throw notFound('programme year');
    const [charts, edition, comparison] = await Promise.all([
      periodCharts(app.db, summary.period.id),
      latestEdition(app.db, summary.period.id),
      compareWithPrevious(app.db, summary),
    ]);
    const changed = edition ? changedSincePublication(summary, edition.content as EditionContent) : new Set<number>();
    return reply.view('summary/period', {
      title: `Summary of Co-operation Items (${summary.period.label})`,
      summary, charts, edition, changed, comparison,
      justPublished: request.query.published === '1',
      drill: request.user !== null && request.user.role !== 'judge',
    });
  });

  app.get<{ Params: { slug: string } }>('/periods/:slug/summary.txt', access('public'), async (request, reply) => {
    const summary = await buildSummary(app.db, request.params.slug);
    if (!summary) throw notFound('programme year');
    return reply
      .type('text/plain; charset=utf-8')
      .header('content-disposition', `inline; filename="summary-${summary.period.slug}.txt"`)
      .send(summaryAsText(summary));
  });

  app.get('/periods/:slug/items/:number', access('public'), async (request, reply) => {
    const params = itemParams.safeParse(request.params);
    if (!params.success) throw notFound('item');
    const period = await periodBySlug(app.db, params.data.slug);
    if (!period) throw notFound('programme year');
    const item = await itemByNumber(app.db, period.id, params.data.number);
    if (!item) throw notFound('item');
    const parts = parseNarrative(item.narrative);
    const [items, parties, events, programmes, contests, figures] = await Promise.all([
      periodItems(app.db, period.id),
      itemParties(app.db, item.id),
      eventsOfItem(app.db, item.id),
      programmesOfItem(app.db, item.id),
      contestsOfItem(app.db, item.id),
      itemFigures(app.db, item.id),
    ]);
    const data = await loadFigureData(app.db, period.id, items, [parts]);
    const narrative = renderNarrative(parts, data, item.number);
    const charts = await itemCharts(app.db, period.id, item.id);
    const index = items.findIndex((i) => i.id === item.id);
    return reply.view('summary/item', {
      title: `${item.number}. ${item.title}`,
      period, item, narrative, parties, events, programmes, contests, figures, charts,
      drill: request.user !== null && request.user.role !== 'judge',
      previous: items[index - 1] ?? null,
      next: items[index + 1] ?? null,
    });
  });
}
