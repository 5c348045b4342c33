import type { Database, Executor } from '../../db/index.ts';
import type { EventStatus } from '../../db/types.ts';
import { inArchivedYear } from '../../lib/archive.ts';
import { Refusal } from '../../lib/errors.ts';
import { localeOf, message, translator } from '../../lib/i18n.ts';
import { slugFor } from '../../lib/slug.ts';
import { changedFields, recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { queueMail } from '../mail/outbox.ts';
import { itemInScope } from '../scope/scope.ts';
import { eventFacts } from '../registrations/messages.ts';
import type { Site } from '../../lib/site.ts';
import { promoteFromWaitlist } from '../registrations/service.ts';
import { syncEventReminder } from '../registrations/reminder.ts';
import type { ScopedEvent } from '../events/queries.ts';
import type { EventInput, QuestionInput } from '../events/schemas.ts';

/* The organisers' side of events: create, edit, and move through draft → published → closed/cancelled. */

/**
 * Creates (existing = null) or updates an event and its questions in one transaction; returns
 * its slug. What the form cannot take is refused beside its field, with nothing written.
 */
export async function saveEvent(
  db: Database, user: CurrentUser, site: Site, existing: ScopedEvent | null, input: EventInput,
): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const item = await trx.selectFrom('items as i').where('i.id', '=', input.item_id).where((eb) => itemInScope(user, eb.ref('i.id')))
      .select('i.id').executeTakeFirst();
    if (!item) throw Refusal.form({ item_id: 'manage.eventForm.errors.yourItem' });
    // An item of an archived year takes nothing new, and nothing moves into it.
    if (await inArchivedYear(trx, { item_id: item.id })) throw Refusal.form({ item_id: 'archive.refused' });
    const slug = input.slug || existing?.slug || slugFor(input.title, input.starts_at.getUTCFullYear(), 'event');
    const clash = await trx.selectFrom('events').select('id').where('slug', '=', slug)
      .$if(existing !== null, (q) => q.where('id', '<>', existing?.id ?? 0)).executeTakeFirst();
    if (clash) throw Refusal.form({ slug: 'manage.eventForm.errors.slugTaken' });
    const { questions, ...fields } = input;
    const row = { ...fields, slug };
    let eventId: number;
    if (existing) {
      const current = await trx.selectFrom('events').selectAll().where('id', '=', existing.id).forUpdate().executeTakeFirstOrThrow();
      if (row.capacity !== null && row.capacity < current.confirmed_count) {
        throw Refusal.form({ capacity: message('manage.eventForm.errors.placesConfirmed', { n: current.confirmed_count }) });
      }
      eventId = existing.id;
      const diff = changedFields(current, row);
      if (Object.keys(diff).length > 0) {
        await trx.updateTable('events').set({ ...row, updated_at: new Date() }).where('id', '=', eventId).execute();
        await recordAudit(trx, user.id, 'update', 'event', eventId, diff, row.item_id);
      }
    } else {
      const created = await trx.insertInto('events').values(row).returning('id').executeTakeFirstOrThrow();
      eventId = created.id;
      await recordAudit(trx, user.id, 'create', 'event', eventId, changedFields({}, row), row.item_id);
    }
    await saveQuestions(trx, eventId, questions);
    await syncEventReminder(trx, eventId);
    // More places, or a waiting list switched back on: the list moves up now.
    await promoteFromWaitlist(trx, site, eventId);
    return slug;
  });
}

async function saveQuestions(trx: Executor, eventId: number, questions: QuestionInput[]) {
  const kept = questions.flatMap((q) => (q.id === null ? [] : [q.id]));
  await trx.deleteFrom('event_questions').where('event_id', '=', eventId)
    .$if(kept.length > 0, (q) => q.where('id', 'not in', kept)).execute();
  // Positions are unique per event: park the kept rows out of the way before renumbering.
  await trx.updateTable('event_questions').set((eb) => ({ position: eb.neg(eb.ref('id')) })).where('event_id', '=', eventId).execute();
  for (const [index, q] of questions.entries()) {
    const values = { position: index + 1, label: q.label, kind: q.kind, required: q.required, options: JSON.stringify(q.options) };
    const updated = q.id === null ? undefined
      : await trx.updateTable('event_questions').set(values).where('id', '=', q.id).where('event_id', '=', eventId).executeTakeFirst();
    if (!updated || Number(updated.numUpdatedRows) === 0) {
      await trx.insertInto('event_questions').values({ ...values, event_id: eventId }).execute();
    }
  }
}

const MOVES: Record<EventStatus, readonly EventStatus[]> = {
  draft: ['published', 'cancelled'],
  published: ['closed', 'cancelled', 'draft'],
  closed: ['published', 'cancelled'],
  cancelled: [],
};

export const allowedMoves = (status: EventStatus) => MOVES[status];

/** Publishes, closes, reopens or cancels; cancelling tells everyone registered, by email. */
export async function setEventStatus(
  db: Database, user: CurrentUser, site: Site, event: ScopedEvent, status: EventStatus,
): Promise<boolean> {
  if (!MOVES[event.status].includes(status)) return false;
  await db.transaction().execute(async (trx) => {
    const moved = await trx.updateTable('events').set({ status, updated_at: new Date() }).where('id', '=', event.id)
      .where('status', '=', event.status).executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0) return;
    await recordAudit(trx, user.id, status === 'published' ? 'publish' : status, 'event', event.id,
      { status: { from: event.status, to: status } }, event.item_id);
    await syncEventReminder(trx, event.id);
    if (status !== 'cancelled') return;
    const people = await trx.selectFrom('registrations').select(['name', 'email', 'language']).where('event_id', '=', event.id)
      .where('status', '<>', 'cancelled').execute();
    for (const p of people) {
      // In the language each person registered in.
      const locale = localeOf(p.language);
      const t = translator(locale);
      await queueMail(trx, {
        to: p.email,
        subject: t('participant.mail.eventCancelled.subject', { title: event.title }),
        text: `${t('participant.mail.dear', { name: p.name })}\n\n${t('participant.mail.eventCancelled.body')}\n\n`
          + `${eventFacts(event, locale)}\n\n${t('participant.mail.eventCancelled.nothingMore')}\n`,
        itemId: event.item_id,
      }, site.domain);
    }
  });
  return true;
}
