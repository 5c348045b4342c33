import type { FastifyInstance, FastifyReply } from 'fastify';
import { access } from '../../lib/access.ts';
import { HttpError, notFound } from '../../lib/errors.ts';
import { parseForm } from '../../lib/forms.ts';
import { translator } from '../../lib/i18n.ts';
import { hashToken, isTokenShaped } from '../../lib/tokens.ts';
import { eventForRegistration, eventPage } from '../events/service.ts';
import { deleteOwnRegistration, registrationData } from '../privacy/service.ts';
import { icsFile } from './ics.ts';
import { calendarEvent } from './messages.ts';
import { eventDetails, eventQuestions, registrationByTokenHash } from './queries.ts';
import { registrationSchema } from './schemas.ts';
import { cancelRegistration, register, type Site, waitlistPosition } from './service.ts';
import { ticketPng } from './ticket.ts';

type TokenParams = { Params: { token: string } };

const linkGone = () => new HttpError(404, 'We could not find that registration. If you asked for a new link, use the one in the latest email.');

export async function registrationRoutes(app: FastifyInstance) {
  const site: Site = { baseUrl: app.config.baseUrl, domain: app.mail.domain };

  /** The registration behind a private link; the link is the only key, so pages are never cached. */
  const byToken = async (token: string, reply: FastifyReply) => {
    if (!isTokenShaped(token)) throw linkGone();
    const registration = await registrationByTokenHash(app.db, hashToken(token));
    if (!registration) throw linkGone();
    reply.header('cache-control', 'no-store');
    return registration;
  };

  app.post<{ Params: { slug: string } }>('/events/:slug/register', access('public'), async (request, reply) => {
    const page = await eventForRegistration(app.db, request.params.slug, new Date());
    if (!page) throw notFound('event');
    if (!page.state.open) return reply.code(409).view('registrations/refused', { title: request.local(page.event, 'title'), event: page.event, reason: page.state.reason });
    const form = parseForm(registrationSchema(page.questions), request.body);
    if (!form.ok) {
      const full = await eventPage(app.db, request.params.slug, new Date());
      return reply.code(400).view('events/show', { title: request.local(page.event, 'title'), ...full, values: form.values, errors: form.errors });
    }
    const outcome = await register(app.db, site, page.event, form.data, new Date(), request.locale);
    switch (outcome.kind) {
      case 'registered':
        return reply.redirect(`/registrations/${outcome.token}`, 303);
      case 'repeat':
        return reply.redirect(`/events/${page.event.slug}/check-your-inbox`, 303);
      default:
        return reply.code(409).view('registrations/refused', {
          title: request.local(page.event, 'title'), event: page.event, reason: outcome.kind === 'full' ? 'full' : outcome.reason,
        });
    }
  });

  app.get<{ Params: { slug: string } }>('/events/:slug/check-your-inbox', access('public'), async (request, reply) => {
    const page = await eventPage(app.db, request.params.slug, new Date());
    if (!page) throw notFound('event');
    return reply.view('registrations/check-inbox', { title: 'Check your inbox', event: page.event });
  });

  app.get<TokenParams>('/registrations/:token', access('public'), async (request, reply) => {
    const registration = await byToken(request.params.token, reply);
    const [event, questions] = await Promise.all([
      eventDetails(app.db, registration.event_id), eventQuestions(app.db, registration.event_id),
    ]);
    const position = registration.status === 'waitlisted' ? await waitlistPosition(app.db, registration) : null;
    return reply.view('registrations/show', {
      title: translator(request.locale)('participant.show.title', { title: request.local(event, 'title') }), registration, event, questions, position, token: request.params.token,
    });
  });

  app.get<TokenParams>('/registrations/:token/cancel', access('public'), async (request, reply) => {
    const registration = await byToken(request.params.token, reply);
    const event = await eventDetails(app.db, registration.event_id);
    return reply.view('registrations/cancel', { title: 'Cancel your registration', registration, event, token: request.params.token });
  });

  app.post<TokenParams>('/registrations/:token/cancel', access('public'), async (request, reply) => {
    await byToken(request.params.token, reply);
    const outcome = await cancelRegistration(app.db, site, request.params.token);
    if (outcome === 'not_found') throw linkGone();
    if (outcome === 'checked_in') throw new HttpError(409, 'You have already been checked in at this event, so the registration can no longer be cancelled.');
    return reply.redirect(`/registrations/${request.params.token}`, 303);
  });

  // The person's own data: a copy to keep, and deletion (which cancels a live registration first).
  app.get<TokenParams>('/registrations/:token/my-data.json', access('public'), async (request, reply) => {
    const registration = await byToken(request.params.token, reply);
    const data = await registrationData(app.db, registration);
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="my-registration-${data.event.slug}.json"`)
      .send(JSON.stringify(data, null, 2));
  });

  app.get<TokenParams>('/registrations/:token/delete', access('public'), async (request, reply) => {
    const registration = await byToken(request.params.token, reply);
    const event = await eventDetails(app.db, registration.event_id);
    return reply.view('registrations/delete', { title: 'Delete your data', registration, event, token: request.params.token });
  });

  app.post<TokenParams>('/registrations/:token/delete', access('public'), async (request, reply) => {
    await byToken(request.params.token, reply);
    const outcome = await deleteOwnRegistration(app.db, site, request.params.token);
    if (outcome === 'not_found') throw linkGone();
    return reply.redirect(`/registrations/${request.params.token}`, 303);
  });

  app.get<TokenParams>('/registrations/:token/event.ics', access('public'), async (request, reply) => {
    const registration = await byToken(request.params.token, reply);
    const event = await eventDetails(app.db, registration.event_id);
    return reply
      .type('text/calendar; charset=utf-8')
      .header('content-disposition', `attachment; filename="${event.slug}.ics"`)
      .send(icsFile(calendarEvent(event, site.baseUrl, site.domain)));
  });

  app.get<TokenParams>('/registrations/:token/ticket.png', access('public'), async (request, reply) => {
    const registration = await byToken(request.params.token, reply);
    if (registration.status !== 'confirmed') throw new HttpError(404, 'A ticket is issued once your place is confirmed.');
    return reply.type('image/png').send(await ticketPng(registration.token_hash));
  });
}
