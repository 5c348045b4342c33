import type { Database, Executor } from '../../db/index.ts';
import { Refusal } from '../../lib/errors.ts';
import { localeOf } from '../../lib/i18n.ts';
import type { Site } from '../../lib/site.ts';
import { hashToken, newToken } from '../../lib/tokens.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { eventDetails, type ScopedEvent } from '../events/queries.ts';
import { queueMail } from '../mail/outbox.ts';
import { approvedMail, declinedMail } from '../registrations/mode-messages.ts';
import { takeSeat } from '../registrations/queries.ts';
import { emitWebhook } from '../webhooks/events.ts';

/*
 * Approving and declining registrations that await approval (events.registration_mode
 * 'approval'). Waiting holds no place: on approval the registration takes a place if one is
 * left, else goes to the waiting list (or, with no waiting list, is refused as full). Either
 * way the person is mailed, in the language they registered in, and the decision is audited.
 */

async function awaiting(trx: Executor, event: ScopedEvent, id: number) {
  const row = await trx.selectFrom('registrations').where('id', '=', id).where('event_id', '=', event.id).where('erased_at', 'is', null)
    .select(['id', 'name', 'email', 'status', 'language']).forUpdate().executeTakeFirst();
  if (!row) throw Refusal.notFound('manage.registrants.errors.gone');
  if (row.status !== 'awaiting') throw Refusal.conflict('modes.errors.notAwaiting');
  return row;
}

/** Approves a registration: a place, or the waiting list when the event is full. The person gets a new link with the decision. */
export async function approveRegistration(
  db: Database, site: Site, user: CurrentUser, event: ScopedEvent, id: number,
): Promise<'confirmed' | 'waitlisted'> {
  return db.transaction().execute(async (trx) => {
    const registration = await awaiting(trx, event, id);
    const details = await eventDetails(trx, event.id);
    const seated = await takeSeat(trx, event.id);
    if (!seated && !details.waitlist_enabled) throw Refusal.conflict('modes.errors.full');
    const status = seated ? 'confirmed' as const : 'waitlisted' as const;
    // The mail carries the manage link; only hashes are kept, so the link is a new one.
    const token = newToken();
    const tokenHash = hashToken(token);
    await trx.updateTable('registrations').set({ status, token_hash: tokenHash, pending_token_hash: null })
      .where('id', '=', id).execute();
    await emitWebhook(trx, 'registration.created', id);
    await recordAudit(trx, user.id, 'approve', 'registration', id, { status: { from: 'awaiting', to: status } }, event.item_id);
    const mail = await approvedMail(trx, details, registration, { token, tokenHash, status }, site, localeOf(registration.language));
    await queueMail(trx, mail, site.domain);
    return status;
  });
}

/** Declines a registration, with the reason the person is told (if any). */
export async function declineRegistration(
  db: Database, site: Site, user: CurrentUser, event: ScopedEvent, id: number, reason: string, now = new Date(),
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const registration = await awaiting(trx, event, id);
    await trx.updateTable('registrations').set({
      status: 'cancelled', cancelled_at: now, declined_at: now, cancel_reason: reason || null, pending_token_hash: null,
    }).where('id', '=', id).execute();
    await recordAudit(trx, user.id, 'decline', 'registration', id, { status: { from: 'awaiting', to: 'cancelled' }, reason },
      event.item_id);
    const details = await eventDetails(trx, event.id);
    await queueMail(trx, await declinedMail(trx, details, registration, reason, localeOf(registration.language)), site.domain);
  });
}
