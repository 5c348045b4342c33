import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import { labelMessage, sideMessage } from '../../lib/format.ts';
import { type Message, type MessageKey, message, verbatim } from '../../lib/i18n.ts';
import type { CurrentUser } from '../auth/service.ts';
import { scopedContest } from '../contests/queries.ts';
import { scopedEvent } from '../events/queries.ts';
import { itemInScope } from '../scope/scope.ts';

/** A cell: words, or a date the page writes in the reader's way. */
export type DrilldownCell = Message | { date: Date | string } | { dateTime: Date | null };

/**
 * The rows behind one live figure: what an organiser sees when they follow it. `total` counts
 * them all; a long list shows one page of `rows` at a time, `next` naming the row it continues after.
 */
export type Drilldown = { title: Message; columns: MessageKey[]; rows: DrilldownCell[][]; total: number; next?: number };

/** People behind an event's figure shown per page: an event holds up to a hundred thousand. */
export const PEOPLE_PER_PAGE = 500;

type Filters = Record<string, string | undefined>;

const text = (s: string | null) => verbatim(s ?? '');

type Column = 'Name' | 'Organisation' | 'Side' | 'Registered' | 'Checked in' | 'Delegation' | 'Date' | 'Host' | 'Place' | 'From' | 'To'
  | 'Status' | 'Role' | 'Reference' | 'Entry' | 'Entrant' | 'Category' | 'Award';
const columns = (...names: Column[]): MessageKey[] => names.map((name) => `manage.drilldown.col.${name}` as const);

/** A programme by slug through the organiser's scope (the programmes module loads them by id). */
async function scopedProgrammeBySlug(db: Executor, user: CurrentUser, slug: string) {
  return db.selectFrom('programmes as p').where('p.slug', '=', slug).where((eb) => itemInScope(user, eb.ref('p.item_id')))
    .select(['p.id', 'p.title']).executeTakeFirst();
}

/** Null when the metric has no rows to show or the object is outside the user's scope. */
export async function drilldown(db: Executor, user: CurrentUser, metric: string, ref: string, f: Filters): Promise<Drilldown | null> {
  switch (metric) {
    case 'attendance':
    case 'registrations': {
      const event = await scopedEvent(db, user, ref);
      if (!event) return null;
      // By name, a page at a time (keyset: after the row `after` names, by name then id).
      let q = db.selectFrom('registrations as r').where('r.event_id', '=', event.id)
        .select(['r.id', 'r.name', 'r.organisation', 'r.side', 'r.status', 'r.checked_in_at', 'r.created_at'])
        .orderBy('r.name').orderBy('r.id').limit(PEOPLE_PER_PAGE + 1);
      q = metric === 'attendance' ? q.where('r.checked_in_at', 'is not', null) : q.where('r.status', '=', 'confirmed');
      if (f.side) q = q.where('r.side', '=', f.side as never);
      const after = f.after === undefined ? undefined : Number(f.after);
      if (after !== undefined) {
        const last = sql`(select a.name, a.id from registrations a where a.id = ${after} and a.event_id = ${event.id})`;
        q = q.where(sql<boolean>`(r.name, r.id) > ${last}`);
      }
      // The count from the event's tallies (kept by triggers), not from its rows.
      let count = db.selectFrom('registration_tallies').where('event_id', '=', event.id)
        .select(sql<number>`coalesce(sum(${sql.ref(metric === 'attendance' ? 'checked_in' : 'confirmed')}), 0)::int`.as('n'));
      if (f.side) count = count.where('side', '=', f.side as never);
      const [found, total] = await Promise.all([q.execute(), count.executeTakeFirstOrThrow()]);
      const rows = found.slice(0, PEOPLE_PER_PAGE);
      const title = message(`manage.drilldown.${metric}`, { title: event.title });
      return {
        title: f.side ? message('manage.drilldown.withSide', { title, side: sideMessage(f.side) }) : title,
        columns: columns('Name', 'Organisation', 'Side', 'Registered', 'Checked in'),
        rows: rows.map((r) => [
          text(r.name), text(r.organisation), sideMessage(r.side), { dateTime: r.created_at }, { dateTime: r.checked_in_at },
        ]),
        total: total.n,
        ...(found.length > PEOPLE_PER_PAGE ? { next: rows.at(-1)!.id } : {}),
      };
    }
    case 'delegations':
    case 'members':
    case 'visits':
    case 'hosts': {
      const programme = await scopedProgrammeBySlug(db, user, ref);
      if (!programme) return null;
      if (metric === 'visits' || metric === 'hosts') {
        let visits = db.selectFrom('delegation_visits as v').innerJoin('delegations as d', 'd.id', 'v.delegation_id')
          .where('d.programme_id', '=', programme.id).where('d.status', '<>', 'withdrawn').where('d.confirm_by', 'is', null)
          .select(['d.name', 'v.visit_on', 'v.host', 'v.place']).orderBy('v.visit_on').orderBy('v.starts_at');
        if (f.from) visits = visits.where('d.from_side', '=', f.from as never);
        if (f.to) visits = visits.where('d.to_side', '=', f.to as never);
        if (f.on) visits = visits.where('v.visit_on', '=', f.on);
        const rows = await visits.execute();
        return {
          title: message('manage.drilldown.visits', { title: programme.title }),
          columns: columns('Delegation', 'Date', 'Host', 'Place'),
          rows: rows.map((r) => [text(r.name), { date: r.visit_on }, text(r.host), text(r.place)]),
          total: rows.length,
        };
      }
      let q = db.selectFrom('delegations as d').where('d.programme_id', '=', programme.id).where('d.status', '<>', 'withdrawn')
        .where('d.confirm_by', 'is', null);
      if (f.from) q = q.where('d.from_side', '=', f.from as never);
      if (metric === 'delegations') {
        if (f.to) q = q.where('d.to_side', '=', f.to as never);
        const rows = await q.select(['d.name', 'd.from_side', 'd.to_side', 'd.status']).orderBy('d.id').execute();
        return {
          title: message('manage.drilldown.delegations', { title: programme.title }),
          columns: columns('Delegation', 'From', 'To', 'Status'),
          rows: rows.map((r) => [text(r.name), sideMessage(r.from_side), sideMessage(r.to_side), labelMessage(r.status)]),
          total: rows.length,
        };
      }
      let members = q.innerJoin('delegation_members as m', 'm.delegation_id', 'd.id')
        .select(['d.name as delegation', 'm.name', 'm.role', 'm.organisation', 'm.is_minor']).orderBy('d.id').orderBy('m.position');
      if (f.role) members = members.where('m.role', '=', f.role as never);
      const rows = await members.execute();
      return {
        title: message('manage.drilldown.members', { title: programme.title }),
        columns: columns('Delegation', 'Name', 'Role', 'Organisation'),
        rows: rows.map((r) => [
          text(r.delegation), r.is_minor ? 'manage.drilldown.minor' : text(r.name), labelMessage(r.role), text(r.organisation),
        ]),
        total: rows.length,
      };
    }
    case 'entries':
    case 'awards': {
      const contest = await scopedContest(db, user, ref);
      if (!contest) return null;
      if (metric === 'entries') {
        let q = db.selectFrom('entries as e').leftJoin('contest_categories as cc', 'cc.id', 'e.category_id')
          .where('e.contest_id', '=', contest.id).where('e.status', '=', 'submitted').where('e.confirm_by', 'is', null)
          .select(['e.reference', 'e.title', 'e.applicant_name', 'e.side', 'cc.name as category']).orderBy('e.reference');
        if (f.side) q = q.where('e.side', '=', f.side as never);
        if (f.category) q = q.where('cc.code', '=', f.category);
        const rows = await q.execute();
        return {
          title: message('manage.drilldown.entries', { title: contest.title }),
          columns: columns('Reference', 'Entry', 'Entrant', 'Side', 'Category'),
          rows: rows.map((r) => [text(r.reference), text(r.title), text(r.applicant_name), sideMessage(r.side), text(r.category)]),
          total: rows.length,
        };
      }
      let q = db.selectFrom('award_grants as g').innerJoin('award_tiers as t', 't.id', 'g.tier_id')
        .innerJoin('entries as e', 'e.id', 'g.entry_id')
        .where('t.contest_id', '=', contest.id).where('e.confirm_by', 'is', null)
        .select(['t.name as tier', 'e.reference', 'e.title', 'e.applicant_name', 'e.side']).orderBy('t.rank').orderBy('e.reference');
      if (f.tier) q = q.where('t.code', '=', f.tier);
      if (f.major === 'yes') q = q.where('t.is_major', '=', true);
      if (f.side) q = q.where('e.side', '=', f.side as never);
      const rows = await q.execute();
      return {
        title: message('manage.drilldown.awards', { title: contest.title }),
        columns: columns('Award', 'Reference', 'Entry', 'Entrant', 'Side'),
        rows: rows.map((r) => [text(r.tier), text(r.reference), text(r.title), text(r.applicant_name), sideMessage(r.side)]),
        total: rows.length,
      };
    }
    default:
      return null;
  }
}
