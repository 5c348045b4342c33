import type { Database } from '../../db/index.ts';
import type { MailingAudience, MailListKind, Translations } from '../../db/types.ts';
import { localText } from '../../lib/content.ts';
import { formatFor } from '../../lib/format.ts';
import { localeOf, type Locale, translator } from '../../lib/i18n.ts';
import type { Site } from '../../lib/site.ts';
import { hashToken, newToken } from '../../lib/tokens.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import type { ScopedContest } from '../contests/queries.ts';
import type { ScopedEvent } from '../events/queries.ts';
import { queueMail } from '../mail/outbox.ts';
import type { scopedProgramme } from '../programmes/queries.ts';
import { eventFacts } from '../registrations/messages.ts';
import { audienceOf, type MailingFilters, type MailingOwner, optedOut } from './queries.ts';

/*
 * Organisers' messages to the people of an event, a programme or a contest. A mailing is sent in
 * one transaction: one message per person, in their language, queued through the outbox (so the
 * page can show how far delivery has got), the mailing recorded with its message ids, and the
 * audit entry. Every message carries its recipient's own unsubscribe link (List-Unsubscribe,
 * RFC 2369, with RFC 8058's one-click POST); addresses that opted out are left out and counted.
 * Transactional mail (confirmations, links, tickets) never looks at opt-outs.
 */

export type ScopedProgramme = NonNullable<Awaited<ReturnType<typeof scopedProgramme>>>;

/** What a mailing is about: the object its route group loaded through the organiser's scope. */
export type MailingSubject =
  | { kind: 'event'; event: ScopedEvent }
  | { kind: 'programme'; programme: ScopedProgramme }
  | { kind: 'contest'; contest: ScopedContest };

export type MailingInput = { audience: MailingAudience; filters: MailingFilters; subject: string; body: string };

export const ownerOf = (s: MailingSubject): MailingOwner & { itemId: number } => {
  switch (s.kind) {
    case 'event': return { kind: 'event', id: s.event.id, itemId: s.event.item_id };
    case 'programme': return { kind: 'programme', id: s.programme.id, itemId: s.programme.item_id };
    default: return { kind: 'contest', id: s.contest.id, itemId: s.contest.item_id };
  }
};

const title = (english: string, translations: Translations | null, locale: Locale) =>
  localText(english, translations, 'title', locale).text;

/** The facts that close each message, in the reader's language, with the public page's address. */
function factsOf(s: MailingSubject, locale: Locale, baseUrl: string): string {
  switch (s.kind) {
    case 'event': return `${eventFacts(s.event, locale)}\n${baseUrl}/events/${s.event.slug}`;
    case 'programme': {
      const p = s.programme;
      const dates = formatFor(locale).dateRange(p.starts_on, p.ends_on);
      return `${title(p.title, p.translations, locale)}\n${dates}\n${baseUrl}/programmes/${p.slug}`;
    }
    default: return `${title(s.contest.title, s.contest.translations, locale)}\n${baseUrl}/contests/${s.contest.slug}`;
  }
}

const OWNER_COLUMN = {
  event: 'event_id', programme: 'programme_id', contest: 'contest_id',
} as const satisfies Record<MailListKind, string>;

/**
 * Queues one message to each person in the audience who has not opted out, all in one
 * transaction. The organisers' words go as written; the greeting, the facts and the unsubscribe
 * line are in the person's own language.
 */
export async function sendMailing(
  db: Database, user: CurrentUser, site: Site, subject: MailingSubject, input: MailingInput,
): Promise<{ id: number; recipients: number; skipped: number }> {
  const owner = ownerOf(subject);
  return db.transaction().execute(async (trx) => {
    const everyone = await audienceOf(trx, owner, input.audience, input.filters);
    const out = await optedOut(trx, owner);
    const people = everyone.filter((p) => !out.has(p.email.toLowerCase()));
    const skipped = everyone.length - people.length;
    const mailing = await trx.insertInto('mailings').values({
      [OWNER_COLUMN[owner.kind]]: owner.id, audience: input.audience, filters: JSON.stringify(input.filters),
      subject: input.subject, body: input.body, skipped, created_by: user.id,
    }).returning('id').executeTakeFirstOrThrow();
    const messageIds: string[] = [];
    const links: { token_hash: string; mailing_id: number; email: string; list_kind: MailListKind; owner_id: number }[] = [];
    for (const p of people) {
      const locale = localeOf(p.language);
      const t = translator(locale);
      // The link's token stands alone at the end of its line: markSent takes it out of the stored copy.
      const token = newToken();
      links.push({
        token_hash: hashToken(token), mailing_id: mailing.id, email: p.email.toLowerCase(), list_kind: owner.kind, owner_id: owner.id,
      });
      const unsubscribe = `${site.baseUrl}/unsubscribe/${token}`;
      messageIds.push(await queueMail(trx, {
        to: p.email,
        subject: input.subject,
        text: `${t('participant.mail.dear', { name: p.name })}\n\n${input.body}\n\n--\n${factsOf(subject, locale, site.baseUrl)}\n\n`
          + `${t('mailings.mail.unsubscribe')}\n${unsubscribe}\n`,
        itemId: owner.itemId,
        listUnsubscribe: unsubscribe,
      }, site.domain));
    }
    // In batches: one statement's parameters are bounded (65,535), an audience is not.
    for (let i = 0; i < links.length; i += 1000) {
      await trx.insertInto('mail_unsubscribe_links').values(links.slice(i, i + 1000)).execute();
    }
    await trx.updateTable('mailings').set({ message_ids: JSON.stringify(messageIds) }).where('id', '=', mailing.id).execute();
    await recordAudit(trx, user.id, 'email', owner.kind, owner.id,
      { audience: input.audience, ...input.filters, subject: input.subject, recipients: people.length, skipped }, owner.itemId);
    return { id: mailing.id, recipients: people.length, skipped };
  });
}

/** Which list an unsubscribe takes an address off: the one it was sent for, or every list of that kind. */
export type UnsubscribeScope = 'list' | 'kind';

/**
 * Takes the link's address off its list (or every list of its kind). The token is the only
 * authority: whoever holds it received the message. Doing it twice is harmless.
 */
export async function unsubscribe(
  db: Database, link: { email: string; list_kind: MailListKind; owner_id: number; mailing_id: number }, scope: UnsubscribeScope,
) {
  await db.transaction().execute(async (trx) => {
    const ownerId = scope === 'kind' ? null : link.owner_id;
    const inserted = await trx.insertInto('mail_opt_outs').values({ email: link.email, list_kind: link.list_kind, owner_id: ownerId })
      .onConflict((oc) => oc.doNothing())
      .returning('id').executeTakeFirst();
    if (inserted) {
      // The address is not written in the log: the opt-out's own row holds it.
      await recordAudit(trx, null, 'unsubscribe', 'mailing', link.mailing_id, { list: link.list_kind, scope }, null);
    }
  });
}
