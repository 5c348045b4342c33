import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SIDES } from '../../db/types.ts';
import { access } from '../../lib/access.ts';
import { attempt, type FormErrors } from '../../lib/errors.ts';
import { field, type FormValues, parseForm } from '../../lib/forms.ts';
import { LOCALES, message } from '../../lib/i18n.ts';
import type { Site } from '../../lib/site.ts';
import { requireUser } from '../auth/plugin.ts';
import { invitationList, inviteOne, remindForOrganiser } from '../registrations/invitations.ts';
import { personFields } from '../registrations/schemas.ts';

const inviteForm = z.object({ ...personFields, language: field.choice(LOCALES, 'modes.errors.language') });

/**
 * An invitation-only event's invitations, inside the event's route group: the list with its
 * counts, one person invited, and a reminder to those who have not answered. A list is invited
 * through the import (/import), as registrants are.
 */
export function invitationRoutes(group: FastifyInstance, site: Site) {
  const page = async (request: FastifyRequest, reply: FastifyReply, status = 200, values?: FormValues, errors: FormErrors = {}) => {
    const list = await invitationList(group.db, request.event.id);
    return reply.code(status).header('cache-control', 'no-store').view('manage/registrants/invitations', {
      title: message('modes.invitations.title', { title: request.event.title }), event: request.event, list, sides: SIDES,
      languages: LOCALES, errors, values: values ?? { language: request.locale },
    });
  };
  const here = (request: FastifyRequest) => `/manage/events/${request.event.slug}/invitations`;

  group.get('/invitations', access('organiser'), async (request, reply) => page(request, reply));

  group.post('/invitations', access('organiser'), async (request, reply) => {
    const form = parseForm(inviteForm, request.body);
    const done = form.ok
      ? await attempt(() => inviteOne(group.db, site, requireUser(request), request.event.id, request.event.item_id, form.data))
      : form;
    if (!done.ok) return page(request, reply, 400, form.ok ? (request.body as FormValues) : form.values, done.errors);
    return reply.notice('modes.invitations.invited').redirect(here(request), 303);
  });

  group.post('/invitations/remind', access('organiser'), async (request, reply) => {
    const { sent } = await remindForOrganiser(group.db, site, requireUser(request), request.event.id, request.event.item_id);
    return reply.notice(message('modes.invitations.reminded', { n: sent })).redirect(here(request), 303);
  });
}
