import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { apartArchived } from '../../lib/archive.ts';
import { attempt, Refusal } from '../../lib/errors.ts';
import { parseForm } from '../../lib/forms.ts';
import { verbatim } from '../../lib/i18n.ts';
import { idParam, readParams, slugParams } from '../../lib/params.ts';
import { requireUser } from '../auth/plugin.ts';
import { sendAttachment } from '../../lib/pdf-files.ts';
import { loadsObject } from '../../lib/route-group.ts';
import { awardRoutes } from './award-routes.ts';
import { hkInput, judgeForm, type PageExtra, settingsForm } from './manage-schemas.ts';
import {
  contestEntries, contestJudges, contestRounds, contestsInScope, contestTiers, judgesNotOnPanel, type Round, roundOf, type ScopedContest,
  scopedContest, scopedEntryAttachment,
} from './queries.ts';
import { rankingRoutes, roundRoutes } from './round-routes.ts';
import { addJudgeToPanel, reopenAssignment, updateContestSettings } from './service.ts';
import { contestSetupRoutes, newContestRoutes, roundCriteriaRoutes } from './setup-routes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The contest of a /manage/contests/:slug route, loaded through the organiser's scope. */
    contest: ScopedContest;
    /** The round of a /manage/contests/:slug/rounds/:position route, of that contest. */
    round: Round;
  }
}

/*
 * The organisers' pages of contests. Everything under /manage/contests/:slug is one route group
 * that loads the contest through the organiser's scope once, before any handler runs; the
 * rounds under it are a group of their own that loads the round. Anything outside the scope,
 * or a parameter that names nothing, is not found.
 */

const positionParams = z.object({ position: idParam });
const attachmentParams = z.object({ entryId: idParam, attachmentId: idParam });
const assignmentParams = z.object({ assignmentId: idParam });

const contestUrl = (contest: ScopedContest) => `/manage/contests/${contest.slug}`;

export async function manageContestRoutes(app: FastifyInstance) {
  app.get('/manage/contests', access('organiser'), async (request, reply) => {
    const { current, archived } = await apartArchived(app.db, 'contests', await contestsInScope(app.db, requireUser(request)));
    return reply.view('manage/contests/index', { title: 'contests.index.heading', contests: current, archived });
  });

  await app.register(newContestRoutes);
  await app.register(contestGroup, { prefix: '/manage/contests/:slug' });
}

/** One contest: its overview and panel, its setup, its awards, and its rounds. */
async function contestGroup(group: FastifyInstance) {
  loadsObject(group, 'contest', (request) =>
    scopedContest(group.db, requireUser(request), readParams(slugParams, request.params).slug), 'contests.errors.contestNotFound');

  await group.register(overviewRoutes);
  await group.register(contestSetupRoutes);
  await group.register(awardRoutes);
  await group.register(roundGroup, { prefix: '/rounds/:position' });
}

/** One round of the contest: its page and actions, its ranking, and its criteria. */
async function roundGroup(group: FastifyInstance) {
  loadsObject(group, 'round', (request) =>
    roundOf(group.db, request.contest.id, readParams(positionParams, request.params).position), 'contests.errors.roundNotFound');

  await group.register(roundRoutes);
  await group.register(rankingRoutes);
  await group.register(roundCriteriaRoutes);
}

/** The contest's overview: its rounds, judges, settings, awards and entries. */
async function overviewRoutes(group: FastifyInstance) {
  async function overview(reply: FastifyReply, contest: ScopedContest, extra: PageExtra = {}) {
    const [rounds, entries, judges, candidates, tiers] = await Promise.all([
      contestRounds(group.db, contest.id), contestEntries(group.db, contest.id), contestJudges(group.db, contest.id),
      judgesNotOnPanel(group.db, contest.id), contestTiers(group.db, contest.id),
    ]);
    const values = extra.values ?? {
      status: contest.status, blind: contest.blind, confirm_email: contest.confirm_email,
      entry_opens_at: hkInput(contest.entry_opens_at), entry_closes_at: hkInput(contest.entry_closes_at),
    };
    return reply.view('manage/contests/show', {
      title: verbatim(contest.title), contest, rounds, entries, judges, candidates, tiers, errors: extra.errors ?? {}, values,
    });
  }

  group.get('', access('organiser'), async (request, reply) => overview(reply, request.contest));

  group.post('/settings', access('organiser'), async (request, reply) => {
    const { contest } = request;
    const form = parseForm(settingsForm, request.body);
    if (!form.ok) {
      const values = { ...form.values, blind: form.values.blind === 'on', confirm_email: form.values.confirm_email === 'on' };
      return overview(reply.code(400), contest, { errors: form.errors, values });
    }
    await updateContestSettings(group.db, requireUser(request), contest, form.data);
    return reply.redirect(contestUrl(contest), 303);
  });

  group.post('/judges', access('organiser'), async (request, reply) => {
    const { contest } = request;
    const form = parseForm(judgeForm, request.body);
    if (!form.ok) return overview(reply.code(400), contest, { errors: form.errors });
    const added = await attempt(() => addJudgeToPanel(group.db, requireUser(request), contest, form.data.judge_id));
    if (!added.ok) return overview(reply.code(400), contest, { errors: added.errors });
    return reply.redirect(contestUrl(contest), 303);
  });

  group.get('/entries/:entryId/attachments/:attachmentId', access('organiser'), async (request, reply) => {
    const { entryId, attachmentId } = readParams(attachmentParams, request.params);
    const file = await scopedEntryAttachment(group.db, request.contest.id, entryId, attachmentId);
    if (!file) throw Refusal.notFound('participant.entry.errors.attachmentNotFound');
    return sendAttachment(reply, group.config.dataDir, file, file.filename);
  });

  // Reopened from the round page, by the assignment alone: back to the round it belongs to.
  group.post('/assignments/:assignmentId/reopen', access('organiser'), async (request, reply) => {
    const { contest } = request;
    const { assignmentId } = readParams(assignmentParams, request.params);
    await reopenAssignment(group.db, requireUser(request), contest, assignmentId);
    const round = await group.db.selectFrom('assignments as a').innerJoin('contest_rounds as r', 'r.id', 'a.round_id')
      .where('a.id', '=', assignmentId).select('r.position').executeTakeFirstOrThrow();
    return reply.redirect(`${contestUrl(contest)}/rounds/${round.position}`, 303);
  });
}
