import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import { EVENT_DETAILS } from '../events/queries.ts';

/* The survey tables. Every function takes the database or a transaction; callers scope the event first. */

export async function surveyOf(db: Executor, eventId: number) {
  return db.selectFrom('surveys').selectAll().where('event_id', '=', eventId).executeTakeFirst();
}

export type StoredSurvey = NonNullable<Awaited<ReturnType<typeof surveyOf>>>;

export async function questionsOf(db: Executor, eventId: number) {
  return db.selectFrom('survey_questions').selectAll().where('event_id', '=', eventId).orderBy('position').execute();
}

export type StoredQuestion = Awaited<ReturnType<typeof questionsOf>>[number];

/** Invited, answered: how far the survey has got. */
export async function responseCounts(db: Executor, eventId: number) {
  return db.selectFrom('survey_responses').where('event_id', '=', eventId)
    .select([
      sql<number>`count(*)::int`.as('invited'),
      sql<number>`count(*) filter (where submitted_at is not null)::int`.as('answered'),
    ])
    .executeTakeFirstOrThrow();
}

/** Question ids that have answers: their kind and choices can no longer change. */
export async function answeredQuestionIds(db: Executor, eventId: number): Promise<Set<number>> {
  const rows = await db.selectFrom('survey_answers').where('event_id', '=', eventId).select('question_id').distinct().execute();
  return new Set(rows.map((r) => r.question_id));
}

/**
 * Checked-in people of open surveys whose event has ended and who have not been invited yet,
 * oldest event first. Erased and cancelled registrations are not asked.
 */
export async function dueInvitations(db: Executor, now: Date, limit: number, eventId?: number) {
  return db.selectFrom('registrations as r')
    .innerJoin('surveys as s', 's.event_id', 'r.event_id')
    .innerJoin('events as e', 'e.id', 'r.event_id')
    .leftJoin('survey_responses as sr', 'sr.registration_id', 'r.id')
    .where('s.status', '=', 'open')
    .where('e.ends_at', '<=', now)
    .where('s.closes_at', '>', now)
    .where('e.status', '<>', 'cancelled')
    .where('r.checked_in_at', 'is not', null)
    .where('r.status', '<>', 'cancelled')
    .where('r.erased_at', 'is', null)
    .where('sr.id', 'is', null)
    .$if(eventId !== undefined, (q) => q.where('r.event_id', '=', eventId ?? 0))
    .select(['r.id', 'r.event_id', 'r.name', 'r.email', 'r.language', 's.closes_at'])
    .orderBy('e.ends_at')
    .orderBy('r.id')
    .limit(limit)
    .execute();
}

export async function eventForMail(db: Executor, eventId: number) {
  return db.selectFrom('events as e').select(EVENT_DETAILS).where('e.id', '=', eventId).executeTakeFirstOrThrow();
}

/** A response behind a private link, with its survey and event. */
export async function responseByTokenHash(db: Executor, tokenHash: string) {
  return db.selectFrom('survey_responses as sr')
    .innerJoin('surveys as s', 's.event_id', 'sr.event_id')
    .innerJoin('events as e', 'e.id', 'sr.event_id')
    .where('sr.token_hash', '=', tokenHash)
    .select([
      'sr.id', 'sr.event_id', 'sr.language', 'sr.submitted_at', 'sr.updated_at', 's.status as survey_status', 's.closes_at',
      's.intro', 's.translations as survey_translations', 'e.slug as event_slug', 'e.title as event_title',
      'e.translations as event_translations', 'e.starts_at', 'e.ends_at',
    ])
    .executeTakeFirst();
}

export async function answersOf(db: Executor, responseId: number) {
  return db.selectFrom('survey_answers').select(['question_id', 'rating', 'choices', 'text'])
    .where('response_id', '=', responseId).execute();
}

/** Every answer of the event's submitted responses, for the results and their exports. */
export async function submittedAnswers(db: Executor, eventId: number) {
  return db.selectFrom('survey_answers as a')
    .innerJoin('survey_responses as sr', 'sr.id', 'a.response_id')
    .where('a.event_id', '=', eventId)
    .where('sr.submitted_at', 'is not', null)
    .select(['a.response_id', 'a.question_id', 'a.rating', 'a.choices', 'a.text'])
    .orderBy('sr.submitted_at')
    .orderBy('a.response_id')
    .execute();
}

/** The submitted responses, in the order they came, with the language they were answered in. */
export async function submittedResponses(db: Executor, eventId: number) {
  return db.selectFrom('survey_responses').where('event_id', '=', eventId).where('submitted_at', 'is not', null)
    .select(['id', 'language', 'submitted_at', 'updated_at']).orderBy('submitted_at').orderBy('id').execute();
}
