import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { HttpError, notFound } from '../../lib/errors.ts';
import { cleanText, field, type FormErrors, parseForm } from '../../lib/forms.ts';
import { translator } from '../../lib/i18n.ts';
import type { CurrentUser } from '../auth/service.ts';
import { sendAnonymisedAttachment, sendAttachment } from '../entries/attachments.ts';
import { entryFacts, identitiesOf, withholdIdentities } from '../entries/details.ts';
import { scoreProblem } from '../scoring/engine.ts';
import {
  assignmentsOfJudge, automaticConflict, criteriaWithScores, entryAttachments, type JudgeAssignment, judgeAssignment,
  otherJudgesScores,
} from './queries.ts';
import { declare, type ScoreInput, saveScores } from './service.ts';

const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const attachmentParams = idParams.extend({ attachmentId: z.coerce.number().int().positive().max(2_147_483_647) });

const declarationForm = z.object({
  conflict: field.choice(['none', 'conflict'], 'Choose whether you have a conflict of interest.'),
  reason: z.string().max(1000, 'Keep the reason under 1 000 characters.').optional().default(''),
}).superRefine((v, ctx) => {
  if (v.conflict === 'conflict' && !v.reason) {
    ctx.addIssue({ code: 'custom', path: ['reason'], message: 'Say briefly why you have a conflict of interest.' });
  }
});

const MAX_COMMENT = 4000;

export async function judgingRoutes(app: FastifyInstance) {
  const judgeOf = (request: { user: CurrentUser | null }) => request.user as CurrentUser;
  const parseParams = <S extends z.ZodType>(schema: S, params: unknown): z.output<S> => {
    const parsed = schema.safeParse(params);
    if (!parsed.success) throw notFound('assignment');
    return parsed.data;
  };

  /** Everything the assignment page shows, with the entrant left out of blind contests. */
  async function assignmentPage(a: JudgeAssignment, judgeId: number) {
    const conflicted = a.status === 'conflicted' || automaticConflict(a);
    const opened = !conflicted && a.status !== 'assigned';
    const [criteria, attachments, others] = await Promise.all([
      criteriaWithScores(app.db, a.round_id, a.id),
      opened ? entryAttachments(app.db, a.entry_id) : Promise.resolve([]),
      opened && a.round_status === 'closed' && a.scores_open_to_judges
        ? otherJudgesScores(app.db, a.round_id, a.entry_id, judgeId)
        : Promise.resolve([]),
    ]);
    const entry = {
      reference: a.reference,
      title: a.title,
      category: a.category_name,
      summary: !opened ? '' : a.blind ? withholdIdentities(a.summary, identitiesOf(a.applicant_name, a.details)) : a.summary,
      facts: opened ? entryFacts(a.details, a.blind) : [],
      applicant: a.blind ? null : a.applicant_name,
      side: a.blind ? null : a.side,
      attachments: attachments.map((f, i) => ({ id: f.id, name: a.blind ? `${a.reference}-${i + 1}.pdf` : f.filename, size: f.size_bytes })),
    };
    return { assignment: a, entry, criteria, others, conflicted, automatic: automaticConflict(a), opened };
  }
  const load = async (judge: CurrentUser, id: number) => {
    const a = await judgeAssignment(app.db, judge.id, id);
    if (!a) throw notFound('assignment');
    return a;
  };

  type PageExtras = { errors?: FormErrors; values?: Record<string, unknown>; saved?: string };
  const render = async (reply: FastifyReply, judge: CurrentUser, a: JudgeAssignment, extra: PageExtras = {}) =>
    reply.view('judging/assignment', {
      title: `${a.reference}: ${a.title}`,
      ...(await assignmentPage(a, judge.id)),
      errors: extra.errors ?? {},
      values: extra.values ?? null,
      saved: extra.saved ?? null,
    });

  app.get('/judging', access('judge'), async (request, reply) => {
    const assignments = await assignmentsOfJudge(app.db, judgeOf(request).id);
    return reply.view('judging/index', { title: 'Your assignments', assignments });
  });

  app.get('/judging/assignments/:id', access('judge'), async (request, reply) => {
    const judge = judgeOf(request);
    const a = await load(judge, parseParams(idParams, request.params).id);
    const saved = (request.query as Record<string, string | undefined>).saved;
    return render(reply, judge, a, { saved: saved === 'draft' || saved === 'submitted' || saved === 'declared' ? saved : undefined });
  });

  app.post('/judging/assignments/:id/declaration', access('judge'), async (request, reply) => {
    const judge = judgeOf(request);
    const a = await load(judge, parseParams(idParams, request.params).id);
    const form = parseForm(declarationForm, request.body);
    if (!form.ok) return render(reply.code(400), judge, a, { errors: form.errors, values: form.values });
    const outcome = await declare(app.db, judge, a.id,
      form.data.conflict === 'none' ? { conflict: false } : { conflict: true, reason: form.data.reason });
    if (outcome === 'automatic') {
      return render(reply.code(400), judge, a, {
        errors: { conflict: 'You cannot declare no conflict: your organisation is a party to this entry, so you are conflicted automatically.' },
        values: form.data,
      });
    }
    return reply.redirect(`/judging/assignments/${a.id}?saved=declared`, 303);
  });

  app.post('/judging/assignments/:id', access('judge'), async (request, reply) => {
    const judge = judgeOf(request);
    const a = await load(judge, parseParams(idParams, request.params).id);
    const criteria = await criteriaWithScores(app.db, a.round_id, a.id);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const submit = body.action === 'submit';
    // Messages naming a criterion are written here in the reader's language, the criterion's name too.
    const t = translator(request.locale);
    const errors: FormErrors = {};
    const values: Record<string, string> = {};
    const inputs: ScoreInput[] = criteria.map((c) => {
      const rawScore = typeof body[`score-${c.id}`] === 'string' ? cleanText(body[`score-${c.id}`] as string) : '';
      const comment = typeof body[`comment-${c.id}`] === 'string' ? cleanText(body[`comment-${c.id}`] as string) : '';
      values[`score-${c.id}`] = rawScore;
      values[`comment-${c.id}`] = comment;
      let score: number | null = null;
      if (rawScore === '') {
        if (submit) errors[`score-${c.id}`] = t('account.assignment.scoreMissing', { criterion: request.local(c, 'name') });
      } else if (!/^\d+(\.\d+)?$/.test(rawScore)) {
        errors[`score-${c.id}`] = t('account.assignment.scoreNotNumber', { criterion: request.local(c, 'name'), max: c.max_score });
      } else {
        score = Number(rawScore);
        const problem = scoreProblem(score, { max: c.max_score, step: c.step });
        if (problem) {
          errors[`score-${c.id}`] = score > c.max_score
            ? t('account.assignment.scoreRange', { criterion: c.name, max: c.max_score })
            : t('account.assignment.scoreStep', { criterion: c.name, step: c.step });
        }
      }
      if (comment.length > MAX_COMMENT) errors[`comment-${c.id}`] = t('account.assignment.commentLong', { criterion: c.name });
      return { criterionId: c.id, score, comment };
    });
    if (Object.keys(errors).length > 0) return render(reply.code(400), judge, a, { errors, values });
    await saveScores(app.db, judge, a.id, inputs, submit);
    return reply.redirect(`/judging/assignments/${a.id}?saved=${submit ? 'submitted' : 'draft'}`, 303);
  });

  app.get('/judging/assignments/:id/attachments/:attachmentId', access('judge'), async (request, reply) => {
    const { id, attachmentId } = parseParams(attachmentParams, request.params);
    const a = await load(judgeOf(request), id);
    if (a.status === 'assigned' || a.status === 'conflicted' || automaticConflict(a)) throw notFound('attachment');
    const files = await entryAttachments(app.db, a.entry_id);
    const index = files.findIndex((f) => f.id === attachmentId);
    const file = files[index];
    if (!file) throw notFound('attachment');
    if (!a.blind) return sendAttachment(reply, app.config.dataDir, file, file.filename);
    // Blind: neither the name nor the metadata inside the file may identify the entrant.
    const sent = await sendAnonymisedAttachment(reply, app.config.dataDir, file, `${a.reference}-${index + 1}.pdf`);
    if (!sent) throw new HttpError(409, 'This file cannot be shown without revealing who sent it. Ask the organisers for a copy without names.');
    return sent;
  });
}
