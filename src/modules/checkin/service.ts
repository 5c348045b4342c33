import type { Database } from '../../db/index.ts';
import type { MailingAudience } from '../../db/types.ts';
import { localeOf, type Message, message, translator } from '../../lib/i18n.ts';
import { hashToken, newToken } from '../../lib/tokens.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import type { ScopedEvent } from '../events/queries.ts';
import { queueMail } from '../mail/outbox.ts';
import { eventFacts, participantMail } from '../registrations/messages.ts';
import { liveRegistrationForEmail, takeSeat } from '../registrations/queries.ts';
import type { Site } from '../../lib/site.ts';
import { tokenHashFromScan } from '../registrations/ticket.ts';
import { audienceOf } from './queries.ts';

/* The door: checking people in and out, walk-ins, and messages to everyone registered. */

/** What the desk says after an action: who is checked in, or why not. */
export type DeskOutcome = { ok: boolean; message: Message };

const checkedIn = (name: string): DeskOutcome => ({ ok: true, message: message('manage.checkin.done', { name }) });
const refused = (reason: Message): DeskOutcome => ({ ok: false, message: reason });

/**
 * Checks a confirmed registration of this event in (or undoes it); anything else is not found.
 * An unconfirmed one (email confirmation on) holds its seat and may be checked in too: the
 * organiser at the door confirms it.
 */
export async function setCheckedIn(
  db: Database, user: CurrentUser, event: ScopedEvent, registrationId: number, present: boolean,
): Promise<DeskOutcome> {
  return db.transaction().execute(async (trx): Promise<DeskOutcome> => {
    const row = await trx.selectFrom('registrations').select(['id', 'name', 'status', 'checked_in_at']).where('id', '=', registrationId)
      .where('event_id', '=', event.id).where('status', 'in', ['confirmed', 'unconfirmed']).forUpdate().executeTakeFirst();
    if (!row || (row.status === 'unconfirmed' && !present)) return refused('manage.checkin.errors.notConfirmed');
    if ((row.checked_in_at !== null) === present) return checkedIn(row.name);
    const at = present ? new Date() : null;
    await trx.updateTable('registrations').set({ checked_in_at: at, status: 'confirmed', confirm_by: null })
      .where('id', '=', row.id).execute();
    await recordAudit(trx, user.id, present ? 'check_in' : 'undo_check_in', 'registration', row.id,
      { checked_in_at: { from: row.checked_in_at, to: at } }, event.item_id);
    return checkedIn(row.name);
  });
}

/**
 * Checks in whoever a scanned QR ticket (or manage link) belongs to. A live registration's
 * pending link (mailed, with its ticket, when the address registered again) counts too.
 */
export async function checkInScanned(db: Database, user: CurrentUser, event: ScopedEvent, scanned: string): Promise<DeskOutcome> {
  const tokenHash = tokenHashFromScan(scanned);
  if (!tokenHash) return refused('manage.checkin.errors.notTicket');
  const row = await db.selectFrom('registrations').select(['id', 'status'])
    .where((eb) => eb.or([
      eb('token_hash', '=', tokenHash),
      eb.and([eb('pending_token_hash', '=', tokenHash), eb('status', '<>', 'cancelled'), eb('erased_at', 'is', null)]),
    ]))
    .where('event_id', '=', event.id).executeTakeFirst();
  if (!row) return refused('manage.checkin.errors.noTicket');
  if (row.status !== 'confirmed' && row.status !== 'unconfirmed') {
    return refused(row.status === 'waitlisted' ? 'manage.checkin.errors.waitlisted' : 'manage.checkin.errors.cancelled');
  }
  return setCheckedIn(db, user, event, row.id, true);
}

export type WalkIn = { name: string; email: string; organisation: string; side: 'GD' | 'HK' | 'MO' | 'CN' | 'OTHER' };

/**
 * Registers someone at the door and checks them in: a place is taken like any registration
 * (the capacity still holds); someone already registered is simply checked in.
 */
export async function walkIn(db: Database, user: CurrentUser, site: Site, event: ScopedEvent, person: WalkIn): Promise<DeskOutcome> {
  const token = newToken();
  const tokenHash = hashToken(token);
  const mail = await participantMail('confirmed', event, person, { token, tokenHash, status: 'confirmed' }, site);
  return db.transaction().execute(async (trx): Promise<DeskOutcome> => {
    const existing = await liveRegistrationForEmail(trx, event.id, person.email);
    // An unconfirmed registration already holds its seat: checking in confirms it.
    if (existing?.status === 'confirmed' || existing?.status === 'unconfirmed') {
      await trx.updateTable('registrations').set({ checked_in_at: new Date(), status: 'confirmed', confirm_by: null })
        .where('id', '=', existing.id).where('checked_in_at', 'is', null).execute();
      return checkedIn(existing.name);
    }
    if (!(await takeSeat(trx, event.id))) return refused('manage.checkin.errors.full');
    const now = new Date();
    if (existing) {
      await trx.updateTable('registrations')
        .set({ status: 'confirmed', checked_in_at: now, token_hash: tokenHash, pending_token_hash: null, confirm_by: null })
        .where('id', '=', existing.id).execute();
    } else {
      const created = await trx.insertInto('registrations').values({
        event_id: event.id, ...person, status: 'confirmed', answers: '{}', token_hash: tokenHash, checked_in_at: now,
      }).returning('id').executeTakeFirstOrThrow();
      await recordAudit(trx, user.id, 'walk_in', 'registration', created.id, { name: { from: null, to: person.name } }, event.item_id);
    }
    await queueMail(trx, mail, site.domain);
    return checkedIn(existing?.name ?? person.name);
  });
}

/** Queues one message to each person in the audience, all in one transaction; returns the mailing id. */
export async function sendMailing(
  db: Database, user: CurrentUser, site: Site, event: ScopedEvent, input: { audience: MailingAudience; subject: string; body: string },
): Promise<{ id: number; recipients: number }> {
  return db.transaction().execute(async (trx) => {
    const people = await audienceOf(trx, event.id, input.audience);
    const messageIds: string[] = [];
    for (const p of people) {
      messageIds.push(await queueMail(trx, {
        to: p.email,
        subject: input.subject,
        // The organisers' words as written; the greeting and the event's facts in the person's own language.
        text: `${translator(localeOf(p.language))('participant.mail.dear', { name: p.name })}\n\n${input.body}\n\n--\n`
          + `${eventFacts(event, localeOf(p.language))}\n${site.baseUrl}/events/${event.slug}\n`,
        itemId: event.item_id,
      }, site.domain));
    }
    const mailing = await trx.insertInto('event_mailings').values({
      event_id: event.id, audience: input.audience, subject: input.subject, body: input.body,
      message_ids: JSON.stringify(messageIds), created_by: user.id,
    }).returning('id').executeTakeFirstOrThrow();
    await recordAudit(trx, user.id, 'email', 'event', event.id,
      { audience: input.audience, subject: input.subject, recipients: people.length }, event.item_id);
    return { id: mailing.id, recipients: people.length };
  });
}
