import type { Side } from '../db/types.ts';
import { catalogue, isMessageKey, type Locale, type Message, verbatim } from './i18n.ts';

/** Display helpers shared by every template. Times are shown in the programme's zone. */

export const TIME_ZONE = 'Asia/Hong_Kong';

const INTL_LOCALE: Record<Locale, string> = { en: 'en-GB', 'zh-Hant': 'zh-HK', 'zh-Hans': 'zh-CN' };

const asDate = (d: Date | string) => (typeof d === 'string' ? new Date(d.length === 10 ? `${d}T00:00:00+08:00` : d) : d);

export const SIDE_NAMES: Record<Side, string> = {
  GD: 'Guangdong',
  HK: 'Hong Kong',
  MO: 'Macao',
  CN: 'Mainland (other)',
  OTHER: 'Overseas / other',
};

/** A stored value (`trimmed_mean`, `confirmed`) as words, in English. */
const englishLabel = (s: string) => s.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

/*
 * Sides and stored values as messages, for what is worded before the reader's language is known.
 * Each is a `{ key }` so that it can also be a value of another message (where a plain string is text).
 */

export const sideMessage = (side: string): Message => {
  const key = `side.${side}`;
  return isMessageKey(key) ? { key } : verbatim(side);
};

/** A stored value the catalogue does not name reads as its English words. */
export const labelMessage = (value: string): Message => {
  const key = `label.${value}`;
  return isMessageKey(key) ? { key } : verbatim(englishLabel(value));
};

/**
 * The display helpers in a language: dates through Intl in Hong Kong time, sides and stored
 * values (statuses, kinds, roles) through the catalogue's `side.*` and `label.*` messages.
 */
export function formatFor(locale: Locale): Format {
  let cached = formats.get(locale);
  if (!cached) {
    cached = buildFormat(locale);
    formats.set(locale, cached);
  }
  return cached;
}

function buildFormat(locale: Locale) {
  const intl = INTL_LOCALE[locale];
  const dateFormat = new Intl.DateTimeFormat(intl, { timeZone: TIME_ZONE, day: 'numeric', month: 'long', year: 'numeric' });
  const dateTimeFormat = new Intl.DateTimeFormat(intl, {
    timeZone: TIME_ZONE, weekday: 'short', day: 'numeric', month: 'long', year: 'numeric',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  const timeFormat = new Intl.DateTimeFormat(intl, { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const monthFormat = new Intl.DateTimeFormat(intl, { timeZone: TIME_ZONE, month: 'long', year: 'numeric' });
  const numberFormat = new Intl.NumberFormat(intl);
  const messages = catalogue(locale) as Record<string, string | undefined>;
  return {
    locale,
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
    number: (n: number) => numberFormat.format(n),
    side: (s: string) => messages[`side.${s}`] ?? SIDE_NAMES[s as Side] ?? s,
    label: (s: string) => messages[`label.${s}`] ?? englishLabel(s),
    count: (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`,
    isoDate: (d: Date | string) => asDate(d).toISOString(),
  };
}

/** Intl formatters are costly to build: one set per language, built on first use. */
const formats = new Map<Locale, Format>();

/** English, for what is not yet written in the reader's language (exports, logs, English mail). */
export const format = formatFor('en');

export type Format = ReturnType<typeof buildFormat>;
