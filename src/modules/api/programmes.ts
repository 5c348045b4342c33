import { z } from 'zod';
import { SIDES } from '../../db/types.ts';
import { requireUser } from '../auth/plugin.ts';
import { membersOf, scopedDelegation, visitsOf } from '../delegations/queries.ts';
import { scopedProgramme } from '../programmes/queries.ts';
import { dateTime, iso, isoOrNull, listOptions, page, pageOf, pageQuery } from './paging.ts';
import { ApiProblem, problemResponses } from './problem.ts';
import { delegationsPage, programmesPage } from './queries.ts';
import { type ApiApp, tokenRoute } from './route.ts';

/* Exchange programmes and their delegations, with members and itineraries. */

const programmeSchema = z.object({
  id: z.number().int(),
  slug: z.string(),
  item_id: z.number().int(),
  title: z.string(),
  starts_on: z.iso.date(),
  ends_on: z.iso.date(),
  status: z.enum(['draft', 'open', 'closed', 'completed']),
  capacity: z.number().int().nullable().describe('Most members over all delegations'),
  member_count: z.number().int(),
  delegations: z.number().int().describe('Delegations not withdrawn'),
  updated_at: dateTime,
});

const delegationStatus = z.enum(['proposed', 'confirmed', 'completed', 'withdrawn']);
const delegationSchema = z.object({
  id: z.number().int(),
  programme_id: z.number().int(),
  name: z.string(),
  from_side: z.enum(SIDES),
  to_side: z.enum(SIDES),
  status: delegationStatus,
  leading_organisation: z.string().nullable(),
  contact_name: z.string(),
  contact_email: z.string(),
  members: z.number().int(),
  updated_at: dateTime,
});

const delegationDetailSchema = delegationSchema.extend({
  members: z.array(z.object({
    id: z.number().int(), position: z.number().int(), name: z.string(), title: z.string(), organisation: z.string(),
    role: z.enum(['head', 'member', 'teacher', 'student', 'observer']), is_minor: z.boolean(), checked_in_at: dateTime.nullable(),
  })),
  visits: z.array(z.object({
    id: z.number().int(), visit_on: z.iso.date(), starts_at: z.string().nullable(), host: z.string(), place: z.string(),
    purpose: z.string(),
  })),
});

const idPath = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const notFound = () => new ApiProblem(404, 'api.problem.notFound');

export function programmeRoutes(api: ApiApp) {
  api.get('/programmes', {
    ...tokenRoute(),
    schema: {
      tags: ['programmes'], summary: 'Exchange programmes within the token\'s scope',
      querystring: z.object(pageQuery),
      response: { 200: pageOf(programmeSchema), ...problemResponses(400, 401, 403, 429) },
    },
  }, async (request) => {
    const q = request.query;
    const rows = await programmesPage(api.db, requireUser(request), listOptions(q));
    return page(rows, q.limit, (p) => ({ ...p, updated_at: iso(p.updated_at) }));
  });

  api.get('/programmes/:id', {
    ...tokenRoute(),
    schema: {
      tags: ['programmes'], summary: 'One exchange programme',
      params: idPath,
      response: { 200: programmeSchema, ...problemResponses(401, 403, 404, 429) },
    },
  }, async (request) => {
    const user = requireUser(request);
    const programme = await scopedProgramme(api.db, user, request.params.id);
    if (!programme) throw notFound();
    const [row] = await programmesPage(api.db, user, { after: programme.id - 1, limit: 1 });
    if (row?.id !== programme.id) throw notFound();
    return { ...row, updated_at: iso(row.updated_at) };
  });

  api.get('/delegations', {
    ...tokenRoute(),
    schema: {
      tags: ['programmes'], summary: 'Delegations within the token\'s scope',
      querystring: z.object({ ...pageQuery, programme_id: z.coerce.number().int().positive().max(2_147_483_647).optional() }),
      response: { 200: pageOf(delegationSchema), ...problemResponses(400, 401, 403, 429) },
    },
  }, async (request) => {
    const q = request.query;
    const rows = await delegationsPage(api.db, requireUser(request), {
      ...listOptions(q), programme: q.programme_id,
    });
    return page(rows, q.limit, (d) => ({ ...d, updated_at: iso(d.updated_at) }));
  });

  api.get('/delegations/:id', {
    ...tokenRoute(),
    schema: {
      tags: ['programmes'], summary: 'One delegation with its members and itinerary',
      params: idPath,
      response: { 200: delegationDetailSchema, ...problemResponses(401, 403, 404, 429) },
    },
  }, async (request) => {
    const d = await scopedDelegation(api.db, requireUser(request), request.params.id);
    if (!d) throw notFound();
    const [members, visits, code] = await Promise.all([
      membersOf(api.db, d.id), visitsOf(api.db, d.id),
      d.leading_organisation_id === null ? undefined
      : api.db.selectFrom('organisations').select('code').where('id', '=', d.leading_organisation_id).executeTakeFirst(),
    ]);
    return {
      ...d, leading_organisation: code?.code ?? null, updated_at: iso(d.updated_at),
      members: members.map((m) => ({ ...m, checked_in_at: isoOrNull(m.checked_in_at) })),
      visits,
    };
  });
}
