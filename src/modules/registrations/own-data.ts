import type { Database, Executor } from '../../db/index.ts';
import type { Site } from '../../lib/site.ts';
import { hashToken } from '../../lib/tokens.ts';
import { recordAudit } from '../audit/service.ts';
import { eventDetails, eventQuestions } from '../events/queries.ts';
import { eraseAddressAtEvent, eraseAudit, eraseOutbox, eraseRegistrations, registrationForUpdate } from '../privacy/queries.ts';
import { cancelLocked } from './service.ts';

/* A participant's rights over their own registration, exercised through its private link: a copy, and deletion. */

/** A participant's own registration, as a file they can keep: what we hold about them, nothing else. */
export async function registrationData(db: Executor, registration: {
  id: number; event_id: number; name: string; email: string; organisation: string; side: string; status: string;
  answers: Record<string, string | boolean>; language: string; created_at: Date; checked_in_at: Date | null;
  cancelled_at: Date | null; erased_at: Date | null;
}) {
  const [event, questions] = await Promise.all([eventDetails(db, registration.event_id), eventQuestions(db, registration.event_id)]);
  return {
    kind: 'ipcoop registration',
    exported_at: new Date().toISOString(),
    event: {
      title: event.title, slug: event.slug, starts_at: event.starts_at.toISOString(), ends_at: event.ends_at.toISOString(),
      venue: event.venue, city: event.city,
    },
    registration: {
      name: registration.name,
      email: registration.email,
      organisation: registration.organisation,
      side: registration.side,
      status: registration.status,
      language: registration.language,
      answers: questions
        .filter((q) => registration.answers[String(q.id)] !== undefined)
        .map((q) => ({ question: q.label, answer: registration.answers[String(q.id)] })),
      registered_at: registration.created_at.toISOString(),
      checked_in_at: registration.checked_in_at?.toISOString() ?? null,
      cancelled_at: registration.cancelled_at?.toISOString() ?? null,
      erased_at: registration.erased_at?.toISOString() ?? null,
    },
  };
}

export type DeleteOutcome = 'deleted' | 'already_deleted' | 'not_found';

/**
 * A participant deletes their own data: a live registration is cancelled through the usual
 * path (the place goes back and the waiting list moves up), then the personal fields are
 * erased. Someone already checked in stays counted as attending, without a name. Nothing is
 * emailed: there is no longer an address to write to.
 */
export async function deleteOwnRegistration(db: Database, site: Site, token: string, now = new Date()): Promise<DeleteOutcome> {
  return db.transaction().execute(async (trx): Promise<DeleteOutcome> => {
    const registration = await registrationForUpdate(trx, hashToken(token));
    if (!registration) return 'not_found';
    if (registration.erased_at) return 'already_deleted';
    const statusBefore = registration.status;
    if (registration.status !== 'cancelled' && !registration.checked_in_at) await cancelLocked(trx, site, registration, now);
    await eraseRegistrations(trx, now, { registrationId: registration.id });
    await eraseOutbox(trx, { itemId: registration.item_id, toAddress: registration.email });
    await eraseAddressAtEvent(trx, { eventId: registration.event_id, registrationId: registration.id, email: registration.email });
    await eraseAudit(trx, { entity: 'registration', entityId: registration.id });
    await recordAudit(trx, null, 'erase_own_data', 'registration', registration.id, {
      status: { from: statusBefore, to: statusBefore === 'cancelled' || registration.checked_in_at ? statusBefore : 'cancelled' },
    }, registration.item_id);
    return 'deleted';
  });
}
