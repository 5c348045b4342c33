import { sql } from 'kysely';
import type { Database, Executor } from '../../db/index.ts';
import type { ImportedPerson, InvitationStatus, Side } from '../../db/types.ts';
import { Refusal } from '../../lib/errors.ts';
import { type Locale, localeOf } from '../../lib/i18n.ts';
import type { Site } from '../../lib/site.ts';
import { hashToken, newToken } from '../../lib/tokens.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { type EventDetails, eventDetails } from '../events/queries.ts';
import { type JobHandler, scheduleJob } from '../jobs/jobs.ts';
import { queueMail } from '../mail/outbox.ts';
import { invitationMail, invitationReminderMail } from './mode-messages.ts';

/*
 * Invitations to an invitation-only event (events.registration_mode 'invitation'). Each invitee
 * gets a personal link by email; only its hash is kept. The link opens a form with the address
 * fixed, where the invitee registers or declines, once. Invitees who have not answered are
 * reminded in rounds, each invitee at most once a round.
 */

export type Invitee = { name: string; email: string; organisation: string; side: Side; language: Locale };

/**
 * A new round begins only when the last began at least this long ago; sooner, the round goes
 * on, reaching only those it has not reminded yet (people invited since, say). A double click,
 * or the scheduled job beside an organiser's click, so reminds nobody twice.
 */
export const REMINDER_ROUND_HOURS = 24;

async function refuseUnlessInvitationOnly(db: Executor, eventId: number) {
  const row = await db.selectFrom('events').where('id', '=', eventId).select('registration_mode').executeTakeFirstOrThrow();
  if (row.registration_mode !== 'invitation') throw Refusal.conflict('modes.errors.notInvitationOnly');
}

/**
 * Invites people the event has neither invited nor registered, in the caller's transaction, and
 * queues each one's invitation. Returns how many were invited; the others are left as they are,
 * so that the same list invited twice invites nobody twice.
 */
export async function inviteAll(
  trx: Executor, site: Site, userId: number, event: EventDetails, people: readonly Invitee[], importId: string | null = null,
): Promise<{ invited: number; skipped: number }> {
  let invited = 0;
  for (const person of people) {
    const registered = await trx.selectFrom('registrations').where('event_id', '=', event.id).where('email', '=', person.email)
      .where('status', '<>', 'cancelled').select('id').executeTakeFirst();
    if (registered) continue;
    const token = newToken();
    const row = await trx.insertInto('event_invitations').values({
      event_id: event.id, name: person.name, email: person.email, organisation: person.organisation, side: person.side,
      language: person.language, token_hash: hashToken(token), invited_by: userId, import_id: importId,
    }).onConflict((oc) => oc.columns(['event_id', 'email']).doNothing()).returning('id').executeTakeFirst();
    if (!row) continue;
    await queueMail(trx, await invitationMail(trx, event, person, token, site, person.language), site.domain);
    invited++;
  }
  if (invited > 0) await scheduleInvitationReminder(trx, event);
  return { invited, skipped: people.length - invited };
}

export const INVITATION_REMINDER = 'invitation-reminder';
/** How long before registration closes (else before the event begins) those who have not answered are reminded. */
export const INVITATION_REMINDER_LEAD_HOURS = 72;

/**
 * Schedules the event's one reminder round for invitees who have not answered, in the caller's
 * transaction (again after each invitation: the key keeps it one job). None when that time has
 * passed: organisers still remind by hand.
 */
export async function scheduleInvitationReminder(
  trx: Executor, event: Pick<EventDetails, 'id' | 'item_id' | 'starts_at' | 'registration_closes_at'>, now = new Date(),
) {
  const closes = event.registration_closes_at ?? event.starts_at;
  const runAt = new Date(closes.getTime() - INVITATION_REMINDER_LEAD_HOURS * 3_600_000);
  if (runAt <= now) return;
  await scheduleJob(trx, {
    kind: INVITATION_REMINDER, key: `${INVITATION_REMINDER}:${event.id}`, runAt, itemId: event.item_id, payload: { eventId: event.id },
  });
}

/** The handler of invitation reminder jobs: one round, to those who have not answered (remindInvitees decides whether it still applies). */
export function invitationReminderHandler(site: Site): JobHandler {
  return async (trx, payload) => {
    await remindInvitees(trx, Number(payload.eventId), site);
  };
}

/** Invites one person typed in by an organiser; an address invited or registered already is refused beside its field. */
export async function inviteOne(db: Database, site: Site, user: CurrentUser, eventId: number, itemId: number, person: Invitee) {
  await db.transaction().execute(async (trx) => {
    // The event's row, locked: an import confirmed at the same moment waits.
    await trx.selectFrom('events').where('id', '=', eventId).select('id').forUpdate().executeTakeFirstOrThrow();
    await refuseUnlessInvitationOnly(trx, eventId);
    const event = await eventDetails(trx, eventId);
    const { invited } = await inviteAll(trx, site, user.id, event, [person]);
    if (invited === 0) {
      const known = await trx.selectFrom('event_invitations').where('event_id', '=', eventId).where('email', '=', person.email)
        .select('id').executeTakeFirst();
      throw Refusal.form({ email: known ? 'modes.errors.alreadyInvited' : 'modes.errors.alreadyRegistered' });
    }
    await recordAudit(trx, user.id, 'invite', 'event', eventId, { email: person.email }, itemId);
  });
}

/** Invites a confirmed import's people, in the import's transaction; the event must be invitation-only. */
export async function inviteImported(
  trx: Executor, site: Site, userId: number, eventId: number, people: readonly ImportedPerson[], importId: string, locale: Locale,
) {
  const event = await eventDetails(trx, eventId);
  return inviteAll(trx, site, userId, event, people.map((p) => ({ ...p, language: locale })), importId);
}

/** Which of these addresses the event has invited already. */
export async function invitedEmails(db: Executor, eventId: number, emails: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < emails.length; i += 1000) {
    const rows = await db.selectFrom('event_invitations').where('event_id', '=', eventId).where('email', 'in', emails.slice(i, i + 1000))
      .select('email').execute();
    for (const r of rows) found.add(r.email);
  }
  return found;
}

/** An invitation by the hash of its link's token, with what its page shows of it. */
export async function invitationByTokenHash(db: Executor, tokenHash: string) {
  return db.selectFrom('event_invitations').where('token_hash', '=', tokenHash)
    .select(['id', 'event_id', 'name', 'email', 'organisation', 'side', 'language', 'status', 'opened_at', 'answered_at'])
    .executeTakeFirst();
}

export type Invitation = NonNullable<Awaited<ReturnType<typeof invitationByTokenHash>>>;

/** The link was opened: an invitation not yet opened says so from now on. */
export async function markOpened(db: Executor, id: number, now = new Date()): Promise<void> {
  await db.updateTable('event_invitations').set({ status: 'opened', opened_at: now })
    .where('id', '=', id).where('status', '=', 'invited').execute();
}

/** The invitee declines, once: an invitation answered already is left as it is. */
export async function declineInvitation(db: Database, id: number, now = new Date()): Promise<'declined' | 'answered'> {
  const row = await db.updateTable('event_invitations').set({ status: 'declined', answered_at: now })
    .where('id', '=', id).where('status', 'in', ['invited', 'opened']).returning('id').executeTakeFirst();
  return row ? 'declined' : 'answered';
}

/**
 * Reminds the event's invitees who have not answered (invited or opened), in the caller's
 * transaction: each gets a new link (replacing the earlier one) and a reminder in their
 * language, at most once a round (REMINDER_ROUND_HOURS). The scheduler calls this too; an
 * event that is not invitation-only, or whose registration has closed, reminds nobody.
 */
export async function remindInvitees(
  trx: Executor, eventId: number, site: Site, now = new Date(),
): Promise<{ round: number; sent: number }> {
  const state = await trx.selectFrom('events').where('id', '=', eventId)
    .select(['registration_mode', 'invitation_round', 'invitation_round_at', 'status', 'registration_closes_at', 'starts_at'])
    .forUpdate().executeTakeFirstOrThrow();
  const closed = now >= (state.registration_closes_at ?? state.starts_at);
  if (state.registration_mode !== 'invitation' || state.status !== 'published' || closed) {
    return { round: state.invitation_round, sent: 0 };
  }
  let round = state.invitation_round;
  if (!state.invitation_round_at || now.getTime() - state.invitation_round_at.getTime() >= REMINDER_ROUND_HOURS * 3_600_000) {
    round++;
    await trx.updateTable('events').set({ invitation_round: round, invitation_round_at: now }).where('id', '=', eventId).execute();
  }
  const due = await trx.selectFrom('event_invitations').where('event_id', '=', eventId).where('status', 'in', ['invited', 'opened'])
    .where('reminded_round', '<', round).select(['id', 'name', 'email', 'language']).orderBy('id').forUpdate().execute();
  const event = await eventDetails(trx, eventId);
  for (const invitee of due) {
    const token = newToken();
    await trx.updateTable('event_invitations').set({ token_hash: hashToken(token), reminded_round: round, reminded_at: now })
      .where('id', '=', invitee.id).execute();
    await queueMail(trx, await invitationReminderMail(trx, event, invitee, token, site, localeOf(invitee.language)), site.domain);
  }
  return { round, sent: due.length };
}

/** An organiser's "send a reminder to those who have not answered": one round, audited. */
export async function remindForOrganiser(db: Database, site: Site, user: CurrentUser, eventId: number, itemId: number) {
  return db.transaction().execute(async (trx) => {
    await refuseUnlessInvitationOnly(trx, eventId);
    const result = await remindInvitees(trx, eventId, site);
    await recordAudit(trx, user.id, 'remind_invitees', 'event', eventId, { round: result.round, sent: result.sent }, itemId);
    return result;
  });
}

/** The event's invitations, newest first, and how many stand at each status. */
export async function invitationList(db: Executor, eventId: number, limit = 500) {
  const [rows, counts] = await Promise.all([
    db.selectFrom('event_invitations').where('event_id', '=', eventId)
      .select(['id', 'name', 'email', 'organisation', 'status', 'language', 'created_at', 'opened_at', 'answered_at', 'reminded_at',
        'registration_id'])
      .orderBy('id', 'desc').limit(limit).execute(),
    db.selectFrom('event_invitations').where('event_id', '=', eventId).groupBy('status')
      .select(['status', sql<number>`count(*)::int`.as('n')]).execute(),
  ]);
  const byStatus: Record<InvitationStatus, number> = { invited: 0, opened: 0, registered: 0, declined: 0 };
  for (const c of counts) byStatus[c.status] = c.n;
  return { rows, counts: byStatus, total: Object.values(byStatus).reduce((a, b) => a + b, 0) };
}
