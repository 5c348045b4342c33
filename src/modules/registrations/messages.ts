import type { Executor } from '../../db/index.ts';
import type { Translations } from '../../db/types.ts';
import { localText } from '../../lib/content.ts';
import { formatFor } from '../../lib/format.ts';
import { type Locale, type MessageKey, translator } from '../../lib/i18n.ts';
import type { Site } from '../../lib/site.ts';
import type { EventDetails } from '../events/queries.ts';
import type { MailAttachment, OutgoingMail } from '../mail/outbox.ts';
import { catalogueMail, composeMail, type MailAction, type MailKind as TemplateKind } from '../mail/templates.ts';
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

/** The messages organisers may reword (src/modules/mail/templates.ts); the others are the catalogue's alone. */
const TEMPLATE_KINDS: Partial<Record<MailKind, TemplateKind>> = {
  confirmed: 'confirmation', waitlisted: 'waitlisted', promoted: 'promoted', cancelled: 'cancellation',
};

/** A repeat registration's new link, and the link that confirms an address: security messages, worded by the catalogue. */
const CATALOGUE_ONLY: Record<'link' | 'confirm', { subject: MessageKey; opening: MessageKey }> = {
  link: { subject: 'participant.mail.subject.link', opening: 'participant.mail.opening.link' },
  confirm: { subject: 'participant.mail.subject.confirm', opening: 'participant.mail.opening.confirm' },
};

/** The merge fields every message about an event offers, in the reader's language. */
export function eventFields(event: Event, name: string, locale: Locale) {
  const f = formatIn(locale);
  return {
    name,
    title: localText(event.title, event.translations, 'title', locale).text,
    when: `${f.dateTime(event.starts_at)} – ${f.time(event.ends_at)}`,
    where: [event.venue, event.city].filter(Boolean).join(', '),
  };
}

/** The event's time and place as lines of a message (its title heads the message). */
export function eventFactLines(event: Event, locale: Locale): string[] {
  const t = translator(locale);
  const f = formatIn(locale);
  const where = [event.venue, event.city].filter(Boolean).join(', ');
  return [
    t('participant.mail.when', { start: f.dateTime(event.starts_at), end: f.time(event.ends_at) }),
    ...(where ? [t('participant.mail.where', { where })] : []),
  ];
}

/** The QR ticket, drawn when the message is sent and shown inline in its HTML part. */
export const ticketAttachment = (tokenHash: string, domain: string): MailAttachment =>
  ({ filename: 'ticket.png', qr: ticketCode(tokenHash), cid: `ticket@${domain}` });

/**
 * What every mail that tells of a confirmed place carries (the confirmation and the approval):
 * the calendar button, the note saying what is attached, the calendar file and the QR ticket.
 */
export function confirmedPlace(event: Event, tokenHash: string, site: Site, locale: Locale) {
  const t = translator(locale);
  const action: MailAction = {
    lead: t('mailTemplates.layout.calendar'), label: t('mailTemplates.layout.calendarButton'),
    url: `${site.baseUrl}/events/${event.slug}.ics`,
  };
  const attachments: MailAttachment[] = [
    {
      filename: 'event.ics', contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
      content: icsFile(calendarEvent(event, site.baseUrl, site.domain)),
    },
    ticketAttachment(tokenHash, site.domain),
  ];
  return { action, note: t('participant.mail.attached'), attachments };
}

/**
 * An email to a participant, written in the language they registered in, in the organisers'
 * wording where they changed it. `reason`: what the organisers said when cancelling for them.
 */
export async function participantMail(
  db: Executor,
  kind: MailKind,
  event: Event,
  person: Person,
  link: { token: string; tokenHash: string; status: string } | null,
  site: Site,
  locale: Locale = 'en',
  extra: { confirmBy?: Date; reason?: string } = {},
): Promise<OutgoingMail> {
  const t = translator(locale);
  const fields = eventFields(event, person.name, locale);
  const attachments: MailAttachment[] = [];
  const actions: MailAction[] = [];
  const notes: string[] = [];
  if (link) {
    const url = manageUrl(site.baseUrl, link.token);
    actions.push({ lead: t('participant.mail.manageLink'), label: t('mailTemplates.layout.manageButton'), url });
    // A link mailed because the address registered again waits beside the working one (service.ts).
    if (kind === 'link') notes.push(t('participant.mail.earlierLink'));
    if (extra.confirmBy) notes.push(t('participant.mail.confirmBy', { time: formatIn(locale).dateTime(extra.confirmBy) }));
    if (link.status === 'confirmed') {
      const place = confirmedPlace(event, link.tokenHash, site, locale);
      actions.push(place.action);
      notes.push(place.note);
      attachments.push(...place.attachments);
    }
  }
  if (extra.reason) notes.push(t('manage.registrants.mail.reason', { reason: extra.reason }));
  const common = {
    locale, to: person.email, attachments, actions, notes, facts: eventFactLines(event, locale), itemId: event.item_id,
  };
  const template = TEMPLATE_KINDS[kind];
  if (template) {
    const manage = link ? { manage_link: manageUrl(site.baseUrl, link.token) } : {};
    return composeMail(db, { ...common, kind: template, owner: { eventId: event.id }, fields: { ...fields, ...manage } });
  }
  const wording = CATALOGUE_ONLY[kind as 'link' | 'confirm'];
  return catalogueMail({
    ...common, heading: fields.title, subject: t(wording.subject, { title: fields.title }),
    body: `${t('participant.mail.dear', { name: person.name })}\n\n${t(wording.opening)}`,
  });
}
