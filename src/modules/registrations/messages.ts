import { format } from '../../lib/format.ts';
import type { MailAttachment, OutgoingMail } from '../mail/outbox.ts';
import { type CalendarEvent, icsFile } from './ics.ts';
import type { EventDetails } from './queries.ts';
import { ticketPng } from './ticket.ts';

/*
 * The emails a participant gets. Each carries the private manage link; a confirmed place also
 * carries the calendar file and the QR ticket.
 */

export type MailKind = 'confirmed' | 'waitlisted' | 'promoted' | 'link' | 'cancelled';
type Person = { name: string; email: string };
type Event = Pick<EventDetails, 'id' | 'item_id' | 'slug' | 'title' | 'description' | 'starts_at' | 'ends_at' | 'venue' | 'city' | 'status'>;

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

export function eventFacts(event: Event): string {
  const where = [event.venue, event.city].filter(Boolean).join(', ');
  return [
    event.title,
    `When: ${format.dateTime(event.starts_at)} – ${format.time(event.ends_at)} (Hong Kong time)`,
    ...(where ? [`Where: ${where}`] : []),
  ].join('\n');
}

const SUBJECTS: Record<MailKind, (title: string) => string> = {
  confirmed: (t) => `Your place is confirmed: ${t}`,
  waitlisted: (t) => `You are on the waiting list: ${t}`,
  promoted: (t) => `A place has come free for you: ${t}`,
  link: (t) => `Your registration link: ${t}`,
  cancelled: (t) => `Your registration is cancelled: ${t}`,
};

const OPENINGS: Record<MailKind, string> = {
  confirmed: 'Thank you for registering. Your place is confirmed.',
  waitlisted: 'Thank you for registering. All places are taken, so you are on the waiting list. '
    + 'Places that come free go to the waiting list in order of registration; we will email you if you get one.',
  promoted: 'A place has come free and it is yours: your registration is now confirmed.',
  link: 'Someone (we hope you) asked to register this address again. You are already registered; here is a new '
    + 'link to your registration. Earlier links no longer work.',
  cancelled: 'Your registration is cancelled. If this was a mistake, you can register again while registration is open.',
};

export async function participantMail(
  kind: MailKind,
  event: Event,
  person: Person,
  link: { token: string; tokenHash: string; status: string } | null,
  site: { baseUrl: string; domain: string },
): Promise<OutgoingMail> {
  const lines = [`Dear ${person.name},`, '', OPENINGS[kind], '', eventFacts(event), ''];
  const attachments: MailAttachment[] = [];
  if (link) {
    lines.push('See, print or cancel your registration here (keep this link private):', manageUrl(site.baseUrl, link.token), '');
    if (link.status === 'confirmed') {
      lines.push('The calendar file and your QR ticket are attached. Show the ticket at the door to be checked in quickly.', '');
      attachments.push(
        { filename: 'event.ics', contentType: 'text/calendar; charset=utf-8; method=PUBLISH', content: icsFile(calendarEvent(event, site.baseUrl, site.domain)) },
        { filename: 'ticket.png', contentType: 'image/png', content: (await ticketPng(link.tokenHash)).toString('base64'), encoding: 'base64' },
      );
    }
  }
  lines.push('ipcoop — the co-operation programme of the Guangdong/Hong Kong Expert Group on the Protection of IPRs');
  return { to: person.email, subject: SUBJECTS[kind](event.title), text: lines.join('\n'), attachments, itemId: event.item_id };
}
