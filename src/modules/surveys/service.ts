import type { Database, Executor } from '../../db/index.ts';
import type { Translations } from '../../db/types.ts';
import { localText } from '../../lib/content.ts';
import { Refusal } from '../../lib/errors.ts';
import type { FormErrors } from '../../lib/forms.ts';
import { formatFor } from '../../lib/format.ts';
import { type Locale, localeOf, message, translator } from '../../lib/i18n.ts';
import type { Site } from '../../lib/site.ts';
import { hashToken, newToken } from '../../lib/tokens.ts';
import { changedFields, recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import type { ScopedEvent } from '../events/queries.ts';
import { type OutgoingMail, queueMail } from '../mail/outbox.ts';
import { composeMail } from '../mail/templates.ts';
import * as q from './queries.ts';
import type { Answer, SurveyInput, SurveyQuestion } from './schemas.ts';

/* What surveys do: built by organisers, sent once per checked-in person after the event, answered by link. */

/** Until when an answer may be changed: the survey's closing time (one response per registration, editable until then). */
export const isOpenForAnswers = (survey: { survey_status: string; closes_at: Date }, now: Date) =>
  survey.survey_status === 'open' && survey.closes_at > now;

const zhTranslations = (fields: Record<string, string>): string => {
  const written = Object.fromEntries(Object.entries(fields).filter(([, v]) => v));
  return JSON.stringify(Object.keys(written).length ? { 'zh-Hant': written } : {});
};

/**
 * Creates or updates the event's survey and its questions in one transaction. Once a question
 * has answers its kind and its number of choices stay as they are, and it cannot be removed:
 * the results would no longer add up. Such a change is refused beside the question.
 */
export async function saveSurvey(db: Database, user: CurrentUser, event: ScopedEvent, input: SurveyInput): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('surveys').selectAll().where('event_id', '=', event.id).forUpdate().executeTakeFirst();
    const stored = before ? await q.questionsOf(trx, event.id) : [];
    const answered = before ? await q.answeredQuestionIds(trx, event.id) : new Set<number>();
    const errors: FormErrors = {};
    const kept = new Set<number>();
    for (const question of input.questions) {
      const old = question.id === null ? undefined : stored.find((s) => s.id === question.id);
      if (!old) continue;
      kept.add(old.id);
      if (answered.has(old.id) && (old.kind !== question.kind || old.options.length !== question.options.length)) {
        errors[`question_kind_${question.row}`] = 'surveys.errors.answeredKind';
      }
    }
    for (const old of stored) {
      if (!kept.has(old.id) && answered.has(old.id)) errors._form = message('surveys.errors.answeredRemoved', { prompt: old.prompt });
    }
    if (Object.keys(errors).length) throw Refusal.form(errors);

    const row = {
      status: input.status, closes_at: input.closes_at, intro: input.intro, translations: zhTranslations({ intro: input.introZh }),
    };
    if (before) {
      const diff = changedFields({ ...before, translations: JSON.stringify(before.translations) }, row);
      if (Object.keys(diff).length) {
        await trx.updateTable('surveys').set({ ...row, updated_at: new Date() }).where('event_id', '=', event.id).execute();
        await recordAudit(trx, user.id, 'update', 'survey', event.id, diff, event.item_id);
      }
    } else {
      await trx.insertInto('surveys').values({ ...row, event_id: event.id }).execute();
      await recordAudit(trx, user.id, 'create', 'survey', event.id, changedFields({}, row), event.item_id);
    }
    const removed = stored.filter((s) => !kept.has(s.id)).map((s) => s.id);
    if (removed.length) await trx.deleteFrom('survey_questions').where('id', 'in', removed).execute();
    // Positions are unique per survey, checked at commit, so renumbering in any order is safe.
    for (const [index, question] of input.questions.entries()) {
      const values = {
        position: index + 1, kind: question.kind, prompt: question.prompt, options: JSON.stringify(question.options),
        required: question.required,
        translations: zhTranslations({ prompt: question.promptZh, options: question.optionsZh.join('\n') }),
      };
      if (question.id !== null && kept.has(question.id)) {
        await trx.updateTable('survey_questions').set(values).where('id', '=', question.id).where('event_id', '=', event.id).execute();
      } else {
        await trx.insertInto('survey_questions').values({ ...values, event_id: event.id }).execute();
      }
    }
    // One audit line for the questions as a whole: what they read before and after.
    const summary = (list: readonly { kind: string; prompt: string; options: string[]; required: boolean }[]) =>
      list.map((x) => `${x.kind}${x.required ? '*' : ''}: ${x.prompt}${x.options.length ? ` [${x.options.join(' | ')}]` : ''}`);
    const questionsDiff = changedFields({ questions: summary(stored) }, { questions: summary(input.questions) });
    if (Object.keys(questionsDiff).length) {
      await recordAudit(trx, user.id, 'update', 'survey_questions', event.id, questionsDiff, event.item_id);
    }
  });
}

/** A question in a language: prompt and choices as written in it, derived, or in English. */
export function localQuestion(question: q.StoredQuestion, locale: Locale): SurveyQuestion {
  const prompt = localText(question.prompt, question.translations, 'prompt', locale).text;
  const written = localText(question.options.join('\n'), question.translations, 'options', locale);
  const options = written.source === 'english' ? question.options : written.text.split('\n');
  return {
    id: question.id, position: question.position, kind: question.kind, prompt, required: question.required,
    options: options.length === question.options.length ? options : question.options,
  };
}

/** The survey's introduction in a language. */
export const localIntro = (survey: { intro: string; translations: Translations }, locale: Locale) =>
  localText(survey.intro, survey.translations, 'intro', locale).text;

/**
 * Invites, by email, each checked-in person of every open survey whose event has ended, in the
 * language they registered in. Each invitation is a survey_responses row, unique per
 * registration, written in the same transaction as its mail: of two instances inviting the same
 * person at once, one inserts and the other finds the row taken (ON CONFLICT DO NOTHING) and
 * queues nothing. Returns how many were invited.
 */
export async function sendDueInvitations(db: Database, site: Site, now: Date, eventId?: number, batch = 100): Promise<number> {
  const due = await q.dueInvitations(db, now, batch, eventId);
  if (due.length === 0) return 0;
  let invited = 0;
  await db.transaction().execute(async (trx) => {
    const events = new Map<number, Awaited<ReturnType<typeof q.eventForMail>>>();
    for (const person of due) {
      const token = newToken();
      const taken = await trx.insertInto('survey_responses')
        .values({ event_id: person.event_id, registration_id: person.id, token_hash: hashToken(token), language: person.language })
        .onConflict((oc) => oc.column('registration_id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!taken) continue;
      const event = events.get(person.event_id) ?? await q.eventForMail(trx, person.event_id);
      events.set(person.event_id, event);
      await queueMail(trx, await invitationMail(trx, site, event, person, token), site.domain);
      invited++;
    }
  });
  return invited;
}

/** The invitation to answer, in the person's language and the organisers' wording. */
async function invitationMail(
  db: Executor, site: Site, event: Awaited<ReturnType<typeof q.eventForMail>>,
  person: { name: string; email: string; language: string; closes_at: Date }, token: string,
): Promise<OutgoingMail> {
  const locale = localeOf(person.language);
  const t = translator(locale);
  const link = `${site.baseUrl}/surveys/${token}?lang=${locale}`;
  return composeMail(db, {
    kind: 'survey', owner: { eventId: event.id }, locale, to: person.email, itemId: event.item_id,
    fields: {
      name: person.name, title: localText(event.title, event.translations, 'title', locale).text, survey_link: link,
      closes: formatFor(locale).dateTime(person.closes_at),
    },
    actions: [{ lead: t('mailTemplates.layout.survey'), label: t('mailTemplates.layout.surveyButton'), url: link }],
  });
}

/**
 * Records a person's answers: the first submission, or a change to it while the survey is open
 * (one response per registration). Answers are replaced whole, in one transaction.
 */
export async function submitResponse(
  db: Database, responseId: number, answers: readonly Answer[], now: Date,
): Promise<'first' | 'changed'> {
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('survey_responses as sr').innerJoin('surveys as s', 's.event_id', 'sr.event_id')
      .where('sr.id', '=', responseId).select(['sr.event_id', 'sr.submitted_at', 's.status as survey_status', 's.closes_at'])
      .forUpdate('sr').executeTakeFirst();
    if (!current) throw Refusal.notFound('surveys.errors.linkGone');
    if (!isOpenForAnswers(current, now)) throw Refusal.page(409, 'surveys.closed.body');
    await trx.deleteFrom('survey_answers').where('response_id', '=', responseId).execute();
    if (answers.length) {
      await trx.insertInto('survey_answers').values(answers.map((a) => ({
        response_id: responseId, question_id: a.question_id, event_id: current.event_id, rating: a.rating,
        choices: a.choices === null ? null : JSON.stringify(a.choices), text: a.text,
      }))).execute();
    }
    await trx.updateTable('survey_responses')
      .set(current.submitted_at ? { updated_at: now } : { submitted_at: now })
      .where('id', '=', responseId).execute();
    return current.submitted_at ? 'changed' : 'first';
  });
}

export type ResultOption = { label: string; count: number; share: number };
export type QuestionResult = {
  question: SurveyQuestion;
  /** Respondents who answered this question. */
  answered: number;
  /** Rating 1..5, or each choice, with its count and its share of those who answered. */
  options: ResultOption[];
  average: number | null;
  /** Share who rated 4 or 5 (ratings only). */
  satisfied: number | null;
  texts: string[];
};

/** A share as a percentage with one decimal (0 when nobody answered). */
export const shareOf = (count: number, total: number) => (total === 0 ? 0 : Math.round((count / total) * 1000) / 10);

/** Each question's counts, shares, average rating and free-text answers, over the submitted responses. */
export async function surveyResults(db: Executor, eventId: number, locale: Locale) {
  const [questions, answers, responses] = await Promise.all([
    q.questionsOf(db, eventId), q.submittedAnswers(db, eventId), q.submittedResponses(db, eventId),
  ]);
  const results: QuestionResult[] = questions.map((stored) => {
    const question = localQuestion(stored, locale);
    const mine = answers.filter((a) => a.question_id === stored.id);
    const answered = mine.length;
    const counts = stored.kind === 'rating' ? [1, 2, 3, 4, 5].map((r) => mine.filter((a) => a.rating === r).length)
      : question.options.map((_, i) => mine.filter((a) => a.choices?.includes(i)).length);
    const labels = stored.kind === 'rating' ? ['1', '2', '3', '4', '5'] : question.options;
    const ratings = mine.flatMap((a) => (a.rating === null ? [] : [a.rating]));
    return {
      question, answered,
      options: stored.kind === 'text' ? [] : counts.map((count, i) => ({ label: labels[i] ?? '', count, share: shareOf(count, answered) })),
      average: ratings.length ? Math.round((ratings.reduce((s, r) => s + r, 0) / ratings.length) * 100) / 100 : null,
      satisfied: stored.kind === 'rating' ? shareOf(ratings.filter((r) => r >= 4).length, ratings.length) : null,
      texts: mine.flatMap((a) => (a.text ? [a.text] : [])),
    };
  });
  return { questions: results, responses, answers };
}
