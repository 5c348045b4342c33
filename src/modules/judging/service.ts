import { sql } from 'kysely';
import type { Database } from '../../db/index.ts';
import { HttpError, notFound } from '../../lib/errors.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { automaticConflict, judgeAssignment } from './queries.ts';

export type Declaration = { conflict: false } | { conflict: true; reason: string };

/**
 * A judge's declaration before an entry opens to them: no conflict (the entry opens, the
 * assignment becomes a draft) or a conflict with its reason. No declaration lifts an
 * automatic conflict. Returns 'automatic' when the judge tried to.
 */
export async function declare(db: Database, judge: CurrentUser, assignmentId: number, declaration: Declaration) {
  return db.transaction().execute(async (trx) => {
    const a = await judgeAssignment(trx, judge.id, assignmentId);
    if (!a) throw notFound('assignment');
    if (a.round_status !== 'open') throw new HttpError(409, 'This round is not open for judging.');
    if (a.status === 'submitted') throw new HttpError(409, 'You have already submitted your scores for this entry.');
    if (a.status === 'conflicted') throw new HttpError(409, 'You have already declared a conflict for this entry.');
    if (!declaration.conflict && automaticConflict(a)) return 'automatic' as const;
    if (!declaration.conflict && a.status === 'draft') return 'ok' as const;
    const status = declaration.conflict ? 'conflicted' : 'draft';
    const reason = declaration.conflict ? declaration.reason : null;
    await trx.updateTable('assignments').set({ status, conflict_reason: reason }).where('id', '=', a.id).execute();
    await recordAudit(trx, judge.id, declaration.conflict ? 'declare_conflict' : 'declare_no_conflict', 'assignment', a.id,
      { status: { from: a.status, to: status }, ...(reason ? { conflict_reason: { from: null, to: reason } } : {}) }, a.item_id);
    return 'ok' as const;
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
    if (!a) throw notFound('assignment');
    const current = await judgeAssignment(trx, judge.id, assignmentId);
    if (!current) throw notFound('assignment');
    if (current.round_status !== 'open') throw new HttpError(409, 'This round is not open for judging.');
    if (automaticConflict(current) || current.status === 'conflicted') {
      throw new HttpError(409, 'You have a conflict of interest with this entry and cannot score it.');
    }
    if (current.status === 'assigned') throw new HttpError(409, 'Declare whether you have a conflict of interest first.');
    if (current.status === 'submitted') {
      throw new HttpError(409, 'Your scores for this entry are submitted and locked. Ask the organisers to reopen them.');
    }
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
