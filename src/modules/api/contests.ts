import { z } from 'zod';
import { SIDES } from '../../db/types.ts';
import { requireUser } from '../auth/plugin.ts';
import { contestRounds, publishedResults, scopedContest } from '../contests/queries.ts';
import { assignmentsOfJudge } from '../judging/queries.ts';
import { computeRoundRanking } from '../scoring/queries.ts';
import { dateTime, iso, isoOrNull, listOptions, page, pageOf, pageQuery } from './paging.ts';
import { ApiProblem, problemResponses } from './problem.ts';
import { contestsPage, entriesPage } from './queries.ts';
import { type ApiApp, tokenRoute } from './route.ts';

/* Contests, their entries, the ranking of a round, published results, and a judge's own assignments. */

const contestSchema = z.object({
  id: z.number().int(),
  slug: z.string(),
  item_id: z.number().int(),
  kind: z.enum(['patent_portfolio', 'youth_invention', 'speech']),
  title: z.string(),
  status: z.enum(['draft', 'open', 'judging', 'closed']),
  blind: z.boolean().describe('Judges do not see who entered'),
  entry_opens_at: dateTime.nullable(),
  entry_closes_at: dateTime.nullable(),
  results_published_at: dateTime.nullable(),
  entries: z.number().int().describe('Submitted entries'),
  awards: z.number().int(),
  updated_at: dateTime,
});

const entrySchema = z.object({
  id: z.number().int(),
  reference: z.string(),
  title: z.string(),
  applicant_name: z.string(),
  applicant_type: z.enum(['enterprise', 'higher_education', 'rd_centre', 'school', 'individual']),
  side: z.enum(SIDES),
  category: z.string().nullable(),
  status: z.enum(['submitted', 'withdrawn']),
  created_at: dateTime,
  updated_at: dateTime,
});

const rankingSchema = z.object({
  round: z.object({ position: z.number().int(), name: z.string(), status: z.enum(['pending', 'open', 'closed']) }),
  rows: z.array(z.object({
    entry_id: z.number().int(), reference: z.string(), rank: z.number().int().nullable(), score: z.number().nullable(),
    normalised_rank: z.number().int().nullable(), normalised_score: z.number().nullable(), judges: z.number().int(),
    disagreement: z.boolean().describe('The judges\' totals are far apart'),
  })),
});

const resultsSchema = z.object({
  published_at: dateTime.nullable(),
  awards: z.array(z.object({ tier: z.string(), rank: z.number().int(), reference: z.string(), title: z.string(), applicant_name: z.string(),
    side: z.enum(SIDES) })),
});

const assignmentSchema = z.object({
  id: z.number().int(),
  status: z.enum(['assigned', 'conflicted', 'draft', 'submitted']),
  submitted_at: dateTime.nullable(),
  contest_slug: z.string(),
  contest_title: z.string(),
  round_name: z.string(),
  reference: z.string(),
  title: z.string(),
  applicant_name: z.string().nullable().describe('Null in a blind contest'),
  scored: z.number().int(),
  criteria: z.number().int(),
});

const slugPath = z.object({ slug: z.string().min(1).max(200) });
const notFound = () => new ApiProblem(404, 'api.problem.notFound');

export function contestRoutes(api: ApiApp) {
  const contestOf = async (request: Parameters<typeof requireUser>[0], slug: string) => {
    const contest = await scopedContest(api.db, requireUser(request), slug);
    if (!contest) throw notFound();
    return contest;
  };

  api.get('/contests', {
    ...tokenRoute(),
    schema: {
      tags: ['contests'], summary: 'Contests within the token\'s scope',
      querystring: z.object(pageQuery),
      response: { 200: pageOf(contestSchema), ...problemResponses(400, 401, 403, 429) },
    },
  }, async (request) => {
    const q = request.query;
    const rows = await contestsPage(api.db, requireUser(request), listOptions(q));
    return page(rows, q.limit, (c) => ({
      ...c, entry_opens_at: isoOrNull(c.entry_opens_at), entry_closes_at: isoOrNull(c.entry_closes_at),
      results_published_at: isoOrNull(c.results_published_at), updated_at: iso(c.updated_at),
    }));
  });

  api.get('/contests/:slug/entries', {
    ...tokenRoute(),
    schema: {
      tags: ['contests'], summary: 'The entries of a contest',
      description: 'For the contest\'s organisers. Judges see only their own assignments (`/judging/assignments`), and in a blind '
        + 'contest without the entrants\' names.',
      params: slugPath,
      querystring: z.object(pageQuery),
      response: { 200: pageOf(entrySchema), ...problemResponses(400, 401, 403, 404, 429) },
    },
  }, async (request) => {
    const contest = await contestOf(request, request.params.slug);
    const q = request.query;
    const rows = await entriesPage(api.db, contest.id, listOptions(q));
    return page(rows, q.limit, (e) => ({
      ...e, status: e.status === 'withdrawn' ? 'withdrawn' as const : 'submitted' as const,
      created_at: iso(e.created_at), updated_at: iso(e.updated_at),
    }));
  });

  api.get('/contests/:slug/rounds/:position/ranking', {
    ...tokenRoute(),
    schema: {
      tags: ['contests'], summary: 'The ranking of a round, from the submitted scores',
      params: slugPath.extend({ position: z.coerce.number().int().min(1).max(20) }),
      response: { 200: rankingSchema, ...problemResponses(401, 403, 404, 429) },
    },
  }, async (request) => {
    const contest = await contestOf(request, request.params.slug);
    const round = (await contestRounds(api.db, contest.id)).find((r) => r.position === request.params.position);
    if (!round) throw notFound();
    const ranking = await computeRoundRanking(api.db, round);
    return {
      round: { position: round.position, name: round.name, status: round.status },
      rows: ranking.rows.map((r) => ({
        entry_id: r.entryId, reference: r.reference, rank: r.rank, score: r.score, normalised_rank: r.normalisedRank,
        normalised_score: r.normalisedScore, judges: r.judges.length, disagreement: r.disagreement,
      })),
    };
  });

  api.get('/contests/:slug/results', {
    ...tokenRoute(),
    schema: {
      tags: ['contests'], summary: 'The awards of a contest',
      description: 'The awards granted so far; `published_at` says whether (and since when) they are public.',
      params: slugPath,
      response: { 200: resultsSchema, ...problemResponses(401, 403, 404, 429) },
    },
  }, async (request) => {
    const contest = await contestOf(request, request.params.slug);
    const awards = await publishedResults(api.db, contest.id);
    return { published_at: isoOrNull(contest.results_published_at), awards };
  });

  api.get('/judging/assignments', {
    ...tokenRoute(),
    schema: {
      tags: ['judging'], summary: 'The token user\'s own judging assignments',
      response: { 200: z.object({ data: z.array(assignmentSchema) }), ...problemResponses(401, 403, 429) },
    },
  }, async (request) => {
    const rows = await assignmentsOfJudge(api.db, requireUser(request).id, 'all');
    return { data: rows.map((a) => ({ ...a, submitted_at: isoOrNull(a.submitted_at) })) };
  });
}
