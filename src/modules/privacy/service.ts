import type { Database, Executor } from '../../db/index.ts';
import { Refusal } from '../../lib/errors.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { delegationByToken, membersOf, visitsOf } from '../delegations/queries.ts';
import {
  eraseAudit, eraseDelegations, eraseEntries, eraseImports, eraseInvitations, eraseMailingLists, eraseOutbox, eraseRegistrations,
  periodRetention, periodsWithRetention,
} from './queries.ts';
import { erasureDate, erasureDue } from './retention.ts';

export type PeriodErasure = {
  period: string;
  registrations: number;
  delegations: number;
  members: number;
  entries: number;
  invitations: number;
  imports: number;
  optOuts: number;
  unsubscribeLinks: number;
  messages: number;
  auditEntries: number;
};

/**
 * Erases participants' personal data in every period whose retention has run out by `now`:
 * registrations, event invitations and imported lists, delegations and their members, contest
 * entries, the opt-outs from the period's mailing lists and their unsubscribe links, the copies of
 * messages sent to them and the personal values in the audit log. Counts, statuses, sides, roles
 * and check-in times stay, so the summary and the reports read the same. Safe to run again: rows
 * already erased are left alone. Each period is erased in its own transaction and audited.
 */
export async function erasePersonalData(db: Database, now: Date, actorUserId: number | null = null): Promise<PeriodErasure[]> {
  const done: PeriodErasure[] = [];
  for (const period of await periodsWithRetention(db)) {
    if (!erasureDue(period, now)) continue;
    const result = await db.transaction().execute(async (trx) => {
      const registrations = await eraseRegistrations(trx, now, { periodId: period.id });
      const { delegations, members } = await eraseDelegations(trx, now, period.id);
      const entries = await eraseEntries(trx, now, period.id);
      const invitations = await eraseInvitations(trx, { periodId: period.id });
      const imports = await eraseImports(trx, { periodId: period.id });
      const { optOuts, unsubscribeLinks } = await eraseMailingLists(trx, { periodId: period.id });
      const firstTime = period.personal_data_erased_at === null;
      const rows = registrations + delegations + members + entries + invitations + imports + optOuts + unsubscribeLinks;
      if (!firstTime && rows === 0) return null;
      const messages = await eraseOutbox(trx, { periodId: period.id });
      const auditEntries = await eraseAudit(trx, { periodId: period.id });
      if (firstTime) {
        await trx.updateTable('periods').set({ personal_data_erased_at: now }).where('id', '=', period.id).execute();
      }
      const erasure = {
        period: period.slug, registrations, delegations, members, entries, invitations, imports, optOuts, unsubscribeLinks, messages,
        auditEntries,
      };
      const { period: _slug, ...counts } = erasure;
      await recordAudit(trx, actorUserId, 'erase_personal_data', 'period', period.id, { ...counts, due: erasureDate(period) });
      return erasure;
    });
    if (result) done.push(result);
  }
  return done;
}

const isoOrNull = (d: Date | null) => d?.toISOString() ?? null;

/**
 * What a delegation leader's link holds: the delegation, its members and its itinerary, as a
 * file to keep. Undefined when the link names no delegation.
 */
export async function delegationData(db: Executor, tokenHash: string) {
  const d = await delegationByToken(db, tokenHash);
  if (!d) return undefined;
  const [members, visits] = await Promise.all([membersOf(db, d.id), visitsOf(db, d.id)]);
  return {
    kind: 'ipcoop delegation',
    exported_at: new Date().toISOString(),
    programme: { title: d.programme_title, slug: d.programme_slug, starts_on: d.starts_on, ends_on: d.ends_on },
    delegation: {
      name: d.name, status: d.status, from_side: d.from_side, to_side: d.to_side, leading_organisation: d.leading_organisation,
      contact_name: d.contact_name, contact_email: d.contact_email, language: d.language,
      registered_at: d.created_at.toISOString(), updated_at: d.updated_at.toISOString(), erased_at: isoOrNull(d.erased_at),
    },
    members: members.map((m) => ({
      position: m.position, name: m.name, title: m.title, organisation: m.organisation, role: m.role, under_18: m.is_minor,
      guardian_consent_at: isoOrNull(m.guardian_consent_at), checked_in_at: isoOrNull(m.checked_in_at),
    })),
    itinerary: visits.map((v) => ({ on: v.visit_on, at: v.starts_at, host: v.host, place: v.place, purpose: v.purpose })),
  };
}

export type RetentionInput = { retention_months: number | null; erase_personal_data_on: string | null };

/** Sets a period's retention rule. */
export async function setRetention(db: Database, user: CurrentUser, slug: string, input: RetentionInput) {
  return db.transaction().execute(async (trx) => {
    const before = await periodRetention(trx, slug);
    if (!before) throw Refusal.notFound('pages.notFound.period');
    await trx.updateTable('periods').set(input).where('id', '=', before.id).execute();
    await recordAudit(trx, user.id, 'set_retention', 'period', before.id, {
      retention_months: { from: before.retention_months, to: input.retention_months },
      erase_personal_data_on: { from: before.erase_personal_data_on, to: input.erase_personal_data_on },
    });
    return { ...before, ...input };
  });
}
