import { z } from 'zod';
import { EVENT_KINDS } from '../../db/types.ts';
import { cleanText, field, type FormErrors, type FormValues, parseForm } from '../../lib/forms.ts';

/*
 * The organisers' event form. Times are typed as local date-times in the event's time zone
 * and stored as instants; questions come as numbered rows (label, kind, required, options).
 */

export const TIME_ZONES = ['Asia/Hong_Kong', 'Asia/Shanghai', 'Asia/Macau'] as const;
export const QUESTION_KINDS = ['text', 'choice', 'checkbox'] as const;
/** Blank question rows offered under the existing ones. */
export const BLANK_QUESTIONS = 3;
const MAX_QUESTIONS = 20;

/** The last part of a public address (/events/…, /programmes/…); empty means "make one from the title". */
export const slugField = () => z.string().max(80, 'The address must be at most 80 characters.')
  .regex(/^([a-z0-9][a-z0-9-]*)?$/, 'Use lower-case letters, digits and hyphens, starting with a letter or digit.')
  .optional().default('');

/** A number of places, or empty for no limit. */
export const placesField = () => z.union([z.literal(''), z.coerce.number().int('Enter a whole number of places.').min(1, 'Enter at least 1 place, or leave it empty for no limit.').max(100_000, 'Enter at most 100 000 places.')])
  .optional().default('');

export const localDateTime = (label: string) =>
  z.string({ error: `Enter ${label}.` }).regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, `Enter ${label} as a date and time.`);
export const optionalLocalDateTime = (label: string) => z.union([z.literal(''), localDateTime(label)]).optional().default('');

const eventFields = z.object({
  item_id: z.coerce.number({ error: 'Choose the item.' }).int().positive('Choose the item.'),
  kind: field.choice(EVENT_KINDS, 'Choose what kind of event it is.'),
  title: field.text('a title', 300),
  slug: slugField(),
  description: field.optionalText('the description', 5000),
  timezone: field.choice(TIME_ZONES, 'Choose a time zone.'),
  starts_at: localDateTime('when it starts'),
  ends_at: localDateTime('when it ends'),
  city: field.optionalText('the city', 200),
  venue: field.optionalText('the venue', 300),
  capacity: placesField(),
  registration_opens_at: optionalLocalDateTime('when registration opens'),
  registration_closes_at: optionalLocalDateTime('when registration closes'),
  waitlist_enabled: z.literal('on').optional().transform((v) => v === 'on'),
});

export type QuestionInput = { id: number | null; label: string; kind: (typeof QUESTION_KINDS)[number]; required: boolean; options: string[] };

export type EventInput = {
  item_id: number;
  kind: (typeof EVENT_KINDS)[number];
  title: string;
  slug: string;
  description: string;
  timezone: string;
  starts_at: Date;
  ends_at: Date;
  city: string;
  venue: string;
  capacity: number | null;
  registration_opens_at: Date | null;
  registration_closes_at: Date | null;
  waitlist_enabled: boolean;
  questions: QuestionInput[];
};

/** The UTC offset of a zone at an instant, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - instant;
}

/** '2026-12-01T09:30' in a zone → the instant. */
export function zonedToDate(local: string, timeZone: string): Date {
  const [date = '', time = ''] = local.split('T');
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const asUtc = Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1, hh ?? 0, mm ?? 0);
  const first = asUtc - offsetAt(asUtc, timeZone);
  return new Date(asUtc - offsetAt(first, timeZone));
}

/** An instant → '2026-12-01T09:30' in a zone, for a datetime-local field. */
export function dateToZoned(instant: Date | null, timeZone: string): string {
  if (!instant) return '';
  return new Date(instant.getTime() + offsetAt(instant.getTime(), timeZone)).toISOString().slice(0, 16);
}

function questionRows(values: FormValues, errors: FormErrors): QuestionInput[] {
  const questions: QuestionInput[] = [];
  for (let n = 0; n < MAX_QUESTIONS + BLANK_QUESTIONS; n++) {
    const text = (name: string) => { const v = values[`question_${name}_${n}`]; return typeof v === 'string' ? v : ''; };
    const label = text('label');
    if (!label) continue;
    const key = `question_label_${n}`;
    const kind = QUESTION_KINDS.find((k) => k === text('kind'));
    const options = text('options').split('\n').map(cleanText).filter(Boolean);
    const id = /^\d{1,9}$/.test(text('id')) ? Number(text('id')) : null;
    if (label.length > 300) errors[key] = 'A question must be at most 300 characters.';
    else if (!kind) errors[key] = 'Choose what kind of answer the question takes.';
    else if (kind === 'choice' && options.length < 2) errors[key] = 'A choice needs at least two options, one a line.';
    else if (options.length > 30 || options.some((o) => o.length > 200)) errors[key] = 'Give at most 30 options of at most 200 characters each.';
    questions.push({ id, label, kind: kind ?? 'text', required: text('required') === 'on', options: kind === 'choice' ? options : [] });
  }
  if (questions.length > MAX_QUESTIONS) errors._form = `An event can ask at most ${MAX_QUESTIONS} questions.`;
  return questions;
}

export function parseEventForm(body: unknown): { ok: true; data: EventInput } | { ok: false; errors: FormErrors; values: FormValues } {
  const parsed = parseForm(eventFields, body);
  const values = parsed.ok ? (body as FormValues) : parsed.values;
  const errors: FormErrors = parsed.ok ? {} : { ...parsed.errors };
  const questions = questionRows(parsed.ok ? Object.fromEntries(Object.entries(body as Record<string, unknown>)
    .map(([k, v]) => [k, typeof v === 'string' ? cleanText(v) : undefined])) : parsed.values, errors);
  if (!parsed.ok || Object.keys(errors).length > 0) return { ok: false, errors, values };
  const f = parsed.data;
  const at = (local: string) => (local ? zonedToDate(local, f.timezone) : null);
  const data: EventInput = {
    ...f,
    starts_at: zonedToDate(f.starts_at, f.timezone),
    ends_at: zonedToDate(f.ends_at, f.timezone),
    capacity: f.capacity === '' ? null : f.capacity,
    registration_opens_at: at(f.registration_opens_at),
    registration_closes_at: at(f.registration_closes_at),
    questions,
  };
  if (data.ends_at < data.starts_at) errors.ends_at = 'The end must be after the start.';
  if (data.registration_opens_at && data.registration_closes_at && data.registration_closes_at <= data.registration_opens_at) {
    errors.registration_closes_at = 'Registration must close after it opens.';
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors, values };
  return { ok: true, data };
}
