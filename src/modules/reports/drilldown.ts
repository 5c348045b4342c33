import type { Executor } from '../../db/index.ts';
import { format } from '../../lib/format.ts';
import type { CurrentUser } from '../auth/service.ts';
import { scopedContest } from '../contests/queries.ts';
import { scopedEvent } from '../events/queries.ts';
import { itemInScope } from '../manage/scope.ts';

/** The rows behind one live figure: what an organiser sees when they follow it. */
export type Drilldown = { title: string; columns: string[]; rows: string[][] };

type Filters = Record<string, string | undefined>;

const when = (d: Date | null) => (d ? format.dateTime(d) : '');

/** A programme by slug through the organiser's scope (the programmes module loads them by id). */
async function scopedProgrammeBySlug(db: Executor, user: CurrentUser, slug: string) {
  return db.selectFrom('programmes as p').where('p.slug', '=', slug).where(itemInScope(user, 'p.item_id'))
    .select(['p.id', 'p.title']).executeTakeFirst();
}

/** Null when the metric has no rows to show or the object is outside the user's scope. */
export async function drilldown(db: Executor, user: CurrentUser, metric: string, ref: string, f: Filters): Promise<Drilldown | null> {
  switch (metric) {
    case 'attendance':
    case 'registrations': {
      const event = await scopedEvent(db, user, ref);
      if (!event) return null;
      let q = db.selectFrom('registrations').where('event_id', '=', event.id)
        .select(['name', 'organisation', 'side', 'status', 'checked_in_at', 'created_at']).orderBy('name');
      q = metric === 'attendance' ? q.where('checked_in_at', 'is not', null) : q.where('status', '=', 'confirmed');
      if (f.side) q = q.where('side', '=', f.side as never);
      const rows = await q.execute();
      return {
        title: `${metric === 'attendance' ? 'Checked in at' : 'Confirmed for'} ${event.title}${f.side ? ` (${format.side(f.side)})` : ''}`,
        columns: ['Name', 'Organisation', 'Side', 'Registered', 'Checked in'],
        rows: rows.map((r) => [r.name, r.organisation, format.side(r.side), when(r.created_at), when(r.checked_in_at)]),
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
          .where('d.programme_id', '=', programme.id).where('d.status', '<>', 'withdrawn')
          .select(['d.name', 'v.visit_on', 'v.host', 'v.place']).orderBy('v.visit_on').orderBy('v.starts_at');
        if (f.from) visits = visits.where('d.from_side', '=', f.from as never);
        if (f.to) visits = visits.where('d.to_side', '=', f.to as never);
        if (f.on) visits = visits.where('v.visit_on', '=', f.on);
        const rows = await visits.execute();
        return { title: `Visits of ${programme.title}`, columns: ['Delegation', 'Date', 'Host', 'Place'], rows: rows.map((r) => [r.name, format.date(r.visit_on), r.host, r.place]) };
      }
      let q = db.selectFrom('delegations as d').where('d.programme_id', '=', programme.id).where('d.status', '<>', 'withdrawn');
      if (f.from) q = q.where('d.from_side', '=', f.from as never);
      if (metric === 'delegations') {
        if (f.to) q = q.where('d.to_side', '=', f.to as never);
        const rows = await q.select(['d.name', 'd.from_side', 'd.to_side', 'd.status']).orderBy('d.id').execute();
        return {
          title: `Delegations of ${programme.title}`,
          columns: ['Delegation', 'From', 'To', 'Status'],
          rows: rows.map((r) => [r.name, format.side(r.from_side), format.side(r.to_side), format.label(r.status)]),
        };
      }
      let members = q.innerJoin('delegation_members as m', 'm.delegation_id', 'd.id')
        .select(['d.name as delegation', 'm.name', 'm.role', 'm.organisation', 'm.is_minor']).orderBy('d.id').orderBy('m.position');
      if (f.role) members = members.where('m.role', '=', f.role as never);
      const rows = await members.execute();
      return {
        title: `Members of the delegations of ${programme.title}`,
        columns: ['Delegation', 'Name', 'Role', 'Organisation'],
        rows: rows.map((r) => [r.delegation, r.is_minor ? '(minor — withheld)' : r.name, format.label(r.role), r.organisation]),
      };
    }
    case 'entries':
    case 'awards': {
      const contest = await scopedContest(db, user, ref);
      if (!contest) return null;
      if (metric === 'entries') {
        let q = db.selectFrom('entries as e').leftJoin('contest_categories as cc', 'cc.id', 'e.category_id')
          .where('e.contest_id', '=', contest.id).where('e.status', '=', 'submitted')
          .select(['e.reference', 'e.title', 'e.applicant_name', 'e.side', 'cc.name as category']).orderBy('e.reference');
        if (f.side) q = q.where('e.side', '=', f.side as never);
        if (f.category) q = q.where('cc.code', '=', f.category);
        const rows = await q.execute();
        return {
          title: `Entries to ${contest.title}`,
          columns: ['Reference', 'Entry', 'Entrant', 'Side', 'Category'],
          rows: rows.map((r) => [r.reference, r.title, r.applicant_name, format.side(r.side), r.category ?? '']),
        };
      }
      let q = db.selectFrom('award_grants as g').innerJoin('award_tiers as t', 't.id', 'g.tier_id').innerJoin('entries as e', 'e.id', 'g.entry_id')
        .where('t.contest_id', '=', contest.id)
        .select(['t.name as tier', 'e.reference', 'e.title', 'e.applicant_name', 'e.side']).orderBy('t.rank').orderBy('e.reference');
      if (f.tier) q = q.where('t.code', '=', f.tier);
      if (f.major === 'yes') q = q.where('t.is_major', '=', true);
      if (f.side) q = q.where('e.side', '=', f.side as never);
      const rows = await q.execute();
      return {
        title: `Awards of ${contest.title}`,
        columns: ['Award', 'Reference', 'Entry', 'Entrant', 'Side'],
        rows: rows.map((r) => [r.tier, r.reference, r.title, r.applicant_name, format.side(r.side)]),
      };
    }
    default:
      return null;
  }
}
