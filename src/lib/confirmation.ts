/*
 * Email confirmation (double opt-in), shared by registrations, delegations and contest entries.
 * A public one made where the organisers ask for it is pending until its owner confirms the
 * address from the mailed link: it holds its place until its `confirm_by`, and is released after
 * it. `confirm_by` stays set on one released, so "confirm_by IS NULL" is the one condition for
 * "counts in public pages and figures".
 */

/** How long a pending one holds its place, unless a deadline comes first. */
export const CONFIRM_WITHIN_MS = 24 * 3_600_000;

/** When a pending one made now is released: 24 hours on, never past `deadline` (none: 24 hours). */
export function holdUntil(now: Date, deadline: Date | null): Date {
  const hold = now.getTime() + CONFIRM_WITHIN_MS;
  return new Date(deadline ? Math.min(hold, deadline.getTime()) : hold);
}

/**
 * Where one its owner asks to confirm stands: confirmable, confirmed already, or too late
 * (released, or past its time and about to be: it is released, never confirmed, then).
 */
export function confirmationState(row: { confirm_by: Date | null; live: boolean }, now: Date): 'open' | 'done' | 'too_late' {
  if (row.confirm_by === null) return 'done';
  return !row.live || row.confirm_by <= now ? 'too_late' : 'open';
}
