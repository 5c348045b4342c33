import type { Rng } from './people.ts';

/*
 * Seed timestamps are written in Hong Kong time (+08:00), where the programme happens,
 * whatever the time zone of the machine that runs the seed.
 */

const HONG_KONG_OFFSET = 8 * 3600_000;
export const DAY = 24 * 3600_000;

/** `2019-06-27T09:00:00+08:00` for an instant. */
export function hongKongIso(date: Date): string {
  const local = new Date(date.getTime() + HONG_KONG_OFFSET).toISOString();
  return `${local.slice(0, 19)}+08:00`;
}

/** The Hong Kong calendar date of an instant, `YYYY-MM-DD`. */
export function hongKongDate(date: Date): string {
  return hongKongIso(date).slice(0, 10);
}

/** `days` after `date`, at a Hong Kong wall-clock time such as `09:30`. */
export function daysAfterAt(date: Date, days: number, time: string): string {
  return `${hongKongDate(new Date(date.getTime() + days * DAY))}T${time}:00+08:00`;
}

export function shift(iso: string | Date, ms: number): string {
  const t = typeof iso === 'string' ? Date.parse(iso) : iso.getTime();
  return hongKongIso(new Date(t + ms));
}

/** A point in [from, to). */
export function between(rng: Rng, from: string, to: string): string {
  const a = Date.parse(from);
  const b = Date.parse(to);
  return hongKongIso(new Date(a + Math.floor(rng() * Math.max(1, b - a))));
}
