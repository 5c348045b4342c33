import { z } from 'zod';
import { EVENT_KINDS, SIDES } from '../../db/types.ts';
import { refuseWriteInArchivedYear } from '../../lib/archive.ts';
import { parseForm } from '../../lib/forms.ts';
import { LOCALES, type Message, translator } from '../../lib/i18n.ts';
import type { Site } from '../../lib/site.ts';
import { hashToken } from '../../lib/tokens.ts';
import { requireUser } from '../auth/plugin.ts';
import { checkInScanned, setCheckedIn } from '../checkin/service.ts';
import { eventQuestions, scopedEvent } from '../events/queries.ts';
import { liveRegistrationForEmail } from '../registrations/queries.ts';
import { questionField, registrationSchema } from '../registrations/schemas.ts';
import { cancelForOrganiser, register } from '../registrations/service.ts';
import { dateTime, iso, isoOrNull, listOptions, page, pageOf, pageQuery } from './paging.ts';
import { ApiProblem, PROBLEM_TYPES, problemResponses } from './problem.ts';
import { eventsPage, eventWithCounts, registrationsPage, scopedRegistration } from './queries.ts';
import { type ApiApp, postHeaders, tokenRoute } from './route.ts';

/* Events with their counts; their registrations (read, create, cancel) and check-in. */

const countsSchema = z.object({
  confirmed: z.number().int(), waitlisted: z.number().int(), attended: z.number().int().describe('Checked in'),
});

const eventSchema = z.object({
  id: z.number().int(),
  slug: z.string(),
  item_id: z.number().int(),
  kind: z.enum(EVENT_KINDS),
  title: z.string(),
  status: z.enum(['draft', 'published', 'closed', 'cancelled']),
  starts_at: dateTime,
  ends_at: dateTime,
  timezone: z.string(),
  city: z.string(),
  venue: z.string(),
  capacity: z.number().int().nullable(),
  waitlist_enabled: z.boolean(),
  registration_opens_at: dateTime.nullable(),
  registration_closes_at: dateTime.nullable(),
  updated_at: dateTime,
  counts: countsSchema,
});

const eventDetailSchema = eventSchema.extend({
  description: z.string(),
  questions: z.array(z.object({
    id: z.number().int(), label: z.string(), kind: z.enum(['text', 'choice', 'checkbox']), required: z.boolean(),
    options: z.array(z.string()),
  })).describe('The event\'s own questions; a registration answers them in `answers`, by question id'),
});

const registrationStatus = z.enum(['confirmed', 'waitlisted', 'cancelled', 'unconfirmed', 'awaiting']);
const registrationSchemaOut = z.object({
  id: z.number().int(),
  event_id: z.number().int(),
  name: z.string(),
  email: z.string(),
  organisation: z.string(),
  side: z.enum(SIDES),
  status: registrationStatus.describe('`unconfirmed`: holds a place until the participant confirms their email address; '
    + '`awaiting`: waits for an organiser\'s approval, holding no place'),
  answers: z.record(z.string(), z.union([z.string(), z.boolean()])),
  checked_in_at: dateTime.nullable(),
  cancelled_at: dateTime.nullable(),
  created_at: dateTime,
  updated_at: dateTime,
});

const registrationBody = z.strictObject({
  name: z.string().max(200),
  email: z.string().max(254),
  organisation: z.string().max(200).default(''),
  side: z.enum(SIDES),
  consent: z.literal(true).describe('The participant agreed to the event\'s privacy notice'),
  answers: z.record(z.string().regex(/^\d{1,10}$/), z.union([z.string().max(500), z.boolean()])).default({})
    .describe('Answers to the event\'s questions, by question id'),
  language: z.enum(LOCALES).default('en').describe('The language of the participant\'s emails'),
});

const checkinBody = z.strictObject({
  registration_id: z.number().int().positive().max(2_147_483_647).optional(),
  ticket: z.string().min(1).max(2000).optional().describe('What the QR code on the participant\'s ticket reads'),
}).refine((b) => (b.registration_id === undefined) !== (b.ticket === undefined), {
  message: 'give either registration_id or ticket', path: ['registration_id'],
});

const slugPath = z.object({ slug: z.string().min(1).max(200) });
const idPath = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

type EventRow = Awaited<ReturnType<typeof eventsPage>>[number];
const eventOut = (e: Omit<EventRow, 'confirmed' | 'waitlisted' | 'attended'>, counts: z.infer<typeof countsSchema>) => ({
  ...e,
  starts_at: iso(e.starts_at), ends_at: iso(e.ends_at), registration_opens_at: isoOrNull(e.registration_opens_at),
  registration_closes_at: isoOrNull(e.registration_closes_at), updated_at: iso(e.updated_at), counts,
});

type RegistrationRow = Awaited<ReturnType<typeof registrationsPage>>[number];
const registrationOut = (r: RegistrationRow) => ({
  ...r, checked_in_at: isoOrNull(r.checked_in_at), cancelled_at: isoOrNull(r.cancelled_at), created_at: iso(r.created_at),
  updated_at: iso(r.updated_at),
});

const notFound = () => new ApiProblem(404, 'api.problem.notFound');

const REFUSED: Record<string, Message> = {
  full: 'participant.refused.full', cancelled: 'participant.refused.cancelled', closed: 'participant.refused.closed',
  past: 'participant.refused.past', not_yet_open: 'participant.refused.notYetOpen',
};

export function eventRoutes(api: ApiApp) {
  const site: Site = { baseUrl: api.config.baseUrl, domain: api.mail.domain };

  api.get('/events', {
    ...tokenRoute(),
    schema: {
      tags: ['events'], summary: 'Events within the token\'s scope, with their counts',
      querystring: z.object({
        ...pageQuery,
        item_id: z.coerce.number().int().positive().max(2_147_483_647).optional(),
        status: z.enum(['draft', 'published', 'closed', 'cancelled']).optional(),
      }),
      response: { 200: pageOf(eventSchema), ...problemResponses(400, 401, 403, 429) },
    },
  }, async (request) => {
    const q = request.query;
    const rows = await eventsPage(api.db, requireUser(request), {
      ...listOptions(q), item: q.item_id, status: q.status,
    });
    return page(rows, q.limit, ({ confirmed, waitlisted, attended, ...e }) => eventOut(e, { confirmed, waitlisted, attended }));
  });

  api.get('/events/:slug', {
    ...tokenRoute(),
    schema: {
      tags: ['events'], summary: 'One event with its counts and questions',
      params: slugPath,
      response: { 200: eventDetailSchema, ...problemResponses(401, 403, 404, 429) },
    },
  }, async (request) => {
    const row = await eventWithCounts(api.db, requireUser(request), request.params.slug);
    if (!row) throw notFound();
    const { confirmed, waitlisted, attended, description, questions, ...event } = row;
    return { ...eventOut(event, { confirmed, waitlisted, attended }), description, questions };
  });

  api.get('/events/:slug/registrations', {
    ...tokenRoute(),
    schema: {
      tags: ['events'], summary: 'The registrations of an event',
      params: slugPath,
      querystring: z.object({ ...pageQuery, status: registrationStatus.optional() }),
      response: { 200: pageOf(registrationSchemaOut), ...problemResponses(400, 401, 403, 404, 429) },
    },
  }, async (request) => {
    const event = await scopedEvent(api.db, requireUser(request), request.params.slug);
    if (!event) throw notFound();
    const q = request.query;
    const rows = await registrationsPage(api.db, event.id, { ...listOptions(q), status: q.status });
    return page(rows, q.limit, registrationOut);
  });

  api.post('/events/:slug/registrations', {
    ...tokenRoute('registrations'),
    schema: {
      tags: ['events'], summary: 'Register a person for an event',
      description: 'As the event\'s own form does: a confirmed place while there is one, else the waiting list if the event keeps one; '
        + 'the participant gets the same confirmation email with their private link. With email confirmation on, the place is held '
        + '(202, `unconfirmed`) until the participant confirms. An email address already registered is a 409, and its owner is mailed '
        + 'their link again.',
      params: slugPath,
      headers: postHeaders,
      body: registrationBody,
      response: {
        201: registrationSchemaOut.describe('Registered'),
        202: registrationSchemaOut.describe('Held until the participant confirms their email address'),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429),
      },
    },
  }, async (request, reply) => {
    const user = requireUser(request);
    const event = await scopedEvent(api.db, user, request.params.slug);
    if (!event) throw notFound();
    await refuseWriteInArchivedYear(api.db, request, event);
    const questions = await eventQuestions(api.db, event.id);
    const body = request.body;
    // The event's own form rules, questions and all: the answers are read as the form's fields would be.
    const fields: Record<string, string> = {
      name: body.name, email: body.email, organisation: body.organisation, side: body.side, consent: 'on',
    };
    for (const q of questions) {
      const answer = body.answers[String(q.id)];
      if (answer === true) fields[questionField(q)] = 'on';
      else if (typeof answer === 'string') fields[questionField(q)] = answer;
    }
    const form = parseForm(registrationSchema(questions), fields);
    if (!form.ok) {
      const t = translator(request.locale);
      throw new ApiProblem(422, 'api.problem.unprocessable', {
        type: PROBLEM_TYPES.validation,
        issues: Object.entries(form.errors).map(([field, reason]) => ({
          in: 'body' as const, pointer: field.startsWith('q_') ? `/answers/${field.slice(2)}` : `/${field}`, detail: t(reason),
        })),
      });
    }
    const outcome = await register(api.db, site, event, form.data, new Date(), body.language);
    if (outcome.kind === 'full' || outcome.kind === 'closed') {
      throw new ApiProblem(409, REFUSED[outcome.kind === 'full' ? 'full' : outcome.reason] ?? 'participant.refused.closed',
        { type: PROBLEM_TYPES.refused });
    }
    if (outcome.kind === 'repeat') throw new ApiProblem(409, 'api.problem.alreadyRegistered', { type: PROBLEM_TYPES.refused });
    const live = outcome.kind === 'registered'
      ? await api.db.selectFrom('registrations').select('id').where('token_hash', '=', hashToken(outcome.token)).executeTakeFirst()
      : await liveRegistrationForEmail(api.db, event.id, form.data.email);
    const created = live ? await scopedRegistration(api.db, user, live.id) : undefined;
    if (!created) throw notFound();
    reply.code(outcome.kind === 'registered' ? 201 : 202).header('location', `/api/v1/registrations/${created.id}`);
    return registrationOut(created);
  });

  api.get('/registrations/:id', {
    ...tokenRoute(),
    schema: {
      tags: ['events'], summary: 'One registration',
      params: idPath,
      response: { 200: registrationSchemaOut, ...problemResponses(401, 403, 404, 429) },
    },
  }, async (request) => {
    const registration = await scopedRegistration(api.db, requireUser(request), request.params.id);
    if (!registration) throw notFound();
    return registrationOut(registration);
  });

  api.post('/registrations/:id/cancel', {
    ...tokenRoute('registrations'),
    schema: {
      tags: ['events'], summary: 'Cancel a registration',
      description: 'A confirmed place goes to the first on the waiting list; the participant is told by email. Cancelling twice is '
        + 'harmless; a person already checked in cannot be cancelled (409).',
      params: idPath,
      headers: postHeaders,
      response: { 200: registrationSchemaOut, ...problemResponses(401, 403, 404, 409, 429) },
    },
  }, async (request) => {
    const user = requireUser(request);
    const found = await scopedRegistration(api.db, user, request.params.id);
    if (!found) throw notFound();
    await refuseWriteInArchivedYear(api.db, request, found);
    await cancelForOrganiser(api.db, site, user, request.params.id);
    const registration = await scopedRegistration(api.db, user, request.params.id);
    if (!registration) throw notFound();
    return registrationOut(registration);
  });

  api.post('/events/:slug/checkins', {
    ...tokenRoute('checkin'),
    schema: {
      tags: ['events'], summary: 'Check a person in',
      description: 'By registration id, or by what the QR code of the participant\'s ticket reads, as the check-in desk and the '
        + 'phone scanner do. Checking in twice is harmless.',
      params: slugPath,
      headers: postHeaders,
      body: checkinBody,
      response: {
        200: z.object({ checked_in: z.literal(true), detail: z.string() }),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 429),
      },
    },
  }, async (request) => {
    const user = requireUser(request);
    const event = await scopedEvent(api.db, user, request.params.slug);
    if (!event) throw notFound();
    await refuseWriteInArchivedYear(api.db, request, event);
    const { registration_id: id, ticket } = request.body;
    const outcome = id !== undefined
      ? await setCheckedIn(api.db, user, event, id, true)
      : await checkInScanned(api.db, user, event, ticket ?? '');
    if (!outcome.ok) throw new ApiProblem(409, outcome.message, { type: PROBLEM_TYPES.refused });
    return { checked_in: true as const, detail: translator(request.locale)(outcome.message) };
  });
}
