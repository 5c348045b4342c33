import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import type { Translations } from '../../db/types.ts';
import { localText } from '../../lib/content.ts';
import { localeOf } from '../../lib/i18n.ts';
import type { Site } from '../../lib/site.ts';
import { verificationUrl } from '../certificates/pdf.ts';
import { cancelJob, type JobHandler, scheduleJob } from '../jobs/jobs.ts';
import { queueMail } from '../mail/outbox.ts';
import {
  entrantAdvancedMail, type EntrantMailValues, entrantNotAdvancedMail, entrantResultsMail, judgeAssignedMail, type JudgeMailValues,
  judgeMoreAssignedMail, judgeReminderMail, judgeRoundClosedMail, judgeRoundOpenedMail,
} from './messages.ts';

/*
 * Who is told what as a contest moves on. Each function runs in the caller's transaction, the one
 * that makes the change, so a mail is queued if and only if the change commits. A judge's mail
 * about their assignments is recorded in round_judge_notices with the number of assignments it
 * covered: assigning again mails nobody, and entries added later bring one "more entries" mail.
 */

export const JUDGE_REMINDER = 'judge-reminder';
/** The one scheduled reminder of a round's judges. */
export const judgeReminderKey = (roundId: number) => `${JUDGE_REMINDER}:${roundId}`;

type ReminderRound = { id: number; status: string; closes_at: Date | null; reminder_hours: number };

/** Whether a round's judges are to be reminded: it is open, closes later, and asks for a reminder. */
const wantsReminder = (round: ReminderRound, now: Date) =>
  round.status === 'open' && round.closes_at !== null && round.closes_at > now && round.reminder_hours > 0;

/**
 * Schedules, moves or cancels a round's reminder (`reminder_hours` before `closes_at`) to match
 * the round as it now stands, in the caller's transaction; called after every change to its
 * status or times. A round not open has none, so a reminder never runs before its round opens.
 * Due in the past (a closing time set late): it goes now.
 */
export async function syncJudgeReminder(trx: Executor, roundId: number, now = new Date()): Promise<void> {
  const round = await trx.selectFrom('contest_rounds as r').innerJoin('contests as c', 'c.id', 'r.contest_id').where('r.id', '=', roundId)
    .select(['r.id', 'r.status', 'r.closes_at', 'r.reminder_hours', 'c.item_id']).executeTakeFirst();
  if (!round || !wantsReminder(round, now) || !round.closes_at) {
    await cancelJob(trx, judgeReminderKey(roundId));
    return;
  }
  await scheduleJob(trx, {
    kind: JUDGE_REMINDER, key: judgeReminderKey(round.id), itemId: round.item_id, payload: { roundId: round.id },
    runAt: new Date(round.closes_at.getTime() - round.reminder_hours * 3_600_000),
  });
}

/** The handler of reminder jobs: the judges of a round still open, with sheets unfinished, are reminded once. */
export function judgeReminderHandler(site: Site): JobHandler {
  return async (trx, payload) => {
    await remindJudges(trx, Number(payload.roundId), site);
  };
}

type ContestFacts = { id: number; slug: string; title: string; translations: Translations; item_id: number };
type RoundFacts = { id: number; name: string; closes_at: Date | null };
type JudgeRow = { id: number; email: string; name: string; language: string };

async function roundContest(trx: Executor, roundId: number) {
  return trx.selectFrom('contest_rounds as r').innerJoin('contests as c', 'c.id', 'r.contest_id').where('r.id', '=', roundId)
    .select(['r.id', 'r.name', 'r.closes_at', 'r.position', 'r.status', 'r.contest_id', 'c.slug', 'c.title', 'c.translations',
      'c.item_id'])
    .executeTakeFirst();
}

function judgeValues(site: Site, contest: ContestFacts, round: RoundFacts, judge: JudgeRow): JudgeMailValues {
  const locale = localeOf(judge.language);
  return {
    to: judge.email, locale, name: judge.name, round: round.name, itemId: contest.item_id, contestId: contest.id,
    contest: localText(contest.title, contest.translations, 'title', locale).text, judgingUrl: `${site.baseUrl}/judging`,
    closesAt: round.closes_at,
  };
}

const judgeColumns = ['u.id', 'u.email', 'u.name', 'u.language'] as const;

/**
 * Tells each judge with entries in an open round about them, once: the first mail lists how many,
 * a later one how many were added since. Returns the judges mailed.
 */
export async function mailAssignments(trx: Executor, site: Site, roundId: number): Promise<number[]> {
  const round = await roundContest(trx, roundId);
  if (round?.status !== 'open') return [];
  const contest = { ...round, id: round.contest_id };
  const judges = await trx.selectFrom('assignments as a').innerJoin('users as u', 'u.id', 'a.judge_id')
    .leftJoin('round_judge_notices as n', (join) => join.onRef('n.judge_id', '=', 'a.judge_id').onRef('n.round_id', '=', 'a.round_id'))
    .where('a.round_id', '=', roundId).where('u.disabled_at', 'is', null)
    .groupBy(['u.id', 'n.assignments_mailed', 'n.round_id'])
    .select([...judgeColumns, sql<number>`count(a.id)::int`.as('total'), 'n.assignments_mailed', 'n.round_id as noticed'])
    .having(sql<boolean>`count(a.id) > coalesce(n.assignments_mailed, 0)`)
    .orderBy('u.id')
    .execute();
  for (const judge of judges) {
    const values = judgeValues(site, contest, round, judge);
    const mail = judge.noticed === null
      ? await judgeAssignedMail(trx, { ...values, count: judge.total })
      : await judgeMoreAssignedMail(trx, { ...values, added: judge.total - (judge.assignments_mailed ?? 0), total: judge.total });
    await trx.insertInto('round_judge_notices').values({ round_id: roundId, judge_id: judge.id, assignments_mailed: judge.total })
      .onConflict((oc) => oc.columns(['round_id', 'judge_id'])
        .doUpdateSet({ assignments_mailed: judge.total, assigned_mailed_at: new Date() }))
      .execute();
    await queueMail(trx, mail, site.domain);
  }
  return judges.map((j) => j.id);
}

/** A round has opened: judges with entries in it are told of them; the rest of the panel, that it is open. */
export async function mailRoundOpened(trx: Executor, site: Site, roundId: number) {
  const told = new Set(await mailAssignments(trx, site, roundId));
  const round = await roundContest(trx, roundId);
  if (!round) return;
  const contest = { ...round, id: round.contest_id };
  const panel = await trx.selectFrom('contest_judges as cj').innerJoin('users as u', 'u.id', 'cj.user_id')
    .where('cj.contest_id', '=', round.contest_id).where('u.disabled_at', 'is', null)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('assignments as a').select('a.id').where('a.round_id', '=', roundId)
      .whereRef('a.judge_id', '=', 'u.id'))))
    .select(judgeColumns).orderBy('u.id').execute();
  for (const judge of panel.filter((j) => !told.has(j.id))) {
    await queueMail(trx, judgeRoundOpenedMail(judgeValues(site, contest, round, judge)), site.domain);
  }
}

/** A round has closed: each judge who had entries in it is told, and of the round that follows. */
export async function mailRoundClosed(trx: Executor, site: Site, roundId: number) {
  const round = await roundContest(trx, roundId);
  if (!round) return;
  const contest = { ...round, id: round.contest_id };
  const next = await trx.selectFrom('contest_rounds').select('name').where('contest_id', '=', round.contest_id)
    .where('position', '=', round.position + 1).executeTakeFirst();
  const judges = await trx.selectFrom('users as u').where('u.disabled_at', 'is', null)
    .where((eb) => eb.exists(eb.selectFrom('assignments as a').select('a.id').where('a.round_id', '=', roundId)
      .where('a.status', '<>', 'conflicted').whereRef('a.judge_id', '=', 'u.id')))
    .select(judgeColumns).orderBy('u.id').execute();
  for (const judge of judges) {
    await queueMail(trx, judgeRoundClosedMail({ ...judgeValues(site, contest, round, judge), next: next?.name ?? null }), site.domain);
  }
}

/**
 * Reminds the judges of a round who have sheets not yet submitted (declared conflicts are not
 * sheets), each once per call, and records when. Nothing is sent unless the round is open.
 * Returns how many judges were reminded.
 */
export async function remindJudges(trx: Executor, roundId: number, site: Site): Promise<number> {
  const round = await roundContest(trx, roundId);
  if (round?.status !== 'open') return 0;
  const contest = { ...round, id: round.contest_id };
  const judges = await trx.selectFrom('assignments as a').innerJoin('users as u', 'u.id', 'a.judge_id')
    .where('a.round_id', '=', roundId).where('u.disabled_at', 'is', null)
    .groupBy('u.id')
    .select([...judgeColumns, sql<number>`count(*)::int`.as('assigned'),
      sql<number>`count(*) filter (where a.status <> 'conflicted')::int`.as('total'),
      sql<number>`count(*) filter (where a.status in ('assigned', 'draft'))::int`.as('unfinished')])
    .having(sql<boolean>`count(*) filter (where a.status in ('assigned', 'draft')) > 0`)
    .orderBy('u.id')
    .execute();
  const now = new Date();
  for (const judge of judges) {
    await queueMail(trx, await judgeReminderMail(trx, {
      ...judgeValues(site, contest, round, judge), unfinished: judge.unfinished, total: judge.total,
    }), site.domain);
    // A reminder tells a judge of every entry they have, so one first told by it is not told of these again.
    await trx.insertInto('round_judge_notices')
      .values({ round_id: roundId, judge_id: judge.id, assignments_mailed: judge.assigned, reminded_at: now })
      .onConflict((oc) => oc.columns(['round_id', 'judge_id']).doUpdateSet({ reminded_at: now })).execute();
  }
  return judges.length;
}

/** The entrant's facts every entrant mail takes, in the entry's language. */
function entrantValues(contest: ContestFacts, entry: { contact_email: string; applicant_name: string; reference: string; title: string;
  language: string }): EntrantMailValues {
  const locale = localeOf(entry.language);
  return {
    to: entry.contact_email, locale, name: entry.applicant_name, reference: entry.reference, title: entry.title, itemId: contest.item_id,
    contestId: contest.id, contest: localText(contest.title, contest.translations, 'title', locale).text,
  };
}

const entryColumns = ['e.id', 'e.contact_email', 'e.applicant_name', 'e.reference', 'e.title', 'e.language'] as const;

/** Entries of a round have been chosen for the next: each entrant of the round is told whether theirs goes on. */
export async function mailAdvanced(
  trx: Executor, site: Site, contest: ContestFacts, from: RoundFacts, to: RoundFacts, advanced: ReadonlySet<number>,
) {
  const entries = await trx.selectFrom('round_entries as re').innerJoin('entries as e', 'e.id', 're.entry_id')
    .where('re.round_id', '=', from.id).where('e.status', '=', 'submitted').where('e.confirm_by', 'is', null)
    .select(entryColumns).orderBy('e.id').execute();
  for (const entry of entries) {
    const values = entrantValues(contest, entry);
    await queueMail(trx, advanced.has(entry.id)
      ? entrantAdvancedMail({ ...values, from: from.name, round: to.name })
      : entrantNotAdvancedMail({ ...values, round: from.name }), site.domain);
  }
}

/**
 * The results are published: each winner is told their award with its certificate's page (the
 * certificates are issued in the same transaction, before this runs), every other entrant thanked.
 */
export async function mailResults(trx: Executor, site: Site, contest: ContestFacts) {
  const entries = await trx.selectFrom('entries as e')
    .leftJoin('award_grants as g', 'g.entry_id', 'e.id')
    .leftJoin('award_tiers as t', 't.id', 'g.tier_id')
    .leftJoin('certificates as cert', (join) => join.onRef('cert.award_grant_id', '=', 'g.id').on('cert.revoked_at', 'is', null))
    .where('e.contest_id', '=', contest.id).where('e.status', '=', 'submitted').where('e.confirm_by', 'is', null)
    .select([...entryColumns, 't.name as award', 't.translations as award_translations', 'cert.code'])
    .orderBy('e.id').execute();
  const resultsUrl = `${site.baseUrl}/contests/${contest.slug}/results`;
  for (const entry of entries) {
    const values = entrantValues(contest, entry);
    await queueMail(trx, await entrantResultsMail(trx, {
      ...values, resultsUrl,
      award: entry.award === null ? null : localText(entry.award, entry.award_translations, 'name', values.locale).text,
      certificateUrl: entry.code ? verificationUrl(site.baseUrl, entry.code) : null,
    }), site.domain);
  }
}
