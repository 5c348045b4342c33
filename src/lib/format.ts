import type { Side } from '../db/types.ts';

/** Display helpers shared by every template. Times are shown in the programme's zone. */

export const TIME_ZONE = 'Asia/Hong_Kong';

const dateFormat = new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, day: 'numeric', month: 'long', year: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE, weekday: 'short', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit',
});
const timeFormat = new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit' });
const monthFormat = new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, month: 'long', year: 'numeric' });

const asDate = (d: Date | string) => (typeof d === 'string' ? new Date(d.length === 10 ? `${d}T00:00:00+08:00` : d) : d);

export const SIDE_NAMES: Record<Side, string> = {
  GD: 'Guangdong',
  HK: 'Hong Kong',
  MO: 'Macao',
  CN: 'Mainland (other)',
  OTHER: 'Overseas / other',
};

export const format = {
  date: (d: Date | string) => dateFormat.format(asDate(d)),
  dateTime: (d: Date | string) => dateTimeFormat.format(asDate(d)),
  time: (d: Date | string) => timeFormat.format(asDate(d)),
  month: (d: Date | string) => monthFormat.format(asDate(d)),
  /** "12–14 June 2019" style range, collapsing what the two ends share. */
  dateRange(start: Date | string, end: Date | string): string {
    const a = dateFormat.format(asDate(start));
    const b = dateFormat.format(asDate(end));
    return a === b ? a : `${a} – ${b}`;
  },
  side: (s: string) => SIDE_NAMES[s as Side] ?? s,
  label: (s: string) => s.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()),
  count: (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`,
  isoDate: (d: Date | string) => asDate(d).toISOString(),
};

export type Format = typeof format;
