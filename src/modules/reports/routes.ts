import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { Refusal } from '../../lib/errors.ts';
import { message } from '../../lib/i18n.ts';
import { readParams, slugParams } from '../../lib/params.ts';
import { requireUser } from '../auth/plugin.ts';
import { periodBySlug } from '../summary/queries.ts';
import { summaryOfPeriod } from '../summary/service.ts';
import { archiveRoutes } from './archive-routes.ts';
import { archivedSummary } from './archive.ts';
import { drilldown } from './drilldown.ts';
import { summaryAsDocx, summaryAsMarkdown } from './exports.ts';
import { latestEdition } from './queries.ts';
import { type EditionContent, periodCharts, publishPeriod, setPublisher } from './service.ts';

const drillParams = z.object({ metric: z.string().max(40), ref: z.string().max(200) });
const drillFilters = z.object({
  side: z.string().max(10).optional(), from: z.string().max(10).optional(), to: z.string().max(10).optional(),
  role: z.string().max(20).optional(), category: z.string().max(60).optional(), tier: z.string().max(60).optional(),
  major: z.string().max(5).optional(), on: z.iso.date().optional(),
  // The last row of the page before, for the long lists of people (keyset paging).
  after: z.string().regex(/^\d{1,10}$/).refine((v) => Number(v) <= 2 ** 31 - 1).optional(),
});

const publisherForm = z.object({ publisher: z.union([z.literal(''), z.coerce.number().int().positive().max(2 ** 31 - 1)]) });

const periodNotFound = () => Refusal.notFound('pages.notFound.period');
const figureNotFound = () => Refusal.notFound('manage.notFound.figure');

export async function reportRoutes(app: FastifyInstance) {
  await app.register(archiveRoutes);

  /** The English summary of the period named by the route, with its charts: as kept when it was archived, else live. */
  const englishOf = async (params: unknown) => {
    const period = await periodBySlug(app.db, readParams(slugParams, params).slug);
    if (!period) throw periodNotFound();
    const kept = await archivedSummary(app.db, period, 'en');
    if (kept) return { summary: kept.summary, charts: async () => kept.charts };
    return { summary: await summaryOfPeriod(app.db, period), charts: () => periodCharts(app.db, period.id) };
  };
  const summaryOf = async (params: unknown) => (await englishOf(params)).summary;

  /** The period named by the route and its latest published edition. */
  const editionOf = async (params: unknown) => {
    const period = await periodBySlug(app.db, readParams(slugParams, params).slug);
    const edition = period && await latestEdition(app.db, period.id);
    if (!period || !edition) throw Refusal.notFound('pages.notFound.edition');
    return { period, edition };
  };

  app.get('/periods/:slug/summary.md', access('public'), async (request, reply) => {
    const summary = await summaryOf(request.params);
    return reply.type('text/markdown; charset=utf-8')
      .header('content-disposition', `inline; filename="summary-${summary.period.slug}.md"`)
      .send(summaryAsMarkdown(summary));
  });

  app.get('/periods/:slug/summary.docx', access('public'), async (request, reply) => {
    const summary = await summaryOf(request.params);
    return reply.type('application/vnd.openxmlformats-officedocument.wordprocessingml.document')
      .header('content-disposition', `attachment; filename="summary-${summary.period.slug}.docx"`)
      .send(await summaryAsDocx(summary));
  });

  // The print page has a head of its own: its title is written there.
  app.get('/periods/:slug/print', access('public'), async (request, reply) => {
    const english = await englishOf(request.params);
    return reply.view('reports/print', { summary: english.summary, charts: await english.charts() });
  });

  app.get('/periods/:slug/published', access('public'), async (request, reply) => {
    const { period, edition } = await editionOf(request.params);
    return reply.view('reports/published', {
      title: message('pages.published.title', { label: period.label }), period, edition, content: edition.content as EditionContent,
    });
  });

  app.get('/periods/:slug/published.txt', access('public'), async (request, reply) => {
    const { edition } = await editionOf(request.params);
    return reply.type('text/plain; charset=utf-8').send(edition.text_body);
  });

  app.post('/manage/periods/:slug/publish', access('organiser'), async (request, reply) => {
    const { slug } = readParams(slugParams, request.params);
    await publishPeriod(app.db, requireUser(request), slug);
    return reply.redirect(`/periods/${slug}?published=1`, 303);
  });

  app.post('/manage/periods/:slug/publisher', access('admin'), async (request, reply) => {
    const { slug } = readParams(slugParams, request.params);
    const form = publisherForm.safeParse(request.body);
    if (!form.success) throw Refusal.form({ publisher: 'pages.summary.publisher.unknown' });
    await setPublisher(app.db, requireUser(request), slug, form.data.publisher === '' ? null : form.data.publisher);
    return reply.notice('pages.summary.publisher.saved').redirect(`/periods/${slug}`, 303);
  });

  app.get('/manage/figures/:metric/:ref', access('organiser'), async (request, reply) => {
    const params = drillParams.safeParse(request.params);
    const filters = drillFilters.safeParse(request.query);
    if (!params.success || !filters.success) throw figureNotFound();
    const result = await drilldown(app.db, requireUser(request), params.data.metric, params.data.ref, filters.data);
    if (!result) throw figureNotFound();
    // The next page's link keeps the filters.
    const { after: _after, ...kept } = filters.data;
    const keep = new URLSearchParams(Object.entries(kept).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    return reply.view('reports/drilldown', { title: result.title, result, keep });
  });
}
