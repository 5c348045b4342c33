import { sql } from 'kysely';
import type { Database, Executor } from '../../db/index.ts';
import type { DelegationStatus, Translations } from '../../db/types.ts';
import { confirmationState, holdUntil } from '../../lib/confirmation.ts';
import { localText } from '../../lib/content.ts';
import { Refusal } from '../../lib/errors.ts';
import { formatFor } from '../../lib/format.ts';
import { type Locale, localeOf, type Message, message, translator, verbatim } from '../../lib/i18n.ts';
import { hashToken, newToken } from '../../lib/tokens.ts';
import { changedFields, recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { queueMail } from '../mail/outbox.ts';
import { emitWebhook } from '../webhooks/events.ts';
import type { DelegationInput, MemberInput, VisitInput } from './form.ts';
import { organisationExists } from './queries.ts';

export const INVITATION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

type Mailing = { baseUrl: string; mailDomain: string };

type EditWindow = { edit_deadline: Date | null; programme_status: string; status: DelegationStatus };

/** Whether the leader may still change the delegation, and if not, why (the deadline written for `locale`). */
export function editState(d: EditWindow, now = new Date(), locale: Locale = 'en'): { open: true } | { open: false; reason: Message } {
  if (d.status === 'withdrawn') return { open: false, reason: 'participant.delegation.closed.withdrawn' };
  if (d.status === 'completed') return { open: false, reason: 'participant.delegation.closed.completed' };
  if (d.programme_status !== 'open') return { open: false, reason: 'participant.delegation.closed.programme' };
  if (d.edit_deadline && now >= d.edit_deadline) {
    const date = formatFor(locale).dateTime(d.edit_deadline);
    return { open: false, reason: message('participant.delegation.closed.deadline', { date }) };
  }
  return { open: true };
}

/** A leading organisation has to be one of the list's. */
async function checkLeadingOrganisation(trx: Executor, input: DelegationInput) {
  const lead = input.leadingOrganisationId;
  if (lead !== null && !(await organisationExists(trx, lead))) {
    throw Refusal.form({ leading_organisation_id: 'participant.delegation.errors.leading' });
  }
}

/**
 * Takes `seats` places of the programme in one conditional UPDATE (negative gives them back).
 * The row lock it takes makes concurrent delegations queue here, each seeing the count the
 * previous one left; the CHECK on the table is the last line of defence.
 */
async function takeSeats(trx: Executor, programmeId: number, seats: number) {
  if (seats === 0) return;
  const taken = await trx
    .updateTable('programmes')
    .set({ member_count: sql`member_count + ${seats}` })
    .where('id', '=', programmeId)
    .where(sql<boolean>`(capacity is null or member_count + ${seats} <= capacity)`)
    .returning('member_count')
    .executeTakeFirst();
  if (taken) return;
  const p = await trx.selectFrom('programmes').select(['capacity', 'member_count']).where('id', '=', programmeId)
    .executeTakeFirstOrThrow();
  const left = Math.max(0, (p.capacity ?? 0) - p.member_count);
  throw Refusal.form({
    members: left === 0 ? 'participant.delegation.errors.full' : left === 1
      ? message('participant.delegation.errors.notEnoughOne', { n: left, seats })
      : message('participant.delegation.errors.notEnoughMany', { n: left, seats }),
  });
}

const consentAt = (m: MemberInput, before: Date | null, now: Date) => (m.minor && m.consent ? (before ?? now) : null);

function memberRow(delegationId: number, m: MemberInput, position: number, now: Date) {
  return {
    delegation_id: delegationId, position, name: m.name, title: m.title, organisation: m.organisation, role: m.role,
    is_minor: m.minor, guardian_consent_at: consentAt(m, null, now),
  };
}

async function insertVisits(trx: Executor, delegationId: number, visits: VisitInput[]) {
  if (visits.length === 0) return;
  await trx.insertInto('delegation_visits').values(visits.map((v) => ({
    delegation_id: delegationId, visit_on: v.on, starts_at: v.at, host: v.host, place: v.place, purpose: v.purpose,
  }))).execute();
}

const awaitingConsent = (members: MemberInput[]) => members.filter((m) => m.minor && !m.consent).length;

type ProgrammeOfMail = { id: number; item_id: number; title: string; translations?: Translations | null; edit_deadline: Date | null };

export type RegistrationTarget = {
  programme: ProgrammeOfMail & { ends_on: string };
  /** Set when the leader came through an organiser's invitation, which this uses up. */
  invitationId?: number;
  /**
   * The contact confirms their email address before the delegation counts (programmes.confirm_email,
   * for the public form of someone not signed in): it is pending, holding its places until confirm_by.
   */
  confirmEmail?: boolean;
};

export type RegisterOutcome =
  | { kind: 'registered'; token: string; delegationId: number }
  /** Pending: the link is only in the mail, so the answer shows nothing of it. */
  | { kind: 'pending'; delegationId: number };

/** The last moment of the programme's last day, in Hong Kong, where every programme runs. */
const programmeEnd = (endsOn: string) => new Date(Date.parse(`${endsOn}T00:00:00+08:00`) + 86_400_000);

/** When a pending delegation made now is withdrawn: 24 hours on, never past the edit deadline or the programme's end. */
export function delegationConfirmDeadline(programme: { edit_deadline: Date | null; ends_on: string }, now: Date): Date {
  return holdUntil(now, programme.edit_deadline ?? programmeEnd(programme.ends_on));
}

/**
 * Registers a delegation with its members and itinerary in one transaction: the invitation is
 * used up, the places taken, the rows written and the confirmation queued — or none of it.
 * The delegation keeps the language it was registered in; every email about it is written in that.
 * With email confirmation asked for, the places are held, pending, and the mail asks to confirm.
 */
export async function registerDelegation(
  db: Database, target: RegistrationTarget, input: DelegationInput, mailing: Mailing, locale: Locale = 'en',
): Promise<RegisterOutcome> {
  const { programme } = target;
  const token = newToken();
  const now = new Date();
  const confirmBy = target.confirmEmail ? delegationConfirmDeadline(programme, now) : null;
  return db.transaction().execute(async (trx): Promise<RegisterOutcome> => {
    // Places held past their time by pending delegations are given back first.
    await releaseUnconfirmedDelegations(trx, now, programme.id);
    if (target.invitationId !== undefined) {
      const used = await trx.updateTable('delegation_invitations').set({ used_at: now })
        .where('id', '=', target.invitationId).where('used_at', 'is', null).where('expires_at', '>', now)
        .returning('id').executeTakeFirst();
      if (!used) throw Refusal.form({ _form: 'participant.delegation.errors.invitationUsed' });
    }
    await checkLeadingOrganisation(trx, input);
    await takeSeats(trx, programme.id, input.members.length);
    const delegation = await trx.insertInto('delegations').values({
      programme_id: programme.id, name: input.name, leading_organisation_id: input.leadingOrganisationId,
      from_side: input.fromSide, to_side: input.toSide, contact_name: input.contactName, contact_email: input.contactEmail,
      status: 'proposed', token_hash: hashToken(token), language: locale, confirm_by: confirmBy,
    }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('delegation_members')
      .values(input.members.map((m, i) => memberRow(delegation.id, m, i + 1, now))).execute();
    await insertVisits(trx, delegation.id, input.visits);
    if (target.invitationId !== undefined) {
      await trx.updateTable('delegation_invitations').set({ delegation_id: delegation.id })
        .where('id', '=', target.invitationId).execute();
    }
    await recordAudit(trx, null, 'register', 'delegation', delegation.id, {
      name: input.name, members: input.members.length, visits: input.visits.length,
      via: target.invitationId === undefined ? 'public form' : 'invitation', ...(confirmBy ? { confirm_by: confirmBy } : {}),
    }, programme.item_id);
    const facts: MailFacts = {
      name: input.name, contactName: input.contactName, contactEmail: input.contactEmail, members: input.members.length,
      visits: input.visits.length, waiting: awaitingConsent(input.members),
    };
    const link = `${mailing.baseUrl}/delegations/${token}`;
    const mail = confirmBy ? confirmEmailMail(programme, facts, link, confirmBy, locale) : confirmationMail(programme, facts, link, locale);
    await queueMail(trx, mail, mailing.mailDomain);
    return confirmBy ? { kind: 'pending', delegationId: delegation.id } : { kind: 'registered', token, delegationId: delegation.id };
  });
}

/** What the mails about a delegation say of it. */
type MailFacts = { name: string; contactName: string; contactEmail: string; members: number; visits: number; waiting: number };

function registeredLine(programme: ProgrammeOfMail, facts: MailFacts, locale: Locale) {
  const t = translator(locale);
  return t('participant.mail.delegation.registered', {
    name: facts.name,
    programme: localText(programme.title, programme.translations, 'title', locale).text,
    members: t(facts.members === 1 ? 'participant.mail.delegation.membersOne' : 'participant.mail.delegation.membersMany',
      { n: facts.members }),
    visits: t(facts.visits === 1 ? 'participant.mail.delegation.visitsOne' : 'participant.mail.delegation.visitsMany',
      { n: facts.visits }),
  });
}

function confirmationMail(programme: ProgrammeOfMail, facts: MailFacts, link: string, locale: Locale) {
  const t = translator(locale);
  const { waiting } = facts;
  return {
    to: facts.contactEmail,
    subject: t('participant.mail.delegation.subjectRegistered', { name: facts.name }),
    itemId: programme.item_id,
    text: [
      t('participant.mail.dear', { name: facts.contactName }),
      '',
      registeredLine(programme, facts, locale),
      ...(waiting > 0
        ? ['', t(waiting === 1 ? 'participant.mail.delegation.minorsOne' : 'participant.mail.delegation.minorsMany', { n: waiting })]
        : []),
      '',
      t('participant.mail.delegation.link'),
      '',
      link,
      '',
      programme.edit_deadline
        ? t('participant.mail.delegation.changeUntil', { date: formatFor(locale).dateTime(programme.edit_deadline) })
        : t('participant.mail.delegation.changeWhileOpen'),
    ].join('\n'),
  };
}

/** The mail of a pending delegation: the private link, whose page has the button that confirms the address. */
function confirmEmailMail(programme: ProgrammeOfMail, facts: MailFacts, link: string, confirmBy: Date, locale: Locale) {
  const t = translator(locale);
  return {
    to: facts.contactEmail,
    subject: t('participant.mail.delegation.subjectConfirm', { name: facts.name }),
    itemId: programme.item_id,
    text: [
      t('participant.mail.dear', { name: facts.contactName }),
      '',
      registeredLine(programme, facts, locale),
      '',
      t('participant.mail.delegation.confirm', { time: formatFor(locale).dateTime(confirmBy) }),
      '',
      link,
      '',
      t('participant.mail.delegation.notYou'),
    ].join('\n'),
  };
}

/**
 * The contact confirms their email address from the private link: the pending delegation counts
 * from now on and the usual confirmation is mailed. Confirming twice is harmless; a delegation
 * withdrawn for want of confirmation (or past its time, about to be) cannot be confirmed.
 */
export async function confirmDelegationEmail(
  db: Database, token: string, mailing: Mailing, now = new Date(),
): Promise<'confirmed' | 'already_confirmed'> {
  return db.transaction().execute(async (trx) => {
    const d = await trx.selectFrom('delegations').selectAll().where('token_hash', '=', hashToken(token)).forUpdate().executeTakeFirst();
    if (!d) throw Refusal.notFound('participant.delegation.errors.gone');
    const state = confirmationState({ confirm_by: d.confirm_by, live: d.status !== 'withdrawn' }, now);
    if (state === 'done') return 'already_confirmed';
    if (state === 'too_late') throw Refusal.conflict('participant.delegation.errors.confirmTooLate');
    await trx.updateTable('delegations').set({ confirm_by: null, updated_at: now }).where('id', '=', d.id).execute();
    const programme = await trx.selectFrom('programmes').select(['id', 'item_id', 'title', 'translations', 'edit_deadline'])
      .where('id', '=', d.programme_id).executeTakeFirstOrThrow();
    await recordAudit(trx, null, 'confirm_email', 'delegation', d.id, { confirm_by: { from: d.confirm_by, to: null } }, programme.item_id);
    const [members, visits] = await Promise.all([
      trx.selectFrom('delegation_members').select(['is_minor', 'guardian_consent_at']).where('delegation_id', '=', d.id).execute(),
      trx.selectFrom('delegation_visits').select('id').where('delegation_id', '=', d.id).execute(),
    ]);
    const facts: MailFacts = {
      name: d.name, contactName: d.contact_name, contactEmail: d.contact_email, members: members.length, visits: visits.length,
      waiting: members.filter((m) => m.is_minor && !m.guardian_consent_at).length,
    };
    const link = `${mailing.baseUrl}/delegations/${token}`;
    await queueMail(trx, confirmationMail(programme, facts, link, localeOf(d.language)), mailing.mailDomain);
    return 'confirmed';
  });
}

/**
 * Withdraws pending delegations past their confirm_by (of one programme, or of all), in the
 * caller's transaction: their places go back to the programme, each is audited, and each keeps its
 * confirm_by (it never counted). Rows another instance is releasing are skipped (SKIP LOCKED).
 * Returns how many were released.
 */
export async function releaseUnconfirmedDelegations(trx: Executor, now: Date, programmeId?: number, limit = 100): Promise<number> {
  const expired = await trx.selectFrom('delegations')
    .where('confirm_by', 'is not', null)
    .where('confirm_by', '<=', now)
    .where('status', '<>', 'withdrawn')
    .$if(programmeId !== undefined, (q) => q.where('programme_id', '=', programmeId ?? 0))
    .select(['id', 'programme_id', 'status'])
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  for (const d of expired) {
    const members = await trx.selectFrom('delegation_members').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('delegation_id', '=', d.id).executeTakeFirstOrThrow();
    const seats = Number(members.n);
    // Given back unconditionally: a release must never fail on a capacity lowered since.
    const programme = await trx.updateTable('programmes').set({ member_count: sql`member_count - ${seats}` })
      .where('id', '=', d.programme_id).returning('item_id').executeTakeFirstOrThrow();
    await trx.updateTable('delegations').set({ status: 'withdrawn', updated_at: now }).where('id', '=', d.id).execute();
    await recordAudit(trx, null, 'release_unconfirmed', 'delegation', d.id,
      { status: { from: d.status, to: 'withdrawn' }, members: seats }, programme.item_id);
  }
  return expired.length;
}

/** The background sweep: releases expired pending delegations of every programme, a batch at a time. */
export async function sweepUnconfirmedDelegations(db: Database, now = new Date()): Promise<number> {
  return db.transaction().execute((trx) => releaseUnconfirmedDelegations(trx, now));
}

/**
 * Saves the leader's changes through the manage link. Members keep their rows (and with them
 * their check-in and consent) when they stay on the list; places are taken or given back for
 * the difference in the same transaction.
 */
export async function updateDelegation(
  db: Database, tokenHash: string, input: DelegationInput, now = new Date(), locale: Locale = 'en',
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('delegations').selectAll().where('token_hash', '=', tokenHash).forUpdate()
      .executeTakeFirst();
    if (!before) throw Refusal.notFound('participant.delegation.errors.gone');
    const programme = await trx.selectFrom('programmes').select(['id', 'item_id', 'status', 'edit_deadline'])
      .where('id', '=', before.programme_id).executeTakeFirstOrThrow();
    const state = editState({ ...before, edit_deadline: programme.edit_deadline, programme_status: programme.status }, now, locale);
    if (!state.open) throw Refusal.page(403, state.reason);
    if (before.status === 'confirmed' && awaitingConsent(input.members) > 0) {
      throw Refusal.form({ members: 'participant.delegation.errors.confirmedConsent' });
    }
    await checkLeadingOrganisation(trx, input);

    const existing = await trx.selectFrom('delegation_members').select(['id', 'guardian_consent_at'])
      .where('delegation_id', '=', before.id).execute();
    const consentOf = new Map(existing.map((m) => [m.id, m.guardian_consent_at]));
    const keptIds = new Set<number>();
    const rows = input.members.map((m, i) => {
      const keep = m.id !== null && consentOf.has(m.id) && !keptIds.has(m.id);
      if (keep && m.id !== null) keptIds.add(m.id);
      return { member: m, position: i + 1, id: keep ? m.id : null };
    });

    if (input.members.length > existing.length) await releaseUnconfirmedDelegations(trx, now, programme.id);
    await takeSeats(trx, programme.id, input.members.length - existing.length);
    const removed = existing.filter((m) => !keptIds.has(m.id)).map((m) => m.id);
    if (removed.length) await trx.deleteFrom('delegation_members').where('id', 'in', removed).execute();
    // Positions and the single head are unique: move the kept rows out of the way, demote the
    // old head before the new one is named, and add new members last.
    await trx.updateTable('delegation_members').set({ position: sql`position + 100000` })
      .where('delegation_id', '=', before.id).execute();
    const kept = rows.filter((r) => r.id !== null).sort((a, b) => Number(a.member.role === 'head') - Number(b.member.role === 'head'));
    for (const row of kept) {
      const id = row.id as number;
      const m = row.member;
      await trx.updateTable('delegation_members').set({
        position: row.position, name: m.name, title: m.title, organisation: m.organisation, role: m.role,
        is_minor: m.minor, guardian_consent_at: consentAt(m, consentOf.get(id) ?? null, now),
      }).where('id', '=', id).execute();
    }
    const added = rows.filter((r) => r.id === null);
    if (added.length) {
      await trx.insertInto('delegation_members').values(added.map((r) => memberRow(before.id, r.member, r.position, now))).execute();
    }
    const visitsBefore = await trx.deleteFrom('delegation_visits').where('delegation_id', '=', before.id).executeTakeFirst();
    await insertVisits(trx, before.id, input.visits);

    const after = {
      name: input.name, leading_organisation_id: input.leadingOrganisationId, from_side: input.fromSide, to_side: input.toSide,
      contact_name: input.contactName, contact_email: input.contactEmail,
    };
    await trx.updateTable('delegations').set({ ...after, updated_at: now }).where('id', '=', before.id).execute();
    await recordAudit(trx, null, 'update', 'delegation', before.id, {
      ...changedFields(before, after),
      members: { from: existing.length, to: input.members.length },
      visits: { from: Number(visitsBefore.numDeletedRows), to: input.visits.length },
    }, programme.item_id);
  });
}

// ---------------------------------------------------------------------------------------------
// Organisers act on a delegation they reached through their scope (`scopedDelegation`), and what
// its state does not allow is refused with a conflict that says why.

/** A delegation in the organiser's scope. */
type InScope = { id: number; item_id: number };

/** A status as a word within a sentence ("is already confirmed"). */
const STATUS_WORDS: Record<DelegationStatus, Message> = {
  proposed: { key: 'contests.delegation.status.proposed' },
  confirmed: { key: 'contests.delegation.status.confirmed' },
  completed: { key: 'contests.delegation.status.completed' },
  withdrawn: { key: 'contests.delegation.status.withdrawn' },
};

/** Names as one list in the reader's language: "A, B, C" in English, 「A、B、C」 in Chinese. */
function nameList(names: readonly string[]): Message {
  return names.slice(0, -1).reduceRight<Message>(
    (rest, name) => message('contests.delegation.names', { name, rest }), verbatim(names.at(-1) ?? ''),
  );
}

/** The delegation's row, locked: a leader's edit in flight is then either wholly before or wholly after. */
async function lockedDelegation(trx: Executor, id: number) {
  return trx.selectFrom('delegations').selectAll().where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
}

/** Confirms a proposed delegation; refused while a member under 18 has no guardian's consent. */
export async function confirmDelegation(db: Database, user: CurrentUser, d: InScope): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const { status, confirm_by } = await lockedDelegation(trx, d.id);
    if (status !== 'proposed') throw Refusal.conflict(message('contests.delegation.alreadyStatus', { status: STATUS_WORDS[status] }));
    const waiting = await trx.selectFrom('delegation_members').select('name').where('delegation_id', '=', d.id)
      .where('is_minor', '=', true).where('guardian_consent_at', 'is', null).orderBy('position').execute();
    if (waiting.length > 0) {
      throw Refusal.conflict(message('contests.delegation.consentFirst', { names: nameList(waiting.map((m) => m.name)) }));
    }
    // The organisers vouch for the delegation, and with it for its contact's address.
    await trx.updateTable('delegations').set({ status: 'confirmed', confirm_by: null, updated_at: new Date() }).where('id', '=', d.id)
      .execute();
    await emitWebhook(trx, 'delegation.confirmed', d.id);
    await recordAudit(trx, user.id, 'confirm', 'delegation', d.id, {
      status: { from: 'proposed', to: 'confirmed' }, ...(confirm_by ? { confirm_by: { from: confirm_by, to: null } } : {}),
    }, d.item_id);
  });
}

/** Records that a guardian consented for a member under 18. */
export async function recordConsent(db: Database, user: CurrentUser, d: InScope, memberId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const member = await trx.updateTable('delegation_members').set({ guardian_consent_at: new Date() })
      .where('id', '=', memberId).where('delegation_id', '=', d.id).where('is_minor', '=', true)
      .where('guardian_consent_at', 'is', null).returning('id').executeTakeFirst();
    if (!member) throw Refusal.conflict('contests.delegation.errors.noConsent');
    await recordAudit(trx, user.id, 'record_consent', 'delegation_member', memberId,
      { guardian_consent: { from: false, to: true } }, d.item_id);
  });
}

/** Checks in the whole delegation (memberId null) or one member; only confirmed delegations arrive. */
export async function checkIn(db: Database, user: CurrentUser, d: InScope, memberId: number | null): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const { status } = await lockedDelegation(trx, d.id);
    if (status !== 'confirmed' && status !== 'completed') throw Refusal.conflict('contests.delegation.errors.confirmFirst');
    let q = trx.updateTable('delegation_members').set({ checked_in_at: new Date() })
      .where('delegation_id', '=', d.id).where('checked_in_at', 'is', null);
    if (memberId !== null) q = q.where('id', '=', memberId);
    const checked = await q.returning('id').execute();
    if (checked.length === 0) {
      throw Refusal.conflict(memberId === null ? 'contests.delegation.errors.allCheckedIn' : 'contests.delegation.errors.memberCheckedIn');
    }
    await recordAudit(trx, user.id, 'check_in', memberId === null ? 'delegation' : 'delegation_member', memberId ?? d.id,
      { checked_in: checked.length }, d.item_id);
  });
}

/**
 * Withdraws a delegation: its places go back to the programme, it leaves every count and the
 * leader is told by email. The caller has locked the row and checked who may do this.
 */
async function withdraw(
  trx: Executor,
  d: {
    id: number; name: string; contact_name: string; contact_email: string; programme_id: number; status: DelegationStatus; language: string;
  },
  programme: { item_id: number; title: string; translations: Translations | null }, actorId: number | null, mailDomain: string,
) {
  const locale = localeOf(d.language);
  const t = translator(locale);
  const members = await trx.selectFrom('delegation_members').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('delegation_id', '=', d.id).executeTakeFirstOrThrow();
  await takeSeats(trx, d.programme_id, -Number(members.n));
  await trx.updateTable('delegations').set({ status: 'withdrawn', updated_at: new Date() }).where('id', '=', d.id).execute();
  await recordAudit(trx, actorId, 'withdraw', 'delegation', d.id,
    { status: { from: d.status, to: 'withdrawn' }, members: Number(members.n) }, programme.item_id);
  await queueMail(trx, {
    to: d.contact_email,
    subject: t('participant.mail.delegation.subjectWithdrawn', { name: d.name }),
    itemId: programme.item_id,
    text: [
      t('participant.mail.dear', { name: d.contact_name }),
      '',
      t(actorId === null ? 'participant.mail.delegation.withdrawnAsked' : 'participant.mail.delegation.withdrawnByOrganisers', {
        name: d.name, programme: localText(programme.title, programme.translations, 'title', locale).text,
      }) + t(Number(members.n) === 1 ? 'participant.mail.delegation.placesBackOne' : 'participant.mail.delegation.placesBackMany', {
        n: Number(members.n),
      }),
      '',
      t('participant.mail.delegation.mistake'),
    ].join('\n'),
  }, mailDomain);
}

const withdrawable = (status: DelegationStatus) => status === 'proposed' || status === 'confirmed';

/** The leader withdraws through the manage link, while changes are still open. */
export async function withdrawByLeader(
  db: Database, tokenHash: string, mailDomain: string, now = new Date(), locale: Locale = 'en',
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const d = await trx.selectFrom('delegations').selectAll().where('token_hash', '=', tokenHash).forUpdate().executeTakeFirst();
    if (!d) throw Refusal.notFound('participant.delegation.errors.gone');
    const programme = await trx.selectFrom('programmes').select(['item_id', 'title', 'translations', 'status', 'edit_deadline'])
      .where('id', '=', d.programme_id).executeTakeFirstOrThrow();
    const state = editState({ status: d.status, edit_deadline: programme.edit_deadline, programme_status: programme.status }, now, locale);
    if (!state.open) throw Refusal.conflict(state.reason);
    await withdraw(trx, d, programme, null, mailDomain);
  });
}

/** An organiser withdraws a proposed or confirmed delegation of their programme. */
export async function withdrawByOrganiser(db: Database, user: CurrentUser, scoped: InScope, mailDomain: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const d = await lockedDelegation(trx, scoped.id);
    if (!withdrawable(d.status)) {
      throw Refusal.conflict(message('contests.delegation.notWithdrawable', { status: STATUS_WORDS[d.status] }));
    }
    const programme = await trx.selectFrom('programmes').select(['item_id', 'title', 'translations']).where('id', '=', d.programme_id)
      .executeTakeFirstOrThrow();
    await withdraw(trx, d, programme, user.id, mailDomain);
  });
}

/**
 * Creates a single-use invitation link for an open programme in the organiser's scope and emails
 * it. Returns the link, which is shown once and stored only as a hash.
 */
export async function createInvitation(
  db: Database, user: CurrentUser,
  programme: { id: number; item_id: number; title: string; translations: Translations | null; status: string },
  email: string, locale: Locale, mailing: Mailing,
): Promise<string> {
  if (programme.status !== 'open') throw Refusal.form({ email: 'contests.errors.openBeforeInviting' });
  const t = translator(locale);
  const title = localText(programme.title, programme.translations, 'title', locale).text;
  const token = newToken();
  const link = `${mailing.baseUrl}/delegation-invitations/${token}`;
  const expiresAt = new Date(Date.now() + INVITATION_LIFETIME_MS);
  await db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('delegation_invitations').values({
      programme_id: programme.id, email, token_hash: hashToken(token), created_by: user.id, expires_at: expiresAt,
    }).returning('id').executeTakeFirstOrThrow();
    await recordAudit(trx, user.id, 'invite', 'delegation_invitation', row.id, { email }, programme.item_id);
    await queueMail(trx, {
      to: email,
      subject: t('participant.mail.invitation.subject', { programme: title }),
      itemId: programme.item_id,
      text: [
        t('participant.mail.invitation.dear'),
        '',
        t('participant.mail.invitation.body', { programme: title }),
        '',
        link,
        '',
        t('participant.mail.invitation.once', { date: formatFor(locale).dateTime(expiresAt) }),
      ].join('\n'),
    }, mailing.mailDomain);
  });
  return link;
}
