import type { Executor } from '../../db/index.ts';
import type { MailOwner } from '../mail/template-queries.ts';

/* The first real person of an item, whose details a preview shows. */

export async function firstRegistration(db: Executor, owner: MailOwner) {
  if (!('eventId' in owner)) return undefined;
  return db.selectFrom('registrations').select(['name']).where('event_id', '=', owner.eventId)
    .where('status', '<>', 'cancelled').where('erased_at', 'is', null).orderBy('id').limit(1).executeTakeFirst();
}

export async function firstDelegation(db: Executor, owner: MailOwner) {
  if (!('programmeId' in owner)) return undefined;
  return db.selectFrom('delegations').select(['contact_name']).where('programme_id', '=', owner.programmeId)
    .where('status', '<>', 'withdrawn').where('erased_at', 'is', null).orderBy('id').limit(1).executeTakeFirst();
}

export async function firstContestRecord(db: Executor, owner: MailOwner) {
  if (!('contestId' in owner)) return undefined;
  return db.selectFrom('entries').select(['applicant_name', 'title', 'reference']).where('contest_id', '=', owner.contestId)
    .where('status', '<>', 'withdrawn').where('erased_at', 'is', null).orderBy('id').limit(1).executeTakeFirst();
}

export async function firstJudge(db: Executor, owner: MailOwner) {
  if (!('contestId' in owner)) return undefined;
  return db.selectFrom('contest_judges as j').innerJoin('users as u', 'u.id', 'j.user_id').select(['u.name'])
    .where('j.contest_id', '=', owner.contestId).orderBy('u.id').limit(1).executeTakeFirst();
}
