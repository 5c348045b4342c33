import type { Executor } from '../../db/index.ts';
import { formatFor } from '../../lib/format.ts';
import { type Locale, translator } from '../../lib/i18n.ts';
import type { Site } from '../../lib/site.ts';
import type { MailAttachment, OutgoingMail } from '../mail/outbox.ts';
import { catalogueMail, composeMail, type MailAction } from '../mail/templates.ts';
import { confirmedPlace, eventFactLines, eventFields, manageUrl } from './messages.ts';

/*
 * The emails of the registration modes (approval and invitation), each in the reader's language
 * and, where organisers may reword it, in their wording of its kind (src/modules/mail/templates.ts):
 * `approved`, `declined`, `invitation` (a reminder of an invitation too). Waiting for approval
 * is worded by the catalogue alone, as no kind covers it.
 */

type Event = Parameters<typeof eventFields>[0] & { registration_closes_at?: Date | null };
type Person = { name: string; email: string };

/** The personal link of an invitation: register or decline, once. */
export const invitationUrl = (baseUrl: string, token: string) => `${baseUrl}/event-invitations/${token}`;

const manageAction = (locale: Locale, url: string): MailAction => {
  const t = translator(locale);
  return { lead: t('participant.mail.manageLink'), label: t('mailTemplates.layout.manageButton'), url };
};

/**
 * The registration is received and waits for the organisers' decision; waiting holds no place.
 * No kind of template covers it: its wording is the catalogue's, in the same frame.
 */
export function awaitingMail(event: Event, person: Person, token: string, site: Site, locale: Locale): OutgoingMail {
  const t = translator(locale);
  const { title } = eventFields(event, person.name, locale);
  return catalogueMail({
    locale, to: person.email, itemId: event.item_id, heading: title, facts: eventFactLines(event, locale),
    subject: t('modes.mail.subject.awaiting', { title }),
    body: `${t('participant.mail.dear', { name: person.name })}\n\n${t('modes.mail.opening.awaiting')}`,
    actions: [manageAction(locale, manageUrl(site.baseUrl, token))],
  });
}

/**
 * The organisers approved the registration: a confirmed place (with the QR ticket inline and the
 * calendar file) or, the event being full, the waiting list, said in a note after the text.
 */
export async function approvedMail(
  db: Executor, event: Event, person: Person, link: { token: string; tokenHash: string; status: 'confirmed' | 'waitlisted' }, site: Site,
  locale: Locale,
): Promise<OutgoingMail> {
  const t = translator(locale);
  const confirmed = link.status === 'confirmed';
  const manage = manageUrl(site.baseUrl, link.token);
  const actions = [manageAction(locale, manage)];
  const notes = [t(confirmed ? 'modes.mail.approvedConfirmed' : 'modes.mail.approvedWaitlisted')];
  const attachments: MailAttachment[] = [];
  if (confirmed) {
    const place = confirmedPlace(event, link.tokenHash, site, locale);
    actions.push(place.action);
    notes.push(place.note);
    attachments.push(...place.attachments);
  }
  return composeMail(db, {
    kind: 'approved', owner: { eventId: event.id }, locale, to: person.email, itemId: event.item_id,
    fields: { ...eventFields(event, person.name, locale), manage_link: manage }, facts: eventFactLines(event, locale),
    actions, notes, attachments,
  });
}

/** The organisers declined the registration; `reason` is what they said, if anything (the `reason` field). */
export async function declinedMail(db: Executor, event: Event, person: Person, reason: string, locale: Locale): Promise<OutgoingMail> {
  const { name, title } = eventFields(event, person.name, locale);
  return composeMail(db, {
    kind: 'declined', owner: { eventId: event.id }, locale, to: person.email, itemId: event.item_id,
    fields: { name, title, reason }, facts: eventFactLines(event, locale),
  });
}

/**
 * An invitation to an invitation-only event, or (`reminder`) a reminder to an invitee who has not
 * answered, with a new link: only a link's hash is kept, so the earlier one is replaced. The
 * reminder is the organisers' invitation, its subject marked and a note saying what it is.
 */
async function invitation(
  db: Executor, event: Event, invitee: Person, token: string, site: Site, locale: Locale, reminder: boolean,
): Promise<OutgoingMail> {
  const t = translator(locale);
  const url = invitationUrl(site.baseUrl, token);
  const closes = event.registration_closes_at ? formatFor(locale).dateTime(event.registration_closes_at) : '';
  const notes = [
    ...(reminder ? [t('modes.mail.reminderNote')] : []),
    t('modes.mail.invitationNote'),
    ...(closes ? [t('modes.mail.closes', { date: closes })] : []),
  ];
  const mail = await composeMail(db, {
    kind: 'invitation', owner: { eventId: event.id }, locale, to: invitee.email, itemId: event.item_id,
    fields: { ...eventFields(event, invitee.name, locale), link: url, closes }, facts: eventFactLines(event, locale),
    actions: [{ lead: t('modes.mail.invitationLink'), label: t('mailTemplates.layout.invitationButton'), url }], notes,
  });
  return reminder ? { ...mail, subject: t('modes.mail.reminderSubject', { subject: mail.subject }) } : mail;
}

export const invitationMail = (db: Executor, event: Event, invitee: Person, token: string, site: Site, locale: Locale) =>
  invitation(db, event, invitee, token, site, locale, false);

export const invitationReminderMail = (db: Executor, event: Event, invitee: Person, token: string, site: Site, locale: Locale) =>
  invitation(db, event, invitee, token, site, locale, true);
