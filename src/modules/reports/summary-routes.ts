import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Period } from '../../db/types.ts';
import { access } from '../../lib/access.ts';
import { localize, localText } from '../../lib/content.ts';
import { Refusal } from '../../lib/errors.ts';
import { type Locale, message, verbatim } from '../../lib/i18n.ts';
import { sendPublicPage } from '../../lib/page-cache.ts';
import { readParams, slugParam, slugParams } from '../../lib/params.ts';
import { contestsOfItem } from '../contests/queries.ts';
import { eventsOfItem } from '../events/queries.ts';
import { programmesOfItem } from '../programmes/queries.ts';
import { parseNarrative } from '../summary/placeholders.ts';
import { allPeriods, itemByNumber, itemFigures, itemParties, periodBySlug, periodItems, publicContentVersion } from '../summary/queries.ts';
import { loadFigureData, renderNarrative, summaryAsText, summaryOfPeriod } from '../summary/service.ts';
import { archivedSummary } from './archive.ts';
import { latestEdition, periodParties } from './queries.ts';
import {
  changedSincePublication, compareWithPrevious, type EditionContent, itemCharts, periodCharts, publishRight,
} from './service.ts';

const itemParams = z.object({ slug: slugParam, number: z.coerce.number().int().positive().max(10_000) });
const periodNotFound = () => Refusal.notFound('pages.notFound.period');

export async function summaryRoutes(app: FastifyInstance) {
  // The summary and item pages show the whole year, and the year before: one version for all.
  const contentVersion = { name: 'content', read: () => publicContentVersion(app.db) };

  /** A current year's summary page, from the rows as they are now. */
  const liveSummary = async (period: Period, locale: Locale) => {
    const summary = await summaryOfPeriod(app.db, period, locale);
    // Published editions and last year's figures are kept in English: compare against the English text.
    const english = locale === 'en' ? summary : await summaryOfPeriod(app.db, period);
    const [charts, edition, comparison] = await Promise.all([
      periodCharts(app.db, period.id, locale),
      latestEdition(app.db, period.id),
      compareWithPrevious(app.db, english),
    ]);
    const changed = edition ? changedSincePublication(english, edition.content as EditionContent) : new Set<number>();
    return { summary, charts, edition, comparison, changed };
  };

  app.get('/periods', access('public'), async (_request, reply) => {
    const periods = await allPeriods(app.db);
    return reply.view('summary/periods', { title: 'pages.periods.title', periods });
  });

  app.get<{ Querystring: { published?: string } }>('/periods/:slug', access('public'), async (request, reply) =>
    sendPublicPage(request, reply, contentVersion, async () => {
      const period = await periodBySlug(app.db, readParams(slugParams, request.params).slug);
      if (!period) throw periodNotFound();
      // An archived year reads as it did when archived, from what was kept then (its edition reads the same: no change to mark).
      const { summary, charts, edition, comparison, changed } = await archivedSummary(app.db, period, request.locale)
        .then((kept) => (kept ? { ...kept, changed: new Set<number>() } : liveSummary(period, request.locale)));
      const { user } = request;
      const publish = user ? await publishRight(app.db, user, period) : 'not-found';
      const parties = user?.role === 'admin' && !period.archived_at ? await periodParties(app.db, period.id) : [];
      const publisher = period.publisher_organisation_id === null ? null
        : (parties.find((o) => o.id === period.publisher_organisation_id) ?? null);
      return {
        template: 'summary/period',
        data: {
          title: message('pages.common.summaryOf', { label: period.label }),
          summary, charts, edition, changed, comparison, archived: period.archived_at,
          justPublished: request.query.published === '1',
          publish, parties, publisher,
          drill: request.user !== null && request.user.role !== 'judge',
        },
      };
    }, { published: (value) => (value === '1' ? '1' : null) }));

  app.get('/periods/:slug/summary.txt', access('public'), async (request, reply) => {
    const period = await periodBySlug(app.db, readParams(slugParams, request.params).slug);
    if (!period) throw periodNotFound();
    const kept = await archivedSummary(app.db, period, request.locale);
    const summary = kept?.summary ?? await summaryOfPeriod(app.db, period, request.locale);
    return reply
      .type('text/plain; charset=utf-8')
      .header('content-disposition', `inline; filename="summary-${summary.period.slug}.txt"`)
      .send(summaryAsText(summary));
  });

  app.get('/periods/:slug/items/:number', access('public'), async (request, reply) =>
    sendPublicPage(request, reply, contentVersion, async () => {
      const params = readParams(itemParams, request.params);
      const period = await periodBySlug(app.db, params.slug);
      if (!period) throw periodNotFound();
      const stored = await itemByNumber(app.db, period.id, params.number);
      if (!stored) throw Refusal.notFound('pages.notFound.item');
      const item = localize(stored, request.locale, ['title']);
      const narrativeText = localText(stored.narrative, stored.translations, 'narrative', request.locale);
      const parts = parseNarrative(narrativeText.text);
      const [items, parties, events, programmes, contests, figures] = await Promise.all([
        periodItems(app.db, period.id).then((rows) => rows.map((r) => localize(r, request.locale, ['title']))),
        itemParties(app.db, item.id),
        eventsOfItem(app.db, item.id),
        programmesOfItem(app.db, item.id),
        contestsOfItem(app.db, item.id),
        itemFigures(app.db, item.id),
      ]);
      const data = await loadFigureData(app.db, period.id, items, [parts]);
      const narrative = renderNarrative(parts, data, item.number, narrativeText.source === 'english' ? 'en' : request.locale);
      const charts = await itemCharts(app.db, period.id, item.id, request.locale);
      const index = items.findIndex((i) => i.id === item.id);
      return {
        template: 'summary/item',
        data: {
          title: verbatim(`${item.number}. ${item.title}`),
          period, item, narrative, parties, events, programmes, contests, figures, charts,
          drill: request.user !== null && request.user.role !== 'judge',
          previous: items[index - 1] ?? null,
          next: items[index + 1] ?? null,
        },
      };
    }));
}
