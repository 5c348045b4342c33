import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { refuseWriteInArchivedYear } from '../../lib/archive.ts';
import { attempt, type FormErrors, Refusal } from '../../lib/errors.ts';
import { message, type Message, type MessageKey, verbatim } from '../../lib/i18n.ts';
import { idParam, idParams, readParams, slugParams, tokenParams } from '../../lib/params.ts';
import { countHit, DELEGATION_LIMITS, formHits, tooManyRequests } from '../../lib/rate-limit.ts';
import { hashToken, isTokenShaped } from '../../lib/tokens.ts';
import { loadsByLink, loadsObject } from '../../lib/route-group.ts';
import { requireUser } from '../auth/plugin.ts';
import {
  applyRowAction, type DelegationInput, type DelegationValues, emptyDelegationValues, type ProgrammeDates,
  readDelegationForm, validateDelegation,
} from './form.ts';
import {
  delegationByToken, invitationByToken, membersOf, openProgrammeBySlug, organisationChoices, scopedDelegation, visitsOf,
} from './queries.ts';
import {
  checkIn, confirmDelegation, confirmDelegationEmail, editState, recordConsent, registerDelegation, type RegisterOutcome,
  updateDelegation, withdrawByLeader, withdrawByOrganiser,
} from './service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The delegation behind the leader's private link of a /delegations/:token route. */
    linkedDelegation: LinkedDelegation;
    /** The delegation of a /manage/delegations/:id route, loaded through the organiser's scope. */
    delegation: ScopedDelegation;
  }
}

type LinkedDelegation = NonNullable<Awaited<ReturnType<typeof delegationByToken>>>;
type ScopedDelegation = NonNullable<Awaited<ReturnType<typeof scopedDelegation>>>;

const memberParams = z.object({ memberId: idParam });

type FormPage = {
  title: Message;
  heading: MessageKey;
  programme: ProgrammeDates & { title: string; capacity: number | null; member_count: number; edit_deadline: Date | null };
  action: string;
  submitLabel: MessageKey;
};

/** The stored delegation as form values, so that the edit form starts from it. */
function storedValues(
  d: Pick<LinkedDelegation, 'name' | 'leading_organisation_id' | 'from_side' | 'to_side' | 'contact_name' | 'contact_email'>,
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

async function renderForm(reply: FastifyReply, status: number, page: FormPage, values: DelegationValues, errors: FormErrors) {
  const organisations = await organisationChoices(reply.server.db);
  return reply.code(status).view('delegations/form', { ...page, values, errors, organisations });
}

/**
 * One POST of the delegation form: a row button shows the form again with the row added or
 * removed; "save" validates everything and hands the delegation to `save`, which answers with
 * where to go next or refuses the form.
 */
async function handlePost(request: FastifyRequest, reply: FastifyReply, page: FormPage, save: (input: DelegationInput) => Promise<string>) {
  const { values, action } = readDelegationForm(request.body);
  if (action.kind !== 'save') return renderForm(reply, 200, page, applyRowAction(values, action), {});
  const result = validateDelegation(values, page.programme);
  if (!result.ok) return renderForm(reply, 400, page, values, result.errors);
  const saved = await attempt(() => save(result.data));
  if (!saved.ok) return renderForm(reply, 400, page, values, saved.errors);
  return reply.redirect(saved.value, 303);
}

const registrationPage = (request: FastifyRequest, programme: FormPage['programme'], action: string): FormPage => ({
  title: message('participant.delegation.titleRegister', { programme: request.local(programme, 'title') }),
  heading: 'participant.delegation.headingRegister', programme, action, submitLabel: 'participant.delegation.submitRegister',
});

/** Where a registered delegation goes: its page, or, pending, "check your inbox" (the link is only in the mail). */
const answerOf = (outcome: RegisterOutcome, slug: string) =>
  (outcome.kind === 'pending' ? `/programmes/${slug}/check-your-inbox` : `/delegations/${outcome.token}?registered=1`);

export async function delegationRoutes(app: FastifyInstance) {
  const mailing = { baseUrl: app.config.baseUrl, mailDomain: app.mail.domain };

  // Public registration, where the programme allows it.
  const publicProgramme = async (request: FastifyRequest) => {
    const { slug } = readParams(slugParams, request.params);
    const programme = await openProgrammeBySlug(app.db, slug);
    if (!programme?.public_registration) throw Refusal.notFound('participant.delegation.errors.programmeNotFound');
    await refuseWriteInArchivedYear(app.db, request, programme);
    return programme;
  };

  app.get('/programmes/:slug/register', access('public'), async (request, reply) => {
    const programme = await publicProgramme(request);
    const page = registrationPage(request, programme, `/programmes/${programme.slug}/register`);
    return renderForm(reply, 200, page, emptyDelegationValues(), {});
  });

  app.post('/programmes/:slug/register', access('public'), async (request, reply) => {
    const programme = await publicProgramme(request);
    const page = registrationPage(request, programme, `/programmes/${programme.slug}/register`);
    return handlePost(request, reply, page, async (input) => {
      // Counted once the form is good, before anything is written. (An organiser's invitation,
      // below, is used once: it cannot be sent again and again.)
      if (app.config.rateLimits) {
        const limit = await countHit(app.db, formHits(DELEGATION_LIMITS, request.ip, input.contactEmail));
        if (!limit.ok) throw tooManyRequests(reply, limit.retryAfterSeconds);
      }
      // Someone signed in (staff) enters delegations for others: their addresses need no confirming.
      const confirmEmail = programme.confirm_email && !request.user;
      return answerOf(await registerDelegation(app.db, { programme, confirmEmail }, input, mailing, request.locale), programme.slug);
    });
  });

  app.get('/programmes/:slug/check-your-inbox', access('public'), async (request, reply) => {
    const programme = await publicProgramme(request);
    return reply.view('delegations/check-inbox', { title: 'participant.inbox.title', programme });
  });

  // Registration through an organiser's private, single-use invitation.
  const invitation = async (request: FastifyRequest) => {
    const { token } = readParams(tokenParams, request.params);
    const found = isTokenShaped(token) ? await invitationByToken(app.db, hashToken(token)) : undefined;
    if (!found) throw Refusal.notFound('participant.delegation.errors.invitationNotFound');
    await refuseWriteInArchivedYear(app.db, request, found);
    return { found, page: registrationPage(request, found, `/delegation-invitations/${token}`) };
  };

  app.get('/delegation-invitations/:token', access('public'), async (request, reply) => {
    const { found, page } = await invitation(request);
    return renderForm(reply, 200, page, { ...emptyDelegationValues(), contact_email: found.invitation_email }, {});
  });

  app.post('/delegation-invitations/:token', access('public'), async (request, reply) => {
    const { found, page } = await invitation(request);
    return handlePost(request, reply, page, async (input) => {
      // The invitation was mailed by the organisers: nothing to confirm (no confirmEmail).
      const target = { programme: found, invitationId: found.invitation_id };
      return answerOf(await registerDelegation(app.db, target, input, mailing, request.locale), found.slug);
    });
  });

  await app.register(leaderRoutes, { prefix: '/delegations/:token' });
  await app.register(organiserRoutes, { prefix: '/manage/delegations/:id' });
}

/**
 * The leader's private manage page, behind the link the confirmation carried. The link is the
 * only key: the delegation is found by it once per request.
 */
function leaderRoutes(group: FastifyInstance) {
  loadsByLink(group, 'linkedDelegation', (tokenHash) => delegationByToken(group.db, tokenHash), 'participant.delegation.errors.notFound');
  const tokenOf = (request: FastifyRequest) => readParams(tokenParams, request.params).token;

  const editPage = (request: FastifyRequest): FormPage => {
    const d = request.linkedDelegation;
    return {
      title: verbatim(d.name), heading: 'participant.delegation.headingChange', action: `/delegations/${tokenOf(request)}`,
      submitLabel: 'participant.delegation.submitSave',
      programme: {
        title: d.programme_title, starts_on: d.starts_on, ends_on: d.ends_on, capacity: d.capacity, member_count: d.member_count,
        edit_deadline: d.edit_deadline,
      },
    };
  };

  type Flags = { registered?: string; saved?: string; withdrawn?: string; confirmed?: string };
  group.get<{ Querystring: Flags }>('', access('public'), async (request, reply) => {
    const d = request.linkedDelegation;
    const [members, visits, organisations] = await Promise.all([
      membersOf(group.db, d.id), visitsOf(group.db, d.id), organisationChoices(group.db),
    ]);
    // The fixed flags of the redirects that lead here, as the page's notice.
    const { registered, saved, withdrawn, confirmed } = request.query;
    const notice = registered ? message('participant.manage.registered', { email: d.contact_email })
      : saved ? 'participant.manage.saved' : withdrawn ? 'participant.manage.withdrawn'
      : confirmed ? 'participant.delegation.emailConfirmed' : undefined;
    return reply.view('delegations/manage', {
      ...editPage(request), delegation: d, members, visits, state: editState(d, new Date(), request.locale), organisations,
      values: storedValues(d, members, visits), errors: {}, ...(notice ? { notice } : {}),
    });
  });

  group.post('', access('public'), async (request, reply) => {
    const state = editState(request.linkedDelegation, new Date(), request.locale);
    if (!state.open) throw Refusal.page(403, state.reason);
    const token = tokenOf(request);
    return handlePost(request, reply, editPage(request), async (input) => {
      await updateDelegation(group.db, hashToken(token), input, new Date(), request.locale);
      return `/delegations/${token}?saved=1`;
    });
  });

  // Confirming the email address is a button (POST, with CSRF), never the GET itself: mail scanners open links.
  group.post('/confirm', access('public'), async (request, reply) => {
    const token = tokenOf(request);
    await confirmDelegationEmail(group.db, token, { baseUrl: group.config.baseUrl, mailDomain: group.mail.domain });
    return reply.redirect(`/delegations/${token}?confirmed=1`, 303);
  });

  group.post('/withdraw', access('public'), async (request, reply) => {
    const token = tokenOf(request);
    await withdrawByLeader(group.db, hashToken(token), group.mail.domain, new Date(), request.locale);
    return reply.redirect(`/delegations/${token}?withdrawn=1`, 303);
  });
}

/**
 * A delegation for the organisers of its programme: its page, and what they do with it. The
 * delegation is loaded through the organiser's scope once; anything outside it is not found. A
 * refusal is an error page that says why; a success goes back to the delegation with a notice.
 */
function organiserRoutes(group: FastifyInstance) {
  loadsObject(group, 'delegation', (request) =>
    scopedDelegation(group.db, requireUser(request), readParams(idParams, request.params).id), 'contests.errors.delegationNotFound');
  const memberOf = (request: FastifyRequest) => readParams(memberParams, request.params).memberId;

  group.get('', access('organiser'), async (request, reply) => {
    const d = request.delegation;
    const [members, visits] = await Promise.all([membersOf(group.db, d.id), visitsOf(group.db, d.id)]);
    return reply.view('manage/programmes/delegation', { title: verbatim(d.name), delegation: d, members, visits });
  });

  const action = (path: string, done: MessageKey, run: (request: FastifyRequest) => Promise<void>) =>
    group.post(path, access('organiser'), async (request, reply) => {
      await run(request);
      return reply.notice(done).redirect(`/manage/delegations/${request.delegation.id}`, 303);
    });

  action('/confirm', 'contests.delegation.done.confirmed', (request) =>
    confirmDelegation(group.db, requireUser(request), request.delegation));
  action('/withdraw', 'contests.delegation.done.withdrawn', (request) =>
    withdrawByOrganiser(group.db, requireUser(request), request.delegation, group.mail.domain));
  action('/check-in', 'contests.delegation.done.checkedIn', (request) =>
    checkIn(group.db, requireUser(request), request.delegation, null));
  action('/members/:memberId/check-in', 'contests.delegation.done.checkedIn', (request) =>
    checkIn(group.db, requireUser(request), request.delegation, memberOf(request)));
  action('/members/:memberId/consent', 'contests.delegation.done.consent', (request) =>
    recordConsent(group.db, requireUser(request), request.delegation, memberOf(request)));
}
