import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { csvStream } from '../../lib/csv.ts';
import { notFound } from '../../lib/errors.ts';
import { field, type FormErrors, type FormValues, parseForm } from '../../lib/forms.ts';
import { LOCALE_NAMES, LOCALES, translator } from '../../lib/i18n.ts';
import { xlsxStream } from '../../lib/xlsx.ts';
import type { CurrentUser } from '../auth/service.ts';
import { localiseErrors } from '../../lib/i18n.ts';
import { organisationChoices } from '../delegations/queries.ts';
import { createInvitation } from '../delegations/service.ts';
import { itemsInScope } from '../manage/queries.ts';
import { DELEGATION_LIST_COLUMNS, delegationListRows } from './export.ts';
import { allowedMoves, type ProgrammeStatus, saveProgramme, setProgrammeStatus } from './manage.ts';
import {
  delegationOverview, delegationsOfProgramme, invitationsOf, programmeItinerary, programmeMembers, programmesInScope,
  programmeHosts, publicProgrammeBySlug, scopedProgramme, visitsOfDelegations,
} from './queries.ts';
import { parseProgrammeForm, programmeValues } from './schemas.ts';

const idParam = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const invitationForm = z.object({
  email: field.email(),
  // Without a choice (an older form), the organiser's own language.
  language: field.choice(LOCALES, 'Choose the language of the invitation.').optional(),
});
const statusForm = z.object({ status: z.enum(['draft', 'open', 'closed', 'completed']) });

const STATUS_PROBLEM = 'That change of status is not possible from here. A programme goes back to draft only while no delegation has registered.';

/** Visits grouped by day, in order: the itinerary as a timeline. */
function byDay<T extends { visit_on: string }>(visits: readonly T[]): { day: string; visits: T[] }[] {
  const days: { day: string; visits: T[] }[] = [];
  for (const v of visits) {
    const last = days.at(-1);
    if (last?.day === v.visit_on) last.visits.push(v);
    else days.push({ day: v.visit_on, visits: [v] });
  }
  return days;
}

export async function programmeRoutes(app: FastifyInstance) {
  app.get<{ Params: { slug: string } }>('/programmes/:slug', access('public'), async (request, reply) => {
    const programme = await publicProgrammeBySlug(app.db, request.params.slug);
    if (!programme) throw notFound('exchange programme');
    const [delegations, hosts] = await Promise.all([delegationsOfProgramme(app.db, programme.id), programmeHosts(app.db, programme.id)]);
    const visits = await visitsOfDelegations(app.db, delegations.map((d) => d.id));
    const placesLeft = programme.capacity === null ? null : Math.max(0, programme.capacity - programme.member_count);
    const registering = programme.status === 'open' && programme.public_registration && placesLeft !== 0;
    return reply.view('programmes/show', { title: request.local(programme, 'title'), programme, hosts, delegations, visits, placesLeft, registering });
  });

  // Organisers.
  const programmeInScope = async (request: FastifyRequest) => {
    const parsed = idParam.safeParse(request.params);
    const programme = parsed.success ? await scopedProgramme(app.db, request.user as CurrentUser, parsed.data.id) : undefined;
    if (!programme) throw notFound('exchange programme');
    return programme;
  };

  app.get('/manage/programmes', access('organiser'), async (request, reply) => {
    const programmes = await programmesInScope(app.db, request.user as CurrentUser);
    return reply.view('manage/programmes/index', { title: 'Exchange programmes', programmes });
  });

  const showProgramme = async (
    request: FastifyRequest, reply: FastifyReply,
    extra: { status?: number; values?: object; errors?: object; invitationLink?: string; problem?: string } = {},
  ) => {
    const programme = await programmeInScope(request);
    const [delegations, invitations, hosts] = await Promise.all([
      delegationOverview(app.db, programme.id), invitationsOf(app.db, programme.id), programmeHosts(app.db, programme.id),
    ]);
    return reply.code(extra.status ?? 200).view('manage/programmes/show', {
      title: programme.title, programme, delegations, invitations, hosts, moves: allowedMoves(programme.status),
      saved: (request.query as { saved?: string }).saved !== undefined, problem: extra.problem ?? null,
      values: extra.values ?? { language: request.locale }, errors: extra.errors ?? {}, invitationLink: extra.invitationLink ?? null,
      languages: LOCALES.map((l) => ({ value: l, label: LOCALE_NAMES[l] })),
    });
  };

  const renderForm = async (
    reply: FastifyReply, request: FastifyRequest, programme: { id: number; slug: string; title: string } | null,
    values: FormValues, errors: FormErrors, status = 200,
  ) => {
    const [items, organisations] = await Promise.all([itemsInScope(app.db, request.user as CurrentUser), organisationChoices(app.db)]);
    return reply.code(status).view('manage/programmes/form', {
      title: programme ? translator(request.locale)('contests.programmeForm.editTitle', { title: programme.title }) : 'New exchange programme',
      programme, values, errors: localiseErrors(request.locale, errors), items, organisations,
    });
  };

  app.get<{ Querystring: { item?: string } }>('/manage/programmes/new', access('organiser'), async (request, reply) =>
    renderForm(reply, request, null, { item_id: request.query.item ?? '' }, {}));

  app.post('/manage/programmes/new', access('organiser'), async (request, reply) => {
    const form = parseProgrammeForm(request.body);
    if (!form.ok) return renderForm(reply, request, null, form.values, form.errors, 400);
    const saved = await saveProgramme(app.db, request.user as CurrentUser, null, form.data);
    if (!saved.ok) return renderForm(reply, request, null, request.body as FormValues, saved.errors, 400);
    return reply.redirect(`/manage/programmes/${saved.id}?saved`, 303);
  });

  app.get('/manage/programmes/:id/edit', access('organiser'), async (request, reply) => {
    const programme = await programmeInScope(request);
    const hosts = await programmeHosts(app.db, programme.id);
    return renderForm(reply, request, programme, programmeValues(programme, hosts.map((h) => h.id)), {});
  });

  app.post('/manage/programmes/:id/edit', access('organiser'), async (request, reply) => {
    const programme = await programmeInScope(request);
    const form = parseProgrammeForm(request.body);
    if (!form.ok) return renderForm(reply, request, programme, form.values, form.errors, 400);
    const saved = await saveProgramme(app.db, request.user as CurrentUser, programme.id, form.data);
    if (!saved.ok) return renderForm(reply, request, programme, request.body as FormValues, saved.errors, 400);
    return reply.redirect(`/manage/programmes/${programme.id}?saved`, 303);
  });

  app.post('/manage/programmes/:id/status', access('organiser'), async (request, reply) => {
    const programme = await programmeInScope(request);
    const form = statusForm.safeParse(request.body);
    const moved = form.success && await setProgrammeStatus(app.db, request.user as CurrentUser, programme, form.data.status as ProgrammeStatus);
    if (!moved) return showProgramme(request, reply, { status: 400, problem: STATUS_PROBLEM });
    return reply.redirect(`/manage/programmes/${programme.id}`, 303);
  });

  app.get('/manage/programmes/:id', access('organiser'), async (request, reply) => showProgramme(request, reply));

  app.post('/manage/programmes/:id/invitations', access('organiser'), async (request, reply) => {
    const programme = await programmeInScope(request);
    const form = parseForm(invitationForm, request.body);
    if (!form.ok) return showProgramme(request, reply, { status: 400, values: form.values, errors: form.errors });
    if (programme.status !== 'open') {
      return showProgramme(request, reply, { status: 400, values: form.data, errors: { email: 'Open the programme before inviting delegations.' } });
    }
    const link = await createInvitation(app.db, request.user as CurrentUser, programme, form.data.email, form.data.language ?? request.locale,
      { baseUrl: app.config.baseUrl, mailDomain: app.mail.domain });
    return showProgramme(request, reply, { invitationLink: link });
  });

  app.get('/manage/programmes/:id/itinerary', access('organiser'), async (request, reply) => {
    const programme = await programmeInScope(request);
    const days = byDay(await programmeItinerary(app.db, programme.id));
    return reply.view('manage/programmes/itinerary', { title: translator(request.locale)('contests.itinerary.title', { title: programme.title }), programme, days });
  });

  for (const kind of ['csv', 'xlsx'] as const) {
    app.get<{ Querystring: { minors?: string } }>(`/manage/programmes/:id/delegations.${kind}`, access('organiser'), async (request, reply) => {
      const programme = await programmeInScope(request);
      const includeMinors = request.query.minors === 'include';
      const rows = delegationListRows(await programmeMembers(app.db, programme.id), includeMinors);
      const filename = `${programme.slug}-delegations.${kind}`;
      reply.header('content-disposition', `attachment; filename="${filename}"`).header('cache-control', 'no-store');
      if (kind === 'csv') {
        return reply.type('text/csv; charset=utf-8').send(csvStream(DELEGATION_LIST_COLUMNS.map((c) => c.header), rows));
      }
      return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .send(await xlsxStream('Delegations', DELEGATION_LIST_COLUMNS, rows));
    });
  }
}
