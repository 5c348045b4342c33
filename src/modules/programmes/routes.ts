import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { csvStream } from '../../lib/csv.ts';
import { notFound } from '../../lib/errors.ts';
import { field, parseForm } from '../../lib/forms.ts';
import { xlsxStream } from '../../lib/xlsx.ts';
import type { CurrentUser } from '../auth/service.ts';
import { createInvitation } from '../delegations/service.ts';
import { DELEGATION_LIST_COLUMNS, delegationListRows } from './export.ts';
import {
  delegationOverview, delegationsOfProgramme, invitationsOf, programmeItinerary, programmeMembers, programmesInScope,
  publicProgrammeBySlug, scopedProgramme, visitsOfDelegations,
} from './queries.ts';

const idParam = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const invitationForm = z.object({ email: field.email() });

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
    const delegations = await delegationsOfProgramme(app.db, programme.id);
    const visits = await visitsOfDelegations(app.db, delegations.map((d) => d.id));
    const placesLeft = programme.capacity === null ? null : Math.max(0, programme.capacity - programme.member_count);
    const registering = programme.status === 'open' && programme.public_registration && placesLeft !== 0;
    return reply.view('programmes/show', { title: programme.title, programme, delegations, visits, placesLeft, registering });
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
    request: FastifyRequest, reply: FastifyReply, extra: { status?: number; values?: object; errors?: object; invitationLink?: string } = {},
  ) => {
    const programme = await programmeInScope(request);
    const [delegations, invitations] = await Promise.all([delegationOverview(app.db, programme.id), invitationsOf(app.db, programme.id)]);
    return reply.code(extra.status ?? 200).view('manage/programmes/show', {
      title: programme.title, programme, delegations, invitations,
      values: extra.values ?? {}, errors: extra.errors ?? {}, invitationLink: extra.invitationLink ?? null,
    });
  };

  app.get('/manage/programmes/:id', access('organiser'), async (request, reply) => showProgramme(request, reply));

  app.post('/manage/programmes/:id/invitations', access('organiser'), async (request, reply) => {
    const programme = await programmeInScope(request);
    const form = parseForm(invitationForm, request.body);
    if (!form.ok) return showProgramme(request, reply, { status: 400, values: form.values, errors: form.errors });
    if (programme.status !== 'open') {
      return showProgramme(request, reply, { status: 400, values: form.data, errors: { email: 'Open the programme before inviting delegations.' } });
    }
    const link = await createInvitation(app.db, request.user as CurrentUser, programme, form.data.email,
      { baseUrl: app.config.baseUrl, mailDomain: app.mail.domain });
    return showProgramme(request, reply, { invitationLink: link });
  });

  app.get('/manage/programmes/:id/itinerary', access('organiser'), async (request, reply) => {
    const programme = await programmeInScope(request);
    const days = byDay(await programmeItinerary(app.db, programme.id));
    return reply.view('manage/programmes/itinerary', { title: `Itinerary · ${programme.title}`, programme, days });
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
        .send(xlsxStream('Delegations', DELEGATION_LIST_COLUMNS, rows));
    });
  }
}
