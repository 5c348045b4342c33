import type { Translations } from '../../db/types.ts';
import { localText } from '../../lib/content.ts';
import { formatFor } from '../../lib/format.ts';
import { type Locale, type MessageKey, translator } from '../../lib/i18n.ts';
import type { EventDetails } from '../events/queries.ts';
import type { MailAttachment, OutgoingMail } from '../mail/outbox.ts';
import { type CalendarEvent, icsFile } from './ics.ts';
import { ticketCode } from './ticket.ts';

/*
 * The emails a participant gets. Each carries the private manage link; a confirmed place also
 * carries the calendar file and the QR ticket.
 */

export type MailKind = 'confirmed' | 'waitlisted' | 'promoted' | 'link' | 'cancelled' | 'confirm';
type Person = { name: string; email: string };
type Event = Pick<EventDetails, 'id' | 'item_id' | 'slug' | 'title' | 'description' | 'starts_at' | 'ends_at' | 'venue' | 'city' | 'status'>
  & { translations?: Translations | null };

export const manageUrl = (baseUrl: string, token: string) => `${baseUrl}/registrations/${token}`;

export function calendarEvent(event: Event, baseUrl: string, domain: string): CalendarEvent {
  return {
    uid: `event-${event.id}@${domain}`,
    title: event.title,
    description: event.description,
    location: [event.venue, event.city].filter(Boolean).join(', '),
    startsAt: event.starts_at,
    endsAt: event.ends_at,
    url: `${baseUrl}/events/${event.slug}`,
    cancelled: event.status === 'cancelled',
  };
}

const formatIn = formatFor;

/** The event's title, time and place, in the reader's language (English unless told). */
export function eventFacts(event: Event, locale: Locale = 'en'): string {
  const t = translator(locale);
  const f = formatIn(locale);
  const where = [event.venue, event.city].filter(Boolean).join(', ');
  return [
    localText(event.title, event.translations, 'title', locale).text,
    t('participant.mail.when', { start: f.dateTime(event.starts_at), end: f.time(event.ends_at) }),
    ...(where ? [t('participant.mail.where', { where })] : []),
  ].join('\n');
}

const SUBJECTS: Record<MailKind, MessageKey> = {
  confirmed: 'participant.mail.subject.confirmed',
  waitlisted: 'participant.mail.subject.waitlisted',
  promoted: 'participant.mail.subject.promoted',
  link: 'participant.mail.subject.link',
  cancelled: 'participant.mail.subject.cancelled',
  confirm: 'participant.mail.subject.confirm',
};

const OPENINGS: Record<MailKind, MessageKey> = {
  confirmed: 'participant.mail.opening.confirmed',
  waitlisted: 'participant.mail.opening.waitlisted',
  promoted: 'participant.mail.opening.promoted',
  link: 'participant.mail.opening.link',
  cancelled: 'participant.mail.opening.cancelled',
  confirm: 'participant.mail.opening.confirm',
};

/** An email to a participant, written in the language they registered in. */
export async function participantMail(
  kind: MailKind,
  event: Event,
  person: Person,
  link: { token: string; tokenHash: string; status: string } | null,
  site: { baseUrl: string; domain: string },
  locale: Locale = 'en',
  confirmBy?: Date,
): Promise<OutgoingMail> {
  const t = translator(locale);
  const lines = [t('participant.mail.dear', { name: person.name }), '', t(OPENINGS[kind]), '', eventFacts(event, locale), ''];
  const attachments: MailAttachment[] = [];
  if (link) {
    lines.push(t('participant.mail.manageLink'), manageUrl(site.baseUrl, link.token), '');
    // A link mailed because the address registered again waits beside the working one (service.ts).
    if (kind === 'link') lines.push(t('participant.mail.earlierLink'), '');
    if (confirmBy) lines.push(t('participant.mail.confirmBy', { time: formatIn(locale).dateTime(confirmBy) }), '');
    if (link.status === 'confirmed') {
      lines.push(t('participant.mail.attached'), '');
      attachments.push(
        {
          filename: 'event.ics', contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
          content: icsFile(calendarEvent(event, site.baseUrl, site.domain)),
        },
        { filename: 'ticket.png', qr: ticketCode(link.tokenHash) },
      );
    }
  }
  lines.push(t('participant.mail.signature'));
  return {
    to: person.email, subject: t(SUBJECTS[kind], { title: localText(event.title, event.translations, 'title', locale).text }),
    text: lines.join('\n'), attachments, itemId: event.item_id,
  };
}
