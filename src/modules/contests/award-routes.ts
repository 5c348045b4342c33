import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { attempt, Refusal } from '../../lib/errors.ts';
import { parseForm } from '../../lib/forms.ts';
import { message } from '../../lib/i18n.ts';
import { idParam, readParams } from '../../lib/params.ts';
import { requireUser } from '../auth/plugin.ts';
import { sendAwardCertificate } from '../certificates/pdf.ts';
import { awardFacts } from '../certificates/queries.ts';
import { adjustForm, type PageExtra } from './manage-schemas.ts';
import { contestEntries, contestTiers } from './queries.ts';
import type { Site } from '../../lib/site.ts';
import { round2 } from './round-routes.ts';
import { adjustAward, allocateFromRanking, finalRanking, publishResults } from './service.ts';

/*
 * A contest's awards (`request.contest`, loaded by the contest group): allocated from the final
 * ranking, changed one by one with a reason, certified, and published.
 */

const grantParams = z.object({ grantId: idParam });
const awardsUrl = (request: FastifyRequest) => `/manage/contests/${request.contest.slug}/awards`;

export async function awardRoutes(group: FastifyInstance) {
  const site: Site = { baseUrl: group.config.baseUrl, domain: group.mail.domain };
  async function awardsPage(request: FastifyRequest, reply: FastifyReply, extra: PageExtra = {}) {
    const { contest } = request;
    const [{ round, ordered }, tiers, entries] = await Promise.all([
      finalRanking(group.db, contest), contestTiers(group.db, contest.id), contestEntries(group.db, contest.id),
    ]);
    const byId = new Map(entries.map((e) => [e.id, e]));
    const ranked = ordered.map((r, i) => ({
      place: i + 1, score: round.normalise ? r.normalisedScore : r.score, entry: byId.get(r.entryId)!,
    }));
    // A pending entry (email not yet confirmed) is awarded nothing.
    const rankedIds = new Set(ordered.map((r) => r.entryId));
    const unranked = entries.filter((e) => e.status === 'submitted' && !e.confirm_by && !rankedIds.has(e.id));
    return reply.view('manage/contests/awards', {
      title: message('contests.awards.title', { title: contest.title }), contest, round, tiers, ranked, unranked, round2,
      granted: tiers.reduce((n, t) => n + t.granted, 0), errors: extra.errors ?? {}, values: extra.values ?? {},
    });
  }

  group.get('/awards', access('organiser'), async (request, reply) => awardsPage(request, reply));

  group.post('/awards/allocate', access('organiser'), async (request, reply) => {
    await allocateFromRanking(group.db, requireUser(request), request.contest);
    return reply.redirect(awardsUrl(request), 303);
  });

  group.post('/awards/adjust', access('organiser'), async (request, reply) => {
    const form = parseForm(adjustForm, request.body);
    if (!form.ok) return awardsPage(request, reply.code(400), { errors: form.errors, values: form.values });
    const { entry_id, tier_id, reason } = form.data;
    const adjusted = await attempt(() => adjustAward(group.db, requireUser(request), request.contest, entry_id, tier_id, reason));
    if (!adjusted.ok) return awardsPage(request, reply.code(400), { errors: adjusted.errors, values: form.data });
    return reply.redirect(awardsUrl(request), 303);
  });

  group.get('/certificates/:grantId.pdf', access('organiser'), async (request, reply) => {
    const { grantId } = readParams(grantParams, request.params);
    const facts = await awardFacts(group.db, { contestId: request.contest.id, grantId });
    if (!facts) throw Refusal.notFound('contests.errors.certificateNotFound');
    return sendAwardCertificate(reply, facts, group.config.baseUrl);
  });

  group.post('/publish', access('organiser'), async (request, reply) => {
    await publishResults(group.db, requireUser(request), site, request.contest);
    return reply.redirect(`/contests/${request.contest.slug}/results`, 303);
  });
}
