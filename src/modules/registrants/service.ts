import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database, Executor } from '../../db/index.ts';
import type { ImportedPerson, Side } from '../../db/types.ts';
import { Refusal } from '../../lib/errors.ts';
import { type Locale, localeOf, message } from '../../lib/i18n.ts';
import type { Site } from '../../lib/site.ts';
import { hashToken, newToken } from '../../lib/tokens.ts';
import { changedFields, recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { eventDetails, type ScopedEvent } from '../events/queries.ts';
import { queueMail } from '../mail/outbox.ts';
import { participantMail } from '../registrations/messages.ts';
import { liveRegistrationForEmail, takeSeat } from '../registrations/queries.ts';
import { inviteImported, invitedEmails } from '../registrations/invitations.ts';
import { cancelLocked, confirmPromoted, mailNewLink } from '../registrations/service.ts';
import { emitWebhook } from '../webhooks/events.ts';
import { approveRegistration, declineRegistration } from './approval.ts';
import { liveEmails } from './queries.ts';

/*
 * What organisers do to one registration or to many: correct it, cancel it on the person's
 * behalf, move it up from the waiting list, send its link again, mark a no-show; and import a
 * list. Every change is audited and every person concerned is told by email, in the language
 * they registered in.
 */

/** The registration, locked, if it belongs to the event (the event is already in the organiser's scope). */
async function locked(trx: Executor, event: ScopedEvent, id: number) {
  const row = await trx.selectFrom('registrations').where('id', '=', id).where('event_id', '=', event.id).where('erased_at', 'is', null)
    .select(['id', 'event_id', 'name', 'email', 'organisation', 'side', 'status', 'checked_in_at', 'no_show_at', 'language'])
    .forUpdate().executeTakeFirst();
  if (!row) throw Refusal.notFound('manage.registrants.errors.gone');
  return row;
}

export type Correction = { name: string; email: string; organisation: string; side: Side };

/** Corrects the person's details; a new address must not be registered for the event already. */
export async function correctRegistration(db: Database, user: CurrentUser, event: ScopedEvent, id: number, input: Correction) {
  await db.transaction().execute(async (trx) => {
    const before = await locked(trx, event, id);
    if (input.email !== before.email && before.status !== 'cancelled') {
      const taken = await liveRegistrationForEmail(trx, event.id, input.email);
      if (taken && taken.id !== id) throw Refusal.form({ email: 'manage.registrants.errors.emailTaken' });
    }
    const diff = changedFields(
      { name: before.name, email: before.email, organisation: before.organisation, side: before.side },
      { ...input },
    );
    if (Object.keys(diff).length === 0) return;
    await trx.updateTable('registrations').set(input).where('id', '=', id).execute();
    await recordAudit(trx, user.id, 'correct', 'registration', id, diff, event.item_id);
  });
}

/**
 * Cancels on the person's behalf, with the reason they are told in the cancellation email. A
 * confirmed place goes to the waiting list as when people cancel themselves; someone already
 * checked in stays.
 */
export async function cancelOnBehalf(
  db: Database, site: Site, user: CurrentUser, event: ScopedEvent, id: number, reason: string, now = new Date(),
): Promise<'cancelled' | 'already_cancelled'> {
  return db.transaction().execute(async (trx) => {
    const registration = await locked(trx, event, id);
    if (registration.status === 'cancelled') return 'already_cancelled';
    if (registration.checked_in_at) throw Refusal.conflict('participant.errors.checkedIn');
    await cancelLocked(trx, site, registration, now);
    await trx.updateTable('registrations').set({ cancel_reason: reason || null }).where('id', '=', id).execute();
    await recordAudit(trx, user.id, 'cancel', 'registration', id, { status: { from: registration.status, to: 'cancelled' }, reason },
      event.item_id);
    const details = await eventDetails(trx, event.id);
    const locale = localeOf(registration.language);
    const mail = await participantMail(trx, 'cancelled', details, registration, null, site, locale, reason ? { reason } : {});
    await queueMail(trx, mail, site.domain);
    return 'cancelled';
  });
}

/** Moves someone up from the waiting list by hand, while a place is free; they are mailed their ticket. */
export async function promoteByHand(db: Database, site: Site, user: CurrentUser, event: ScopedEvent, id: number) {
  await db.transaction().execute(async (trx) => {
    const registration = await locked(trx, event, id);
    if (registration.status !== 'waitlisted') throw Refusal.conflict('manage.registrants.errors.notWaiting');
    if (!(await takeSeat(trx, event.id))) throw Refusal.conflict('manage.registrants.errors.full');
    await confirmPromoted(trx, site, await eventDetails(trx, event.id), registration);
    await recordAudit(trx, user.id, 'promote', 'registration', id, { status: { from: 'waitlisted', to: 'confirmed' } }, event.item_id);
  });
}

/** Sends the person a new private link (the one they have keeps working until they open it). */
export async function resendLink(db: Database, site: Site, user: CurrentUser, event: ScopedEvent, id: number) {
  await db.transaction().execute(async (trx) => {
    const registration = await locked(trx, event, id);
    if (registration.status === 'cancelled') throw Refusal.conflict('manage.registrants.errors.cancelled');
    await mailNewLink(trx, site, await eventDetails(trx, event.id), registration, registration.email);
    await recordAudit(trx, user.id, 'resend_link', 'registration', id, {}, event.item_id);
  });
}

/** Marks (or unmarks) a confirmed registration that did not come, once the event has begun. */
export async function markNoShow(db: Database, user: CurrentUser, event: ScopedEvent, id: number, noShow: boolean, now = new Date()) {
  await db.transaction().execute(async (trx) => {
    const registration = await locked(trx, event, id);
    if (noShow && (registration.status !== 'confirmed' || registration.checked_in_at)) {
      throw Refusal.conflict('manage.registrants.errors.notNoShow');
    }
    if (noShow && event.starts_at > now) throw Refusal.conflict('manage.registrants.errors.notStarted');
    if ((registration.no_show_at !== null) === noShow) return;
    await trx.updateTable('registrations').set({ no_show_at: noShow ? now : null }).where('id', '=', id).execute();
    await recordAudit(trx, user.id, noShow ? 'no_show' : 'no_show_undone', 'registration', id, {}, event.item_id);
  });
}

export const BULK_ACTIONS = ['cancel', 'resend', 'no-show', 'approve', 'decline'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/**
 * One action on every selected registration; those it does not apply to (already cancelled,
 * checked in, ...) are counted and left as they are. Each registration is its own transaction,
 * so that one refused never undoes the others.
 */
export async function bulkAction(
  db: Database, site: Site, user: CurrentUser, event: ScopedEvent, action: BulkAction, ids: readonly number[], reason: string,
): Promise<{ done: number; skipped: number }> {
  let done = 0;
  let skipped = 0;
  for (const id of ids) {
    try {
      if (action === 'approve') {
        await approveRegistration(db, site, user, event, id);
        done++;
      } else if (action === 'decline') {
        await declineRegistration(db, site, user, event, id, reason);
        done++;
      } else if (action === 'cancel') {
        if ((await cancelOnBehalf(db, site, user, event, id, reason)) === 'already_cancelled') skipped++;
        else done++;
      } else {
        if (action === 'resend') await resendLink(db, site, user, event, id);
        else await markNoShow(db, user, event, id, true);
        done++;
      }
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      skipped++;
    }
  }
  return { done, skipped };
}

/** How long a checked list waits for its confirmation. */
const IMPORT_LIFETIME = '1 day';

export type ImportPreview = {
  id: string;
  people: ImportedPerson[];
  /** Addresses the event has a live registration for already: left as they are. */
  registered: ImportedPerson[];
  places: { confirmed: number; waitlisted: number };
  /** The event is invitation-only: the people are invited, not registered (and those invited already are set aside). */
  invitation: boolean;
};

/** Of `n` new people, how many get a place and how many wait, or null when the event cannot take them all. */
function placesFor(event: { capacity: number | null; confirmed_count: number; waitlist_enabled: boolean }, n: number) {
  const free = event.capacity === null ? n : Math.max(0, event.capacity - event.confirmed_count);
  const confirmed = Math.min(n, free);
  if (confirmed < n && !event.waitlist_enabled) return null;
  return { confirmed, waitlisted: n - confirmed };
}

/**
 * Keeps a checked list for the organiser to confirm: nothing is registered yet. People the event
 * has already are set aside, so that the same file imported twice registers nobody twice.
 */
export async function stageImport(
  db: Database, user: CurrentUser, event: ScopedEvent, filename: string, people: ImportedPerson[], notify: boolean,
): Promise<ImportPreview> {
  const details = await eventDetails(db, event.id);
  const invitation = details.registration_mode === 'invitation';
  const emails = people.map((p) => p.email);
  const registered = await liveEmails(db, event.id, emails);
  if (invitation) for (const email of await invitedEmails(db, event.id, emails)) registered.add(email);
  const fresh = people.filter((p) => !registered.has(p.email));
  // Invitations take no place: places are counted when the invitees register.
  const places = invitation ? { confirmed: 0, waitlisted: 0 } : placesFor(details, fresh.length);
  if (!places) {
    const free = Math.max(0, (details.capacity ?? 0) - details.confirmed_count);
    throw Refusal.form({ file: message('manage.import.errors.full', { n: fresh.length, free }) });
  }
  const id = randomUUID();
  await db.transaction().execute(async (trx) => {
    // Lists checked a day ago or more and never confirmed go.
    await trx.deleteFrom('registration_imports').where('event_id', '=', event.id).where('confirmed_at', 'is', null)
      .where('created_at', '<', sql<Date>`now() - ${IMPORT_LIFETIME}::interval`).execute();
    await trx.insertInto('registration_imports').values({
      id, event_id: event.id, user_id: user.id, filename: filename.slice(0, 200), rows: JSON.stringify(fresh), notify,
    }).execute();
  });
  return { id, people: fresh, registered: people.filter((p) => registered.has(p.email)), places, invitation };
}

export async function stagedImport(db: Executor, event: ScopedEvent, id: string) {
  return db.selectFrom('registration_imports').where('id', '=', id).where('event_id', '=', event.id)
    .where('created_at', '>=', sql<Date>`now() - ${IMPORT_LIFETIME}::interval`).selectAll().executeTakeFirst();
}

/**
 * Registers the confirmed list, all or nothing: each person gets a place while there are places
 * (then the waiting list, if the event keeps one), a private link and, if asked, the usual
 * confirmation with the ticket. People registered since the list was checked are left as they
 * are; a list confirmed twice registers nobody the second time.
 */
export async function confirmImport(
  db: Database, site: Site, user: CurrentUser, event: ScopedEvent, id: string, locale: Locale,
): Promise<{ confirmed: number; waitlisted: number; skipped: number; already: boolean; invited?: number }> {
  return db.transaction().execute(async (trx) => {
    const staged = await trx.selectFrom('registration_imports').where('id', '=', id).where('event_id', '=', event.id)
      .where('created_at', '>=', sql<Date>`now() - ${IMPORT_LIFETIME}::interval`)
      .select(['id', 'rows', 'notify', 'confirmed_at', 'filename']).forUpdate().executeTakeFirst();
    if (!staged) throw Refusal.notFound('manage.import.errors.gone');
    if (staged.confirmed_at) return { confirmed: 0, waitlisted: 0, skipped: 0, already: true };
    // The event's row, locked: the places are counted and taken here, once, for the whole list.
    const details = await trx.selectFrom('events as e').where('e.id', '=', event.id)
      .select(['e.capacity', 'e.confirmed_count', 'e.waitlist_enabled', 'e.registration_mode']).forUpdate().executeTakeFirstOrThrow();
    if (details.registration_mode === 'invitation') {
      // An invitation-only event: the list is invited (each invitee mailed a personal link), all or nothing.
      const result = await inviteImported(trx, site, user.id, event.id, staged.rows, staged.id, locale);
      await trx.updateTable('registration_imports').set({ confirmed_at: new Date() }).where('id', '=', staged.id).execute();
      await recordAudit(trx, user.id, 'import', 'event', event.id, { file: staged.filename, ...result }, event.item_id);
      return { confirmed: 0, waitlisted: 0, skipped: result.skipped, already: false, invited: result.invited };
    }
    const registered = await liveEmails(trx, event.id, staged.rows.map((p) => p.email));
    const people = staged.rows.filter((p) => !registered.has(p.email));
    const places = placesFor(details, people.length);
    if (!places) throw Refusal.conflict(message('manage.import.errors.full', { n: people.length, free: 0 }));
    await trx.updateTable('events').set({ confirmed_count: sql`confirmed_count + ${places.confirmed}` }).where('id', '=', event.id)
      .execute();
    const full = await eventDetails(trx, event.id);
    for (let start = 0; start < people.length; start += 500) {
      const slice = people.slice(start, start + 500).map((person, i) => {
        const token = newToken();
        const status = start + i < places.confirmed ? 'confirmed' as const : 'waitlisted' as const;
        return { person, token, tokenHash: hashToken(token), status };
      });
      const inserted = await trx.insertInto('registrations').values(slice.map((s) => ({
        event_id: event.id, name: s.person.name, email: s.person.email, organisation: s.person.organisation, side: s.person.side,
        status: s.status, answers: '{}', token_hash: s.tokenHash, language: locale, import_id: staged.id,
      }))).returning('id').execute();
      for (const [i, s] of slice.entries()) {
        const registrationId = inserted[i]?.id;
        if (registrationId !== undefined) await emitWebhook(trx, 'registration.created', registrationId);
        if (staged.notify) {
          const mail = await participantMail(trx, s.status, full, s.person, { ...s, status: s.status }, site, locale);
          await queueMail(trx, mail, site.domain);
        }
      }
    }
    await trx.updateTable('registration_imports').set({ confirmed_at: new Date() }).where('id', '=', staged.id).execute();
    await recordAudit(trx, user.id, 'import', 'event', event.id, {
      file: staged.filename, confirmed: places.confirmed, waitlisted: places.waitlisted, skipped: registered.size, notified: staged.notify,
    }, event.item_id);
    return { ...places, skipped: registered.size, already: false };
  });
}
