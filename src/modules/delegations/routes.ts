import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { notFound } from '../../lib/errors.ts';
import type { FormErrors } from '../../lib/forms.ts';
import { formatFor } from '../../lib/format.ts';
import { type Locale, type Translate, translator } from '../../lib/i18n.ts';
import { hashToken, isTokenShaped } from '../../lib/tokens.ts';
import type { CurrentUser } from '../auth/service.ts';
import {
  applyRowAction, type DelegationInput, type DelegationValues, emptyDelegationValues, type ProgrammeDates,
  readDelegationForm, validateDelegation,
} from './form.ts';
import {
  delegationByToken, invitationByToken, membersOf, openProgrammeBySlug, organisationChoices, organisationExists,
  scopedDelegation, visitsOf,
} from './queries.ts';
import {
  checkIn, confirmDelegation, editState, type OrganiserResult, type Outcome, recordConsent, registerDelegation,
  updateDelegation, withdrawByLeader, withdrawByOrganiser,
} from './service.ts';

const DONE_MESSAGES = {
  confirmed: 'The delegation is confirmed.',
  'checked-in': 'Checked in.',
  consent: 'The guardian\'s consent is recorded.',
  withdrawn: 'The delegation is withdrawn and its places are free again.',
} as const;

/** An organiser's result in the reader's language: its statuses named by their labels, its names listed the local way. */
function said(result: NonNullable<OrganiserResult>, locale: Locale): string {
  if (!result.say || locale === 'en') return result.message;
  const t = translator(locale);
  const { key, status, names } = result.say;
  return t(key, { status: status ? formatFor(locale).label(status) : '', names: (names ?? []).join(t('pages.common.listSeparator')) });
}

const idParams = z.object({
  id: z.coerce.number().int().positive().max(2_147_483_647),
  memberId: z.coerce.number().int().positive().max(2_147_483_647).optional(),
});

type FormPage = {
  title: string;
  heading: string;
  programme: ProgrammeDates & { title: string; capacity: number | null; member_count: number; edit_deadline: Date | null };
  action: string;
  submitLabel: string;
};

/** The stored delegation as form values, so that the edit form starts from it. */
function storedValues(
  d: { name: string; leading_organisation_id: number | null; from_side: string; to_side: string; contact_name: string; contact_email: string },
  members: Awaited<ReturnType<typeof membersOf>>,
  visits: Awaited<ReturnType<typeof visitsOf>>,
): DelegationValues {
  return {
    name: d.name, leading_organisation_id: d.leading_organisation_id ? String(d.leading_organisation_id) : '',
    from_side: d.from_side, to_side: d.to_side, contact_name: d.contact_name, contact_email: d.contact_email,
    members: members.map((m) => ({
      id: String(m.id), name: m.name, title: m.title, organisation: m.organisation, role: m.role,
      minor: m.is_minor ? 'on' : '', consent: m.guardian_consent_at ? 'on' : '',
    })),
    visits: visits.map((v) => ({
      on: v.visit_on, at: v.starts_at ? v.starts_at.slice(0, 5) : '', host: v.host, place: v.place, purpose: v.purpose,
    })),
  };
}

export async function delegationRoutes(app: FastifyInstance) {
  const mailing = { baseUrl: app.config.baseUrl, mailDomain: app.mail.domain };

  const renderForm = async (reply: FastifyReply, status: number, page: FormPage, values: DelegationValues, errors: FormErrors) => {
    const organisations = await organisationChoices(app.db);
    return reply.code(status).view('delegations/form', { ...page, values, errors, organisations });
  };

  /**
   * One POST of the delegation form: a row button shows the form again with the row added or
   * removed; "save" validates everything and hands the delegation to `save`.
   */
  const handlePost = async (
    request: FastifyRequest, reply: FastifyReply, page: FormPage,
    save: (input: DelegationInput) => Promise<Outcome<{ redirect: string }>>,
  ) => {
    const { values, action } = readDelegationForm(request.body);
    if (action.kind !== 'save') return renderForm(reply, 200, page, applyRowAction(values, action), {});
    const result = validateDelegation(values, page.programme, translator(request.locale));
    if (!result.ok) return renderForm(reply, 400, page, values, result.errors);
    const lead = result.data.leadingOrganisationId;
    if (lead !== null && !(await organisationExists(app.db, lead))) {
      return renderForm(reply, 400, page, values, { leading_organisation_id: 'Choose the leading organisation from the list.' });
    }
    const saved = await save(result.data);
    if (!saved.ok) return renderForm(reply, 400, page, values, saved.errors);
    return reply.redirect(saved.redirect, 303);
  };

  // The heading and button are English here and translated by their text in the view.
  const registrationPage = (programme: FormPage['programme'], action: string, t: Translate): FormPage => ({
    title: t('participant.delegation.titleRegister', { programme: programme.title }), heading: 'Register a delegation', programme, action,
    submitLabel: 'Register the delegation',
  });

  // Public registration, where the programme allows it.
  const publicProgramme = async (slug: string) => {
    const programme = await openProgrammeBySlug(app.db, slug);
    if (!programme?.public_registration) throw notFound('exchange programme taking registrations');
    return programme;
  };

  app.get<{ Params: { slug: string } }>('/programmes/:slug/register', access('public'), async (request, reply) => {
    const programme = await publicProgramme(request.params.slug);
    const page = registrationPage(programme, `/programmes/${programme.slug}/register`, translator(request.locale));
    return renderForm(reply, 200, page, emptyDelegationValues(), {});
  });

  app.post<{ Params: { slug: string } }>('/programmes/:slug/register', access('public'), async (request, reply) => {
    const programme = await publicProgramme(request.params.slug);
    const page = registrationPage(programme, `/programmes/${programme.slug}/register`, translator(request.locale));
    return handlePost(request, reply, page, async (input) => {
      const saved = await registerDelegation(app.db, { programme }, input, mailing, request.locale);
      return saved.ok ? { ok: true, redirect: `/delegations/${saved.token}?registered=1` } : saved;
    });
  });

  // Registration through an organiser's private, single-use invitation.
  const invitation = async (token: string) => {
    const found = isTokenShaped(token) ? await invitationByToken(app.db, hashToken(token)) : undefined;
    if (!found) throw notFound('invitation (it may have been used already or expired)');
    return found;
  };

  app.get<{ Params: { token: string } }>('/delegation-invitations/:token', access('public'), async (request, reply) => {
    const found = await invitation(request.params.token);
    const values = { ...emptyDelegationValues(), contact_email: found.invitation_email };
    const page = registrationPage(found, `/delegation-invitations/${request.params.token}`, translator(request.locale));
    return renderForm(reply, 200, page, values, {});
  });

  app.post<{ Params: { token: string } }>('/delegation-invitations/:token', access('public'), async (request, reply) => {
    const found = await invitation(request.params.token);
    const page = registrationPage(found, `/delegation-invitations/${request.params.token}`, translator(request.locale));
    return handlePost(request, reply, page, async (input) => {
      const saved = await registerDelegation(app.db, { programme: found, invitationId: found.invitation_id }, input, mailing, request.locale);
      return saved.ok ? { ok: true, redirect: `/delegations/${saved.token}?registered=1` } : saved;
    });
  });

  // The leader's private manage page.
  const delegationOf = async (token: string) => {
    const found = isTokenShaped(token) ? await delegationByToken(app.db, hashToken(token)) : undefined;
    if (!found) throw notFound('delegation');
    return found;
  };

  const editPage = (d: Awaited<ReturnType<typeof delegationOf>>, token: string): FormPage => ({
    title: d.name, heading: 'Change the delegation', action: `/delegations/${token}`, submitLabel: 'Save the changes',
    programme: {
      title: d.programme_title, starts_on: d.starts_on, ends_on: d.ends_on, capacity: d.capacity, member_count: d.member_count,
      edit_deadline: d.edit_deadline,
    },
  });

  app.get<{ Params: { token: string }; Querystring: { registered?: string; saved?: string; withdrawn?: string } }>(
    '/delegations/:token', access('public'), async (request, reply) => {
      const { token } = request.params;
      const d = await delegationOf(token);
      const [members, visits, organisations] = await Promise.all([membersOf(app.db, d.id), visitsOf(app.db, d.id), organisationChoices(app.db)]);
      const state = editState(d, new Date(), request.locale);
      return reply.view('delegations/manage', {
        ...editPage(d, token), delegation: d, members, visits, state, organisations,
        values: storedValues(d, members, visits), errors: {},
        notice: request.query.registered ? 'registered' : request.query.saved ? 'saved' : request.query.withdrawn ? 'withdrawn' : null,
      });
    },
  );

  app.post<{ Params: { token: string } }>('/delegations/:token', access('public'), async (request, reply) => {
    const { token } = request.params;
    const d = await delegationOf(token);
    const state = editState(d, new Date(), request.locale);
    if (!state.open) return reply.code(403).view('errors/error', { title: 'Changes are closed', status: 403, message: state.reason });
    return handlePost(request, reply, editPage(d, token), async (input) => {
      const saved = await updateDelegation(app.db, hashToken(token), input, new Date(), request.locale);
      return saved.ok ? { ok: true, redirect: `/delegations/${token}?saved=1` } : saved;
    });
  });

  app.post<{ Params: { token: string } }>('/delegations/:token/withdraw', access('public'), async (request, reply) => {
    const { token } = request.params;
    await delegationOf(token);
    const done = await withdrawByLeader(app.db, hashToken(token), mailing.mailDomain, new Date(), request.locale);
    if (!done.ok) return reply.code(409).view('errors/error', { title: 'The delegation cannot be withdrawn', status: 409, message: done.errors._form ?? '' });
    return reply.redirect(`/delegations/${token}?withdrawn=1`, 303);
  });

  // Organisers: the delegation through their scope, and what they do with it.
  const parseIds = (params: unknown) => {
    const parsed = idParams.safeParse(params);
    if (!parsed.success) throw notFound('delegation');
    return parsed.data;
  };

  const showDelegation = async (request: FastifyRequest, reply: FastifyReply, status: number, result: OrganiserResult) => {
    const user = request.user as CurrentUser;
    const { id } = parseIds(request.params);
    const d = await scopedDelegation(app.db, user, id);
    if (!d) throw notFound('delegation');
    const [members, visits] = await Promise.all([membersOf(app.db, d.id), visitsOf(app.db, d.id)]);
    return reply.code(status).view('manage/programmes/delegation', { title: d.name, delegation: d, members, visits, result: result && { ...result, message: said(result, request.locale) } });
  };

  app.get<{ Querystring: { done?: string } }>('/manage/delegations/:id', access('organiser'), async (request, reply) => {
    const message = DONE_MESSAGES[request.query.done as keyof typeof DONE_MESSAGES];
    return showDelegation(request, reply, 200, message ? { ok: true, message } : null);
  });

  // A refusal is shown on the delegation's page; a success redirects there with a fixed notice.
  const organiserAction = (
    path: string, done: keyof typeof DONE_MESSAGES,
    run: (user: CurrentUser, id: number, memberId: number | null) => Promise<OrganiserResult>,
  ) => {
    app.post(path, access('organiser'), async (request, reply) => {
      const { id, memberId } = parseIds(request.params);
      const result = await run(request.user as CurrentUser, id, memberId ?? null);
      if (!result) throw notFound('delegation');
      if (!result.ok) return showDelegation(request, reply, 409, result);
      return reply.redirect(`/manage/delegations/${id}?done=${done}`, 303);
    });
  };

  organiserAction('/manage/delegations/:id/confirm', 'confirmed', (user, id) => confirmDelegation(app.db, user, id));
  organiserAction('/manage/delegations/:id/withdraw', 'withdrawn', (user, id) => withdrawByOrganiser(app.db, user, id, mailing.mailDomain));
  organiserAction('/manage/delegations/:id/check-in', 'checked-in', (user, id) => checkIn(app.db, user, id, null));
  organiserAction('/manage/delegations/:id/members/:memberId/check-in', 'checked-in', (user, id, memberId) =>
    checkIn(app.db, user, id, memberId));
  organiserAction('/manage/delegations/:id/members/:memberId/consent', 'consent', (user, id, memberId) =>
    (memberId === null ? Promise.resolve(null) : recordConsent(app.db, user, id, memberId)));
}
