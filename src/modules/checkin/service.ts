import { createHash, randomUUID } from 'node:crypto';
import type { Database, Executor } from '../../db/index.ts';
import { type Message, message } from '../../lib/i18n.ts';
import { hashToken, newToken } from '../../lib/tokens.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import type { ScopedEvent } from '../events/queries.ts';
import { queueMail } from '../mail/outbox.ts';
import { participantMail } from '../registrations/messages.ts';
import { liveRegistrationForEmail, takeSeat } from '../registrations/queries.ts';
import type { Site } from '../../lib/site.ts';
import { desk } from '../events/queries.ts';
import { ticketCode, tokenHashFromScan } from '../registrations/ticket.ts';
import { recordCheckIn, recordCheckIns } from './checkins.ts';
import { scannerPeople } from './queries.ts';

/* The door: checking people in and out, walk-ins, and messages to everyone registered. */

/** What the desk says after an action: who is checked in, or why not. */
export type DeskOutcome = { ok: boolean; message: Message };

const checkedIn = (name: string): DeskOutcome => ({ ok: true, message: message('manage.checkin.done', { name }) });
const refused = (reason: Message): DeskOutcome => ({ ok: false, message: reason });

/** Locks a registration of this event that holds a seat (confirmed, or unconfirmed while its address is). */
const lockSeated = (trx: Executor, eventId: number, registrationId: number) =>
  trx.selectFrom('registrations').select(['id', 'name', 'status', 'checked_in_at']).where('id', '=', registrationId)
    .where('event_id', '=', eventId).where('status', 'in', ['confirmed', 'unconfirmed']).forUpdate().executeTakeFirst();

/**
 * Checks a confirmed registration of this event in (or undoes it); anything else is not found.
 * An unconfirmed one (email confirmation on) holds its seat and may be checked in too: the
 * organiser at the door confirms it.
 */
export async function setCheckedIn(
  db: Database, user: CurrentUser, event: ScopedEvent, registrationId: number, present: boolean,
): Promise<DeskOutcome> {
  return db.transaction().execute(async (trx): Promise<DeskOutcome> => {
    const row = await lockSeated(trx, event.id, registrationId);
    if (!row || (row.status === 'unconfirmed' && !present)) return refused('manage.checkin.errors.notConfirmed');
    if ((row.checked_in_at !== null) === present) return checkedIn(row.name);
    const scan = { id: randomUUID(), action: present ? 'in' as const : 'out' as const, at: new Date(), device: null, userId: user.id };
    await recordCheckIn(trx, event, row, scan);
    return checkedIn(row.name);
  });
}

/**
 * Checks in whoever a scanned QR ticket (or manage link) belongs to, at the desk. A live
 * registration's pending link (mailed, with its ticket, when the address registered again)
 * counts too; scanning a ticket twice is harmless (the second scan is logged as a duplicate).
 */
export async function checkInScanned(db: Database, user: CurrentUser, event: ScopedEvent, scanned: string): Promise<DeskOutcome> {
  const [result] = (await recordScans(db, user, event, null, [{ id: randomUUID(), action: 'in', code: scanned, at: new Date() }])).results;
  switch (result?.result) {
    case 'checked_in': case 'already': return checkedIn(result.person.name);
    case 'not_ticket': return refused('manage.checkin.errors.notTicket');
    case 'waitlisted': return refused('manage.checkin.errors.waitlisted');
    case 'cancelled': return refused('manage.checkin.errors.cancelled');
    default: return refused('manage.checkin.errors.noTicket');
  }
}

/** One scan from a door: a ticket's code or a person chosen from the list, to check in or undo. */
export type DoorScan = {
  /** Made where the scan happened (crypto.randomUUID on a phone): the same id is recorded once. */
  id: string;
  action: 'in' | 'out';
  code?: string;
  registrationId?: number;
  /** When it was scanned, by the device's clock (a time in the future counts as now). */
  at: Date;
  /** For an undo: the scan it undoes, as the device knew it. */
  undoes?: string | null;
};

export type DoorPerson = { id: number; name: string; organisation: string; side: string };

/**
 * What a scan came to. Green: `checked_in`; amber: `already` (at `at`, by device `by`, null for
 * the desk); `undone` or `not_checked_in` for an undo. Red, with nothing written: a registration
 * on the waiting list or cancelled (their details are not sent), a ticket of another event, an
 * unknown ticket, text that is no ticket, or a scan id already used for something else.
 */
export type DoorResult = { id: string } & (
  | { result: 'checked_in'; person: DoorPerson; at: Date }
  | { result: 'already'; person: DoorPerson; at: Date; by: string | null }
  | { result: 'undone' | 'not_checked_in'; person: DoorPerson }
  | { result: 'waitlisted' | 'cancelled' | 'other_event' | 'unknown' | 'not_ticket' | 'rejected' }
);

type Found = { id: number; event_id: number; status: string };
type Refused = 'unknown' | 'other_event' | 'not_ticket';

/** The registrations the scans name, found before the transaction: by ticket (any event, to tell "another event") or by id. */
async function registrationsNamed(db: Executor, eventId: number, scans: readonly DoorScan[]) {
  const hashes = new Map<string, string | null>(scans.filter((s) => s.code !== undefined)
    .map((s) => [s.code ?? '', tokenHashFromScan(s.code ?? '')]));
  const wanted = [...new Set([...hashes.values()].filter((h): h is string => h !== null))];
  const byHash = new Map<string, Found>();
  if (wanted.length > 0) {
    const rows = await db.selectFrom('registrations')
      .select(['id', 'event_id', 'status', 'token_hash', 'pending_token_hash', 'erased_at'])
      .where((eb) => eb.or([eb('token_hash', 'in', wanted), eb('pending_token_hash', 'in', wanted)])).execute();
    for (const r of rows.filter((row) => row.erased_at === null)) {
      // A pending link counts while its registration is live; the current link wins over another's pending one.
      if (r.pending_token_hash && r.status !== 'cancelled' && !byHash.has(r.pending_token_hash)) byHash.set(r.pending_token_hash, r);
    }
    for (const r of rows.filter((row) => row.erased_at === null)) byHash.set(r.token_hash, r);
  }
  const ids = [...new Set(scans.flatMap((s) => (s.registrationId === undefined ? [] : [s.registrationId])))];
  const byId = new Map<number, Found>(ids.length === 0 ? [] : (await db.selectFrom('registrations')
    .select(['id', 'event_id', 'status']).where('id', 'in', ids).where('event_id', '=', eventId).where('erased_at', 'is', null)
    .execute()).map((r) => [r.id, r]));
  return { hashes, byHash, byId };
}

/**
 * Records scans from a door (a phone scanner's queued batch, the desk, a door system) in one
 * transaction and says what each came to. Idempotent on each scan's id; two devices that
 * checked the same person in give one check-in, the earliest, and the other scan stays in the
 * log as a duplicate with its device's name. Scans are taken in the order given, which is the
 * order they were made on the device (an undo after the check-in it undoes).
 */
export async function recordScans(
  db: Database, user: CurrentUser | { id: number | null }, event: { id: number; item_id: number }, device: string | null,
  scans: readonly DoorScan[],
): Promise<{ results: DoorResult[]; counts: Awaited<ReturnType<typeof desk>> }> {
  const named = await registrationsNamed(db, event.id, scans);
  const target = (scan: DoorScan): Found | Refused => {
    if (scan.registrationId !== undefined) return named.byId.get(scan.registrationId) ?? 'unknown';
    const hash = named.hashes.get(scan.code ?? '');
    if (!hash) return 'not_ticket';
    const found = named.byHash.get(hash);
    if (!found) return 'unknown';
    return found.event_id === event.id ? found : 'other_event';
  };
  const now = new Date();
  return db.transaction().execute(async (trx) => {
    // Every registration the batch touches, locked at once in id order: batches from several
    // devices at the same moment wait for each other instead of deadlocking.
    const ids = [...new Set(scans.map(target).flatMap((t) => (typeof t === 'string' ? [] : [t.id])))].sort((a, b) => a - b);
    const locked = new Map((ids.length === 0 ? [] : await trx.selectFrom('registrations')
      .select(['id', 'name', 'organisation', 'side', 'status', 'checked_in_at'])
      .where('id', 'in', ids).where('event_id', '=', event.id).orderBy('id').forUpdate().execute()).map((r) => [r.id, r]));
    // Red answers are settled here and write nothing; the rest are recorded together.
    const slots: (DoorResult | { scan: DoorScan; person: DoorPerson; index: number })[] = [];
    const items: Parameters<typeof recordCheckIns>[2][number][] = [];
    for (const scan of scans) {
      const found = target(scan);
      const row = typeof found === 'string' ? undefined : locked.get(found.id);
      if (!row) slots.push({ id: scan.id, result: typeof found === 'string' ? found : 'unknown' });
      else if (row.status === 'waitlisted' || row.status === 'cancelled') slots.push({ id: scan.id, result: row.status });
      else {
        const at = scan.at.getTime() > now.getTime() ? now : scan.at;
        slots.push({ scan, person: { id: row.id, name: row.name, organisation: row.organisation, side: row.side }, index: items.length });
        items.push({ registration: row, scan: { id: scan.id, action: scan.action, at, device, userId: user.id, undoes: scan.undoes } });
      }
    }
    const recorded = await recordCheckIns(trx, event, items);
    const results = slots.map((slot): DoorResult => {
      if (!('scan' in slot)) return slot;
      const { scan, person } = slot;
      const done = recorded[slot.index];
      if (!done || 'mismatch' in done) return { id: scan.id, result: 'rejected' };
      const { verdict } = done;
      if (verdict.result === 'already') return { id: scan.id, result: 'already', person, at: verdict.holder.at, by: verdict.holder.device };
      if (verdict.result === 'checked_in') return { id: scan.id, result: 'checked_in', person, at: verdict.at };
      return { id: scan.id, result: verdict.result, person };
    });
    return { results, counts: await desk(trx, event.id) };
  });
}

/**
 * What a phone scanner keeps to judge this event's tickets while offline, and nothing more: no
 * email, no answers. A ticket is known by a hash of its code (the device cannot make a ticket
 * from it); people on the waiting list or cancelled are known by their ticket's hash and status
 * alone, for a red answer.
 */
export async function scannerData(db: Database, event: ScopedEvent) {
  const rows = await scannerPeople(db, event.id);
  const people = rows.map((r) => {
    const keys = [ticketKey(r.token_hash), ...(r.pending_token_hash && r.status !== 'cancelled' ? [ticketKey(r.pending_token_hash)] : [])];
    if (r.status !== 'confirmed' && r.status !== 'unconfirmed') return { id: r.id, keys, status: r.status };
    return {
      id: r.id, keys, status: r.status, name: r.name, organisation: r.organisation, side: r.side,
      checkedInAt: r.checked_in_at?.toISOString() ?? null, by: r.device,
    };
  });
  return { event: event.slug, at: new Date().toISOString(), people, counts: await desk(db, event.id) };
}

/** The key a scanner looks a ticket up by: the first 128 bits of SHA-256 of the ticket's code, in hex. */
export const ticketKey = (tokenHash: string) => createHash('sha256').update(ticketCode(tokenHash)).digest('hex').slice(0, 32);

export type WalkIn = { name: string; email: string; organisation: string; side: 'GD' | 'HK' | 'MO' | 'CN' | 'OTHER' };

/**
 * Registers someone at the door and checks them in: a place is taken like any registration
 * (the capacity still holds); someone already registered is simply checked in.
 */
export async function walkIn(db: Database, user: CurrentUser, site: Site, event: ScopedEvent, person: WalkIn): Promise<DeskOutcome> {
  const token = newToken();
  const tokenHash = hashToken(token);
  const mail = await participantMail(db, 'confirmed', event, person, { token, tokenHash, status: 'confirmed' }, site);
  const deskScan = () => ({ id: randomUUID(), action: 'in' as const, at: new Date(), device: null, userId: user.id });
  return db.transaction().execute(async (trx): Promise<DeskOutcome> => {
    const existing = await liveRegistrationForEmail(trx, event.id, person.email);
    // An unconfirmed registration already holds its seat: checking in confirms it.
    if (existing?.status === 'confirmed' || existing?.status === 'unconfirmed') {
      const row = await lockSeated(trx, event.id, existing.id);
      if (row && !row.checked_in_at) await recordCheckIn(trx, event, row, deskScan());
      return checkedIn(existing.name);
    }
    if (!(await takeSeat(trx, event.id))) return refused('manage.checkin.errors.full');
    let id: number;
    if (existing) {
      await trx.updateTable('registrations')
        .set({ status: 'confirmed', token_hash: tokenHash, pending_token_hash: null, confirm_by: null })
        .where('id', '=', existing.id).execute();
      id = existing.id;
    } else {
      const created = await trx.insertInto('registrations').values({
        event_id: event.id, ...person, status: 'confirmed', answers: '{}', token_hash: tokenHash,
      }).returning('id').executeTakeFirstOrThrow();
      await recordAudit(trx, user.id, 'walk_in', 'registration', created.id, { name: { from: null, to: person.name } }, event.item_id);
      id = created.id;
    }
    await recordCheckIn(trx, event, { id, status: 'confirmed', checked_in_at: null }, deskScan());
    await queueMail(trx, mail, site.domain);
    return checkedIn(existing?.name ?? person.name);
  });
}
