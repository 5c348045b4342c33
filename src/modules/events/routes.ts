import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { EVENT_KINDS } from '../../db/types.ts';
import { access } from '../../lib/access.ts';
import { notFound } from '../../lib/errors.ts';
import type { FormErrors, FormValues } from '../../lib/forms.ts';
import { sendPublicPage } from '../../lib/page-cache.ts';
import type { CurrentUser } from '../auth/service.ts';
import { itemsInScope } from '../manage/queries.ts';
import { eventQuestions } from '../registrations/queries.ts';
import type { Site } from '../registrations/service.ts';
import { allowedMoves, saveEvent, setEventStatus } from './manage.ts';
import { desk, eventPageVersion, eventsInScope, type ScopedEvent, scopedEvent, upcomingEvents } from './queries.ts';
import { BLANK_QUESTIONS, dateToZoned, parseEventForm, QUESTION_KINDS, TIME_ZONES } from './schemas.ts';
import { eventPage, registrationChangesAt, registrationState } from './service.ts';

type SlugParams = { Params: { slug: string } };

const statusForm = z.object({ status: z.enum(['draft', 'published', 'closed', 'cancelled']) });

export async function eventRoutes(app: FastifyInstance) {
  const site: Site = { baseUrl: app.config.baseUrl, domain: app.mail.domain };

  app.get('/events', access('public'), async (_request, reply) => {
    const now = new Date();
    const events = await upcomingEvents(app.db, now);
    return reply.view('events/list', { title: 'Upcoming events', events, now, registrationState });
  });

  app.get<SlugParams>('/events/:slug', access('public'), async (request, reply) => {
    const { slug } = request.params;
    const version = { name: `event ${slug}`, read: () => eventPageVersion(app.db, slug) };
    return sendPublicPage(request, reply, version, async () => {
      const now = new Date();
      const page = await eventPage(app.db, slug, now);
      if (!page) throw notFound('event');
      return {
        template: 'events/show',
        data: { title: request.local(page.event, 'title'), ...page, values: {}, errors: {} },
        until: registrationChangesAt(page.event, now),
      };
    });
  });

  // The organisers' side: every event is loaded through the organiser's scope.
  const loadEvent = async (request: FastifyRequest<SlugParams>) => {
    const event = await scopedEvent(app.db, request.user as CurrentUser, request.params.slug);
    if (!event) throw notFound('event');
    return event;
  };

  /** The form's values from a stored event: local times in its zone, questions as numbered rows. */
  const formValues = async (event: ScopedEvent): Promise<FormValues> => {
    const values: FormValues = {
      ...Object.fromEntries(Object.entries(event).map(([k, v]) => [k, v === null ? '' : String(v)])),
      waitlist_enabled: event.waitlist_enabled ? 'on' : '',
    };
    for (const key of ['starts_at', 'ends_at', 'registration_opens_at', 'registration_closes_at'] as const) {
      values[key] = dateToZoned(event[key], event.timezone);
    }
    for (const [n, q] of (await eventQuestions(app.db, event.id)).entries()) {
      Object.assign(values, {
        [`question_id_${n}`]: String(q.id), [`question_label_${n}`]: q.label, [`question_kind_${n}`]: q.kind,
        [`question_required_${n}`]: q.required ? 'on' : '', [`question_options_${n}`]: q.options.join('\n'),
      });
    }
    return values;
  };

  const questionRows = (values: FormValues) => {
    let filled = 0;
    while (values[`question_label_${filled}`]) filled++;
    return filled + BLANK_QUESTIONS;
  };

  const renderForm = async (request: FastifyRequest, event: ScopedEvent | null, values: FormValues, errors: FormErrors) => {
    const items = await itemsInScope(app.db, request.user as CurrentUser);
    return {
      title: event ? `Edit ${event.title}` : 'New event', event, values, errors, items,
      kinds: EVENT_KINDS, zones: TIME_ZONES, questionKinds: QUESTION_KINDS, questionRows: questionRows(values),
    };
  };

  app.get('/manage/events', access('organiser'), async (request, reply) => {
    const events = await eventsInScope(app.db, request.user as CurrentUser);
    return reply.view('manage/events/index', { title: 'Events', events });
  });

  app.get<{ Querystring: { item?: string } }>('/manage/events/new', access('organiser'), async (request, reply) => {
    const values: FormValues = { timezone: 'Asia/Hong_Kong', waitlist_enabled: 'on', kind: 'seminar', item_id: request.query.item ?? '' };
    return reply.view('manage/events/form', await renderForm(request, null, values, {}));
  });

  app.post('/manage/events/new', access('organiser'), async (request, reply) => {
    const form = parseEventForm(request.body);
    if (!form.ok) return reply.code(400).view('manage/events/form', await renderForm(request, null, form.values, form.errors));
    const saved = await saveEvent(app.db, request.user as CurrentUser, site, null, form.data);
    if (!saved.ok) return reply.code(400).view('manage/events/form', await renderForm(request, null, request.body as FormValues, saved.errors));
    return reply.redirect(`/manage/events/${saved.slug}`, 303);
  });

  app.get<SlugParams & { Querystring: { saved?: string } }>('/manage/events/:slug', access('organiser'), async (request, reply) => {
    const event = await loadEvent(request);
    const counts = await desk(app.db, event.id);
    return reply.view('manage/events/show', {
      title: event.title, event, counts, moves: allowedMoves(event.status), saved: request.query.saved !== undefined,
    });
  });

  app.get<SlugParams>('/manage/events/:slug/edit', access('organiser'), async (request, reply) => {
    const event = await loadEvent(request);
    return reply.view('manage/events/form', await renderForm(request, event, await formValues(event), {}));
  });

  app.post<SlugParams>('/manage/events/:slug/edit', access('organiser'), async (request, reply) => {
    const event = await loadEvent(request);
    const form = parseEventForm(request.body);
    if (!form.ok) return reply.code(400).view('manage/events/form', await renderForm(request, event, form.values, form.errors));
    const saved = await saveEvent(app.db, request.user as CurrentUser, site, event, form.data);
    if (!saved.ok) return reply.code(400).view('manage/events/form', await renderForm(request, event, request.body as FormValues, saved.errors));
    return reply.redirect(`/manage/events/${saved.slug}?saved`, 303);
  });

  app.post<SlugParams>('/manage/events/:slug/status', access('organiser'), async (request, reply) => {
    const event = await loadEvent(request);
    const form = statusForm.safeParse(request.body);
    if (!form.success || !(await setEventStatus(app.db, request.user as CurrentUser, site, event, form.data.status))) {
      return reply.code(400).view('manage/events/show', {
        title: event.title, event, counts: await desk(app.db, event.id), moves: allowedMoves(event.status), saved: false,
        problem: 'That change of status is not possible from here.',
      });
    }
    return reply.redirect(`/manage/events/${event.slug}`, 303);
  });
}
