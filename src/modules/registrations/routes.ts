import type { FastifyInstance } from 'fastify';
import { access } from '../../lib/access.ts';
import { openWhenArchived, refuseWriteInArchivedYear } from '../../lib/archive.ts';
import { Refusal } from '../../lib/errors.ts';
import { parseForm } from '../../lib/forms.ts';
import { message, verbatim } from '../../lib/i18n.ts';
import { readParams, slugParams, tokenParams } from '../../lib/params.ts';
import { countHit, formHits, REGISTRATION_LIMITS, tooManyRequests } from '../../lib/rate-limit.ts';
import type { Site } from '../../lib/site.ts';
import { loadsByLink } from '../../lib/route-group.ts';
import { eventDetails, eventQuestions } from '../events/queries.ts';
import { eventForRegistration, eventPage } from '../events/service.ts';
import { icsFile } from './ics.ts';
import { invitationLinkRoutes } from './invitation-routes.ts';
import { calendarEvent } from './messages.ts';
import { deleteOwnRegistration, registrationData } from './own-data.ts';
import { registrationByTokenHash } from './queries.ts';
import { registrationSchema } from './schemas.ts';
import { cancelRegistration, confirmRegistration, register, waitlistPosition } from './service.ts';
import { ticketPng } from './ticket.ts';

type Registration = NonNullable<Awaited<ReturnType<typeof registrationByTokenHash>>>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The registration behind the private link of a /registrations/:token route. */
    registration: Registration;
  }
}

const linkGone = () => Refusal.notFound('participant.errors.registrationGone');

export async function registrationRoutes(app: FastifyInstance) {
  const site: Site = { baseUrl: app.config.baseUrl, domain: app.mail.domain };

  app.post('/events/:slug/register', access('public'), async (request, reply) => {
    const { slug } = readParams(slugParams, request.params);
    const page = await eventForRegistration(app.db, slug, new Date());
    if (!page) throw Refusal.notFound('participant.errors.eventNotFound');
    await refuseWriteInArchivedYear(app.db, request, page.event);
    const title = verbatim(request.local(page.event, 'title'));
    // Only the people invited register, each through their own link.
    if (page.event.registration_mode === 'invitation') {
      return reply.code(403).view('registrations/refused', { title, event: page.event, reason: 'invitation' });
    }
    if (!page.state.open) return reply.code(409).view('registrations/refused', { title, event: page.event, reason: page.state.reason });
    const form = parseForm(registrationSchema(page.questions), request.body);
    if (!form.ok) {
      const full = await eventPage(app.db, slug, new Date());
      return reply.code(400).view('events/show', { title, ...full, values: form.values, errors: form.errors });
    }
    // Counted once the form is good, before a place is taken or a mail queued; over the limit, nothing is written.
    if (app.config.rateLimits) {
      const limit = await countHit(app.db, formHits(REGISTRATION_LIMITS, request.ip, form.data.email));
      if (!limit.ok) throw tooManyRequests(reply, limit.retryAfterSeconds);
    }
    const outcome = await register(app.db, site, page.event, form.data, new Date(), request.locale,
      { approval: page.event.registration_mode === 'approval' });
    switch (outcome.kind) {
      case 'registered':
        return reply.redirect(`/registrations/${outcome.token}`, 303);
      // With email confirmation on, a new registration and a repeat get this same answer.
      case 'pending':
      case 'repeat':
        return reply.redirect(`/events/${page.event.slug}/check-your-inbox`, 303);
      default:
        return reply.code(409).view('registrations/refused', {
          title, event: page.event, reason: outcome.kind === 'closed' ? outcome.reason : 'full',
        });
    }
  });

  app.get('/events/:slug/check-your-inbox', access('public'), async (request, reply) => {
    const page = await eventPage(app.db, readParams(slugParams, request.params).slug, new Date());
    if (!page) throw Refusal.notFound('participant.errors.eventNotFound');
    return reply.view('registrations/check-inbox', { title: 'participant.inbox.title', event: page.event });
  });

  await app.register(async (group) => privateLinkRoutes(group, site), { prefix: '/registrations/:token' });
  await app.register(async (group) => invitationLinkRoutes(group, site), { prefix: '/event-invitations/:token' });
}

/**
 * The pages behind a registration's private link. The link is the only key: the registration
 * is found by it once per request, and nothing behind it is ever cached.
 */
function privateLinkRoutes(group: FastifyInstance, site: Site) {
  loadsByLink(group, 'registration', (tokenHash) => registrationByTokenHash(group.db, tokenHash), 'participant.errors.registrationGone');
  const tokenOf = (params: unknown) => readParams(tokenParams, params).token;

  group.get('', access('public'), async (request, reply) => {
    const { registration } = request;
    const [event, questions] = await Promise.all([
      eventDetails(group.db, registration.event_id), eventQuestions(group.db, registration.event_id),
    ]);
    const position = registration.status === 'waitlisted' ? await waitlistPosition(group.db, registration) : null;
    return reply.view('registrations/show', {
      title: message('participant.show.title', { title: request.local(event, 'title') }),
      registration, event, questions, position, token: tokenOf(request.params),
    });
  });

  // Confirming the email address is a button (POST, with CSRF), never the GET itself: mail scanners open links.
  group.post('/confirm', access('public'), async (request, reply) => {
    const token = tokenOf(request.params);
    await confirmRegistration(group.db, site, token);
    return reply.redirect(`/registrations/${token}`, 303);
  });

  group.get('/cancel', access('public'), async (request, reply) => {
    const event = await eventDetails(group.db, request.registration.event_id);
    return reply.view('registrations/cancel', {
      title: 'participant.cancel.title', registration: request.registration, event, token: tokenOf(request.params),
    });
  });

  group.post('/cancel', access('public'), async (request, reply) => {
    const token = tokenOf(request.params);
    await cancelRegistration(group.db, site, token);
    return reply.redirect(`/registrations/${token}`, 303);
  });

  // The person's own data: a copy to keep, and deletion (which cancels a live registration first).
  group.get('/my-data.json', access('public'), async (request, reply) => {
    const data = await registrationData(group.db, request.registration);
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="my-registration-${data.event.slug}.json"`)
      .send(JSON.stringify(data, null, 2));
  });

  group.get('/delete', access('public'), async (request, reply) => {
    const event = await eventDetails(group.db, request.registration.event_id);
    return reply.view('registrations/delete', {
      title: 'participant.delete.title', registration: request.registration, event, token: tokenOf(request.params),
    });
  });

  // Erasing one's own data is a right that outlasts the year: open in an archived year too.
  group.post('/delete', openWhenArchived(access('public')), async (request, reply) => {
    const token = tokenOf(request.params);
    if ((await deleteOwnRegistration(group.db, site, token)) === 'not_found') throw linkGone();
    return reply.redirect(`/registrations/${token}`, 303);
  });

  group.get('/event.ics', access('public'), async (request, reply) => {
    const event = await eventDetails(group.db, request.registration.event_id);
    return reply
      .type('text/calendar; charset=utf-8')
      .header('content-disposition', `attachment; filename="${event.slug}.ics"`)
      .send(icsFile(calendarEvent(event, site.baseUrl, site.domain)));
  });

  group.get('/ticket.png', access('public'), async (request, reply) => {
    if (request.registration.status !== 'confirmed') throw Refusal.notFound('participant.errors.noTicket');
    return reply.type('image/png').send(await ticketPng(request.registration.token_hash));
  });
}
