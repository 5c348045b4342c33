import type { Database, Executor } from '../../db/index.ts';
import { holdUntil } from '../../lib/confirmation.ts';
import { Refusal } from '../../lib/errors.ts';
import { type Locale, localeOf } from '../../lib/i18n.ts';
import { hashToken, newToken } from '../../lib/tokens.ts';
import type { Site } from '../../lib/site.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { type EventDetails, eventDetails } from '../events/queries.ts';
import { registrationState } from '../events/service.ts';
import { type OutgoingMail, queueMail } from '../mail/outbox.ts';
import { itemInScope } from '../scope/scope.ts';
import { emitWebhook } from '../webhooks/events.ts';
import { participantMail } from './messages.ts';
import { awaitingMail } from './mode-messages.ts';
import { firstWaitlisted, liveRegistrationForEmail, releaseSeat, takeSeat } from './queries.ts';
import type { RegistrationInput } from './schemas.ts';

export type RegisterOutcome =
  | { kind: 'registered'; token: string; status: 'confirmed' | 'waitlisted' | 'awaiting' }
  /**
   * Already registered: nothing is created and the working link is left alone; the owner is
   * mailed a new link (pending until first opened), and the page says only "check your inbox".
   */
  | { kind: 'repeat' }
  /**
   * Email confirmation is on: the place is held, unconfirmed, and a link to confirm it is
   * mailed. The answer is the same "check your inbox" as a repeat's, so a stranger cannot tell them apart.
   */
  | { kind: 'pending' }
  | { kind: 'full' }
  | { kind: 'closed'; reason: string }
  /** Through an invitation's link: the invitation was answered already (registered or declined). */
  | { kind: 'used' };

/**
 * How a registration comes: `approval`, it waits for an organiser's approval (status 'awaiting',
 * holding no place, the address unconfirmed until then: the decision is mailed to it); through an
 * invitation's link, whose address is proven by the link, so it is never asked to confirm it.
 */
export type RegisterVia = { approval?: boolean; invitationId?: number };

/**
 * Runs at most `size` tasks at once and queues the rest. Registrations for an event queue on
 * its row lock anyway; letting every request hold a pooled connection while it waits there
 * would starve the other requests of connections in a rush.
 */
function limiter(size: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

const registrationSlot = limiter(3);

const ONE_LIVE_PER_EMAIL = 'registrations_one_live_per_email';

function isDuplicateRegistration(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string; message?: string } | null;
  return e?.code === '23505' && (e.constraint === ONE_LIVE_PER_EMAIL || String(e.message).includes(ONE_LIVE_PER_EMAIL));
}

/**
 * Registers a person: a confirmed place if one is left (taken by the conditional UPDATE, in
 * this transaction), else the waiting list if the event keeps one, else "full". A second
 * registration of the same email creates nothing and cuts no link: it mails the owner a new
 * manage link instead, which replaces the old one only once the owner opens it.
 * The registration keeps the language it was made in; every email about it is written in that.
 */
export async function register(
  db: Database, site: Site, event: EventDetails, input: RegistrationInput, now = new Date(), locale: Locale = 'en', via: RegisterVia = {},
): Promise<RegisterOutcome> {
  const token = newToken();
  const tokenHash = hashToken(token);
  // Both possible confirmations are prepared before the transaction, so that the lock on the
  // event row is held for as short a time as possible.
  const link = (status: string) => ({ token, tokenHash, status });
  const confirmBy = confirmDeadline(event, now);
  const mails = {
    confirmed: await participantMail(db, 'confirmed', event, input, link('confirmed'), site, locale),
    waitlisted: await participantMail(db, 'waitlisted', event, input, link('waitlisted'), site, locale),
    confirm: event.confirm_email && !via.approval && via.invitationId === undefined
      ? await participantMail(db, 'confirm', event, input, link('unconfirmed'), site, locale, { confirmBy }) : null,
    awaiting: via.approval ? awaitingMail(event, input, token, site, locale) : null,
  };
  return registrationSlot(() => registerNow(db, site, event, input, now, { token, tokenHash, mails, locale, via }));
}

async function registerNow(
  db: Database, site: Site, event: EventDetails, input: RegistrationInput, now: Date,
  prepared: {
    token: string; tokenHash: string; locale: Locale; via: RegisterVia;
    mails: Record<'confirmed' | 'waitlisted', OutgoingMail> & { confirm: OutgoingMail | null; awaiting: OutgoingMail | null };
  },
): Promise<RegisterOutcome> {
  const eventId = event.id;
  const { token, tokenHash, mails, locale, via } = prepared;
  // An invitation is answered once: its row, locked, says whether it still may be.
  const invitationOpen = async (trx: Executor) => via.invitationId === undefined || (await trx.selectFrom('event_invitations')
    .where('id', '=', via.invitationId).where('status', 'in', ['invited', 'opened']).select('id').forUpdate()
    .executeTakeFirst()) !== undefined;
  const answerInvitation = async (trx: Executor, registrationId: number) => {
    if (via.invitationId === undefined) return;
    await trx.updateTable('event_invitations').set({ status: 'registered', registration_id: registrationId, answered_at: now })
      .where('id', '=', via.invitationId).execute();
  };
  try {
    return await db.transaction().execute(async (trx): Promise<RegisterOutcome> => {
      // The window and status were read a moment ago; the seat itself is decided below, in the database.
      const state = registrationState(event, now);
      if (!state.open && state.reason !== 'full') return { kind: 'closed', reason: state.reason };
      // Places held past their time by unconfirmed registrations are given back first.
      if (event.confirm_email) await releaseUnconfirmed(trx, site, now, eventId);
      if (!(await invitationOpen(trx))) return { kind: 'used' };
      const existing = await liveRegistrationForEmail(trx, eventId, input.email);
      if (existing) {
        await answerInvitation(trx, existing.id);
        return mailPendingLink(trx, site, event, existing, input.email);
      }
      if (mails.awaiting) {
        // Waiting for approval holds no place: the place (or the waiting list) is decided on approval.
        await trx.insertInto('registrations').values({
          event_id: eventId, name: input.name, email: input.email, organisation: input.organisation, side: input.side,
          status: 'awaiting', answers: JSON.stringify(input.answers), token_hash: tokenHash, language: locale,
        }).execute();
        await queueMail(trx, mails.awaiting, site.domain);
        return { kind: 'registered', token, status: 'awaiting' };
      }
      const seated = await takeSeat(trx, eventId);
      if (!seated && !event.waitlist_enabled) return { kind: 'full' };
      if (mails.confirm) {
        await trx.insertInto('registrations').values({
          event_id: eventId, name: input.name, email: input.email, organisation: input.organisation, side: input.side,
          status: seated ? 'unconfirmed' : 'waitlisted', confirm_by: confirmDeadline(event, now),
          answers: JSON.stringify(input.answers), token_hash: tokenHash, language: locale,
        }).execute();
        await queueMail(trx, mails.confirm, site.domain);
        return { kind: 'pending' };
      }
      const status = seated ? 'confirmed' : 'waitlisted';
      const inserted = await trx.insertInto('registrations').values({
        event_id: eventId,
        name: input.name,
        email: input.email,
        organisation: input.organisation,
        side: input.side,
        status,
        answers: JSON.stringify(input.answers),
        token_hash: tokenHash,
        language: locale,
      }).returning('id').executeTakeFirstOrThrow();
      await answerInvitation(trx, inserted.id);
      await queueMail(trx, mails[status], site.domain);
      await emitWebhook(trx, 'registration.created', { tokenHash });
      return { kind: 'registered', token, status };
    });
  } catch (error) {
    // The same email registered by a concurrent request (a double click): on PostgreSQL the
    // violation has aborted that transaction, so the new link is mailed in a new one.
    if (!isDuplicateRegistration(error)) throw error;
    return db.transaction().execute(async (trx): Promise<RegisterOutcome> => {
      const existing = await liveRegistrationForEmail(trx, eventId, input.email);
      if (existing) await mailPendingLink(trx, site, await eventDetails(trx, eventId), existing, input.email);
      return { kind: event.confirm_email ? 'pending' : 'repeat' };
    });
  }
}

/**
 * A new private link for an existing registration, by email to its owner, in the language it
 * was made in. Whoever asked may be a stranger, so the working link (and the ticket made from
 * it) is left alone: the new link waits in pending_token_hash, replacing any earlier pending
 * one, and becomes the working link the first time it is opened (registrationByTokenHash).
 */
async function mailPendingLink(
  trx: Executor, site: Site, event: EventDetails, registration: { id: number; name: string; status: string; language: string },
  email: string,
): Promise<RegisterOutcome> {
  await mailNewLink(trx, site, event, registration, email);
  // With email confirmation on, a repeat is answered exactly as a new registration is.
  return { kind: event.confirm_email ? 'pending' : 'repeat' };
}

/**
 * Mails the owner of a live registration a new private link, which waits in pending_token_hash
 * (replacing any earlier pending one) and becomes the working link when first opened: for a
 * repeat registration, and when an organiser sends someone their link again.
 */
export async function mailNewLink(
  trx: Executor, site: Site, event: EventDetails, registration: { id: number; name: string; status: string; language: string },
  email: string,
): Promise<void> {
  const token = newToken();
  const tokenHash = hashToken(token);
  await trx.updateTable('registrations').set({ pending_token_hash: tokenHash }).where('id', '=', registration.id).execute();
  const mail = await participantMail(trx, 'link', event, { name: registration.name, email },
    { token, tokenHash, status: registration.status },
    site, localeOf(registration.language));
  await queueMail(trx, mail, site.domain);
}

/** When an unconfirmed registration made now is released: 24 hours on, never past the registration deadline. */
export function confirmDeadline(event: Pick<EventDetails, 'registration_closes_at' | 'starts_at'>, now: Date): Date {
  return holdUntil(now, event.registration_closes_at ?? event.starts_at);
}

/**
 * The owner confirms their email address from the private link: a held seat becomes confirmed
 * (a pending place on the waiting list becomes an ordinary one) and the usual confirmation is
 * mailed, with the ticket. Confirming twice is harmless; a registration released for want of
 * confirmation cannot be confirmed.
 */
export async function confirmRegistration(
  db: Database, site: Site, token: string, now = new Date(),
): Promise<'confirmed' | 'already_confirmed'> {
  const tokenHash = hashToken(token);
  return db.transaction().execute(async (trx) => {
    const registration = await trx.selectFrom('registrations').where('token_hash', '=', tokenHash)
      .select(['id', 'event_id', 'name', 'email', 'status', 'confirm_by', 'language']).forUpdate().executeTakeFirst();
    if (!registration) throw Refusal.notFound('participant.errors.registrationGone');
    if (registration.status === 'cancelled') throw Refusal.conflict('participant.errors.confirmTooLate');
    if (registration.confirm_by === null) return 'already_confirmed';
    // Past its time but not yet swept: it is released, not confirmed.
    if (registration.confirm_by <= now) throw Refusal.conflict('participant.errors.confirmTooLate');
    const status = registration.status === 'unconfirmed' ? 'confirmed' : 'waitlisted';
    await trx.updateTable('registrations').set({ status, confirm_by: null }).where('id', '=', registration.id).execute();
    await emitWebhook(trx, 'registration.created', registration.id);
    const event = await eventDetails(trx, registration.event_id);
    const mail = await participantMail(trx, status, event, registration, { token, tokenHash, status }, site,
      localeOf(registration.language));
    await queueMail(trx, mail, site.domain);
    // A confirmed place on the waiting list joins the queue: a place may already be free for it.
    if (status === 'waitlisted') await promoteFromWaitlist(trx, site, registration.event_id);
    return 'confirmed';
  });
}

/**
 * Releases unconfirmed registrations past their confirm_by (of one event, or of all), in the
 * caller's transaction: each is cancelled (keeping its confirm_by: it never counts in figures),
 * a held seat is given back and the waiting list moves up. Rows another instance is releasing
 * are skipped (SKIP LOCKED). Returns how many were released.
 */
export async function releaseUnconfirmed(trx: Executor, site: Site, now: Date, eventId?: number, limit = 100): Promise<number> {
  const expired = await trx.selectFrom('registrations')
    .where('confirm_by', 'is not', null)
    .where('confirm_by', '<=', now)
    .where('status', '<>', 'cancelled')
    .$if(eventId !== undefined, (q) => q.where('event_id', '=', eventId ?? 0))
    .select(['id', 'event_id', 'status'])
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  const freed = new Set<number>();
  for (const registration of expired) {
    await trx.updateTable('registrations').set({ status: 'cancelled', cancelled_at: now, pending_token_hash: null })
      .where('id', '=', registration.id).execute();
    if (registration.status === 'unconfirmed') {
      await releaseSeat(trx, registration.event_id);
      freed.add(registration.event_id);
    }
  }
  for (const id of freed) await promoteFromWaitlist(trx, site, id);
  return expired.length;
}

/** The background sweep: releases expired unconfirmed registrations of every event, a batch at a time. */
export async function sweepUnconfirmed(db: Database, site: Site, now = new Date()): Promise<number> {
  return db.transaction().execute((trx) => releaseUnconfirmed(trx, site, now));
}

/**
 * Fills free places from the waiting list, longest-waiting first, each promoted person getting
 * a new link by email (which also supersedes any pending link). Runs in the caller's
 * transaction; returns how many were promoted.
 */
export async function promoteFromWaitlist(trx: Executor, site: Site, eventId: number): Promise<number> {
  const event = await eventDetails(trx, eventId);
  let promoted = 0;
  for (;;) {
    const next = await firstWaitlisted(trx, eventId);
    if (!next || !(await takeSeat(trx, eventId))) return promoted;
    await confirmPromoted(trx, site, event, next);
    promoted++;
  }
}

/**
 * Makes a waitlisted registration confirmed, whose seat the caller has just taken: a new link
 * (superseding any pending one) is mailed with the ticket. Shared by the waiting list moving up
 * and an organiser moving someone up by hand.
 */
export async function confirmPromoted(
  trx: Executor, site: Site, event: EventDetails, registration: { id: number; name: string; email: string; language: string },
): Promise<void> {
  const token = newToken();
  const tokenHash = hashToken(token);
  await trx.updateTable('registrations').set({ status: 'confirmed', token_hash: tokenHash, pending_token_hash: null })
    .where('id', '=', registration.id).execute();
  await emitWebhook(trx, 'registration.promoted', registration.id);
  const mail = await participantMail(trx, 'promoted', event, registration, { token, tokenHash, status: 'confirmed' }, site,
    localeOf(registration.language));
  await queueMail(trx, mail, site.domain);
}

/**
 * Cancels by private token; a confirmed place goes to the first on the waiting list. Cancelling
 * twice is harmless; a link that no longer works, or a person already checked in, is refused.
 */
export async function cancelRegistration(
  db: Database, site: Site, token: string, now = new Date(),
): Promise<'cancelled' | 'already_cancelled'> {
  return db.transaction().execute(async (trx) => {
    const registration = await trx
      .selectFrom('registrations')
      .where('token_hash', '=', hashToken(token))
      .select(['id', 'event_id', 'name', 'email', 'status', 'checked_in_at', 'language'])
      .forUpdate()
      .executeTakeFirst();
    if (!registration) throw Refusal.notFound('participant.errors.registrationGone');
    if (registration.status === 'cancelled') return 'already_cancelled';
    if (registration.checked_in_at) throw Refusal.conflict('participant.errors.checkedIn');
    await cancelLocked(trx, site, registration, now);
    const event = await eventDetails(trx, registration.event_id);
    const mail = await participantMail(trx, 'cancelled', event, registration, null, site, localeOf(registration.language));
    await queueMail(trx, mail, site.domain);
    return 'cancelled';
  });
}

/**
 * Cancels a registration for its event's organiser (through the JSON API): the same rules as the
 * participant's own link (a person checked in stays; twice is harmless), the same mail to the
 * participant, and an audit entry. A registration outside the organiser's scope is not found.
 */
export async function cancelForOrganiser(
  db: Database, site: Site, user: CurrentUser, registrationId: number, now = new Date(),
): Promise<'cancelled' | 'already_cancelled'> {
  return db.transaction().execute(async (trx) => {
    const registration = await trx
      .selectFrom('registrations as r')
      .innerJoin('events as e', 'e.id', 'r.event_id')
      .where('r.id', '=', registrationId)
      .where((eb) => itemInScope(user, eb.ref('e.item_id')))
      .select(['r.id', 'r.event_id', 'r.name', 'r.email', 'r.status', 'r.checked_in_at', 'r.language', 'e.item_id'])
      .forUpdate('r')
      .executeTakeFirst();
    if (!registration) throw Refusal.notFound('participant.errors.registrationGone');
    if (registration.status === 'cancelled') return 'already_cancelled';
    if (registration.checked_in_at) throw Refusal.conflict('participant.errors.checkedIn');
    await cancelLocked(trx, site, registration, now);
    await recordAudit(trx, user.id, 'cancel', 'registration', registration.id, { status: { from: registration.status, to: 'cancelled' } },
      registration.item_id);
    const event = await eventDetails(trx, registration.event_id);
    const mail = await participantMail(trx, 'cancelled', event, registration, null, site, localeOf(registration.language));
    await queueMail(trx, mail, site.domain);
    return 'cancelled';
  });
}

/**
 * Cancels a live registration the caller has locked, in the caller's transaction: a confirmed
 * place is given back and goes to the first on the waiting list. A pending link goes with it.
 * Sends nothing itself.
 */
export async function cancelLocked(
  trx: Executor, site: Site, registration: { id: number; event_id: number; status: string }, now: Date,
): Promise<void> {
  await trx.updateTable('registrations').set({ status: 'cancelled', cancelled_at: now, pending_token_hash: null })
    .where('id', '=', registration.id).execute();
  // Other software heard of neither a pending registration nor one awaiting approval.
  if (registration.status !== 'unconfirmed' && registration.status !== 'awaiting') {
    await emitWebhook(trx, 'registration.cancelled', registration.id);
  }
  // An unconfirmed registration holds a seat too.
  if (registration.status === 'confirmed' || registration.status === 'unconfirmed') {
    await releaseSeat(trx, registration.event_id);
    await promoteFromWaitlist(trx, site, registration.event_id);
  }
}

/** Where a waitlisted registration stands: 1 for the next to be promoted. */
export async function waitlistPosition(db: Executor, registration: { id: number; event_id: number; created_at: Date }) {
  const row = await db
    .selectFrom('registrations')
    .where('event_id', '=', registration.event_id)
    .where('status', '=', 'waitlisted')
    .where('confirm_by', 'is', null)
    .where((eb) => eb.or([
      eb('created_at', '<', registration.created_at),
      eb.and([eb('created_at', '=', registration.created_at), eb('id', '<', registration.id)]),
    ]))
    .select((eb) => eb.fn.countAll<number>().as('ahead'))
    .executeTakeFirstOrThrow();
  return Number(row.ahead) + 1;
}
