import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import type { MailingAudience, MailListKind } from '../../db/types.ts';
import { eventTally } from '../events/queries.ts';

/* Who an organiser's message reaches, per event, programme or contest; the opt-outs; the history. */

/** One person a mailing reaches: the greeting's name, the address, and the language of their mail. */
export type Recipient = { name: string; email: string; language: string };

/** The item a mailing is about, as the queries need it. */
export type MailingOwner = { kind: MailListKind; id: number };

export const EVENT_AUDIENCES = ['all', 'confirmed', 'attended', 'waitlisted'] as const;
export const PROGRAMME_AUDIENCES = ['leaders', 'delegations'] as const;
export const CONTEST_AUDIENCES = ['entrants', 'judges'] as const;
export const DELEGATION_STATUSES = ['proposed', 'confirmed', 'completed', 'withdrawn'] as const;
export const ENTRY_STATUSES = ['submitted', 'draft', 'withdrawn'] as const;

/** The filters of a mailing as chosen on its form: '' is "any" (and leaves out what was withdrawn). */
export type MailingFilters = { status?: string; category?: string; round?: string };

/** An event's registrants: only confirmed addresses (events.confirm_email). */
async function eventRecipients(db: Executor, eventId: number, audience: MailingAudience): Promise<Recipient[]> {
  let q = db.selectFrom('registrations').where('event_id', '=', eventId).where('confirm_by', 'is', null)
    .select(['name', 'email', 'language']).orderBy('id');
  if (audience === 'all') q = q.where('status', '<>', 'cancelled');
  else if (audience === 'attended') q = q.where('checked_in_at', 'is not', null);
  else q = q.where('status', '=', audience as 'confirmed' | 'waitlisted');
  return q.execute();
}

/**
 * A programme's delegations: their leaders (the contact each delegation gave, once the address is
 * confirmed) and, for 'delegations', also the members who gave an email of their own (by
 * registering for one of the programme's events as a member of their delegation).
 */
async function programmeRecipients(db: Executor, programmeId: number, audience: MailingAudience, filters: MailingFilters) {
  const status = filters.status ?? '';
  const leaders = await db.selectFrom('delegations')
    .where('programme_id', '=', programmeId).where('confirm_by', 'is', null).where('erased_at', 'is', null)
    .$call((q) => (status ? q.where('status', '=', status as typeof DELEGATION_STATUSES[number]) : q.where('status', '<>', 'withdrawn')))
    .select(['contact_name as name', 'contact_email as email', 'language']).orderBy('id').execute();
  if (audience !== 'delegations') return leaders;
  const members = await db.selectFrom('registrations as r')
    .innerJoin('delegation_members as m', 'm.id', 'r.delegation_member_id')
    .innerJoin('delegations as d', 'd.id', 'm.delegation_id')
    .where('d.programme_id', '=', programmeId).where('d.erased_at', 'is', null).where('m.erased_at', 'is', null)
    .where('r.status', '<>', 'cancelled').where('r.confirm_by', 'is', null)
    .$call((q) => (status
      ? q.where('d.status', '=', status as typeof DELEGATION_STATUSES[number]) : q.where('d.status', '<>', 'withdrawn')))
    .select(['r.name', 'r.email', 'r.language']).orderBy('d.id').orderBy('m.position').orderBy('r.id').execute();
  return [...leaders, ...members];
}

/** A contest's entrants (the contact of each entry, its address confirmed), or the judges on its panel. */
async function contestRecipients(db: Executor, contestId: number, audience: MailingAudience, filters: MailingFilters) {
  if (audience === 'judges') {
    return db.selectFrom('contest_judges as j').innerJoin('users as u', 'u.id', 'j.user_id')
      .where('j.contest_id', '=', contestId).where('u.disabled_at', 'is', null)
      .select(['u.name', 'u.email', 'u.language']).orderBy('u.name').orderBy('u.id').execute();
  }
  const { status = '', category = '', round = '' } = filters;
  return db.selectFrom('entries as e')
    .where('e.contest_id', '=', contestId).where('e.confirm_by', 'is', null).where('e.erased_at', 'is', null)
    .$call((q) => (status ? q.where('e.status', '=', status as typeof ENTRY_STATUSES[number]) : q.where('e.status', '<>', 'withdrawn')))
    .$call((q) => (category ? q.where('e.category_id', '=', Number(category)) : q))
    .$call((q) => (round
      ? q.where((eb) => eb.exists(eb.selectFrom('round_entries as re').innerJoin('contest_rounds as r', 'r.id', 're.round_id')
          .whereRef('re.entry_id', '=', 'e.id').where('r.contest_id', '=', contestId).where('r.position', '=', Number(round))
          .select('re.entry_id')))
      : q))
    .select(['e.applicant_name as name', 'e.contact_email as email', 'e.language']).orderBy('e.id').execute();
}

/** Everyone the audience names, each address once (its first appearance: a leader before a member). */
export async function audienceOf(db: Executor, owner: MailingOwner, audience: MailingAudience, filters: MailingFilters = {}) {
  const people = owner.kind === 'event' ? await eventRecipients(db, owner.id, audience)
    : owner.kind === 'programme' ? await programmeRecipients(db, owner.id, audience, filters)
    : await contestRecipients(db, owner.id, audience, filters);
  const seen = new Set<string>();
  return people.filter((p) => {
    const address = p.email.toLowerCase();
    if (seen.has(address)) return false;
    seen.add(address);
    return true;
  });
}

/**
 * How many each audience reaches, as the form shows it. An event's come from its tally (kept by
 * triggers: a few rows, whatever the event's size) in the audiences' terms: address confirmed, and
 * live, confirmed, checked in or waiting. They equal audienceOf's counts of addresses: an address
 * holds one live registration of an event (registrations_one_live_per_email), an erased one has
 * an address of its own, and a checked-in registration is live (a CHECK holds it confirmed).
 */
export async function audienceSizes(db: Executor, owner: MailingOwner, audiences: readonly MailingAudience[]) {
  if (owner.kind === 'event') {
    const t = await eventTally(db, owner.id);
    const sizes: Partial<Record<MailingAudience, number>> = {
      all: t.reachable, confirmed: t.reachable_confirmed, attended: t.reachable_checked_in, waitlisted: t.waitlisted,
    };
    return audiences.map((a) => sizes[a] ?? 0);
  }
  return Promise.all(audiences.map(async (a) => (await audienceOf(db, owner, a)).length));
}

/** The addresses (lower case) that opted out of this owner's mailings, or of every mailing of its kind. */
export async function optedOut(db: Executor, owner: MailingOwner): Promise<Set<string>> {
  const rows = await db.selectFrom('mail_opt_outs').select('email').where('list_kind', '=', owner.kind)
    .where((eb) => eb.or([eb('owner_id', 'is', null), eb('owner_id', '=', owner.id)])).execute();
  return new Set(rows.map((r) => r.email));
}

const OWNER_COLUMN = { event: 'm.event_id', programme: 'm.programme_id', contest: 'm.contest_id' } as const;

/** The owner's mailings, newest first, with how far their delivery has got (from the outbox). */
export async function mailingsOf(db: Executor, owner: MailingOwner) {
  return db
    .selectFrom('mailings as m')
    .where(OWNER_COLUMN[owner.kind], '=', owner.id)
    .select([
      'm.id', 'm.audience', 'm.filters', 'm.subject', 'm.skipped', 'm.created_at',
      sql<number>`jsonb_array_length(m.message_ids)`.as('total'),
      sql<number>`(select count(*) from mail_outbox o
        where o.message_id in (select jsonb_array_elements_text(m.message_ids)) and o.status = 'sent')::int`.as('sent'),
      sql<number>`(select count(*) from mail_outbox o
        where o.message_id in (select jsonb_array_elements_text(m.message_ids)) and o.status = 'failed')::int`.as('failed'),
    ])
    .orderBy('m.id', 'desc')
    .execute();
}

/** The unsubscribe link a token's hash names, with the title of what it unsubscribes from. */
export async function unsubscribeLink(db: Executor, tokenHash: string) {
  return db.selectFrom('mail_unsubscribe_links as l')
    .leftJoin('events as e', (j) => j.onRef('e.id', '=', 'l.owner_id').on('l.list_kind', '=', 'event'))
    .leftJoin('programmes as p', (j) => j.onRef('p.id', '=', 'l.owner_id').on('l.list_kind', '=', 'programme'))
    .leftJoin('contests as c', (j) => j.onRef('c.id', '=', 'l.owner_id').on('l.list_kind', '=', 'contest'))
    .where('l.token_hash', '=', tokenHash)
    .select(['l.email', 'l.list_kind', 'l.owner_id', 'l.mailing_id'])
    .select((eb) => [
      eb.fn.coalesce('e.title', 'p.title', 'c.title').as('title'),
      eb.fn.coalesce('e.translations', 'p.translations', 'c.translations').as('translations'),
    ])
    .executeTakeFirst();
}
