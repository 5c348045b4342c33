import type { Database, Executor } from '../../db/index.ts';
import { inArchivedYear } from '../../lib/archive.ts';
import { Refusal } from '../../lib/errors.ts';
import { formatFor } from '../../lib/format.ts';
import { type Locale, message } from '../../lib/i18n.ts';
import { slugFor } from '../../lib/slug.ts';
import { changedFields, recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { itemInScope } from '../scope/scope.ts';
import type { ProgrammeInput } from './schemas.ts';

/* The organisers' side of exchange programmes: create, edit, and move draft → open → closed → completed. */

export type ProgrammeStatus = 'draft' | 'open' | 'closed' | 'completed';

const MOVES: Record<ProgrammeStatus, readonly ProgrammeStatus[]> = {
  draft: ['open'],
  open: ['closed', 'draft'],
  closed: ['open', 'completed'],
  completed: ['closed'],
};

export const allowedMoves = (status: ProgrammeStatus) => MOVES[status];

/**
 * Creates (id = null) or updates a programme and its hosts in one transaction, and returns its
 * id. Input the programme cannot take is refused by field (a date in it written for `locale`).
 */
export async function saveProgramme(
  db: Database, user: CurrentUser, id: number | null, input: ProgrammeInput, locale: Locale = 'en',
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const item = await trx.selectFrom('items as i').where('i.id', '=', input.item_id).where((eb) => itemInScope(user, eb.ref('i.id')))
      .select('i.id').executeTakeFirst();
    if (!item) throw Refusal.form({ item_id: 'manage.eventForm.errors.yourItem' });
    // An item of an archived year takes nothing new, and nothing moves into it.
    if (await inArchivedYear(trx, { item_id: item.id })) throw Refusal.form({ item_id: 'archive.refused' });
    const current = id === null ? undefined
      : await trx.selectFrom('programmes').selectAll().where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
    const slug = input.slug || current?.slug || slugFor(input.title, Number(input.starts_on.slice(0, 4)), 'programme');
    const clash = await trx.selectFrom('programmes').select('id').where('slug', '=', slug)
      .$if(id !== null, (q) => q.where('id', '<>', id ?? 0)).executeTakeFirst();
    if (clash) throw Refusal.form({ slug: 'contests.errors.programmeSlugTaken' });
    if (input.hosts.length > 0) {
      const known = await trx.selectFrom('organisations').select('id').where('id', 'in', input.hosts).execute();
      if (known.length !== input.hosts.length) throw Refusal.form({ hosts: 'contests.errors.hosts' });
    }
    if (current) {
      if (input.capacity !== null && input.capacity < current.member_count) {
        const n = current.member_count;
        throw Refusal.form({
          capacity: n === 1 ? message('contests.errors.capacityBelowOne', { n }) : message('contests.errors.capacityBelowMany', { n }),
        });
      }
      // The itinerary has to fit the programme: dates cannot shrink past a planned visit.
      const outside = await trx.selectFrom('delegation_visits as v').innerJoin('delegations as d', 'd.id', 'v.delegation_id')
        .where('d.programme_id', '=', current.id).where('d.status', '<>', 'withdrawn')
        .where((eb) => eb.or([eb('v.visit_on', '<', input.starts_on), eb('v.visit_on', '>', input.ends_on)]))
        .select(['v.visit_on', 'v.host']).orderBy('v.visit_on').execute();
      if (outside.length > 0) {
        const first = outside[0] as { visit_on: string; host: string };
        const field = first.visit_on < input.starts_on ? 'starts_on' : 'ends_on';
        const n = outside.length;
        const { host } = first;
        const date = formatFor(locale).date(first.visit_on);
        throw Refusal.form({
          [field]: n === 1
            ? message('contests.errors.visitsOutsideOne', { n, host, date })
            : message('contests.errors.visitsOutsideMany', { n, host, date }),
        });
      }
    }
    const { hosts, ...fields } = input;
    const row = { ...fields, slug };
    let programmeId: number;
    if (current) {
      programmeId = current.id;
      const before = await hostIds(trx, programmeId);
      const diff = changedFields(current, row);
      const hostsChanged = before.join(',') !== [...hosts].sort((a, b) => a - b).join(',');
      if (hostsChanged) diff.hosts = { from: before, to: [...hosts].sort((a, b) => a - b) };
      if (Object.keys(diff).length > 0) {
        await trx.updateTable('programmes').set(row).where('id', '=', programmeId).execute();
        await recordAudit(trx, user.id, 'update', 'programme', programmeId, diff, row.item_id);
      }
      if (hostsChanged) await trx.deleteFrom('programme_hosts').where('programme_id', '=', programmeId).execute();
      else return programmeId;
    } else {
      const created = await trx.insertInto('programmes').values(row).returning('id').executeTakeFirstOrThrow();
      programmeId = created.id;
      await recordAudit(trx, user.id, 'create', 'programme', programmeId, { ...changedFields({}, row), hosts }, row.item_id);
    }
    if (hosts.length > 0) {
      await trx.insertInto('programme_hosts')
        .values(hosts.map((organisation_id) => ({ programme_id: programmeId, organisation_id }))).execute();
    }
    return programmeId;
  });
}

async function hostIds(db: Executor, programmeId: number): Promise<number[]> {
  const rows = await db.selectFrom('programme_hosts').select('organisation_id').where('programme_id', '=', programmeId)
    .orderBy('organisation_id').execute();
  return rows.map((r) => r.organisation_id);
}

/** Opens, closes, reopens or completes a programme; false when the move is not allowed from where it stands. */
export async function setProgrammeStatus(
  db: Database, user: CurrentUser, programme: { id: number; item_id: number; status: ProgrammeStatus }, status: ProgrammeStatus,
): Promise<boolean> {
  if (!MOVES[programme.status].includes(status)) return false;
  return db.transaction().execute(async (trx) => {
    if (status === 'draft') {
      // Back to draft only while nobody has registered: a draft is not shown to the public.
      const any = await trx.selectFrom('delegations').select('id').where('programme_id', '=', programme.id).executeTakeFirst();
      if (any) return false;
    }
    const moved = await trx.updateTable('programmes').set({ status }).where('id', '=', programme.id)
      .where('status', '=', programme.status).executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0) return false;
    await recordAudit(trx, user.id, status === 'open' ? 'open' : status, 'programme', programme.id,
      { status: { from: programme.status, to: status } }, programme.item_id);
    return true;
  });
}
