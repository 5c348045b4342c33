import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { apartArchived } from '../../lib/archive.ts';
import { csvStream } from '../../lib/csv.ts';
import { attempt, type FormErrors, Refusal } from '../../lib/errors.ts';
import { field, type FormValues, parseForm } from '../../lib/forms.ts';
import { LOCALE_NAMES, LOCALES, type Message, message, verbatim } from '../../lib/i18n.ts';
import { idParams, readParams, slugParams } from '../../lib/params.ts';
import { xlsxStream } from '../../lib/xlsx.ts';
import { loadsObject } from '../../lib/route-group.ts';
import { recentlyConfirmed, requireUser } from '../auth/plugin.ts';
import { organisationChoices } from '../delegations/queries.ts';
import { createInvitation } from '../delegations/service.ts';
import { itemsInScope } from '../scope/queries.ts';
import { DELEGATION_LIST_COLUMNS, delegationListRows } from './export.ts';
import { allowedMoves, saveProgramme, setProgrammeStatus } from './manage.ts';
import {
  delegationOverview, delegationsOfProgramme, invitationsOf, programmeItinerary, programmeMembers, programmesInScope,
  programmeHosts, publicProgrammeBySlug, scopedProgramme, visitsOfDelegations,
} from './queries.ts';
import { parseProgrammeForm, programmeValues } from './schemas.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The programme of a /manage/programmes/:id route, loaded through the organiser's scope. */
    programme: ScopedProgramme;
  }
}

type ScopedProgramme = NonNullable<Awaited<ReturnType<typeof scopedProgramme>>>;

const invitationForm = z.object({
  email: field.email(),
  // Without a choice (an older form), the organiser's own language.
  language: field.choice(LOCALES, 'contests.errors.invitationLanguage').optional(),
});
const statusForm = z.object({ status: z.enum(['draft', 'open', 'closed', 'completed']) });

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

/** The programme form, new (no programme) or for editing, with its choices of items and hosts. */
async function renderForm(
  request: FastifyRequest, reply: FastifyReply, programme: ScopedProgramme | null, values: FormValues, errors: FormErrors, status = 200,
) {
  const db = request.server.db;
  const [items, organisations] = await Promise.all([itemsInScope(db, requireUser(request)), organisationChoices(db)]);
  return reply.code(status).view('manage/programmes/form', {
    title: programme ? message('contests.programmeForm.editTitle', { title: programme.title }) : 'contests.programmeForm.newHeading',
    programme, values, errors, items, organisations,
  });
}

/** The form saved: the programme's page, or the form again with what it could not take. */
async function saveForm(request: FastifyRequest, reply: FastifyReply, programme: ScopedProgramme | null) {
  const form = parseProgrammeForm(request.body);
  if (!form.ok) return renderForm(request, reply, programme, form.values, form.errors, 400);
  const user = requireUser(request);
  const saved = await attempt(() => saveProgramme(request.server.db, user, programme?.id ?? null, form.data, request.locale));
  if (!saved.ok) return renderForm(request, reply, programme, request.body as FormValues, saved.errors, 400);
  return reply.redirect(`/manage/programmes/${saved.value}?saved`, 303);
}

export async function programmeRoutes(app: FastifyInstance) {
  app.get('/programmes/:slug', access('public'), async (request, reply) => {
    const { slug } = readParams(slugParams, request.params);
    const programme = await publicProgrammeBySlug(app.db, slug);
    if (!programme) throw Refusal.notFound('pages.notFound.programme');
    const [delegations, hosts] = await Promise.all([delegationsOfProgramme(app.db, programme.id), programmeHosts(app.db, programme.id)]);
    const visits = await visitsOfDelegations(app.db, delegations.map((d) => d.id));
    const placesLeft = programme.capacity === null ? null : Math.max(0, programme.capacity - programme.member_count);
    const registering = programme.status === 'open' && programme.public_registration && placesLeft !== 0;
    return reply.view('programmes/show', {
      title: verbatim(request.local(programme, 'title')), programme, hosts, delegations, visits, placesLeft, registering,
    });
  });

  // Organisers.
  app.get('/manage/programmes', access('organiser'), async (request, reply) => {
    const { current, archived } = await apartArchived(app.db, 'programmes', await programmesInScope(app.db, requireUser(request)));
    return reply.view('manage/programmes/index', { title: 'contests.programmes.heading', programmes: current, archived });
  });

  app.get<{ Querystring: { item?: string } }>('/manage/programmes/new', access('organiser'), async (request, reply) =>
    renderForm(request, reply, null, { item_id: request.query.item ?? '' }, {}));

  app.post('/manage/programmes/new', access('organiser'), async (request, reply) => saveForm(request, reply, null));

  await app.register(programmeGroup, { prefix: '/manage/programmes/:id' });
}

/**
 * One programme for its organisers: its page, form, status, invitations, itinerary and exports.
 * The programme is loaded through the organiser's scope once for all of them; anything outside
 * it is not found.
 */
function programmeGroup(group: FastifyInstance) {
  loadsObject(group, 'programme', (request) =>
    scopedProgramme(group.db, requireUser(request), readParams(idParams, request.params).id), 'contests.errors.programmeNotFound');

  const showProgramme = async (
    request: FastifyRequest, reply: FastifyReply,
    extra: { status?: number; values?: object; errors?: FormErrors; invitationLink?: string; problem?: Message } = {},
  ) => {
    const { programme } = request;
    const [delegations, invitations, hosts] = await Promise.all([
      delegationOverview(group.db, programme.id), invitationsOf(group.db, programme.id), programmeHosts(group.db, programme.id),
    ]);
    return reply.code(extra.status ?? 200).view('manage/programmes/show', {
      title: verbatim(programme.title), programme, delegations, invitations, hosts, moves: allowedMoves(programme.status),
      saved: (request.query as { saved?: string }).saved !== undefined, problem: extra.problem ?? null,
      values: extra.values ?? { language: request.locale }, errors: extra.errors ?? {}, invitationLink: extra.invitationLink ?? null,
      languages: LOCALES.map((l) => ({ value: l, label: LOCALE_NAMES[l] })),
    });
  };

  group.get('', access('organiser'), async (request, reply) => showProgramme(request, reply));

  group.get('/edit', access('organiser'), async (request, reply) => {
    const { programme } = request;
    const hosts = await programmeHosts(group.db, programme.id);
    return renderForm(request, reply, programme, programmeValues(programme, hosts.map((h) => h.id)), {});
  });

  group.post('/edit', access('organiser'), async (request, reply) => saveForm(request, reply, request.programme));

  group.post('/status', access('organiser'), async (request, reply) => {
    const { programme } = request;
    const form = statusForm.safeParse(request.body);
    const moved = form.success && await setProgrammeStatus(group.db, requireUser(request), programme, form.data.status);
    if (!moved) return showProgramme(request, reply, { status: 400, problem: 'contests.programme.statusProblem' });
    return reply.redirect(`/manage/programmes/${programme.id}`, 303);
  });

  group.post('/invitations', access('organiser'), async (request, reply) => {
    const form = parseForm(invitationForm, request.body);
    if (!form.ok) return showProgramme(request, reply, { status: 400, values: form.values, errors: form.errors });
    const { email, language = request.locale } = form.data;
    const mailing = { baseUrl: group.config.baseUrl, mailDomain: group.mail.domain };
    const sent = await attempt(() => createInvitation(group.db, requireUser(request), request.programme, email, language, mailing));
    if (!sent.ok) return showProgramme(request, reply, { status: 400, values: form.data, errors: sent.errors });
    return showProgramme(request, reply, { invitationLink: sent.value });
  });

  group.get('/itinerary', access('organiser'), async (request, reply) => {
    const { programme } = request;
    const days = byDay(await programmeItinerary(group.db, programme.id));
    const title = message('contests.itinerary.title', { title: programme.title });
    return reply.view('manage/programmes/itinerary', { title, programme, days });
  });

  // The delegation list as a spreadsheet, in English like every export.
  const exportList = async (request: FastifyRequest<{ Querystring: { minors?: string } }>, reply: FastifyReply, kind: 'csv' | 'xlsx') => {
    const { programme } = request;
    const rows = delegationListRows(await programmeMembers(group.db, programme.id), request.query.minors === 'include');
    reply.header('content-disposition', `attachment; filename="${programme.slug}-delegations.${kind}"`).header('cache-control', 'no-store');
    if (kind === 'csv') return reply.type('text/csv; charset=utf-8').send(csvStream(DELEGATION_LIST_COLUMNS.map((c) => c.header), rows));
    return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .send(await xlsxStream('Delegations', DELEGATION_LIST_COLUMNS, rows));
  };
  group.get<{ Querystring: { minors?: string } }>('/delegations.csv', recentlyConfirmed('organiser'), (request, reply) =>
    exportList(request, reply, 'csv'));
  group.get<{ Querystring: { minors?: string } }>('/delegations.xlsx', recentlyConfirmed('organiser'), (request, reply) =>
    exportList(request, reply, 'xlsx'));
}
