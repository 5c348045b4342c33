import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';

/*
 * Erasing personal data in place. Every statement replaces the fields that name or reach a
 * person and leaves the rest — status, side, role, check-in times, links between rows — so
 * that every count the summary and the reports make comes out the same afterwards. Rows that
 * are nothing but an address on a mailing list, and imported lists never confirmed, count
 * nothing: they are deleted.
 */

/** What an erased name reads as, everywhere. */
export const ERASED = '[erased]';
/** Erased addresses stay unique (a live registration's email is unique per event) and unroutable. */
export const ERASED_DOMAIN = 'erased.invalid';
const erasedEmail = (prefix: string) => sql<string>`${`erased-${prefix}`} || id::text || ${`@${ERASED_DOMAIN}`}`;

/** Detail keys of an entry that name a person; students keep their age and grade. */
const PERSONAL_DETAILS = ['contact_person', 'teacher', 'nominated_by'] as const;
/** An entrant's name is personal unless it names an organisation. */
const PERSONAL_APPLICANT_TYPES = ['individual', 'school'] as const;

/** Audit fields that may hold personal data, by entity; their values are replaced, the keys kept. */
const PERSONAL_AUDIT_FIELDS: Record<string, readonly string[]> = {
  registration: ['name', 'email', 'organisation', 'answers'],
  delegation: ['contact_name', 'contact_email'],
  delegation_member: ['name', 'title', 'organisation'],
  delegation_invitation: ['email'],
  entry: ['applicant_name', 'contact_email', 'details'],
  // An event's entries name a person only where an invitee was invited by hand ('invite').
  event: ['email'],
};

export type PeriodScope = { periodId: number };

const periodItems = (db: Executor, periodId: number) =>
  db.selectFrom('items').where('period_id', '=', periodId).select('id');

const periodEvents = (db: Executor, periodId: number) =>
  db.selectFrom('events as e').innerJoin('items as i', 'i.id', 'e.item_id').where('i.period_id', '=', periodId).select('e.id');

const periodProgrammes = (db: Executor, periodId: number) =>
  db.selectFrom('programmes as p').innerJoin('items as i', 'i.id', 'p.item_id').where('i.period_id', '=', periodId).select('p.id');

const periodContests = (db: Executor, periodId: number) =>
  db.selectFrom('contests as c').innerJoin('items as i', 'i.id', 'c.item_id').where('i.period_id', '=', periodId).select('c.id');

/**
 * Registrations: name, email, organisation and answers (which may hold a phone number). A link
 * mailed but not yet opened (pending_token_hash) goes too; the working link stays, to show the
 * person that their data is erased.
 */
export async function eraseRegistrations(db: Executor, now: Date, where: { periodId: number } | { registrationId: number }) {
  let q = db.updateTable('registrations').set({
    name: ERASED, email: erasedEmail('registration-'), organisation: '', answers: '{}', pending_token_hash: null, erased_at: now,
  }).where('erased_at', 'is', null);
  q = 'periodId' in where
    ? q.where('event_id', 'in', periodEvents(db, where.periodId))
    : q.where('id', '=', where.registrationId);
  const result = await q.executeTakeFirst();
  // The names printed on their attendance certificates go with them: a verification page then names nobody.
  await db.updateTable('certificates').set({ name: ERASED }).where('name', '<>', ERASED)
    .where('registration_id', 'in', db.selectFrom('registrations').where('erased_at', 'is not', null).select('id')).execute();
  return Number(result.numUpdatedRows);
}

export async function eraseDelegations(db: Executor, now: Date, periodId: number) {
  const delegations = await db.updateTable('delegations').set({
    contact_name: ERASED, contact_email: erasedEmail('delegation-'), erased_at: now,
  }).where('erased_at', 'is', null).where('programme_id', 'in', periodProgrammes(db, periodId)).executeTakeFirst();
  const members = await db.updateTable('delegation_members').set({
    name: ERASED, title: '', organisation: '', erased_at: now,
  }).where('erased_at', 'is', null)
    .where('delegation_id', 'in', db.selectFrom('delegations').where('programme_id', 'in', periodProgrammes(db, periodId)).select('id'))
    .executeTakeFirst();
  await db.updateTable('delegation_invitations').set({ email: erasedEmail('invitation-') })
    .where('programme_id', 'in', periodProgrammes(db, periodId))
    .where('email', 'not like', `%@${ERASED_DOMAIN}`)
    .execute();
  return { delegations: Number(delegations.numUpdatedRows), members: Number(members.numUpdatedRows) };
}

/** An entry's details with the people in them erased. */
export function erasedDetails(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...details };
  for (const key of PERSONAL_DETAILS) if (key in out) out[key] = ERASED;
  if (Array.isArray(out.students)) {
    out.students = out.students.map((s) => {
      if (typeof s !== 'object' || s === null) return { name: ERASED, age: null, grade: '' };
      return { ...(s as Record<string, unknown>), name: ERASED };
    });
  }
  return out;
}

export async function eraseEntries(db: Executor, now: Date, periodId: number) {
  const rows = await db.selectFrom('entries').where('erased_at', 'is', null).where('contest_id', 'in', periodContests(db, periodId))
    .select(['id', 'applicant_type', 'details']).forUpdate().execute();
  for (const row of rows) {
    await db.updateTable('entries').set({
      contact_email: `erased-entry-${row.id}@${ERASED_DOMAIN}`,
      details: JSON.stringify(erasedDetails(row.details ?? {})),
      erased_at: now,
      ...((PERSONAL_APPLICANT_TYPES as readonly string[]).includes(row.applicant_type) ? { applicant_name: ERASED } : {}),
    }).where('id', '=', row.id).execute();
  }
  // An award certificate names the applicant as the entry did: erased with it where the applicant is a person.
  await db.updateTable('certificates as c').set({ name: ERASED }).where('c.name', '<>', ERASED)
    .where('c.award_grant_id', 'in', db.selectFrom('award_grants as g').innerJoin('entries as e', 'e.id', 'g.entry_id')
      .where('e.erased_at', 'is not', null).where('e.applicant_name', '=', ERASED).select('g.id'))
    .execute();
  return rows.length;
}

/**
 * Copies of messages to participants about the period's items: the address and text go, the
 * subject (the event's or contest's title) stays. A message still waiting is not sent.
 */
export async function eraseOutbox(db: Executor, where: { periodId: number } | { itemId: number; toAddress: string }) {
  let q = db.updateTable('mail_outbox').set({
    to_address: `erased@${ERASED_DOMAIN}`,
    text_body: ERASED,
    html_body: null,
    attachments: '[]',
    status: sql`case when status = 'pending' then 'failed' else status end`,
    last_error: sql`case when status = 'pending' then 'not sent: personal data erased' else last_error end`,
  }).where('to_address', 'not like', `%@${ERASED_DOMAIN}`);
  q = 'periodId' in where
    ? q.where('item_id', 'in', periodItems(db, where.periodId))
    : q.where('item_id', '=', where.itemId).where('to_address', '=', where.toAddress);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** One person's address at one event, and the registration of theirs being erased there. */
export type PersonAtEvent = { eventId: number; registrationId: number; email: string };

/**
 * Invitations to invitation-only events: the invitee's name, address and organisation; status,
 * side and times stay, so the counts by status read the same. For one person: the invitation that
 * led to their registration, and (`byAddress`) the one sent to their address. The address they
 * were invited by hand with goes from the audit log too (a period's goes with eraseAudit).
 */
export async function eraseInvitations(db: Executor, where: PeriodScope | (PersonAtEvent & { byAddress: boolean })) {
  let q = db.updateTable('event_invitations').set({ name: ERASED, email: erasedEmail('event-invitation-'), organisation: '' })
    .where('email', 'not like', `%@${ERASED_DOMAIN}`);
  if ('periodId' in where) q = q.where('event_id', 'in', periodEvents(db, where.periodId));
  else {
    const { eventId, registrationId, email, byAddress } = where;
    q = q.where('event_id', '=', eventId).where((eb) => eb.or([
      eb('registration_id', '=', registrationId), ...(byAddress ? [eb('email', '=', email)] : []),
    ]));
    if (byAddress) {
      await db.updateTable('audit_log').set({ changes: sql`changes || jsonb_build_object('email', ${ERASED}::text)` })
        .where('entity', '=', 'event').where('entity_id', '=', String(eventId)).where('action', '=', 'invite')
        .where(sql<boolean>`changes->>'email' = ${email}`).execute();
    }
  }
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Imported lists (registration_imports). A list never confirmed registered nobody and is of no
 * further use: it goes. A confirmed one stays, as its registrations name it, with each person's row
 * (or, for one person, the rows with their address) cut down to its line and side.
 */
export async function eraseImports(db: Executor, where: PeriodScope | { eventId: number; email: string }) {
  const erasedRow = sql`jsonb_build_object('line', r->'line', 'side', r->'side', 'name', ${ERASED}::text,
    'email', ${`erased@${ERASED_DOMAIN}`}::text, 'organisation', '')`;
  const personal = 'periodId' in where
    ? sql<boolean>`r->>'email' not like ${`%@${ERASED_DOMAIN}`}`
    : sql<boolean>`r->>'email' = ${where.email}`;
  let q = db.updateTable('registration_imports')
    .set({ rows: sql`(select jsonb_agg(case when ${personal} then ${erasedRow} else r end order by n)
      from jsonb_array_elements(rows) with ordinality as x(r, n))` })
    .where('confirmed_at', 'is not', null)
    .where(sql<boolean>`exists (select 1 from jsonb_array_elements(rows) as x(r) where ${personal})`);
  let dropped = 0;
  if ('periodId' in where) {
    const result = await db.deleteFrom('registration_imports').where('confirmed_at', 'is', null)
      .where('event_id', 'in', periodEvents(db, where.periodId)).executeTakeFirst();
    dropped = Number(result.numDeletedRows);
    q = q.where('event_id', 'in', periodEvents(db, where.periodId));
  } else {
    q = q.where('event_id', '=', where.eventId);
  }
  const result = await q.executeTakeFirst();
  return dropped + Number(result.numUpdatedRows);
}

/**
 * Mailing lists (mail_opt_outs, mail_unsubscribe_links): the opt-outs from the lists of a period's
 * events, programmes and contests, and the unsubscribe links their mailings carried, are deleted
 * (for one person: theirs from the event's list). Each is no more than an address on a list, and
 * the people those lists reach are erased with the period; a link that named an erased address
 * is then no longer known. Two things stay: an opt-out from every list of a kind (it belongs to no
 * period), and whatever holds the address of a user account (a judge's, say), which retention
 * does not erase, so that the account's wish to hear no more still holds.
 */
export async function eraseMailingLists(db: Executor, where: PeriodScope | { eventId: number; email: string }) {
  const lists = 'periodId' in where
    ? sql<boolean>`(list_kind = 'event' and owner_id in ${periodEvents(db, where.periodId)})
      or (list_kind = 'programme' and owner_id in ${periodProgrammes(db, where.periodId)})
      or (list_kind = 'contest' and owner_id in ${periodContests(db, where.periodId)})`
    : sql<boolean>`list_kind = 'event' and owner_id = ${where.eventId} and email = ${where.email}`;
  const accounts = db.selectFrom('users').select('email');
  const optOuts = await db.deleteFrom('mail_opt_outs').where(lists).where('email', 'not in', accounts).executeTakeFirst();
  const links = await db.deleteFrom('mail_unsubscribe_links').where(lists).where('email', 'not in', accounts).executeTakeFirst();
  return { optOuts: Number(optOuts.numDeletedRows), unsubscribeLinks: Number(links.numDeletedRows) };
}

/**
 * What else holds a person's address at an event once their registration there is erased: their
 * invitation, their rows in the lists they were imported from, their opt-out from the event's
 * mailings and the links those carried. While another registration at the event still holds the
 * address (a cancelled registration's person registered again), only the invitation that led to
 * the erased registration goes: the rest serves the other one.
 */
export async function eraseAddressAtEvent(db: Executor, person: PersonAtEvent) {
  const email = person.email.toLowerCase();
  const held = await db.selectFrom('registrations').select('id').where('event_id', '=', person.eventId).where('email', '=', email)
    .where('id', '<>', person.registrationId).where('erased_at', 'is', null).executeTakeFirst();
  await eraseInvitations(db, { ...person, email, byAddress: !held });
  if (held) return;
  await eraseImports(db, { eventId: person.eventId, email });
  await eraseMailingLists(db, { eventId: person.eventId, email });
}

function scrubChange(value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value) && ('from' in value || 'to' in value)) {
    const v = value as { from?: unknown; to?: unknown };
    return { from: v.from === null || v.from === undefined ? v.from : ERASED, to: v.to === null || v.to === undefined ? v.to : ERASED };
  }
  return value === null ? null : ERASED;
}

/** The audit log keeps who did what and when; the personal values recorded in it are replaced. */
export async function eraseAudit(db: Executor, where: { periodId: number } | { entity: string; entityId: number }) {
  let q = db.selectFrom('audit_log').where('entity', 'in', Object.keys(PERSONAL_AUDIT_FIELDS)).select(['id', 'entity', 'changes']);
  q = 'periodId' in where
    ? q.where('item_id', 'in', periodItems(db, where.periodId))
    : q.where('entity', '=', where.entity).where('entity_id', '=', String(where.entityId));
  let scrubbed = 0;
  for (const row of await q.execute()) {
    const fields = PERSONAL_AUDIT_FIELDS[row.entity] ?? [];
    const changes = { ...(row.changes ?? {}) };
    let changed = false;
    for (const key of fields) {
      if (!(key in changes)) continue;
      const next = scrubChange(changes[key]);
      if (JSON.stringify(next) !== JSON.stringify(changes[key])) {
        changes[key] = next;
        changed = true;
      }
    }
    if (!changed) continue;
    await db.updateTable('audit_log').set({ changes: JSON.stringify(changes) }).where('id', '=', row.id).execute();
    scrubbed++;
  }
  return scrubbed;
}

/** Periods with a retention rule, and whether anything of theirs is still unerased. */
export async function periodsWithRetention(db: Executor) {
  return db.selectFrom('periods')
    .where((eb) => eb.or([eb('retention_months', 'is not', null), eb('erase_personal_data_on', 'is not', null)]))
    .select(['id', 'slug', 'label', 'ends_on', 'retention_months', 'erase_personal_data_on', 'personal_data_erased_at'])
    .orderBy('starts_on')
    .execute();
}

export async function periodRetention(db: Executor, slug: string) {
  return db.selectFrom('periods').where('slug', '=', slug)
    .select(['id', 'slug', 'label', 'starts_on', 'ends_on', 'retention_months', 'erase_personal_data_on', 'personal_data_erased_at'])
    .executeTakeFirst();
}

/** A registration by the hash of its private token, locked, for its own person's requests. */
export async function registrationForUpdate(db: Executor, tokenHash: string) {
  return db.selectFrom('registrations as r').innerJoin('events as e', 'e.id', 'r.event_id')
    .where('r.token_hash', '=', tokenHash)
    .select(['r.id', 'r.event_id', 'r.email', 'r.status', 'r.checked_in_at', 'r.erased_at', 'e.item_id'])
    .forUpdate('r')
    .executeTakeFirst();
}
