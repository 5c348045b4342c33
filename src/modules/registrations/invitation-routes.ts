import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { access } from '../../lib/access.ts';
import { Refusal } from '../../lib/errors.ts';
import { type FormErrors, type FormValues, parseForm } from '../../lib/forms.ts';
import { message } from '../../lib/i18n.ts';
import { readParams, tokenParams } from '../../lib/params.ts';
import { countHit, formHits, REGISTRATION_LIMITS, tooManyRequests } from '../../lib/rate-limit.ts';
import { loadsByLink } from '../../lib/route-group.ts';
import type { Site } from '../../lib/site.ts';
import { eventDetails, eventQuestions } from '../events/queries.ts';
import { registrationState } from '../events/service.ts';
import { declineInvitation, type Invitation, invitationByTokenHash, markOpened } from './invitations.ts';
import { registrationSchema } from './schemas.ts';
import { register } from './service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The invitation behind the private link of an /event-invitations/:token route. */
    invitation: Invitation;
  }
}

/**
 * The pages behind an invitation's personal link: the form with the address fixed, where the
 * invitee registers or declines, once; afterwards the link shows what happened. The link is the
 * only key; nothing behind it is cached (no-store, as every :token route) or logged.
 */
export function invitationLinkRoutes(group: FastifyInstance, site: Site) {
  loadsByLink(group, 'invitation', (tokenHash) => invitationByTokenHash(group.db, tokenHash), 'modes.errors.invitationGone');
  const tokenOf = (params: unknown) => readParams(tokenParams, params).token;

  const page = async (request: FastifyRequest, reply: FastifyReply, status = 200, values?: FormValues, errors: FormErrors = {}) => {
    const { invitation } = request;
    const [event, questions] = await Promise.all([
      eventDetails(group.db, invitation.event_id), eventQuestions(group.db, invitation.event_id),
    ]);
    return reply.code(status).view('registrations/invitation', {
      title: message('modes.invitation.title', { title: request.local(event, 'title') }), event, questions, invitation,
      state: registrationState(event, new Date()), token: tokenOf(request.params), errors,
      values: values ?? { name: invitation.name, organisation: invitation.organisation, side: invitation.side },
    });
  };

  group.get('', access('public'), async (request, reply) => {
    if (request.invitation.status === 'invited') {
      await markOpened(group.db, request.invitation.id);
      request.invitation = { ...request.invitation, status: 'opened' };
    }
    return page(request, reply);
  });

  group.post('/register', access('public'), async (request, reply) => {
    const { invitation } = request;
    if (invitation.status === 'registered' || invitation.status === 'declined') return page(request, reply, 409);
    const event = await eventDetails(group.db, invitation.event_id);
    const state = registrationState(event, new Date());
    if (!state.open) return page(request, reply, 409);
    // The address is the invitation's: whatever the form sends in its place is not read.
    const body = { ...(request.body as Record<string, unknown>), email: invitation.email };
    const form = parseForm(registrationSchema(await eventQuestions(group.db, event.id)), body);
    if (!form.ok) return page(request, reply, 400, form.values, form.errors);
    if (group.config.rateLimits) {
      const limit = await countHit(group.db, formHits(REGISTRATION_LIMITS, request.ip, invitation.email));
      if (!limit.ok) throw tooManyRequests(reply, limit.retryAfterSeconds);
    }
    const outcome = await register(group.db, site, event, form.data, new Date(), request.locale, { invitationId: invitation.id });
    if (outcome.kind === 'registered') return reply.redirect(`/registrations/${outcome.token}`, 303);
    if (outcome.kind === 'full') throw Refusal.conflict('participant.refused.full');
    if (outcome.kind === 'closed') throw Refusal.conflict('participant.refused.closed');
    // Registered already (its owner is mailed a link), or answered a moment ago: the link says what happened.
    return reply.redirect(`/event-invitations/${tokenOf(request.params)}`, 303);
  });

  group.post('/decline', access('public'), async (request, reply) => {
    if (group.config.rateLimits) {
      const limit = await countHit(group.db, formHits(REGISTRATION_LIMITS, request.ip, request.invitation.email));
      if (!limit.ok) throw tooManyRequests(reply, limit.retryAfterSeconds);
    }
    await declineInvitation(group.db, request.invitation.id);
    return reply.redirect(`/event-invitations/${tokenOf(request.params)}`, 303);
  });
}
