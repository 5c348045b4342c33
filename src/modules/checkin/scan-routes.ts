import type { FastifyInstance, FastifyRequest } from 'fastify';
import { access } from '../../lib/access.ts';
import { Refusal } from '../../lib/errors.ts';
import { message, translator } from '../../lib/i18n.ts';
import { requireUser } from '../auth/plugin.ts';
import { desk } from '../events/queries.ts';
import { checkinLog, checkinLogCounts } from './queries.ts';
import { logQuery, syncBatch } from './schemas.ts';
import { type DoorResult, recordScans, scannerData } from './service.ts';

/*
 * The phone scanner of one event: its page (an installable web app that works offline), the
 * manifest and service worker that make it one, the data it judges tickets by while offline,
 * the endpoint its kept scans are sent to, and the log organisers read afterwards.
 */

/** The sync endpoint answers JSON, refusals included, whatever the caller asked for. */
const answerJson = (request: FastifyRequest, _reply: unknown, done: () => void) => {
  request.headers.accept = 'application/json';
  done();
};

const isoResult = (r: DoorResult) => ('at' in r ? { ...r, at: r.at.toISOString() } : r);

export function scanRoutes(group: FastifyInstance) {
  const scope = (slug: string) => `/manage/events/${slug}/scan`;

  group.get('/scan', access('organiser'), async (request, reply) => {
    const { event } = request;
    return reply.view('manage/events/scan', {
      title: message('manage.scan.pageTitle', { title: event.title }), event, scope: scope(event.slug),
      counts: await desk(group.db, event.id),
    });
  });

  // Fetched with the organiser's cookies (crossorigin="use-credentials"): it names this event.
  group.get('/scan/manifest.webmanifest', access('organiser'), async (request, reply) => {
    const { event } = request;
    const t = translator(request.locale);
    return reply.type('application/manifest+json; charset=utf-8').send({
      id: scope(event.slug), name: t('manage.scan.appName', { title: event.title }), short_name: t('manage.scan.shortName'),
      lang: request.locale, start_url: scope(event.slug), scope: scope(event.slug), display: 'standalone', orientation: 'portrait',
      background_color: '#ffffff', theme_color: '#0b3d5c',
      icons: [{ src: '/static/favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
    });
  });

  // Served beside the scanner so that it may control the scanner's address (/…/scan, below /…/).
  group.get('/scan-sw.js', access('organiser'), async (_request, reply) =>
    reply.header('cache-control', 'no-cache').type('text/javascript; charset=utf-8').sendFile('scanner-sw.js'));

  group.get('/scan/people.json', access('organiser'), async (request) =>
    scannerData(group.db, request.event));

  group.post('/scan/sync', { ...access('organiser'), onRequest: answerJson }, async (request) => {
    const batch = syncBatch.safeParse(request.body);
    if (!batch.success) {
      const where = batch.error.issues[0]?.path.join('.') || 'body';
      throw Refusal.form({ _form: message('manage.scan.errors.batch', { where }) });
    }
    const { device, scans } = batch.data;
    const { results, counts } = await recordScans(group.db, requireUser(request), request.event, device, scans.map((s) => ({
      id: s.id, action: s.action, at: s.at, undoes: s.undoes ?? null,
      ...(s.code === undefined ? {} : { code: s.code }), ...(s.registration === undefined ? {} : { registrationId: s.registration }),
    })));
    return { results: results.map(isoResult), counts };
  });

  group.get<{ Querystring: { show?: string } }>('/checkin-log', access('organiser'), async (request, reply) => {
    const { event } = request;
    const { show } = logQuery.parse(request.query);
    return reply.view('manage/events/checkin-log', {
      title: message('manage.checkinLog.pageTitle', { title: event.title }), event, show: show ?? null,
      rows: await checkinLog(group.db, event.id, { outcome: show }), tally: await checkinLogCounts(group.db, event.id),
    });
  });
}
