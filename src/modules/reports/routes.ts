import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { notFound } from '../../lib/errors.ts';
import type { CurrentUser } from '../auth/service.ts';
import { periodBySlug } from '../summary/queries.ts';
import { buildSummary } from '../summary/service.ts';
import { drilldown } from './drilldown.ts';
import { summaryAsDocx, summaryAsMarkdown } from './exports.ts';
import { latestEdition } from './queries.ts';
import { type EditionContent, periodCharts, publishPeriod } from './service.ts';

const drillParams = z.object({ metric: z.string().max(40), ref: z.string().max(200) });
const drillFilters = z.object({
  side: z.string().max(10).optional(), from: z.string().max(10).optional(), to: z.string().max(10).optional(),
  role: z.string().max(20).optional(), category: z.string().max(60).optional(), tier: z.string().max(60).optional(),
  major: z.string().max(5).optional(), on: z.iso.date().optional(),
});

export async function reportRoutes(app: FastifyInstance) {
  const summaryOr404 = async (slug: string) => {
    const summary = await buildSummary(app.db, slug);
    if (!summary) throw notFound('programme year');
    return summary;
  };

  app.get<{ Params: { slug: string } }>('/periods/:slug/summary.md', access('public'), async (request, reply) => {
    const summary = await summaryOr404(request.params.slug);
    return reply.type('text/markdown; charset=utf-8')
      .header('content-disposition', `inline; filename="summary-${summary.period.slug}.md"`)
      .send(summaryAsMarkdown(summary));
  });

  app.get<{ Params: { slug: string } }>('/periods/:slug/summary.docx', access('public'), async (request, reply) => {
    const summary = await summaryOr404(request.params.slug);
    return reply.type('application/vnd.openxmlformats-officedocument.wordprocessingml.document')
      .header('content-disposition', `attachment; filename="summary-${summary.period.slug}.docx"`)
      .send(await summaryAsDocx(summary));
  });

  app.get<{ Params: { slug: string } }>('/periods/:slug/print', access('public'), async (request, reply) => {
    const summary = await summaryOr404(request.params.slug);
    const charts = await periodCharts(app.db, summary.period.id);
    return reply.view('reports/print', { title: `Summary of Co-operation Items (${summary.period.label})`, summary, charts });
  });

  app.get<{ Params: { slug: string } }>('/periods/:slug/published', access('public'), async (request, reply) => {
    const period = await periodBySlug(app.db, request.params.slug);
    const edition = period && await latestEdition(app.db, period.id);
    if (!period || !edition) throw notFound('published edition');
    return reply.view('reports/published', {
      title: `Summary of Co-operation Items (${period.label}), as published`, period, edition, content: edition.content as EditionContent,
    });
  });

  app.get<{ Params: { slug: string } }>('/periods/:slug/published.txt', access('public'), async (request, reply) => {
    const period = await periodBySlug(app.db, request.params.slug);
    const edition = period && await latestEdition(app.db, period.id);
    if (!period || !edition) throw notFound('published edition');
    return reply.type('text/plain; charset=utf-8').send(edition.text_body);
  });

  app.post<{ Params: { slug: string } }>('/manage/periods/:slug/publish', access('organiser'), async (request, reply) => {
    const edition = await publishPeriod(app.db, request.user as CurrentUser, request.params.slug);
    if (!edition) throw notFound('programme year');
    return reply.redirect(`/periods/${request.params.slug}?published=1`, 303);
  });

  app.get('/manage/figures/:metric/:ref', access('organiser'), async (request, reply) => {
    const params = drillParams.safeParse(request.params);
    const filters = drillFilters.safeParse(request.query);
    if (!params.success || !filters.success) throw notFound('figure');
    const result = await drilldown(app.db, request.user as CurrentUser, params.data.metric, params.data.ref, filters.data);
    if (!result) throw notFound('figure');
    return reply.view('reports/drilldown', { title: result.title, result });
  });
}
