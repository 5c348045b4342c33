import { sql } from 'kysely';
import type { Database, Executor } from '../../db/index.ts';
import type { TieBreak } from '../../db/types.ts';
import { Refusal } from '../../lib/errors.ts';
import { message } from '../../lib/i18n.ts';
import { changedFields, recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { type Aggregation, allocateAwards, planAssignments } from '../scoring/engine.ts';
import { computeRoundRanking, type RoundRanking } from '../scoring/queries.ts';
import { emitWebhook } from '../webhooks/events.ts';
import { issueAwards } from '../certificates/service.ts';
import type { Site } from '../../lib/site.ts';
import {
  mailAdvanced, mailAssignments, mailResults, mailRoundClosed, mailRoundOpened, remindJudges, syncJudgeReminder,
} from './notices.ts';
import { conflictedPairs, type Round, type ScopedContest } from './queries.ts';

/*
 * What organisers do to a contest they have in scope. The caller has already loaded the
 * contest through the organiser's scope; each operation runs in one transaction, re-reads what
 * it changes under a lock, and writes the audit log. A refusal of what an organiser typed is a
 * form refusal, named by the field it belongs beside; one the contest's state forbids is a conflict.
 */

async function lockedRound(trx: Executor, contest: ScopedContest, roundId: number) {
  const round = await trx.selectFrom('contest_rounds').selectAll().where('id', '=', roundId).where('contest_id', '=', contest.id)
    .forUpdate().executeTakeFirst();
  if (!round) throw Refusal.notFound('contests.errors.roundNotFound');
  return round;
}

export type ContestSettings = {
  blind: boolean; confirm_email: boolean; status: 'draft' | 'open' | 'judging' | 'closed';
  entry_opens_at: Date | null; entry_closes_at: Date | null;
};

export async function updateContestSettings(db: Database, user: CurrentUser, contest: ScopedContest, settings: ContestSettings) {
  await db.transaction().execute(async (trx) => {
    const diff = changedFields(contest, settings);
    if (Object.keys(diff).length === 0) return;
    await trx.updateTable('contests').set(settings).where('id', '=', contest.id).execute();
    await recordAudit(trx, user.id, 'update', 'contest', contest.id, diff, contest.item_id);
  });
}

export async function addJudgeToPanel(db: Database, user: CurrentUser, contest: ScopedContest, judgeId: number) {
  await db.transaction().execute(async (trx) => {
    const judge = await trx.selectFrom('users').select(['id', 'email']).where('id', '=', judgeId).where('role', '=', 'judge')
      .where('disabled_at', 'is', null).executeTakeFirst();
    if (!judge) throw Refusal.form({ judge_id: 'contests.errors.judgeAccount' });
    const added = await trx.insertInto('contest_judges').values({ contest_id: contest.id, user_id: judge.id })
      .onConflict((oc) => oc.doNothing()).executeTakeFirst();
    if (Number(added.numInsertedOrUpdatedRows ?? 0) > 0) {
      await recordAudit(trx, user.id, 'add_judge', 'contest', contest.id, { judge: { from: null, to: judge.email } }, contest.item_id);
    }
  });
}

export type RoundSettings = {
  aggregation: Aggregation; normalise: boolean; tie_break: TieBreak; closes_at: Date | null; reminder_hours: number;
};

export async function updateRoundSettings(
  db: Database, user: CurrentUser, contest: ScopedContest, roundId: number, settings: RoundSettings,
) {
  await db.transaction().execute(async (trx) => {
    const round = await lockedRound(trx, contest, roundId);
    const diff = changedFields(round, settings);
    if (Object.keys(diff).length === 0) return;
    await trx.updateTable('contest_rounds').set(settings).where('id', '=', round.id).execute();
    await recordAudit(trx, user.id, 'update', 'round', round.id, diff, contest.item_id);
    await syncJudgeReminder(trx, round.id);
  });
}

/** Opens a pending round; the first round takes every submitted entry of the contest. Its judges are told. */
export async function openRound(db: Database, user: CurrentUser, site: Site, contest: ScopedContest, roundId: number) {
  await db.transaction().execute(async (trx) => {
    const round = await lockedRound(trx, contest, roundId);
    if (round.status !== 'pending') throw Refusal.conflict('contests.errors.openPending');
    const criterion = await trx.selectFrom('criteria').select('id').where('round_id', '=', round.id).executeTakeFirst();
    if (!criterion) throw Refusal.conflict('contests.errors.criteriaFirst');
    if (round.position === 1) {
      await trx.insertInto('round_entries')
        .columns(['round_id', 'entry_id'])
        .expression(trx.selectFrom('entries').select([sql<number>`${round.id}::int`.as('round_id'), 'id'])
          // Pending entries (email not yet confirmed) never reach the judges.
          .where('contest_id', '=', contest.id).where('status', '=', 'submitted').where('confirm_by', 'is', null))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    await trx.updateTable('contest_rounds').set({ status: 'open' }).where('id', '=', round.id).execute();
    if (contest.status === 'open' || contest.status === 'draft') {
      await trx.updateTable('contests').set({ status: 'judging' }).where('id', '=', contest.id).execute();
    }
    await recordAudit(trx, user.id, 'open_round', 'round', round.id, { status: { from: 'pending', to: 'open' } }, contest.item_id);
    await mailRoundOpened(trx, site, round.id);
    await syncJudgeReminder(trx, round.id);
  });
}

async function checkAssignable(trx: Executor, contest: ScopedContest, round: Round, entryId: number, judgeId: number) {
  if (round.status === 'closed') throw Refusal.conflict('account.assignment.roundClosed');
  const inRound = await trx.selectFrom('round_entries').select('entry_id').where('round_id', '=', round.id)
    .where('entry_id', '=', entryId).executeTakeFirst();
  if (!inRound) throw Refusal.form({ assign: 'contests.errors.entryNotInRound' });
  const onPanel = await trx.selectFrom('contest_judges').select('user_id').where('contest_id', '=', contest.id)
    .where('user_id', '=', judgeId).executeTakeFirst();
  if (!onPanel) throw Refusal.form({ assign: 'contests.errors.judgeNotOnPanel' });
  if ((await conflictedPairs(trx, contest.id)).has(`${entryId}:${judgeId}`)) {
    throw Refusal.form({ assign: 'contests.errors.judgeConflict' });
  }
}

/** One judge for one entry; in an open round the judge is told (once, or of entries added since). */
export async function assignJudge(
  db: Database, user: CurrentUser, site: Site, contest: ScopedContest, roundId: number, entryId: number, judgeId: number,
) {
  await db.transaction().execute(async (trx) => {
    const round = await lockedRound(trx, contest, roundId);
    await checkAssignable(trx, contest, round, entryId, judgeId);
    const row = await trx.insertInto('assignments').values({ round_id: round.id, entry_id: entryId, judge_id: judgeId })
      .onConflict((oc) => oc.doNothing()).returning('id').executeTakeFirst();
    if (!row) throw Refusal.form({ assign: 'contests.errors.alreadyAssigned' });
    await recordAudit(trx, user.id, 'assign', 'assignment', row.id,
      { entry_id: { from: null, to: entryId }, judge_id: { from: null, to: judgeId } }, contest.item_id);
    await mailAssignments(trx, site, round.id);
  });
}

/** Assigns judges until every entry has `perEntry`, balanced and never to a conflicted pair. */
export async function autoAssign(
  db: Database, user: CurrentUser, site: Site, contest: ScopedContest, roundId: number, perEntry: number,
) {
  return db.transaction().execute(async (trx) => {
    const round = await lockedRound(trx, contest, roundId);
    if (round.status === 'closed') throw Refusal.conflict('account.assignment.roundClosed');
    const [entries, judges, existing, conflicts] = await Promise.all([
      trx.selectFrom('round_entries').select('entry_id').where('round_id', '=', round.id).orderBy('entry_id').execute(),
      trx.selectFrom('contest_judges').select('user_id').where('contest_id', '=', contest.id).orderBy('user_id').execute(),
      trx.selectFrom('assignments').select(['entry_id', 'judge_id', 'status']).where('round_id', '=', round.id).execute(),
      conflictedPairs(trx, contest.id),
    ]);
    const plan = planAssignments({
      entryIds: entries.map((e) => e.entry_id),
      judgeIds: judges.map((j) => j.user_id),
      perEntry,
      existing: existing.filter((a) => a.status !== 'conflicted').map((a) => ({ entryId: a.entry_id, judgeId: a.judge_id })),
      conflicted: (entryId, judgeId) =>
        conflicts.has(`${entryId}:${judgeId}`) || existing.some((a) => a.entry_id === entryId && a.judge_id === judgeId),
    });
    if (plan.assignments.length) {
      await trx.insertInto('assignments')
        .values(plan.assignments.map((a) => ({ round_id: round.id, entry_id: a.entryId, judge_id: a.judgeId })))
        .execute();
    }
    await recordAudit(trx, user.id, 'auto_assign', 'round', round.id, {
      assignments: { from: existing.length, to: existing.length + plan.assignments.length },
      judges_per_entry: { from: null, to: perEntry },
    }, contest.item_id);
    // One mail per judge for the whole batch, however many entries it gave them.
    await mailAssignments(trx, site, round.id);
    return plan;
  });
}

/** Unlocks a submitted sheet so its judge can change it. */
export async function reopenAssignment(db: Database, user: CurrentUser, contest: ScopedContest, assignmentId: number) {
  await db.transaction().execute(async (trx) => {
    const a = await trx.selectFrom('assignments as a').innerJoin('contest_rounds as r', 'r.id', 'a.round_id')
      .where('a.id', '=', assignmentId).where('r.contest_id', '=', contest.id)
      .select(['a.id', 'a.status', 'r.status as round_status']).forUpdate('a').executeTakeFirst();
    if (!a) throw Refusal.notFound('account.assignment.notFound');
    if (a.status !== 'submitted') throw Refusal.conflict('contests.errors.reopenSubmitted');
    if (a.round_status !== 'open') throw Refusal.conflict('contests.errors.reopenRoundFirst');
    await trx.updateTable('assignments').set({ status: 'draft', submitted_at: null }).where('id', '=', a.id).execute();
    await recordAudit(trx, user.id, 'reopen', 'assignment', a.id, { status: { from: 'submitted', to: 'draft' } }, contest.item_id);
  });
}

/** Closes an open round (its judges are told) or reopens a closed one. */
export async function setRoundStatus(
  db: Database, user: CurrentUser, site: Site, contest: ScopedContest, roundId: number, status: 'open' | 'closed',
) {
  await db.transaction().execute(async (trx) => {
    const round = await lockedRound(trx, contest, roundId);
    const allowed = status === 'closed' ? round.status === 'open' : round.status === 'closed';
    if (!allowed) throw Refusal.conflict(status === 'closed' ? 'contests.errors.closeOpen' : 'contests.errors.reopenClosed');
    if (status === 'open') {
      const next = await trx.selectFrom('round_entries as re').innerJoin('contest_rounds as r', 'r.id', 're.round_id')
        .where('r.contest_id', '=', contest.id).where('r.position', '>', round.position).select('re.entry_id').executeTakeFirst();
      if (next) throw Refusal.conflict('contests.errors.advancedAlready');
    }
    await trx.updateTable('contest_rounds').set({ status, ...(status === 'open' ? { scores_open_to_judges: false } : {}) })
      .where('id', '=', round.id).execute();
    await recordAudit(trx, user.id, status === 'closed' ? 'close_round' : 'reopen_round', 'round', round.id,
      { status: { from: round.status, to: status } }, contest.item_id);
    if (status === 'closed') await mailRoundClosed(trx, site, round.id);
    await syncJudgeReminder(trx, round.id);
  });
}

/** Reminds the judges of an open round who have unfinished sheets, now; returns how many were reminded. */
export async function remindRoundJudges(db: Database, user: CurrentUser, site: Site, contest: ScopedContest, roundId: number) {
  return db.transaction().execute(async (trx) => {
    const round = await lockedRound(trx, contest, roundId);
    if (round.status !== 'open') throw Refusal.conflict('contests.errors.remindOpen');
    const reminded = await remindJudges(trx, round.id, site);
    await recordAudit(trx, user.id, 'remind_judges', 'round', round.id, { reminded: { from: null, to: reminded } }, contest.item_id);
    return reminded;
  });
}

export async function openScoresToJudges(db: Database, user: CurrentUser, contest: ScopedContest, roundId: number, open: boolean) {
  await db.transaction().execute(async (trx) => {
    const round = await lockedRound(trx, contest, roundId);
    if (open && round.status !== 'closed') throw Refusal.conflict('contests.errors.scoresAfterClose');
    await trx.updateTable('contest_rounds').set({ scores_open_to_judges: open }).where('id', '=', round.id).execute();
    await recordAudit(trx, user.id, 'update', 'round', round.id,
      { scores_open_to_judges: { from: round.scores_open_to_judges, to: open } }, contest.item_id);
  });
}

/** The order a round's ranking decides: normalised when the round says so, raw otherwise. */
export function decidingOrder(ranking: RoundRanking, normalise: boolean) {
  const key = normalise ? 'normalisedRank' : 'rank';
  return ranking.rows.filter((r) => r[key] !== null).sort((a, b) => (a[key] as number) - (b[key] as number));
}

export type Advance = { mode: 'top'; count: number } | { mode: 'threshold'; score: number };

/**
 * Sends the best entries of a closed round on to the next: the top N, or all at or above a score.
 * Every entrant of the round is told whether theirs goes on; the panel, that the next round is open.
 */
export async function advanceEntries(db: Database, user: CurrentUser, site: Site, contest: ScopedContest, roundId: number, rule: Advance) {
  return db.transaction().execute(async (trx) => {
    const round = await lockedRound(trx, contest, roundId);
    if (round.status !== 'closed') throw Refusal.conflict('contests.errors.closeBeforeAdvance');
    const next = await trx.selectFrom('contest_rounds').selectAll().where('contest_id', '=', contest.id)
      .where('position', '=', round.position + 1).forUpdate().executeTakeFirst();
    if (!next) throw Refusal.conflict('contests.errors.lastRound');
    const already = await trx.selectFrom('round_entries').select('entry_id').where('round_id', '=', next.id).executeTakeFirst();
    if (already) throw Refusal.conflict(message('contests.errors.advancedTo', { name: next.name }));
    const ranking = await computeRoundRanking(trx, round);
    const ordered = decidingOrder(ranking, round.normalise);
    const scoreOf = (r: (typeof ordered)[number]) => (round.normalise ? r.normalisedScore : r.score) as number;
    const chosen = rule.mode === 'top' ? ordered.slice(0, rule.count) : ordered.filter((r) => scoreOf(r) >= rule.score - 1e-9);
    if (chosen.length === 0) throw Refusal.form({ [rule.mode === 'top' ? 'count' : 'score']: 'contests.errors.noEntryMeets' });
    await trx.insertInto('round_entries').values(chosen.map((r) => ({ round_id: next.id, entry_id: r.entryId }))).execute();
    await trx.updateTable('contest_rounds').set({ status: 'open' }).where('id', '=', next.id).execute();
    await recordAudit(trx, user.id, 'advance', 'round', round.id,
      { rule: { from: null, to: rule }, advanced: { from: null, to: chosen.map((r) => r.reference) } }, contest.item_id);
    await mailAdvanced(trx, site, contest, round, next, new Set(chosen.map((r) => r.entryId)));
    await mailRoundOpened(trx, site, next.id);
    await syncJudgeReminder(trx, next.id);
    return chosen.length;
  });
}

async function finalRound(trx: Executor, contest: ScopedContest) {
  const round = await trx.selectFrom('contest_rounds').selectAll().where('contest_id', '=', contest.id)
    .orderBy('position', 'desc').limit(1).executeTakeFirst();
  if (!round) throw Refusal.conflict('contests.errors.noRounds');
  return round;
}

/** The final round's ranking, in the order that decides the awards. */
export async function finalRanking(db: Executor, contest: ScopedContest) {
  const round = await finalRound(db, contest);
  const ranking = await computeRoundRanking(db, round);
  return { round, ranking, ordered: decidingOrder(ranking, round.normalise) };
}

/** Grants the awards from the final ranking, each tier up to its quota. Only once: later changes are adjustments. */
export async function allocateFromRanking(db: Database, user: CurrentUser, contest: ScopedContest) {
  return db.transaction().execute(async (trx) => {
    await trx.selectFrom('contests').select('id').where('id', '=', contest.id).forUpdate().execute();
    const { round, ordered } = await finalRanking(trx, contest);
    if (round.status !== 'closed') throw Refusal.conflict(message('contests.errors.closeBeforeAllocating', { round: round.name }));
    const granted = await trx.selectFrom('award_grants as g').innerJoin('award_tiers as t', 't.id', 'g.tier_id')
      .where('t.contest_id', '=', contest.id).select('g.id').executeTakeFirst();
    if (granted) throw Refusal.conflict('contests.errors.allocated');
    const tiers = await trx.selectFrom('award_tiers').select(['id', 'code', 'rank', 'quota']).where('contest_id', '=', contest.id)
      .execute();
    const grants = allocateAwards(ordered.map((r) => r.entryId), tiers);
    if (grants.length === 0) throw Refusal.conflict('contests.errors.nothingToAllocate');
    await trx.insertInto('award_grants')
      .values(grants.map((g) => ({ tier_id: g.tierId, entry_id: g.entryId, granted_by: user.id, reason: `Ranked in ${round.name}` })))
      .execute();
    await recordAudit(trx, user.id, 'allocate_awards', 'contest', contest.id, { awards: { from: 0, to: grants.length } }, contest.item_id);
    return grants.length;
  });
}

/** Grants, changes or withdraws one entry's award, within the tier's quota, with the reason logged. */
export async function adjustAward(
  db: Database, user: CurrentUser, contest: ScopedContest, entryId: number, tierId: number | null, reason: string,
) {
  await db.transaction().execute(async (trx) => {
    await trx.selectFrom('contests').select('id').where('id', '=', contest.id).forUpdate().execute();
    const entry = await trx.selectFrom('entries').select(['id', 'reference']).where('id', '=', entryId)
      .where('contest_id', '=', contest.id).where('status', '=', 'submitted').where('confirm_by', 'is', null).executeTakeFirst();
    if (!entry) throw Refusal.form({ entry_id: 'contests.errors.entryOfContest' });
    const current = await trx.selectFrom('award_grants as g').innerJoin('award_tiers as t', 't.id', 'g.tier_id')
      .where('g.entry_id', '=', entry.id).select(['g.id', 't.id as tier_id', 't.code']).executeTakeFirst();
    if ((current?.tier_id ?? null) === tierId) return;
    let tierCode: string | null = null;
    if (tierId !== null) {
      const tier = await trx.selectFrom('award_tiers as t').where('t.id', '=', tierId).where('t.contest_id', '=', contest.id)
        .select([
          't.id', 't.code', 't.name', 't.quota',
          sql<number>`(select count(*) from award_grants g where g.tier_id = t.id)::int`.as('granted'),
        ])
        .executeTakeFirst();
      if (!tier) throw Refusal.form({ tier_id: 'contests.errors.awardOfContest' });
      if (tier.quota !== null && tier.granted >= tier.quota) {
        throw Refusal.form({ tier_id: message('contests.errors.quotaTaken', { quota: tier.quota, tier: tier.name }) });
      }
      tierCode = tier.code;
    }
    if (current) await trx.deleteFrom('award_grants').where('id', '=', current.id).execute();
    if (tierId !== null) {
      await trx.insertInto('award_grants').values({ tier_id: tierId, entry_id: entry.id, granted_by: user.id, reason }).execute();
    }
    await recordAudit(trx, user.id, 'adjust_award', 'entry', entry.id,
      { award: { from: current?.code ?? null, to: tierCode }, reason: { from: null, to: reason } }, contest.item_id);
  });
}

/** Publishes the results: certificates are issued, winners told their award, every other entrant thanked. */
export async function publishResults(db: Database, user: CurrentUser, site: Site, contest: ScopedContest) {
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('contests').select(['id', 'results_published_at', 'status']).where('id', '=', contest.id)
      .forUpdate().executeTakeFirstOrThrow();
    if (row.results_published_at) throw Refusal.conflict('contests.errors.published');
    const granted = await trx.selectFrom('award_grants as g').innerJoin('award_tiers as t', 't.id', 'g.tier_id')
      .where('t.contest_id', '=', contest.id).select('g.id').executeTakeFirst();
    if (!granted) throw Refusal.conflict('contests.errors.allocateFirst');
    const now = new Date();
    await trx.updateTable('contests').set({ results_published_at: now, status: 'closed' }).where('id', '=', contest.id).execute();
    await issueAwards(trx, contest.id);
    await mailResults(trx, site, contest);
    await emitWebhook(trx, 'results.published', contest.id);
    await recordAudit(trx, user.id, 'publish_results', 'contest', contest.id,
      { results_published_at: { from: null, to: now.toISOString() }, status: { from: row.status, to: 'closed' } }, contest.item_id);
  });
}

type EntryWindow = { status: string; entry_opens_at: Date | null; entry_closes_at: Date | null };

/** Entries are taken (and edited) while the contest is open and its window has not closed. */
export function entryWindowOpen(contest: EntryWindow, now = new Date()) {
  return contest.status === 'open'
    && (contest.entry_opens_at === null || contest.entry_opens_at <= now)
    && (contest.entry_closes_at === null || contest.entry_closes_at > now);
}
