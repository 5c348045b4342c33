import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { access } from '../../lib/access.ts';
import { type Cell, csvStream } from '../../lib/csv.ts';
import { attempt } from '../../lib/errors.ts';
import { parseForm } from '../../lib/forms.ts';
import { message } from '../../lib/i18n.ts';
import { xlsxStream } from '../../lib/xlsx.ts';
import { requireUser } from '../auth/plugin.ts';
import { DISAGREEMENT_SPREAD, type TieBreakReason } from '../scoring/engine.ts';
import { computeRoundRanking } from '../scoring/queries.ts';
import type { Site } from '../../lib/site.ts';
import { advanceForm, assignForm, autoAssignForm, hkInput, type PageExtra, roundSettingsForm } from './manage-schemas.ts';
import { contestJudges, contestRounds, roundAssignments } from './queries.ts';
import {
  advanceEntries, assignJudge, autoAssign, openRound, openScoresToJudges, remindRoundJudges, setRoundStatus, updateRoundSettings,
} from './service.ts';

/*
 * One round of a contest (`request.contest`, `request.round`, loaded by the round group): its
 * judges' progress, its assignments, its rules, moving it on, and its ranking.
 */

const roundUrl = (request: FastifyRequest) => `/manage/contests/${request.contest.slug}/rounds/${request.round.position}`;
/** A score as the pages and exports show it, to two decimals. */
export const round2 = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);

/** Rows grouped by a key, each group in the rows' order (one pass: a round holds thousands of assignments). */
function groupBy<T, K>(rows: readonly T[], key: (row: T) => K) {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group) group.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

/** The round page: progress by judge, assignments by entry, and the round's forms. */
export async function roundRoutes(group: FastifyInstance) {
  const site: Site = { baseUrl: group.config.baseUrl, domain: group.mail.domain };
  async function roundPage(request: FastifyRequest, reply: FastifyReply, extra: PageExtra = {}) {
    const { contest, round } = request;
    const [rounds, assignments, judges, entries] = await Promise.all([
      contestRounds(group.db, contest.id), roundAssignments(group.db, round.id), contestJudges(group.db, contest.id),
      group.db.selectFrom('round_entries as re').innerJoin('entries as e', 'e.id', 're.entry_id').where('re.round_id', '=', round.id)
        .select(['e.id', 'e.reference', 'e.title', 'e.applicant_name']).orderBy('e.reference').execute(),
    ]);
    const byJudge = groupBy(assignments, (a) => a.judge_id);
    const byEntryId = groupBy(assignments, (a) => a.entry_id);
    const progress = judges.map((j) => {
      const mine = byJudge.get(j.id) ?? [];
      const count = (status: string) => mine.filter((a) => a.status === status).length;
      return {
        ...j, total: mine.length,
        assigned: count('assigned'), draft: count('draft'), submitted: count('submitted'), conflicted: count('conflicted'),
      };
    });
    const byEntry = entries.map((e) => ({ ...e, assignments: byEntryId.get(e.id) ?? [] }));
    return reply.view('manage/contests/round', {
      title: message('contests.round.title', { round: round.name, contest: contest.title }),
      contest, round, rounds, progress, entries: byEntry, judges, next: rounds.find((r) => r.position === round.position + 1) ?? null,
      errors: extra.errors ?? {},
      values: extra.values ?? {
        aggregation: round.aggregation, normalise: round.normalise, tie_break: round.tie_break, closes_at: hkInput(round.closes_at),
        reminder_hours: String(round.reminder_hours),
        per_entry: '3', mode: 'top',
      },
    });
  }

  group.get('', access('organiser'), async (request, reply) => roundPage(request, reply));

  group.post('/settings', access('organiser'), async (request, reply) => {
    const form = parseForm(roundSettingsForm, request.body);
    if (!form.ok) return roundPage(request, reply.code(400), { errors: form.errors, values: form.values });
    await updateRoundSettings(group.db, requireUser(request), request.contest, request.round.id, form.data);
    return reply.notice('contests.round.done.settings').redirect(roundUrl(request), 303);
  });

  group.post('/open', access('organiser'), async (request, reply) => {
    await openRound(group.db, requireUser(request), site, request.contest, request.round.id);
    return reply.redirect(roundUrl(request), 303);
  });

  group.post('/close', access('organiser'), async (request, reply) => {
    await setRoundStatus(group.db, requireUser(request), site, request.contest, request.round.id, 'closed');
    return reply.redirect(roundUrl(request), 303);
  });

  group.post('/reopen', access('organiser'), async (request, reply) => {
    await setRoundStatus(group.db, requireUser(request), site, request.contest, request.round.id, 'open');
    return reply.redirect(roundUrl(request), 303);
  });

  group.post('/remind', access('organiser'), async (request, reply) => {
    const reminded = await remindRoundJudges(group.db, requireUser(request), site, request.contest, request.round.id);
    return reply.notice(message('contests.round.done.reminded', { n: reminded })).redirect(roundUrl(request), 303);
  });

  group.post('/open-scores', access('organiser'), async (request, reply) => {
    await openScoresToJudges(group.db, requireUser(request), request.contest, request.round.id, true);
    return reply.redirect(roundUrl(request), 303);
  });

  group.post('/hide-scores', access('organiser'), async (request, reply) => {
    await openScoresToJudges(group.db, requireUser(request), request.contest, request.round.id, false);
    return reply.redirect(roundUrl(request), 303);
  });

  group.post('/assign', access('organiser'), async (request, reply) => {
    const form = parseForm(assignForm, request.body);
    if (!form.ok) return roundPage(request, reply.code(400), { errors: { assign: 'contests.errors.assign' } });
    const { entry_id, judge_id } = form.data;
    const user = requireUser(request);
    const assigned = await attempt(() => assignJudge(group.db, user, site, request.contest, request.round.id, entry_id, judge_id));
    if (!assigned.ok) return roundPage(request, reply.code(400), { errors: assigned.errors });
    return reply.notice('contests.round.done.assigned').redirect(roundUrl(request), 303);
  });

  group.post('/auto-assign', access('organiser'), async (request, reply) => {
    const form = parseForm(autoAssignForm, request.body);
    if (!form.ok) return roundPage(request, reply.code(400), { errors: form.errors, values: form.values });
    const plan = await autoAssign(group.db, requireUser(request), site, request.contest, request.round.id, form.data.per_entry);
    const made = plan.assignments.length;
    reply.notice(plan.short.length
      ? message('contests.round.done.autoAssignedShort', { n: made, short: plan.short.length })
      : message('contests.round.done.autoAssigned', { n: made }));
    return reply.redirect(roundUrl(request), 303);
  });

  group.post('/advance', access('organiser'), async (request, reply) => {
    const form = parseForm(advanceForm, request.body);
    if (!form.ok) return roundPage(request, reply.code(400), { errors: form.errors, values: form.values });
    const user = requireUser(request);
    const advanced = await attempt(() => advanceEntries(group.db, user, site, request.contest, request.round.id, form.data));
    if (!advanced.ok) return roundPage(request, reply.code(400), { errors: advanced.errors, values: form.data });
    return reply.notice(message('contests.round.done.advanced', { n: advanced.value })).redirect(roundUrl(request), 303);
  });
}

/** A tie-break for the ranking exports, which are in English. */
const tieBreakInEnglish = (reason: TieBreakReason) =>
  reason.by === 'criterion'
    ? `higher ${reason.criterion}`
    : { consensus: 'closer agreement among judges', earlier: 'earlier entry', reference: 'reference' }[reason.by];

/** The round's ranking, raw and normalised, as a page and as CSV and XLSX exports. */
export async function rankingRoutes(group: FastifyInstance) {
  async function rankingModel(request: FastifyRequest) {
    const [ranking, judges] = await Promise.all([
      computeRoundRanking(group.db, request.round), contestJudges(group.db, request.contest.id),
    ]);
    const entries = new Map(ranking.entries.map((e) => [e.id, e]));
    const scoring = new Set(ranking.judges.map((j) => j.judgeId));
    const names = new Map(judges.map((j) => [j.id, j.name]));
    return {
      ranking,
      panel: judges.filter((j) => scoring.has(j.id)),
      rows: ranking.rows.map((r) => ({ ...r, entry: entries.get(r.entryId)! })),
      judgeStats: ranking.judges.map((s) => ({ ...s, name: names.get(s.judgeId) ?? null })),
    };
  }

  /** The ranking as a table: a line per entry, then each judge's total, each criterion's mean and each judge's scores. */
  async function rankingTable(request: FastifyRequest) {
    const { contest, round } = request;
    const { rows, panel, ranking } = await rankingModel(request);
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
        round2(r.score), round2(r.normalisedScore), round2(r.spread), r.disagreement,
        r.tieBrokenBy && tieBreakInEnglish(r.tieBrokenBy), r.judges.length,
        ...panel.map((j) => round2(line(j.id)?.total ?? null)),
        ...r.criterionMeans.map((m) => (r.judges.length ? round2(m) : null)),
        ...panel.flatMap((j) => ranking.criteria.map((c) => line(j.id)?.scores[c.id] ?? null)),
      ];
    });
    const name = `${contest.slug}-${round.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-ranking`;
    return { name, header, lines };
  }

  group.get('/ranking', access('organiser'), async (request, reply) => {
    const { contest, round } = request;
    return reply.view('manage/contests/ranking', {
      title: message('contests.ranking.heading', { name: round.name }), contest, round, ...(await rankingModel(request)),
      disagreementSpread: DISAGREEMENT_SPREAD, round2,
    });
  });

  group.get('/ranking.csv', access('organiser'), async (request, reply) => {
    const { name, header, lines } = await rankingTable(request);
    return reply.header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}.csv"`).send(csvStream(header, lines));
  });

  group.get('/ranking.xlsx', access('organiser'), async (request, reply) => {
    const { name, header, lines } = await rankingTable(request);
    return reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${name}.xlsx"`)
      .send(await xlsxStream('Ranking', header.map((h) => ({ header: h })), lines));
  });
}
