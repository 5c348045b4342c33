import { TIME_ZONE } from '../../lib/format.ts';

/*
 * When a period's personal data is due for erasure. Dates are calendar dates in the programme's
 * zone: a rule of N months erases from the day after the period's end plus N months; a date
 * erases from that day on.
 */

export type RetentionRule = { ends_on: string; retention_months: number | null; erase_personal_data_on: string | null };

const todayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar date of `now` in Hong Kong, as 'YYYY-MM-DD'. */
export const localDate = (now: Date) => todayFormat.format(now);

const iso = (d: Date) => d.toISOString().slice(0, 10);

/** 'YYYY-MM-DD' plus whole months, clamped to the end of a shorter month (31 Jan + 1 → 28/29 Feb). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  return iso(target);
}

export function addDays(date: string, days: number): string {
  const t = new Date(`${date}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + days);
  return iso(t);
}

/** The first day on which the period's personal data is erased; null when no rule is set. */
export function erasureDate(period: RetentionRule): string | null {
  if (period.erase_personal_data_on) return period.erase_personal_data_on;
  if (period.retention_months === null) return null;
  return addDays(addMonths(period.ends_on, period.retention_months), 1);
}

export function erasureDue(period: RetentionRule, now: Date): boolean {
  const date = erasureDate(period);
  return date !== null && localDate(now) >= date;
}
