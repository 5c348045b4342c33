import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import type { CheckinAction, CheckinOutcome } from '../../db/types.ts';
import { recordAudits } from '../audit/service.ts';
import { emitWebhook } from '../webhooks/events.ts';

/*
 * The check-in log and what follows from it. Every check-in and every undo, from the desk, a
 * phone scanner that was offline, or a door system, is one row of `checkins`, written by
 * `recordCheckIn` below and nowhere else. A registration's check-in is then worked out again from
 * all its rows in the order they were scanned, so that scans arriving late and out of order (two
 * phones that were offline) give the same answer as if they had arrived in time: the earliest
 * scan checks the person in, later ones are duplicates kept with their device's name, and an undo
 * undoes the check-in that held at its moment.
 */

/** A registration locked (FOR UPDATE) by the caller's transaction. */
export type LockedRegistration = { id: number; status: string; checked_in_at: Date | null };

export type ScanRow = {
  /** The scan's id: made on the device, so that a batch sent twice is recorded once. */
  id: string;
  action: CheckinAction;
  at: Date;
  /** The scanning device's name; null at the desk. */
  device: string | null;
  userId: number | null;
  undoes?: string | null;
};

/** Who or what made the check-in that held when a scan was judged. */
export type Holder = { at: Date; device: string | null };

/** What a scan came to once the log is settled. */
export type Verdict =
  | { result: 'checked_in'; at: Date }
  | { result: 'already'; holder: Holder }
  | { result: 'undone' }
  | { result: 'not_checked_in' };

type Row = { id: string; action: CheckinAction; outcome: CheckinOutcome; device: string | null; scanned_at: Date; recorded_at: Date };

/** The outcome each row should have, given in scan order, and the check-in that holds at the end. */
function fold(ordered: Row[]) {
  const outcome = new Map<string, CheckinOutcome>();
  const during = new Map<string, Row>();
  let current: Row | null = null;
  for (const row of ordered) {
    if (row.action === 'in') {
      if (current) {
        outcome.set(row.id, 'duplicate');
        during.set(row.id, current);
      } else {
        outcome.set(row.id, 'accepted');
        current = row;
      }
    } else if (current) {
      outcome.set(row.id, 'accepted');
      outcome.set(current.id, 'undone');
      current = null;
    } else {
      outcome.set(row.id, 'ignored');
    }
  }
  return { outcome, during, current };
}

export type Recorded = { recorded: boolean; verdict: Verdict } | { mismatch: true };

/** Records one check-in or undo: `recordCheckIns` for one scan. */
export async function recordCheckIn(
  trx: Executor, event: { id: number; item_id: number }, registration: LockedRegistration, scan: ScanRow,
): Promise<Recorded> {
  const [recorded] = await recordCheckIns(trx, event, [{ registration, scan }]);
  if (!recorded) throw new Error('recordCheckIns answers every scan');
  return recorded;
}

const byScanOrder = (seq: Map<string, number>) => (a: Row, b: Row) => a.scanned_at.getTime() - b.scanned_at.getTime()
  || a.recorded_at.getTime() - b.recorded_at.getTime() || (seq.get(a.id) ?? 0) - (seq.get(b.id) ?? 0) || a.id.localeCompare(b.id);

/**
 * Records check-ins and undos of registrations of `event`, in the order given, and settles each
 * registration they touch: the one place where a registration becomes checked in, or stops
 * being. The caller's transaction holds the registrations' row locks and has already refused
 * any that cannot be checked in. A scan id seen before is not recorded again (the answer is the
 * same); `mismatch` is an id already used for another registration, event or action.
 *
 * The whole batch is settled at once: its rows are read in one query and written in a few,
 * whatever its size, so that a phone's kept scans are sent in about the time of one.
 */
export async function recordCheckIns(
  trx: Executor, event: { id: number; item_id: number }, items: readonly { registration: LockedRegistration; scan: ScanRow }[],
): Promise<Recorded[]> {
  if (items.length === 0) return [];
  const registrations = new Map(items.map((i) => [i.registration.id, i.registration]));
  const existing = await trx.selectFrom('checkins')
    .select(['id', 'event_id', 'registration_id', 'action', 'outcome', 'device', 'scanned_at', 'recorded_at'])
    .where((eb) => eb.or([eb('registration_id', 'in', [...registrations.keys()]), eb('id', 'in', items.map((i) => i.scan.id))]))
    .execute();
  const known = new Map(existing.map((r) => [r.id, r]));
  const rows = new Map<number, Row[]>([...registrations.keys()].map((id) => [id, []]));
  for (const r of existing) rows.get(r.registration_id)?.push(r);
  const added: (Row & { registration_id: number; user_id: number | null; undoes: string | null })[] = [];
  const seq = new Map<string, number>();
  const now = new Date();
  // A check-in made before the log (or written by the seeds) is a desk check-in at its time.
  for (const registration of registrations.values()) {
    const own = rows.get(registration.id) ?? [];
    if (registration.checked_in_at && !own.some((r) => r.action === 'in' && r.outcome === 'accepted')) {
      const at = registration.checked_in_at;
      const row = { id: randomUUID(), action: 'in' as const, outcome: 'accepted' as const, device: null, scanned_at: at, recorded_at: at };
      own.push(row);
      added.push({ ...row, registration_id: registration.id, user_id: null, undoes: null });
    }
  }
  const answers: ({ mismatch: true } | { recorded: boolean; id: string; registrationId: number; action: CheckinAction; at: Date })[] = [];
  for (const { registration, scan } of items) {
    const earlier = known.get(scan.id);
    if (earlier) {
      answers.push(earlier.event_id !== event.id || earlier.registration_id !== registration.id || earlier.action !== scan.action
        ? { mismatch: true }
        : { recorded: false, id: scan.id, registrationId: registration.id, action: scan.action, at: earlier.scanned_at });
      continue;
    }
    const row = {
      id: scan.id, action: scan.action, outcome: (scan.action === 'in' ? 'duplicate' : 'ignored') as CheckinOutcome,
      device: scan.device, scanned_at: scan.at, recorded_at: now,
    };
    known.set(scan.id, { ...row, event_id: event.id, registration_id: registration.id });
    seq.set(scan.id, seq.size + 1);
    rows.get(registration.id)?.push(row);
    added.push({ ...row, registration_id: registration.id, user_id: scan.userId, undoes: scan.undoes ?? null });
    answers.push({ recorded: true, id: scan.id, registrationId: registration.id, action: scan.action, at: scan.at });
  }

  // Each registration worked out again from all its rows, in scan order.
  const settled = new Map([...rows].map(([id, list]) => [id, fold(list.sort(byScanOrder(seq)))]));
  const outcomeOf = (registrationId: number, id: string) => settled.get(registrationId)?.outcome.get(id);
  const isNew = new Set(added.map((r) => r.id));
  const changed = existing.filter((r) => registrations.has(r.registration_id) && outcomeOf(r.registration_id, r.id) !== r.outcome);
  const update = async (list: typeof changed) => {
    for (const outcome of ['duplicate', 'undone', 'ignored', 'accepted'] as const) {
      const ids = list.filter((r) => outcomeOf(r.registration_id, r.id) === outcome).map((r) => r.id);
      if (ids.length > 0) await trx.updateTable('checkins').set({ outcome }).where('id', 'in', ids).execute();
    }
  };
  // Those that stop being current first: the unique index of current check-ins is checked row by row.
  await update(changed.filter((r) => outcomeOf(r.registration_id, r.id) !== 'accepted'));
  if (added.length > 0) {
    await trx.insertInto('checkins').values(added.map((r) => ({
      id: r.id, event_id: event.id, registration_id: r.registration_id, action: r.action,
      outcome: outcomeOf(r.registration_id, r.id) ?? r.outcome, device: r.device, scanned_at: r.scanned_at,
      ...(r.recorded_at === now ? {} : { recorded_at: r.recorded_at }), user_id: r.user_id, undoes: r.undoes,
    })))
      // An id taken at this moment by a batch for another registration (only a forged one can be) is not a server error.
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
  await update(changed.filter((r) => outcomeOf(r.registration_id, r.id) === 'accepted' && !isNew.has(r.id)));

  // The registrations whose check-in changed: checked in (an unconfirmed one is confirmed by it), out, or earlier.
  const moved = [...registrations.values()].flatMap((registration) => {
    const at = settled.get(registration.id)?.current?.scanned_at ?? null;
    return at?.getTime() === registration.checked_in_at?.getTime() ? [] : [{ registration, from: registration.checked_in_at, at }];
  });
  if (moved.length > 0) {
    const values = sql.join(moved.map((m) => sql`(${m.registration.id}::int, ${m.at}::timestamptz)`));
    await sql`UPDATE registrations r SET checked_in_at = v.at,
        status = CASE WHEN v.at IS NULL THEN r.status ELSE 'confirmed' END,
        confirm_by = CASE WHEN v.at IS NULL THEN r.confirm_by ELSE NULL END
      FROM (VALUES ${values}) AS v (id, at) WHERE r.id = v.id`.execute(trx);
  }
  const actor = items[0]?.scan.userId ?? null;
  const device = items[0]?.scan.device ?? null;
  await recordAudits(trx, moved.map((m) => ({
    actorUserId: actor, action: m.at ? 'check_in' : 'undo_check_in', entity: 'registration', entityId: m.registration.id,
    changes: { checked_in_at: { from: m.from, to: m.at }, ...(device ? { device } : {}) }, itemId: event.item_id,
  })));
  for (const m of moved) {
    m.registration.checked_in_at = m.at;
    if (m.at) m.registration.status = 'confirmed';
    if (m.at && !m.from) await emitWebhook(trx, 'checkin.created', m.registration.id);
  }

  return answers.map((a): Recorded => {
    if ('mismatch' in a) return a;
    const fate = settled.get(a.registrationId);
    const outcome = fate?.outcome.get(a.id);
    const holder = fate?.during.get(a.id);
    const verdict: Verdict = a.action === 'out'
      ? { result: outcome === 'accepted' ? 'undone' : 'not_checked_in' }
      : outcome === 'duplicate' && holder ? { result: 'already', holder: { at: holder.scanned_at, device: holder.device } }
      : outcome === 'undone' ? { result: 'undone' } : { result: 'checked_in', at: a.at };
    return { recorded: a.recorded, verdict };
  });
}
