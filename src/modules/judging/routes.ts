import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { refuseWriteInArchivedYear } from '../../lib/archive.ts';
import { attempt, Refusal } from '../../lib/errors.ts';
import { field, type FormErrors, parseForm, textOf } from '../../lib/forms.ts';
import { message, translator, verbatim } from '../../lib/i18n.ts';
import { idParam, idParams, readParams } from '../../lib/params.ts';
import { requireUser } from '../auth/plugin.ts';
import { sendAnonymisedAttachment, sendAttachment, sendStoredFile } from '../../lib/pdf-files.ts';
import { entryFacts, identitiesOf, withholdIdentities } from '../entries/details.ts';
import { scoreProblem } from '../scoring/engine.ts';
import {
  assignmentsOfJudge, automaticConflict, criteriaWithScores, deadlinesOfJudge, entryAttachments, type JudgeAssignment, judgeAssignment,
  otherJudgesScores,
} from './queries.ts';
import { declare, type ScoreInput, saveScores } from './service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in judge's own assignment named in the address: set for the routes under /judging/assignments/:id. */
    assignment: JudgeAssignment;
  }
}

const MAX_REASON = 1000;
const MAX_COMMENT = 4000;

const declarationForm = z.object({
  conflict: field.choice(['none', 'conflict'], 'account.assignment.chooseConflict'),
  reason: z.string().max(MAX_REASON, 'account.assignment.reasonLong').optional().default(''),
}).superRefine((v, ctx) => {
  if (v.conflict === 'conflict' && !v.reason) {
    ctx.addIssue({ code: 'custom', path: ['reason'], message: 'account.assignment.reasonMissing' });
  }
});

/** The assignment's own `:id` is read by the group; this is what its attachment route adds. */
const attachmentParams = z.object({ attachmentId: idParam });

/** What a redirect back to the assignment page says was done (`?saved=`). */
const SAVED = ['draft', 'submitted', 'declared'] as const;

type Criterion = Awaited<ReturnType<typeof criteriaWithScores>>[number];

export async function judgingRoutes(app: FastifyInstance) {
  app.get('/judging', access('judge'), async (request, reply) => {
    const judgeId = requireUser(request).id;
    const [assignments, deadlines] = await Promise.all([assignmentsOfJudge(app.db, judgeId), deadlinesOfJudge(app.db, judgeId)]);
    const now = Date.now();
    return reply.view('judging/index', {
      title: 'account.judging.title', assignments,
      deadlines: deadlines.map((d) => ({ ...d, left: d.closes_at ? timeLeft(d.closes_at.getTime() - now) : null })),
    });
  });

  await app.register(assignmentRoutes, { prefix: '/judging/assignments/:id' });
}

/**
 * One assignment: its page, the conflict declaration, the scores and the entry's files. The
 * judge's own assignment is loaded once for all of them; anyone else's, or a guessed id, is not
 * found.
 */
async function assignmentRoutes(group: FastifyInstance) {
  group.decorateRequest('assignment', null as unknown as JudgeAssignment);
  group.addHook('preHandler', async (request) => {
    const { id } = readParams(idParams, request.params);
    const assignment = await judgeAssignment(group.db, requireUser(request).id, id);
    if (!assignment) throw Refusal.notFound('account.assignment.notFound');
    await refuseWriteInArchivedYear(group.db, request, assignment);
    request.assignment = assignment;
  });

  /** Everything the assignment page shows, with the entrant left out of blind contests. */
  async function assignmentPage(request: FastifyRequest) {
    const a = request.assignment;
    const judgeId = requireUser(request).id;
    const conflicted = a.status === 'conflicted' || automaticConflict(a);
    const opened = !conflicted && a.status !== 'assigned';
    const [criteria, attachments, others] = await Promise.all([
      criteriaWithScores(group.db, a.round_id, a.id),
      opened ? entryAttachments(group.db, a.entry_id) : Promise.resolve([]),
      opened && a.round_status === 'closed' && a.scores_open_to_judges
        ? otherJudgesScores(group.db, a.round_id, a.entry_id, judgeId)
        : Promise.resolve([]),
    ]);
    // The mark that stands for a withheld name is part of the entrant's text, so it is worded here.
    const withheld = translator(request.locale)('account.assignment.withheld');
    const entry = {
      reference: a.reference,
      title: a.title,
      category: a.category_name,
      summary: !opened ? '' : a.blind ? withholdIdentities(a.summary, identitiesOf(a.applicant_name, a.details), withheld) : a.summary,
      facts: opened ? entryFacts(a.details, a.blind) : [],
      applicant: a.blind ? null : a.applicant_name,
      side: a.blind ? null : a.side,
      attachments: attachments.map((f, i) => ({
        id: f.id, name: a.blind ? `${a.reference}-${i + 1}.pdf` : f.filename, size: f.size_bytes,
      })),
    };
    return { assignment: a, entry, criteria, others, conflicted, automatic: automaticConflict(a), opened };
  }

  type PageExtras = { errors?: FormErrors; values?: Record<string, unknown>; saved?: string };
  const render = async (reply: FastifyReply, extra: PageExtras = {}) => {
    const a = reply.request.assignment;
    return reply.view('judging/assignment', {
      title: verbatim(`${a.reference}: ${a.title}`),
      ...(await assignmentPage(reply.request)),
      errors: extra.errors ?? {},
      values: extra.values ?? null,
      saved: extra.saved ?? null,
    });
  };

  group.get('', access('judge'), async (request, reply) => {
    const saved = (request.query as Record<string, string | undefined>).saved;
    return render(reply, { saved: SAVED.find((s) => s === saved) });
  });

  group.post('/declaration', access('judge'), async (request, reply) => {
    const a = request.assignment;
    const form = parseForm(declarationForm, request.body);
    if (!form.ok) return render(reply.code(400), { errors: form.errors, values: form.values });
    const declared = await attempt(() => declare(group.db, requireUser(request), a.id,
      form.data.conflict === 'none' ? { conflict: false } : { conflict: true, reason: form.data.reason }));
    if (!declared.ok) return render(reply.code(400), { errors: declared.errors, values: form.data });
    return reply.redirect(`/judging/assignments/${a.id}?saved=declared`, 303);
  });

  group.post('', access('judge'), async (request, reply) => {
    const a = request.assignment;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const submit = body.action === 'submit';
    const scores = readScores(request, await criteriaWithScores(group.db, a.round_id, a.id), submit);
    if (Object.keys(scores.errors).length > 0) return render(reply.code(400), { errors: scores.errors, values: scores.values });
    await saveScores(group.db, requireUser(request), a.id, scores.inputs, submit);
    return reply.redirect(`/judging/assignments/${a.id}?saved=${submit ? 'submitted' : 'draft'}`, 303);
  });

  group.get('/attachments/:attachmentId', access('judge'), async (request, reply) => {
    const a = request.assignment;
    const { attachmentId } = readParams(attachmentParams, request.params);
    const opened = a.status !== 'assigned' && a.status !== 'conflicted' && !automaticConflict(a);
    if (!opened) throw Refusal.notFound('account.assignment.attachmentNotFound');
    const files = await entryAttachments(group.db, a.entry_id);
    const index = files.findIndex((f) => f.id === attachmentId);
    const file = files[index];
    if (!file) throw Refusal.notFound('account.assignment.attachmentNotFound');
    if (!a.blind) return sendAttachment(reply, group.config.dataDir, file, file.filename);
    // Blind: neither the name nor the metadata inside the file may identify the entrant. The copy
    // cleaned at upload is served; a file stored before copies were made is cleaned now (in a worker).
    const name = `${a.reference}-${index + 1}.pdf`;
    if (file.clean_storage_key) return sendStoredFile(reply, group.config.dataDir, file.clean_storage_key, name);
    const sent = await sendAnonymisedAttachment(reply, group.config.dataDir, file, name);
    if (!sent) throw Refusal.conflict('account.assignment.fileIdentifies');
    return sent;
  });
}

/** The time until a round closes, as the judge's page words it: days and hours, hours and minutes, or passed. */
function timeLeft(ms: number) {
  if (ms <= 0) return message('account.judging.closingPassed');
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  return days > 0
    ? message('account.judging.daysLeft', { days, hours })
    : message('account.judging.hoursLeft', { hours, minutes: minutes % 60 });
}

/**
 * The posted score and comment of each criterion, checked against it (ranges and steps here, the
 * state of the assignment in the service). Messages name the criterion in the reader's language.
 */
function readScores(request: FastifyRequest, criteria: readonly Criterion[], submit: boolean) {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const errors: FormErrors = {};
  const values: Record<string, string> = {};
  const inputs = criteria.map((c): ScoreInput => {
    const scoreField = `score-${c.id}`;
    const commentField = `comment-${c.id}`;
    const criterion = request.local(c, 'name');
    const rawScore = textOf(body, scoreField);
    const comment = textOf(body, commentField);
    values[scoreField] = rawScore;
    values[commentField] = comment;
    let score: number | null = null;
    if (rawScore === '') {
      if (submit) errors[scoreField] = message('account.assignment.scoreMissing', { criterion });
    } else if (!/^\d+(\.\d+)?$/.test(rawScore)) {
      errors[scoreField] = message('account.assignment.scoreNotNumber', { criterion, max: c.max_score });
    } else {
      score = Number(rawScore);
      if (scoreProblem(score, { max: c.max_score, step: c.step })) {
        errors[scoreField] = score > c.max_score
          ? message('account.assignment.scoreRange', { criterion, max: c.max_score })
          : message('account.assignment.scoreStep', { criterion, step: c.step });
      }
    }
    if (comment.length > MAX_COMMENT) errors[commentField] = message('account.assignment.commentLong', { criterion, max: MAX_COMMENT });
    return { criterionId: c.id, score, comment };
  });
  return { inputs, errors, values };
}
