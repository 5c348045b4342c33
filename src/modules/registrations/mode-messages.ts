import { localText } from '../../lib/content.ts';
import { formatFor } from '../../lib/format.ts';
import { type Locale, translator } from '../../lib/i18n.ts';
import type { Site } from '../../lib/site.ts';
import type { MailAttachment, OutgoingMail } from '../mail/outbox.ts';
import { icsFile } from './ics.ts';
import { calendarEvent, eventFacts, manageUrl } from './messages.ts';
import { ticketCode } from './ticket.ts';

/*
 * The emails of the registration modes (approval and invitation), each in the reader's
 * language. Each mail is one function; its comment lists the values it uses, so that it can be
 * written as an editable template: the person's name, the event's facts (eventFacts: title,
 * time, place), and the link or reason named.
 */

type Event = Parameters<typeof eventFacts>[0] & { registration_closes_at?: Date | null };
type Person = { name: string; email: string };

/** The personal link of an invitation: register or decline, once. */
export const invitationUrl = (baseUrl: string, token: string) => `${baseUrl}/event-invitations/${token}`;

const titleOf = (event: Event, locale: Locale) => localText(event.title, event.translations, 'title', locale).text;

function mail(event: Event, person: Person, locale: Locale, subject: string, body: string[], attachments: MailAttachment[] = []) {
  const t = translator(locale);
  const text = [t('participant.mail.dear', { name: person.name }), '', ...body, t('participant.mail.signature')].join('\n');
  return { to: person.email, subject, text, attachments, itemId: event.item_id } satisfies OutgoingMail;
}

/**
 * The registration is received and waits for the organisers' decision; waiting holds no place.
 * Values: name, event facts, manage link.
 */
export function awaitingMail(event: Event, person: Person, token: string, site: Site, locale: Locale): OutgoingMail {
  const t = translator(locale);
  return mail(event, person, locale, t('modes.mail.subject.awaiting', { title: titleOf(event, locale) }), [
    t('modes.mail.opening.awaiting'), '', eventFacts(event, locale), '',
    t('participant.mail.manageLink'), manageUrl(site.baseUrl, token), '',
  ]);
}

/**
 * The organisers approved the registration: a confirmed place (with the ticket and the calendar
 * file) or, the event being full, the waiting list. Values: name, status, event facts, manage link.
 */
export function approvedMail(
  event: Event, person: Person, link: { token: string; tokenHash: string; status: 'confirmed' | 'waitlisted' }, site: Site, locale: Locale,
): OutgoingMail {
  const t = translator(locale);
  const confirmed = link.status === 'confirmed';
  const body = [
    t(confirmed ? 'modes.mail.opening.approvedConfirmed' : 'modes.mail.opening.approvedWaitlisted'), '', eventFacts(event, locale), '',
    t('participant.mail.manageLink'), manageUrl(site.baseUrl, link.token), '',
  ];
  const attachments: MailAttachment[] = [];
  if (confirmed) {
    body.push(t('participant.mail.attached'), '');
    attachments.push(
      {
        filename: 'event.ics', contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
        content: icsFile(calendarEvent(event, site.baseUrl, site.domain)),
      },
      { filename: 'ticket.png', qr: ticketCode(link.tokenHash) },
    );
  }
  return mail(event, person, locale, t('modes.mail.subject.approved', { title: titleOf(event, locale) }), body, attachments);
}

/** The organisers declined the registration. Values: name, event facts, the reason (if one was given). */
export function declinedMail(event: Event, person: Person, reason: string, locale: Locale): OutgoingMail {
  const t = translator(locale);
  return mail(event, person, locale, t('modes.mail.subject.declined', { title: titleOf(event, locale) }), [
    t('modes.mail.opening.declined'), '', eventFacts(event, locale), '',
    ...(reason ? [t('modes.mail.reason', { reason }), ''] : []),
  ]);
}

/** When registration closes, if the event says. */
function closing(event: Event, locale: Locale): string[] {
  if (!event.registration_closes_at) return [];
  return [translator(locale)('modes.mail.closes', { date: formatFor(locale).dateTime(event.registration_closes_at) }), ''];
}

/** An invitation to an invitation-only event. Values: name, event facts, invitation link, registration deadline. */
export function invitationMail(event: Event, invitee: Person, token: string, site: Site, locale: Locale): OutgoingMail {
  const t = translator(locale);
  return mail(event, invitee, locale, t('modes.mail.subject.invitation', { title: titleOf(event, locale) }), [
    t('modes.mail.opening.invitation'), '', eventFacts(event, locale), '',
    t('modes.mail.invitationLink'), invitationUrl(site.baseUrl, token), '', ...closing(event, locale),
  ]);
}

/**
 * A reminder to an invitee who has not answered, with a new link (only a link's hash is kept, so
 * the earlier one is replaced). Values: name, event facts, invitation link, registration deadline.
 */
export function invitationReminderMail(event: Event, invitee: Person, token: string, site: Site, locale: Locale): OutgoingMail {
  const t = translator(locale);
  return mail(event, invitee, locale, t('modes.mail.subject.reminder', { title: titleOf(event, locale) }), [
    t('modes.mail.opening.reminder'), '', eventFacts(event, locale), '',
    t('modes.mail.invitationLink'), invitationUrl(site.baseUrl, token), t('modes.mail.replaces'), '', ...closing(event, locale),
  ]);
}
