import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database, Executor } from '../../db/index.ts';
import type { ImportedPerson, Side } from '../../db/types.ts';
import { type FormErrors, Refusal } from '../../lib/errors.ts';
import { type Locale, localeOf, message } from '../../lib/i18n.ts';
import type { Site } from '../../lib/site.ts';
import { type TableRows, TableFileError } from '../../lib/table-file.ts';
import { hashToken, newToken } from '../../lib/tokens.ts';
import { changedFields, recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { eventDetails, type ScopedEvent } from '../events/queries.ts';
import { queueMail } from '../mail/outbox.ts';
import { participantMail } from '../registrations/messages.ts';
import { liveRegistrationForEmail, takeSeat } from '../registrations/queries.ts';
import { inviteImported, invitedEmails } from '../registrations/invitations.ts';
import { cancelLocked, confirmPromoted, mailNewLink } from '../registrations/service.ts';
import { emitWebhook } from '../webhooks/events.ts';
import { approveRegistration, declineRegistration } from './approval.ts';
import { type ColumnChoice, type ImportField, matchColumns, type RepeatedRow, type RowProblem, rowChecker } from './import-rows.ts';
import { liveEmails } from './queries.ts';

/*
 * What organisers do to one registration or to many: correct it, cancel it on the person's
 * behalf, move it up from the waiting list, send its link again, mark a no-show; and import a
 * list. Every change is audited and every person concerned is told by email, in the language
 * they registered in.
 */

/** The registration, locked, if it belongs to the event (the event is already in the organiser's scope). */
async function locked(trx: Executor, event: ScopedEvent, id: number) {
  const row = await trx.selectFrom('registrations').where('id', '=', id).where('event_id', '=', event.id).where('erased_at', 'is', null)
    .select(['id', 'event_id', 'name', 'email', 'organisation', 'side', 'status', 'checked_in_at', 'no_show_at', 'language'])
    .forUpdate().executeTakeFirst();
  if (!row) throw Refusal.notFound('manage.registrants.errors.gone');
  return row;
}

export type Correction = { name: string; email: string; organisation: string; side: Side };

/** Corrects the person's details; a new address must not be registered for the event already. */
export async function correctRegistration(db: Database, user: CurrentUser, event: ScopedEvent, id: number, input: Correction) {
  await db.transaction().execute(async (trx) => {
    const before = await locked(trx, event, id);
    if (input.email !== before.email && before.status !== 'cancelled') {
      const taken = await liveRegistrationForEmail(trx, event.id, input.email);
      if (taken && taken.id !== id) throw Refusal.form({ email: 'manage.registrants.errors.emailTaken' });
    }
    const diff = changedFields(
      { name: before.name, email: before.email, organisation: before.organisation, side: before.side },
      { ...input },
    );
    if (Object.keys(diff).length === 0) return;
    await trx.updateTable('registrations').set(input).where('id', '=', id).execute();
    await recordAudit(trx, user.id, 'correct', 'registration', id, diff, event.item_id);
  });
}

/**
 * Cancels on the person's behalf, with the reason they are told in the cancellation email. A
 * confirmed place goes to the waiting list as when people cancel themselves; someone already
 * checked in stays.
 */
export async function cancelOnBehalf(
  db: Database, site: Site, user: CurrentUser, event: ScopedEvent, id: number, reason: string, now = new Date(),
): Promise<'cancelled' | 'already_cancelled'> {
  return db.transaction().execute(async (trx) => {
    const registration = await locked(trx, event, id);
    if (registration.status === 'cancelled') return 'already_cancelled';
    if (registration.checked_in_at) throw Refusal.conflict('participant.errors.checkedIn');
    await cancelLocked(trx, site, registration, now);
    await trx.updateTable('registrations').set({ cancel_reason: reason || null }).where('id', '=', id).execute();
    await recordAudit(trx, user.id, 'cancel', 'registration', id, { status: { from: registration.status, to: 'cancelled' }, reason },
      event.item_id);
    const details = await eventDetails(trx, event.id);
    const locale = localeOf(registration.language);
    const mail = await participantMail(trx, 'cancelled', details, registration, null, site, locale, reason ? { reason } : {});
    await queueMail(trx, mail, site.domain);
    return 'cancelled';
  });
}

/** Moves someone up from the waiting list by hand, while a place is free; they are mailed their ticket. */
export async function promoteByHand(db: Database, site: Site, user: CurrentUser, event: ScopedEvent, id: number) {
  await db.transaction().execute(async (trx) => {
    const registration = await locked(trx, event, id);
    if (registration.status !== 'waitlisted') throw Refusal.conflict('manage.registrants.errors.notWaiting');
    if (!(await takeSeat(trx, event.id))) throw Refusal.conflict('manage.registrants.errors.full');
    await confirmPromoted(trx, site, await eventDetails(trx, event.id), registration);
    await recordAudit(trx, user.id, 'promote', 'registration', id, { status: { from: 'waitlisted', to: 'confirmed' } }, event.item_id);
  });
}

/** Sends the person a new private link (the one they have keeps working until they open it). */
export async function resendLink(db: Database, site: Site, user: CurrentUser, event: ScopedEvent, id: number) {
  await db.transaction().execute(async (trx) => {
    const registration = await locked(trx, event, id);
    if (registration.status === 'cancelled') throw Refusal.conflict('manage.registrants.errors.cancelled');
    await mailNewLink(trx, site, await eventDetails(trx, event.id), registration, registration.email);
    await recordAudit(trx, user.id, 'resend_link', 'registration', id, {}, event.item_id);
  });
}

/** Marks (or unmarks) a confirmed registration that did not come, once the event has begun. */
export async function markNoShow(db: Database, user: CurrentUser, event: ScopedEvent, id: number, noShow: boolean, now = new Date()) {
  await db.transaction().execute(async (trx) => {
    const registration = await locked(trx, event, id);
    if (noShow && (registration.status !== 'confirmed' || registration.checked_in_at)) {
      throw Refusal.conflict('manage.registrants.errors.notNoShow');
    }
    if (noShow && event.starts_at > now) throw Refusal.conflict('manage.registrants.errors.notStarted');
    if ((registration.no_show_at !== null) === noShow) return;
    await trx.updateTable('registrations').set({ no_show_at: noShow ? now : null }).where('id', '=', id).execute();
    await recordAudit(trx, user.id, noShow ? 'no_show' : 'no_show_undone', 'registration', id, {}, event.item_id);
  });
}

export const BULK_ACTIONS = ['cancel', 'resend', 'no-show', 'approve', 'decline'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/**
 * One action on every selected registration; those it does not apply to (already cancelled,
 * checked in, ...) are counted and left as they are. Each registration is its own transaction,
 * so that one refused never undoes the others.
 */
export async function bulkAction(
  db: Database, site: Site, user: CurrentUser, event: ScopedEvent, action: BulkAction, ids: readonly number[], reason: string,
): Promise<{ done: number; skipped: number }> {
  let done = 0;
  let skipped = 0;
  for (const id of ids) {
    try {
      if (action === 'approve') {
        await approveRegistration(db, site, user, event, id);
        done++;
      } else if (action === 'decline') {
        await declineRegistration(db, site, user, event, id, reason);
        done++;
      } else if (action === 'cancel') {
        if ((await cancelOnBehalf(db, site, user, event, id, reason)) === 'already_cancelled') skipped++;
        else done++;
      } else {
        if (action === 'resend') await resendLink(db, site, user, event, id);
        else await markNoShow(db, user, event, id, true);
        done++;
      }
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      skipped++;
    }
  }
  return { done, skipped };
}

/** How long a checked list waits for its confirmation. */
const IMPORT_LIFETIME = '1 day';
/** The people checked against the event's registrations and staged at a time (as many as liveEmails asks about at once). */
const STAGE_BATCH = 1000;
/** What a preview or a refusal keeps of a list, however long: counts, and the first of each. */
const IMPORT_KEPT = { people: 200, repeats: 50, problems: 500 } as const;

export type ImportPreview = {
  id: string;
  /** How many people the list registers (or invites), and the first of them, in the file's order. */
  count: number;
  people: ImportedPerson[];
  /** How many addresses the event has a live registration for already: left as they are. */
  registered: number;
  /** Rows whose address an earlier row has: how many, and the first of them. */
  repeatCount: number;
  repeats: RepeatedRow[];
  places: { confirmed: number; waitlisted: number };
  /** The event is invitation-only: the people are invited, not registered (and those invited already are set aside). */
  invitation: boolean;
};

/** Why a list is refused, with what the form shows beside it: the columns to choose, or the first bad rows. */
export type ImportRefusal = {
  errors: FormErrors;
  header?: string[];
  missing?: ImportField[];
  problems?: RowProblem[];
  problemCount?: number;
};
export type StagedList = { ok: true; preview: ImportPreview } | ({ ok: false } & ImportRefusal);
export type ListToStage = { filename: string; table: TableRows; columns: ColumnChoice; notify: boolean };

/** Thrown inside the staging transaction to undo it: a refused list leaves nothing staged. */
class ListRefused extends Error {
  readonly refusal: ImportRefusal;
  constructor(refusal: ImportRefusal) {
    super('list refused');
    this.refusal = refusal;
  }
}

/** Of `n` new people, how many get a place and how many wait, or null when the event cannot take them all. */
function placesFor(event: { capacity: number | null; confirmed_count: number; waitlist_enabled: boolean }, n: number) {
  const free = event.capacity === null ? n : Math.max(0, event.capacity - event.confirmed_count);
  const confirmed = Math.min(n, free);
  if (confirmed < n && !event.waitlist_enabled) return null;
  return { confirmed, waitlisted: n - confirmed };
}

/** The rest of a file read for nothing but the problem that may lie further down it. */
async function problemFurtherDown(batches: AsyncIterable<unknown>): Promise<TableFileError | null> {
  try {
    for await (const _ of batches);
    return null;
  } catch (error) {
    if (error instanceof TableFileError) return error;
    throw error;
  }
}

/**
 * Checks a list as it is read and keeps it for the organiser to confirm: nothing is registered yet.
 * People the event has already are set aside, so that the same file imported twice registers
 * nobody twice. The rows are never held together: each batch of good rows is checked against the
 * event's registrations and written to a temporary table, and the staged list is made from it in
 * the database; only counts, the first rows, repeats and problems the pages show, and the addresses
 * seen (to tell a repeat) stay in memory.
 * It all happens in one transaction, so that a list refused for any reason (a bad row, a file
 * unreadable further down, too many rows, too few places) leaves nothing staged.
 */
export async function stageImport(db: Database, user: CurrentUser, event: ScopedEvent, list: ListToStage): Promise<StagedList> {
  const { header, batches } = list.table;
  const columns = matchColumns(header, list.columns);
  if (!columns.ok) {
    // A file that cannot be read to its end is refused for that, as it was before its columns were looked at.
    const unreadable = await problemFurtherDown(batches);
    if (unreadable) return { ok: false, errors: { file: unreadable.problem } };
    return { ok: false, errors: { file: message('manage.import.errors.columns', { fields: columns.missing.join(', ') }) }, header,
      missing: columns.missing };
  }
  const details = await eventDetails(db, event.id);
  const invitation = details.registration_mode === 'invitation';
  const id = randomUUID();
  const check = rowChecker(columns.index);
  const preview: ImportPreview = {
    id, count: 0, people: [], registered: 0, repeatCount: 0, repeats: [], places: { confirmed: 0, waitlisted: 0 }, invitation,
  };
  const problems: RowProblem[] = [];
  let problemCount = 0;
  let problemRows = 0;
  let pending: ImportedPerson[] = [];
  try {
    await db.transaction().execute(async (trx) => {
      // Dropped at the end of the transaction, whichever way it ends.
      await sql`CREATE TEMPORARY TABLE staged_people (n integer NOT NULL, person jsonb NOT NULL) ON COMMIT DROP`.execute(trx);
      const stage = async (people: ImportedPerson[]) => {
        const emails = people.map((p) => p.email);
        const known = await liveEmails(trx, event.id, emails);
        if (invitation) for (const email of await invitedEmails(trx, event.id, emails)) known.add(email);
        const fresh = people.filter((p) => !known.has(p.email));
        preview.registered += emails.length - fresh.length;
        preview.people.push(...fresh.slice(0, IMPORT_KEPT.people - preview.people.length));
        // The batch in one statement, as one parameter: no row of it is built twice.
        if (fresh.length) {
          const json = JSON.stringify(fresh);
          await sql`INSERT INTO staged_people (n, person)
            SELECT ${preview.count} + ordinality, value FROM jsonb_array_elements(${json}::jsonb) WITH ORDINALITY`.execute(trx);
        }
        preview.count += fresh.length;
      };
      // One batch is staged while the next is read: one at a time, in the file's order.
      let staging: Promise<void> = Promise.resolve();
      const next = async (people: ImportedPerson[]) => {
        await staging;
        staging = stage(people);
        // Its failure is taken up where it is awaited, not left unhandled meanwhile.
        staging.catch(() => undefined);
      };
      try {
        for await (const batch of batches) {
          for (const row of batch) {
            const verdict = check(row);
            if (verdict.kind === 'problems') {
              problemRows++;
              problemCount += verdict.problems.length;
              problems.push(...verdict.problems.slice(0, IMPORT_KEPT.problems - problems.length));
              // The list will be refused: the rest is only read for its problems.
              pending = [];
            } else if (verdict.kind === 'repeat') {
              preview.repeatCount++;
              if (preview.repeats.length < IMPORT_KEPT.repeats) preview.repeats.push(verdict.repeat);
            } else if (problemRows === 0) {
              pending.push(verdict.person);
              if (pending.length === STAGE_BATCH) {
                await next(pending);
                pending = [];
              }
            }
          }
        }
        if (!problemRows && pending.length) await next(pending);
      } finally {
        // Nothing is left running on the transaction's connection, however the reading ended.
        await staging.catch(() => undefined);
      }
      await staging;
      if (problemRows) {
        const errors = { file: message('manage.import.errors.rows', { n: problemRows }) };
        throw new ListRefused({ errors, problems, problemCount, header });
      }
      const rowsRead = preview.count + preview.registered + preview.repeatCount;
      if (rowsRead === 0) throw new ListRefused({ errors: { file: 'common.tableFile.empty' } });
      // Invitations take no place: places are counted when the invitees register.
      const places = invitation ? { confirmed: 0, waitlisted: 0 } : placesFor(details, preview.count);
      if (!places) {
        const free = Math.max(0, (details.capacity ?? 0) - details.confirmed_count);
        throw new ListRefused({ errors: { file: message('manage.import.errors.full', { n: preview.count, free }) } });
      }
      preview.places = places;
      // Lists checked a day ago or more and never confirmed go.
      await trx.deleteFrom('registration_imports').where('event_id', '=', event.id).where('confirmed_at', 'is', null)
        .where('created_at', '<', sql<Date>`now() - ${IMPORT_LIFETIME}::interval`).execute();
      await trx.insertInto('registration_imports').values({
        id, event_id: event.id, user_id: user.id, filename: list.filename.slice(0, 200), notify: list.notify,
        rows: sql<string>`(SELECT coalesce(jsonb_agg(person ORDER BY n), '[]'::jsonb) FROM staged_people)`,
      }).execute();
    });
  } catch (error) {
    if (error instanceof ListRefused) return { ok: false, ...error.refusal };
    if (error instanceof TableFileError) return { ok: false, errors: { file: error.problem } };
    throw error;
  }
  return { ok: true, preview };
}

export async function stagedImport(db: Executor, event: ScopedEvent, id: string) {
  return db.selectFrom('registration_imports').where('id', '=', id).where('event_id', '=', event.id)
    .where('created_at', '>=', sql<Date>`now() - ${IMPORT_LIFETIME}::interval`).selectAll().executeTakeFirst();
}

/**
 * Registers the confirmed list, all or nothing: each person gets a place while there are places
 * (then the waiting list, if the event keeps one), a private link and, if asked, the usual
 * confirmation with the ticket. People registered since the list was checked are left as they
 * are; a list confirmed twice registers nobody the second time.
 */
export async function confirmImport(
  db: Database, site: Site, user: CurrentUser, event: ScopedEvent, id: string, locale: Locale,
): Promise<{ confirmed: number; waitlisted: number; skipped: number; already: boolean; invited?: number }> {
  return db.transaction().execute(async (trx) => {
    const staged = await trx.selectFrom('registration_imports').where('id', '=', id).where('event_id', '=', event.id)
      .where('created_at', '>=', sql<Date>`now() - ${IMPORT_LIFETIME}::interval`)
      .select(['id', 'rows', 'notify', 'confirmed_at', 'filename']).forUpdate().executeTakeFirst();
    if (!staged) throw Refusal.notFound('manage.import.errors.gone');
    if (staged.confirmed_at) return { confirmed: 0, waitlisted: 0, skipped: 0, already: true };
    // The event's row, locked: the places are counted and taken here, once, for the whole list.
    const details = await trx.selectFrom('events as e').where('e.id', '=', event.id)
      .select(['e.capacity', 'e.confirmed_count', 'e.waitlist_enabled', 'e.registration_mode']).forUpdate().executeTakeFirstOrThrow();
    if (details.registration_mode === 'invitation') {
      // An invitation-only event: the list is invited (each invitee mailed a personal link), all or nothing.
      const result = await inviteImported(trx, site, user.id, event.id, staged.rows, staged.id, locale);
      await trx.updateTable('registration_imports').set({ confirmed_at: new Date() }).where('id', '=', staged.id).execute();
      await recordAudit(trx, user.id, 'import', 'event', event.id, { file: staged.filename, ...result }, event.item_id);
      return { confirmed: 0, waitlisted: 0, skipped: result.skipped, already: false, invited: result.invited };
    }
    const registered = await liveEmails(trx, event.id, staged.rows.map((p) => p.email));
    const people = staged.rows.filter((p) => !registered.has(p.email));
    const places = placesFor(details, people.length);
    if (!places) throw Refusal.conflict(message('manage.import.errors.full', { n: people.length, free: 0 }));
    await trx.updateTable('events').set({ confirmed_count: sql`confirmed_count + ${places.confirmed}` }).where('id', '=', event.id)
      .execute();
    const full = await eventDetails(trx, event.id);
    for (let start = 0; start < people.length; start += 500) {
      const slice = people.slice(start, start + 500).map((person, i) => {
        const token = newToken();
        const status = start + i < places.confirmed ? 'confirmed' as const : 'waitlisted' as const;
        return { person, token, tokenHash: hashToken(token), status };
      });
      const inserted = await trx.insertInto('registrations').values(slice.map((s) => ({
        event_id: event.id, name: s.person.name, email: s.person.email, organisation: s.person.organisation, side: s.person.side,
        status: s.status, answers: '{}', token_hash: s.tokenHash, language: locale, import_id: staged.id,
      }))).returning('id').execute();
      for (const [i, s] of slice.entries()) {
        const registrationId = inserted[i]?.id;
        if (registrationId !== undefined) await emitWebhook(trx, 'registration.created', registrationId);
        if (staged.notify) {
          const mail = await participantMail(trx, s.status, full, s.person, { ...s, status: s.status }, site, locale);
          await queueMail(trx, mail, site.domain);
        }
      }
    }
    await trx.updateTable('registration_imports').set({ confirmed_at: new Date() }).where('id', '=', staged.id).execute();
    await recordAudit(trx, user.id, 'import', 'event', event.id, {
      file: staged.filename, confirmed: places.confirmed, waitlisted: places.waitlisted, skipped: registered.size, notified: staged.notify,
    }, event.item_id);
    return { ...places, skipped: registered.size, already: false };
  });
}
