import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import type { CurrentUser } from '../auth/service.ts';
import { itemInScope } from '../scope/scope.ts';

/** Organisations a leader can name as leading the delegation. */
export async function organisationChoices(db: Executor) {
  return db.selectFrom('organisations').select(['id', 'code', 'name']).orderBy('name').execute();
}

export async function organisationExists(db: Executor, id: number) {
  return Boolean(await db.selectFrom('organisations').select('id').where('id', '=', id).executeTakeFirst());
}

const programmeColumns = [
  'p.id', 'p.item_id', 'p.slug', 'p.title', 'p.description', 'p.starts_on', 'p.ends_on', 'p.capacity', 'p.member_count',
  'p.public_registration', 'p.edit_deadline', 'p.status', 'p.translations', 'p.confirm_email',
] as const;

/** A programme taking delegations right now, by slug. */
export async function openProgrammeBySlug(db: Executor, slug: string) {
  return db.selectFrom('programmes as p').where('p.slug', '=', slug).where('p.status', '=', 'open')
    .select(programmeColumns).executeTakeFirst();
}

/** The live invitation behind a link, with its programme (which must still be open). */
export async function invitationByToken(db: Executor, tokenHash: string) {
  return db
    .selectFrom('delegation_invitations as di')
    .innerJoin('programmes as p', 'p.id', 'di.programme_id')
    .where('di.token_hash', '=', tokenHash)
    .where('di.used_at', 'is', null)
    .where('di.expires_at', '>', sql<Date>`now()`)
    .where('p.status', '=', 'open')
    .select(programmeColumns)
    .select(['di.id as invitation_id', 'di.email as invitation_email'])
    .executeTakeFirst();
}

/** A delegation by the hash of its manage link, with what its page needs of the programme. */
export async function delegationByToken(db: Executor, tokenHash: string) {
  return db
    .selectFrom('delegations as d')
    .innerJoin('programmes as p', 'p.id', 'd.programme_id')
    .leftJoin('organisations as o', 'o.id', 'd.leading_organisation_id')
    .where('d.token_hash', '=', tokenHash)
    .selectAll('d')
    .select([
      'o.name as leading_organisation', 'p.slug as programme_slug', 'p.title as programme_title',
      'p.starts_on', 'p.ends_on', 'p.edit_deadline', 'p.status as programme_status', 'p.capacity', 'p.member_count',
    ])
    .executeTakeFirst();
}

export async function membersOf(db: Executor, delegationId: number) {
  return db.selectFrom('delegation_members').selectAll().where('delegation_id', '=', delegationId)
    .orderBy('position').execute();
}

export async function visitsOf(db: Executor, delegationId: number) {
  return db.selectFrom('delegation_visits').selectAll().where('delegation_id', '=', delegationId)
    .orderBy('visit_on').orderBy('starts_at').orderBy('id').execute();
}

/** A delegation an organiser may see: through its programme's item, in their scope. */
export async function scopedDelegation(db: Executor, user: CurrentUser, id: number) {
  return db
    .selectFrom('delegations as d')
    .innerJoin('programmes as p', 'p.id', 'd.programme_id')
    .leftJoin('organisations as o', 'o.id', 'd.leading_organisation_id')
    .where('d.id', '=', id)
    .where((eb) => itemInScope(user, eb.ref('p.item_id')))
    .selectAll('d')
    .select([
      'o.name as leading_organisation', 'p.id as programme_id', 'p.item_id', 'p.title as programme_title',
      'p.slug as programme_slug',
    ])
    .executeTakeFirst();
}
