import type { Executor } from '../../db/index.ts';
import { type Locale, localeOf, translator } from '../../lib/i18n.ts';
import type { Site } from '../../lib/site.ts';
import { cancelJob, type JobHandler, scheduleJob } from '../jobs/jobs.ts';
import { type OutgoingMail, queueMail } from '../mail/outbox.ts';
import { composeMail } from '../mail/templates.ts';
import { eventFactLines, eventFields, ticketAttachment } from './messages.ts';

/*
 * The reminder before an event: one job per event (keyed `event-reminder:<id>`), moved whenever
 * the event's start, its reminder setting or its status changes, and cancelled while the event is
 * not public. When due, it emails each confirmed registrant in the language they registered in.
 */

export const EVENT_REMINDER = 'event-reminder';
export const reminderKey = (eventId: number) => `${EVENT_REMINDER}:${eventId}`;

type ReminderEvent = { id: number; item_id: number; status: string; starts_at: Date; reminder_hours: number };

/** Whether an event in this state gets a reminder: public, not started, and asking for one. */
const wantsReminder = (event: ReminderEvent, now: Date) =>
  (event.status === 'published' || event.status === 'closed') && event.reminder_hours > 0 && event.starts_at > now;

/**
 * Schedules, moves or cancels an event's reminder to match the event as it now stands, in the
 * caller's transaction. Called after every change to the event; unchanged, its job is left as it
 * is (a reminder already sent is not sent again). Due in the past (published late): it goes now.
 */
export async function syncEventReminder(db: Executor, eventId: number, now = new Date()): Promise<void> {
  const event = await db.selectFrom('events').where('id', '=', eventId)
    .select(['id', 'item_id', 'status', 'starts_at', 'reminder_hours']).executeTakeFirst();
  if (!event || !wantsReminder(event, now)) {
    await cancelJob(db, reminderKey(eventId));
    return;
  }
  await scheduleJob(db, {
    kind: EVENT_REMINDER, key: reminderKey(event.id), itemId: event.item_id, payload: { eventId: event.id },
    runAt: new Date(event.starts_at.getTime() - event.reminder_hours * 3600_000),
  });
}

type Reader = { name: string; email: string; token_hash: string };
type EventForMail = Parameters<typeof eventFields>[0];

/**
 * The reminder to one confirmed registrant, in their language and the organisers' wording of the
 * `reminder` kind, with their QR ticket inline. It has no manage link (only the link's hash is
 * kept): it points to the event's page instead.
 */
export async function reminderMail(
  db: Executor, event: EventForMail, person: Reader, site: Site, locale: Locale,
): Promise<OutgoingMail> {
  const t = translator(locale);
  return composeMail(db, {
    kind: 'reminder', owner: { eventId: event.id }, locale, to: person.email, itemId: event.item_id,
    fields: eventFields(event, person.name, locale), facts: eventFactLines(event, locale),
    attachments: [ticketAttachment(person.token_hash, site.domain)],
    actions: [{
      lead: t('scheduled.reminder.manage'), label: t('mailTemplates.layout.eventButton'), url: `${site.baseUrl}/events/${event.slug}`,
    }],
    notes: [t('scheduled.reminder.ticket')],
  });
}

/**
 * The handler of reminder jobs: queues the reminders in the job's transaction, so they are queued
 * once. An event no longer public or already begun gets none.
 */
export function eventReminderHandler(site: Site): JobHandler {
  return async (trx, payload) => {
    const eventId = Number(payload.eventId);
    const event = await trx.selectFrom('events').where('id', '=', eventId)
      .select(['id', 'item_id', 'slug', 'title', 'description', 'starts_at', 'ends_at', 'venue', 'city', 'status', 'translations',
        'reminder_hours'])
      .executeTakeFirst();
    if (!event || !wantsReminder(event, new Date())) return;
    const people = await trx.selectFrom('registrations').where('event_id', '=', eventId).where('status', '=', 'confirmed')
      .where('erased_at', 'is', null).select(['name', 'email', 'language', 'token_hash']).orderBy('id').execute();
    for (const person of people) {
      await queueMail(trx, await reminderMail(trx, event, person, site, localeOf(person.language)), site.domain);
    }
  };
}
