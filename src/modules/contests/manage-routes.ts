import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { type Cell, csvStream } from '../../lib/csv.ts';
import { HttpError, notFound } from '../../lib/errors.ts';
import { field, type FormErrors, parseForm } from '../../lib/forms.ts';
import { localiseErrors, translator } from '../../lib/i18n.ts';
import { xlsxStream } from '../../lib/xlsx.ts';
import type { CurrentUser } from '../auth/service.ts';
import { sendAttachment } from '../entries/attachments.ts';
import { sendCertificate } from './certificates.ts';
import { DISAGREEMENT_SPREAD } from '../scoring/engine.ts';
import { computeRoundRanking } from '../scoring/queries.ts';
import {
  certificateFacts, contestEntries, contestJudges, contestRounds, contestsInScope, contestTiers, judgesNotOnPanel, type Round, roundAssignments,
  roundOf, type ScopedContest, scopedContest, scopedEntryAttachment,
} from './queries.ts';
import {
  addJudgeToPanel, adjustAward, advanceEntries, allocateFromRanking, assignJudge, autoAssign, finalRanking, openRound,
  openScoresToJudges, publishResults, reopenAssignment, setRoundStatus, updateContestSettings, updateRoundSettings,
} from './service.ts';

const id = z.coerce.number().int().positive().max(2_147_483_647);
const slugParams = z.object({ slug: z.string().max(200) });
const roundParams = slugParams.extend({ position: id });

const optionalDateTime = z.string().optional().default('').refine((v) => v === '' || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v), 'Enter a date and time.')
  .transform((v) => (v === '' ? null : new Date(`${v}:00+08:00`)));

const settingsForm = z.object({
  status: field.choice(['draft', 'open', 'judging', 'closed'], 'Choose a status.'),
  blind: z.literal('on').optional().transform((v) => v === 'on'),
  entry_opens_at: optionalDateTime,
  entry_closes_at: optionalDateTime,
}).refine((v) => !v.entry_opens_at || !v.entry_closes_at || v.entry_closes_at > v.entry_opens_at, {
  path: ['entry_closes_at'], message: 'Entries must close after they open.',
});

const roundSettingsForm = z.object({
  aggregation: field.choice(['mean', 'median', 'trimmed_mean'], 'Choose how judges\' totals are combined.'),
  normalise: z.literal('on').optional().transform((v) => v === 'on'),
  tie_break: field.choice(['criteria', 'consensus', 'earliest'], 'Choose a tie-break rule.'),
});

const assignForm = z.object({ entry_id: id, judge_id: id });
const autoAssignForm = z.object({
  per_entry: z.coerce.number({ error: 'Enter how many judges each entry needs.' }).int('Enter a whole number.')
    .min(1, 'At least one judge per entry.').max(20, 'At most 20 judges per entry.'),
});
const advanceForm = z.object({
  mode: field.choice(['top', 'threshold'], 'Choose how entries advance.'),
  count: z.string().optional().default(''),
  score: z.string().optional().default(''),
});
const adjustForm = z.object({
  entry_id: id,
  tier_id: z.string().optional().default(''),
  reason: field.text('the reason for the change', 500),
});

const hkInput = (d: Date | null) => (d ? new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16) : '');
const round2 = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);

/** The contest named by `:slug`, through the organiser's scope; anything else is not found. */
export async function loadScopedContest(app: FastifyInstance, request: FastifyRequest) {
  const parsed = slugParams.safeParse(request.params);
  const contest = parsed.success ? await scopedContest(app.db, request.user as CurrentUser, parsed.data.slug) : undefined;
  if (!contest) throw notFound('contest');
  return contest;
}

export async function manageContestRoutes(app: FastifyInstance) {
  const userOf = (request: FastifyRequest) => request.user as CurrentUser;
  const loadContest = (request: FastifyRequest) => loadScopedContest(app, request);

  async function loadRound(request: FastifyRequest) {
    const contest = await loadContest(request);
    const parsed = roundParams.safeParse(request.params);
    const round = parsed.success ? await roundOf(app.db, contest.id, parsed.data.position) : undefined;
    if (!round) throw notFound('round');
    return { contest, round };
  }

  const base = (c: ScopedContest) => `/manage/contests/${c.slug}`;

  // ---- Contest overview ------------------------------------------------------------------

  async function overview(reply: FastifyReply, contest: ScopedContest, extra: { errors?: FormErrors; values?: Record<string, unknown> } = {}) {
    const [rounds, entries, judges, candidates, tiers] = await Promise.all([
      contestRounds(app.db, contest.id), contestEntries(app.db, contest.id), contestJudges(app.db, contest.id),
      judgesNotOnPanel(app.db, contest.id), contestTiers(app.db, contest.id),
    ]);
    const values = extra.values ?? {
      status: contest.status, blind: contest.blind, entry_opens_at: hkInput(contest.entry_opens_at), entry_closes_at: hkInput(contest.entry_closes_at),
    };
    return reply.view('manage/contests/show', {
      title: contest.title, contest, rounds, entries, judges, candidates, tiers, errors: extra.errors ?? {}, values,
    });
  }

  app.get('/manage/contests', access('organiser'), async (request, reply) => {
    const contests = await contestsInScope(app.db, userOf(request));
    return reply.view('manage/contests/index', { title: 'Contests', contests });
  });

  app.get('/manage/contests/:slug', access('organiser'), async (request, reply) => overview(reply, await loadContest(request)));

  app.post('/manage/contests/:slug/settings', access('organiser'), async (request, reply) => {
    const contest = await loadContest(request);
    const form = parseForm(settingsForm, request.body);
    if (!form.ok) return overview(reply.code(400), contest, { errors: form.errors, values: { ...form.values, blind: form.values.blind === 'on' } });
    await updateContestSettings(app.db, userOf(request), contest, form.data);
    return reply.redirect(base(contest), 303);
  });

  app.post('/manage/contests/:slug/judges', access('organiser'), async (request, reply) => {
    const contest = await loadContest(request);
    const parsed = z.object({ judge_id: id }).safeParse(request.body);
    if (!parsed.success) return overview(reply.code(400), contest, { errors: { judge_id: 'Choose a judge.' } });
    await addJudgeToPanel(app.db, userOf(request), contest, parsed.data.judge_id);
    return reply.redirect(base(contest), 303);
  });

  app.get('/manage/contests/:slug/entries/:entryId/attachments/:attachmentId', access('organiser'), async (request, reply) => {
    const contest = await loadContest(request);
    const params = z.object({ entryId: id, attachmentId: id }).safeParse(request.params);
    const file = params.success ? await scopedEntryAttachment(app.db, contest.id, params.data.entryId, params.data.attachmentId) : undefined;
    if (!file) throw notFound('attachment');
    return sendAttachment(reply, app.config.dataDir, file, file.filename);
  });

  // ---- Rounds: assignments and progress ----------------------------------------------------

  async function roundPage(reply: FastifyReply, contest: ScopedContest, round: Round, extra: { errors?: FormErrors; values?: Record<string, unknown>; notice?: string } = {}) {
    const [rounds, assignments, judges, entries] = await Promise.all([
      contestRounds(app.db, contest.id), roundAssignments(app.db, round.id), contestJudges(app.db, contest.id),
      app.db.selectFrom('round_entries as re').innerJoin('entries as e', 'e.id', 're.entry_id').where('re.round_id', '=', round.id)
        .select(['e.id', 'e.reference', 'e.title', 'e.applicant_name']).orderBy('e.reference').execute(),
    ]);
    const progress = judges.map((j) => {
      const mine = assignments.filter((a) => a.judge_id === j.id);
      const count = (status: string) => mine.filter((a) => a.status === status).length;
      return { ...j, total: mine.length, assigned: count('assigned'), draft: count('draft'), submitted: count('submitted'), conflicted: count('conflicted') };
    });
    const byEntry = entries.map((e) => ({ ...e, assignments: assignments.filter((a) => a.entry_id === e.id) }));
    const locale = reply.request.locale;
    return reply.view('manage/contests/round', {
      title: translator(locale)('contests.round.title', { round: round.name, contest: contest.title }), contest, round, rounds, progress, entries: byEntry, judges,
      next: rounds.find((r) => r.position === round.position + 1) ?? null,
      errors: localiseErrors(locale, extra.errors ?? {}), values: extra.values ?? { aggregation: round.aggregation, normalise: round.normalise, tie_break: round.tie_break, per_entry: '3', mode: 'top' },
      // "12 assignments made. 2 entries have fewer judges …": each sentence in the reader's language.
      notice: extra.notice ? extra.notice.split(/(?<=\.)(?= \d)/).map((sentence) => translator(locale).text(sentence)).join('') : null,
    });
  }

  const roundUrl = (c: ScopedContest, r: Round) => `${base(c)}/rounds/${r.position}`;

  app.get('/manage/contests/:slug/rounds/:position', access('organiser'), async (request, reply) => {
    const { contest, round } = await loadRound(request);
    const notice = (request.query as Record<string, string | undefined>).done;
    return roundPage(reply, contest, round, { notice: notice && /^[\w ,.:'-]{1,120}$/.test(notice) ? notice : undefined });
  });

  app.post('/manage/contests/:slug/rounds/:position/settings', access('organiser'), async (request, reply) => {
    const { contest, round } = await loadRound(request);
    const form = parseForm(roundSettingsForm, request.body);
    if (!form.ok) return roundPage(reply.code(400), contest, round, { errors: form.errors, values: form.values });
    await updateRoundSettings(app.db, userOf(request), contest, round.id, form.data);
    return reply.redirect(`${roundUrl(contest, round)}?done=Settings saved.`, 303);
  });

  for (const [action, run] of [
    ['open', (u: CurrentUser, c: ScopedContest, r: Round) => openRound(app.db, u, c, r.id)],
    ['close', (u: CurrentUser, c: ScopedContest, r: Round) => setRoundStatus(app.db, u, c, r.id, 'closed')],
    ['reopen', (u: CurrentUser, c: ScopedContest, r: Round) => setRoundStatus(app.db, u, c, r.id, 'open')],
    ['open-scores', (u: CurrentUser, c: ScopedContest, r: Round) => openScoresToJudges(app.db, u, c, r.id, true)],
    ['hide-scores', (u: CurrentUser, c: ScopedContest, r: Round) => openScoresToJudges(app.db, u, c, r.id, false)],
  ] as const) {
    app.post(`/manage/contests/:slug/rounds/:position/${action}`, access('organiser'), async (request, reply) => {
      const { contest, round } = await loadRound(request);
      await run(userOf(request), contest, round);
      return reply.redirect(roundUrl(contest, round), 303);
    });
  }

  app.post('/manage/contests/:slug/rounds/:position/assign', access('organiser'), async (request, reply) => {
    const { contest, round } = await loadRound(request);
    const form = parseForm(assignForm, request.body);
    if (!form.ok) return roundPage(reply.code(400), contest, round, { errors: { assign: 'Choose an entry and a judge.' } });
    try {
      await assignJudge(app.db, userOf(request), contest, round.id, form.data.entry_id, form.data.judge_id);
    } catch (error) {
      if (error instanceof HttpError && error.statusCode === 400) return roundPage(reply.code(400), contest, round, { errors: { assign: error.message } });
      throw error;
    }
    return reply.redirect(`${roundUrl(contest, round)}?done=Judge assigned.`, 303);
  });

  app.post('/manage/contests/:slug/rounds/:position/auto-assign', access('organiser'), async (request, reply) => {
    const { contest, round } = await loadRound(request);
    const form = parseForm(autoAssignForm, request.body);
    if (!form.ok) return roundPage(reply.code(400), contest, round, { errors: form.errors, values: form.values });
    const plan = await autoAssign(app.db, userOf(request), contest, round.id, form.data.per_entry);
    const short = plan.short.length ? ` ${plan.short.length} entries have fewer judges than asked: not enough judges without a conflict.` : '';
    return reply.redirect(`${roundUrl(contest, round)}?done=${encodeURIComponent(`${plan.assignments.length} assignments made.${short}`)}`, 303);
  });

  app.post('/manage/contests/:slug/assignments/:assignmentId/reopen', access('organiser'), async (request, reply) => {
    const contest = await loadContest(request);
    const parsed = z.object({ assignmentId: id }).safeParse(request.params);
    if (!parsed.success) throw notFound('assignment');
    await reopenAssignment(app.db, userOf(request), contest, parsed.data.assignmentId);
    const round = await app.db.selectFrom('assignments as a').innerJoin('contest_rounds as r', 'r.id', 'a.round_id')
      .where('a.id', '=', parsed.data.assignmentId).select('r.position').executeTakeFirstOrThrow();
    return reply.redirect(`${base(contest)}/rounds/${round.position}`, 303);
  });

  app.post('/manage/contests/:slug/rounds/:position/advance', access('organiser'), async (request, reply) => {
    const { contest, round } = await loadRound(request);
    const form = parseForm(advanceForm, request.body);
    const errors: FormErrors = form.ok ? {} : { ...form.errors };
    let rule: { mode: 'top'; count: number } | { mode: 'threshold'; score: number } | null = null;
    if (form.ok) {
      const count = Number(form.data.count);
      const score = Number(form.data.score);
      if (form.data.mode === 'top') {
        if (!Number.isInteger(count) || count < 1 || count > 10_000 || form.data.count === '') errors.count = 'Enter how many entries advance, 1 or more.';
        else rule = { mode: 'top', count };
      } else if (form.data.score === '' || !Number.isFinite(score) || score < 0 || score > 100) {
        errors.score = 'Enter the lowest score that advances, from 0 to 100.';
      } else rule = { mode: 'threshold', score };
    }
    if (!rule) return roundPage(reply.code(400), contest, round, { errors, values: form.ok ? form.data : form.values });
    try {
      const advanced = await advanceEntries(app.db, userOf(request), contest, round.id, rule);
      return reply.redirect(`${roundUrl(contest, round)}?done=${advanced} entries advanced.`, 303);
    } catch (error) {
      if (error instanceof HttpError && error.statusCode === 400) {
        return roundPage(reply.code(400), contest, round, { errors: { [rule.mode === 'top' ? 'count' : 'score']: error.message }, values: form.ok ? form.data : {} });
      }
      throw error;
    }
  });

  // ---- Ranking ----------------------------------------------------------------------------

  async function rankingModel(contest: ScopedContest, round: Round) {
    const [ranking, judges] = await Promise.all([computeRoundRanking(app.db, round), contestJudges(app.db, contest.id)]);
    const entries = new Map(ranking.entries.map((e) => [e.id, e]));
    const scoring = new Set(ranking.judges.map((j) => j.judgeId));
    const panel = judges.filter((j) => scoring.has(j.id));
    const names = new Map(judges.map((j) => [j.id, j.name]));
    return {
      ranking,
      panel,
      rows: ranking.rows.map((r) => ({ ...r, entry: entries.get(r.entryId)! })),
      judgeStats: ranking.judges.map((s) => ({ ...s, name: names.get(s.judgeId) ?? `Judge ${s.judgeId}` })),
    };
  }

  app.get('/manage/contests/:slug/rounds/:position/ranking', access('organiser'), async (request, reply) => {
    const { contest, round } = await loadRound(request);
    const model = await rankingModel(contest, round);
    const t = translator(request.locale);
    const judgeStats = model.judgeStats.map((s) => (s.name === `Judge ${s.judgeId}` ? { ...s, name: t('contests.ranking.judgeN', { id: s.judgeId }) } : s));
    return reply.view('manage/contests/ranking', {
      title: t('contests.ranking.heading', { name: round.name }), contest, round, ...model, judgeStats, disagreementSpread: DISAGREEMENT_SPREAD, round2,
    });
  });

  for (const format of ['csv', 'xlsx'] as const) {
    app.get(`/manage/contests/:slug/rounds/:position/ranking.${format}`, access('organiser'), async (request, reply) => {
      const { contest, round } = await loadRound(request);
      const { rows, panel, ranking } = await rankingModel(contest, round);
      const header = [
        'Rank', 'Normalised rank', 'Rank change', 'Reference', 'Title', 'Entrant', 'Side', 'Score', 'Normalised score', 'Spread',
        'Strong disagreement', 'Tie broken by', 'Judges',
        ...panel.map((j) => `Total: ${j.name}`),
        ...ranking.criteria.map((c) => `Mean: ${c.name}`),
        ...panel.flatMap((j) => ranking.criteria.map((c) => `${j.name}: ${c.name}`)),
      ];
      const lines = rows.map((r): Cell[] => {
        const line = (judgeId: number) => r.judges.find((j) => j.judgeId === judgeId);
        return [
          r.rank, r.normalisedRank, r.rankChange, r.entry.reference, r.entry.title, r.entry.applicant_name, r.entry.side,
          round2(r.score), round2(r.normalisedScore), round2(r.spread), r.disagreement, r.tieBrokenBy, r.judges.length,
          ...panel.map((j) => round2(line(j.id)?.total ?? null)),
          ...r.criterionMeans.map((m) => (r.judges.length ? round2(m) : null)),
          ...panel.flatMap((j) => ranking.criteria.map((c) => line(j.id)?.scores[c.id] ?? null)),
        ];
      });
      const name = `${contest.slug}-${round.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-ranking`;
      if (format === 'csv') {
        return reply.header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.csv"`).send(csvStream(header, lines));
      }
      return reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="${name}.xlsx"`)
        .send(await xlsxStream('Ranking', header.map((h) => ({ header: h })), lines));
    });
  }

  // ---- Awards -----------------------------------------------------------------------------

  async function awardsPage(reply: FastifyReply, contest: ScopedContest, extra: { errors?: FormErrors; values?: Record<string, unknown> } = {}) {
    const [{ round, ordered }, tiers, entries] = await Promise.all([
      finalRanking(app.db, contest), contestTiers(app.db, contest.id), contestEntries(app.db, contest.id),
    ]);
    const byId = new Map(entries.map((e) => [e.id, e]));
    const ranked = ordered.map((r, i) => ({ place: i + 1, score: round.normalise ? r.normalisedScore : r.score, entry: byId.get(r.entryId)! }));
    const unranked = entries.filter((e) => e.status === 'submitted' && !ordered.some((r) => r.entryId === e.id));
    return reply.view('manage/contests/awards', {
      title: translator(reply.request.locale)('contests.awards.title', { title: contest.title }), contest, round, tiers, ranked, unranked, round2,
      granted: tiers.reduce((n, t) => n + t.granted, 0), errors: localiseErrors(reply.request.locale, extra.errors ?? {}), values: extra.values ?? {},
    });
  }

  app.get('/manage/contests/:slug/awards', access('organiser'), async (request, reply) => awardsPage(reply, await loadContest(request)));

  app.post('/manage/contests/:slug/awards/allocate', access('organiser'), async (request, reply) => {
    const contest = await loadContest(request);
    try {
      await allocateFromRanking(app.db, userOf(request), contest);
    } catch (error) {
      // "Close Final before allocating the awards.": the refusal names the round, so it is put in the reader's language here.
      if (error instanceof HttpError) throw new HttpError(error.statusCode, translator(request.locale).text(error.message));
      throw error;
    }
    return reply.redirect(`${base(contest)}/awards`, 303);
  });

  app.post('/manage/contests/:slug/awards/adjust', access('organiser'), async (request, reply) => {
    const contest = await loadContest(request);
    const form = parseForm(adjustForm, request.body);
    if (!form.ok) return awardsPage(reply.code(400), contest, { errors: form.errors, values: form.values });
    const tierId = form.data.tier_id === '' ? null : Number(form.data.tier_id);
    if (tierId !== null && !Number.isInteger(tierId)) return awardsPage(reply.code(400), contest, { errors: { tier_id: 'Choose an award.' }, values: form.data });
    try {
      await adjustAward(app.db, userOf(request), contest, form.data.entry_id, tierId, form.data.reason);
    } catch (error) {
      if (error instanceof HttpError && error.statusCode === 400) return awardsPage(reply.code(400), contest, { errors: { tier_id: error.message }, values: form.data });
      throw error;
    }
    return reply.redirect(`${base(contest)}/awards`, 303);
  });

  app.get('/manage/contests/:slug/certificates/:grantId.pdf', access('organiser'), async (request, reply) => {
    const contest = await loadContest(request);
    const parsed = z.object({ grantId: id }).safeParse(request.params);
    const facts = parsed.success ? await certificateFacts(app.db, { contestId: contest.id, grantId: parsed.data.grantId }) : undefined;
    if (!facts) throw notFound('certificate');
    return sendCertificate(reply, facts);
  });

  app.post('/manage/contests/:slug/publish', access('organiser'), async (request, reply) => {
    const contest = await loadContest(request);
    await publishResults(app.db, userOf(request), contest);
    return reply.redirect(`/contests/${contest.slug}/results`, 303);
  });
}
