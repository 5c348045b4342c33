import { localText } from '../../lib/content.ts';
import type { Locale } from '../../lib/i18n.ts';
import type { Translations } from '../../db/types.ts';

/*
 * Calendar feeds (RFC 5545): one event's file and the feed of all upcoming public events. Times are
 * written in the programme's zone, Asia/Hong_Kong, with its VTIMEZONE (UTC+8 all year: Hong Kong has
 * kept no summer time since 1979), so that a calendar shows the venue's clock whatever its own zone.
 * The events of the other zones offered (Shanghai, Macau) share that offset, so their wall time is
 * the same. Text is escaped, lines are folded at 75 octets and end in CRLF.
 */

const CALENDAR_ZONE = 'Asia/Hong_Kong';
const OFFSET_MS = 8 * 60 * 60 * 1000;

const VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  `TZID:${CALENDAR_ZONE}`,
  'BEGIN:STANDARD',
  'DTSTART:19700101T000000',
  'TZOFFSETFROM:+0800',
  'TZOFFSETTO:+0800',
  'TZNAME:HKT',
  'END:STANDARD',
  'END:VTIMEZONE',
];

export type FeedEvent = {
  id: number;
  slug: string;
  title: string;
  description: string;
  translations: Translations | null;
  starts_at: Date;
  ends_at: Date;
  city: string;
  venue: string;
  status: string;
  created_at: Date;
  updated_at: Date;
};

/** A UTC time as an iCalendar DATE-TIME in UTC ("Z" form). */
const utcStamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** A time as the wall-clock time in Hong Kong, for a property with TZID. */
const zonedStamp = (d: Date) => utcStamp(new Date(d.getTime() + OFFSET_MS)).replace('Z', '');

/** TEXT values escape backslash, semicolon, comma and line breaks (RFC 5545 §3.3.11). */
export const escapeText = (s: string) =>
  s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');

/** Splits a content line into pieces of at most 75 octets, never inside a UTF-8 character (§3.1). */
export function fold(line: string): string {
  const pieces: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    // A continuation line starts with a space, which counts towards its 75 octets.
    const limit = pieces.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      pieces.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  pieces.push(current);
  return pieces.join('\r\n ');
}

/**
 * An event's revision number: seconds from its creation to its last change. It grows with every
 * change, as SEQUENCE must, without a counter of its own.
 */
const sequenceOf = (e: FeedEvent) => Math.max(0, Math.floor((e.updated_at.getTime() - e.created_at.getTime()) / 1000));

function vevent(e: FeedEvent, site: { baseUrl: string; domain: string }, locale: Locale, now: Date): string[] {
  const text = (field: 'title' | 'description') => localText(e[field], e.translations, field, locale).text;
  const url = `${site.baseUrl}/events/${encodeURIComponent(e.slug)}`;
  const description = [text('description'), url].filter(Boolean).join('\n\n');
  return [
    'BEGIN:VEVENT',
    // The same UID as the registration's calendar file: adding both gives one entry, not two.
    `UID:event-${e.id}@${site.domain}`,
    `DTSTAMP:${utcStamp(now)}`,
    `LAST-MODIFIED:${utcStamp(e.updated_at)}`,
    `CREATED:${utcStamp(e.created_at)}`,
    `SEQUENCE:${sequenceOf(e)}`,
    `DTSTART;TZID=${CALENDAR_ZONE}:${zonedStamp(e.starts_at)}`,
    `DTEND;TZID=${CALENDAR_ZONE}:${zonedStamp(e.ends_at)}`,
    `SUMMARY:${escapeText(text('title'))}`,
    `DESCRIPTION:${escapeText(description)}`,
    ...(e.venue || e.city ? [`LOCATION:${escapeText([e.venue, e.city].filter(Boolean).join(', '))}`] : []),
    `URL:${url}`,
    `STATUS:${e.status === 'cancelled' ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT',
  ];
}

/** A calendar of events in one language, as the text of an .ics file. */
export function calendarFile(
  events: FeedEvent[], site: { baseUrl: string; domain: string }, locale: Locale, name: string, now = new Date(),
): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//ipcoop//events//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeText(name)}`,
    `X-WR-TIMEZONE:${CALENDAR_ZONE}`,
    ...VTIMEZONE,
    ...events.flatMap((e) => vevent(e, site, locale, now)),
    'END:VCALENDAR',
  ];
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
