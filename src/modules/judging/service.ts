import { sql } from 'kysely';
import type { Database } from '../../db/index.ts';
import { Refusal } from '../../lib/errors.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { automaticConflict, judgeAssignment } from './queries.ts';

export type Declaration = { conflict: false } | { conflict: true; reason: string };

/**
 * A judge's declaration before an entry opens to them: no conflict (the entry opens, the
 * assignment becomes a draft) or a conflict with its reason. No declaration lifts an
 * automatic conflict: declaring none then is refused beside the choice.
 */
export async function declare(db: Database, judge: CurrentUser, assignmentId: number, declaration: Declaration) {
  return db.transaction().execute(async (trx) => {
    const a = await judgeAssignment(trx, judge.id, assignmentId);
    if (!a) throw Refusal.notFound('account.assignment.notFound');
    if (a.round_status !== 'open') throw Refusal.conflict('account.assignment.roundNotOpenForJudging');
    if (a.status === 'submitted') throw Refusal.conflict('account.assignment.alreadySubmitted');
    if (a.status === 'conflicted') throw Refusal.conflict('account.assignment.alreadyConflicted');
    if (!declaration.conflict && automaticConflict(a)) throw Refusal.form({ conflict: 'account.assignment.cannotDeclareNone' });
    if (!declaration.conflict && a.status === 'draft') return;
    const status = declaration.conflict ? 'conflicted' : 'draft';
    const reason = declaration.conflict ? declaration.reason : null;
    await trx.updateTable('assignments').set({ status, conflict_reason: reason }).where('id', '=', a.id).execute();
    await recordAudit(trx, judge.id, declaration.conflict ? 'declare_conflict' : 'declare_no_conflict', 'assignment', a.id,
      { status: { from: a.status, to: status }, ...(reason ? { conflict_reason: { from: null, to: reason } } : {}) }, a.item_id);
  });
}

export type ScoreInput = { criterionId: number; score: number | null; comment: string };

/**
 * Stores a judge's scores as a draft or submits them (every criterion scored; the sheet then
 * locks until organisers reopen it). Ranges and steps are checked by the caller; the state of
 * the assignment and round is checked here, in the transaction that writes.
 */
export async function saveScores(db: Database, judge: CurrentUser, assignmentId: number, inputs: ScoreInput[], submit: boolean) {
  return db.transaction().execute(async (trx) => {
    const a = await trx.selectFrom('assignments').select('id').where('id', '=', assignmentId).where('judge_id', '=', judge.id)
      .forUpdate().executeTakeFirst();
    if (!a) throw Refusal.notFound('account.assignment.notFound');
    const current = await judgeAssignment(trx, judge.id, assignmentId);
    if (!current) throw Refusal.notFound('account.assignment.notFound');
    if (current.round_status !== 'open') throw Refusal.conflict('account.assignment.roundNotOpenForJudging');
    if (automaticConflict(current) || current.status === 'conflicted') throw Refusal.conflict('account.assignment.conflictedCannotScore');
    if (current.status === 'assigned') throw Refusal.conflict('account.assignment.declareFirst');
    if (current.status === 'submitted') throw Refusal.conflict('account.assignment.submittedLocked');
    const now = new Date();
    for (const input of inputs) {
      await trx
        .insertInto('scores')
        .values({ assignment_id: a.id, criterion_id: input.criterionId, score: input.score, comment: input.comment, updated_at: now })
        .onConflict((oc) => oc.columns(['assignment_id', 'criterion_id']).doUpdateSet({
          score: sql`excluded.score`, comment: sql`excluded.comment`, updated_at: sql`excluded.updated_at`,
        }))
        .execute();
    }
    if (submit) {
      await trx.updateTable('assignments').set({ status: 'submitted', submitted_at: now }).where('id', '=', a.id).execute();
    }
    await recordAudit(trx, judge.id, submit ? 'submit_scores' : 'save_scores', 'assignment', a.id,
      { scores: { from: null, to: Object.fromEntries(inputs.map((i) => [i.criterionId, i.score])) } }, current.item_id);
  });
}
