import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { EVENT_KINDS } from '../../db/types.ts';
import { access } from '../../lib/access.ts';
import { apartArchived } from '../../lib/archive.ts';
import { attempt } from '../../lib/errors.ts';
import type { FormErrors, FormValues } from '../../lib/forms.ts';
import { type Message, message, verbatim } from '../../lib/i18n.ts';
import { readParams, slugParams } from '../../lib/params.ts';
import type { Site } from '../../lib/site.ts';
import { loadsObject } from '../../lib/route-group.ts';
import { requireUser } from '../auth/plugin.ts';
import { jobsOfItem } from '../jobs/jobs.ts';
import { desk, eventQuestions, eventsInScope, type ScopedEvent, scopedEvent } from '../events/queries.ts';
import { BLANK_QUESTIONS, dateToZoned, parseEventForm, QUESTION_KINDS, TIME_ZONES } from '../events/schemas.ts';
import { itemsInScope } from '../scope/queries.ts';
import { allowedMoves, saveEvent, setEventStatus } from './service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The event of a /manage/events/:slug route, loaded through the organiser's scope (see `scopeEvent`). */
    event: ScopedEvent;
  }
}

/** The organisers' pages of one event, and the check-in desk's, all live under this prefix. */
export const EVENT_GROUP = '/manage/events/:slug';

/**
 * Makes a plugin the route group of one event: before any handler runs, the event is loaded
 * through the organiser's scope, once, as `request.event`; anything outside the scope is not
 * found. Runs after the access check, so an anonymous visitor is sent to sign in first.
 */
export function scopeEvent(group: FastifyInstance) {
  loadsObject(group, 'event', (request) =>
    scopedEvent(group.db, requireUser(request), readParams(slugParams, request.params).slug), 'pages.notFound.event');
}

const statusForm = z.object({ status: z.enum(['draft', 'published', 'closed', 'cancelled']) });

/** The organisers' side of events: the list in their scope, the form, an event's page and its status. */
export async function eventAdminRoutes(app: FastifyInstance) {
  const site: Site = { baseUrl: app.config.baseUrl, domain: app.mail.domain };

  /** The form's values from a stored event: local times in its zone, questions as numbered rows. */
  const formValues = async (event: ScopedEvent): Promise<FormValues> => {
    const { translations: _translations, ...columns } = event;
    const values: FormValues = {
      ...Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v === null ? '' : String(v)])),
      waitlist_enabled: event.waitlist_enabled ? 'on' : '',
      confirm_email: event.confirm_email ? 'on' : '',
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

  const formPage = async (request: FastifyRequest, event: ScopedEvent | null, values: FormValues, errors: FormErrors) => ({
    title: event ? message('manage.eventForm.editTitle', { title: event.title }) : 'manage.events.new',
    event, values, errors, items: await itemsInScope(app.db, requireUser(request)),
    kinds: EVENT_KINDS, zones: TIME_ZONES, questionKinds: QUESTION_KINDS, questionRows: questionRows(values),
  });

  /** Creates (event = null) or updates from the posted form; what cannot be taken goes back beside its field. */
  const save = async (request: FastifyRequest, reply: FastifyReply, event: ScopedEvent | null) => {
    const form = parseEventForm(request.body);
    const saved = form.ok ? await attempt(() => saveEvent(app.db, requireUser(request), site, event, form.data)) : form;
    if (!saved.ok) {
      const values = form.ok ? (request.body as FormValues) : form.values;
      return reply.code(400).view('manage/events/form', await formPage(request, event, values, saved.errors));
    }
    return reply.redirect(event ? `/manage/events/${saved.value}?saved` : `/manage/events/${saved.value}`, 303);
  };

  const showPage = async (event: ScopedEvent, extra: { saved?: boolean; problem?: Message } = {}) => ({
    title: verbatim(event.title), event, counts: await desk(app.db, event.id), moves: allowedMoves(event.status),
    jobs: await jobsOfItem(app.db, event.item_id, { eventId: event.id }),
    saved: extra.saved ?? false, problem: extra.problem ?? null,
  });

  app.get('/manage/events', access('organiser'), async (request, reply) => {
    const { current, archived } = await apartArchived(app.db, 'events', await eventsInScope(app.db, requireUser(request)));
    return reply.view('manage/events/index', { title: 'manage.nav.events', events: current, archived });
  });

  app.get<{ Querystring: { item?: string } }>('/manage/events/new', access('organiser'), async (request, reply) => {
    const values: FormValues = { timezone: 'Asia/Hong_Kong', waitlist_enabled: 'on', kind: 'seminar', item_id: request.query.item ?? '',
      reminder_hours: '24' };
    return reply.view('manage/events/form', await formPage(request, null, values, {}));
  });

  app.post('/manage/events/new', access('organiser'), async (request, reply) => save(request, reply, null));

  await app.register(async (group) => {
    scopeEvent(group);

    group.get<{ Querystring: { saved?: string } }>('', access('organiser'), async (request, reply) =>
      reply.view('manage/events/show', await showPage(request.event, { saved: request.query.saved !== undefined })));

    group.get('/edit', access('organiser'), async (request, reply) =>
      reply.view('manage/events/form', await formPage(request, request.event, await formValues(request.event), {})));

    group.post('/edit', access('organiser'), async (request, reply) => save(request, reply, request.event));

    group.post('/status', access('organiser'), async (request, reply) => {
      const { event } = request;
      const form = statusForm.safeParse(request.body);
      if (!form.success || !(await setEventStatus(app.db, requireUser(request), site, event, form.data.status))) {
        return reply.code(400).view('manage/events/show', await showPage(event, { problem: 'manage.event.statusRefused' }));
      }
      return reply.redirect(`/manage/events/${event.slug}`, 303);
    });
  }, { prefix: EVENT_GROUP });
}
