import { z } from 'zod';
import { EVENT_KINDS, REGISTRATION_MODES, type RegistrationMode } from '../../db/types.ts';
import { cleanText, field, type FormErrors, type FormValues, parseForm } from '../../lib/forms.ts';
import { message, type MessageKey } from '../../lib/i18n.ts';

/*
 * The organisers' event form. Times are typed as local date-times in the event's time zone
 * and stored as instants; questions come as numbered rows (label, kind, required, options).
 */

export const TIME_ZONES = ['Asia/Hong_Kong', 'Asia/Shanghai', 'Asia/Macau'] as const;
export const QUESTION_KINDS = ['text', 'choice', 'checkbox'] as const;
/** Blank question rows offered under the existing ones. */
export const BLANK_QUESTIONS = 3;
const MAX_QUESTIONS = 20;
const QUESTION_MAX = 300;
const MAX_OPTIONS = 30;
const OPTION_MAX = 200;

/** The last part of a public address (/events/…, /programmes/…); empty means "make one from the title". */
export const slugField = () => z.string().max(80, 'manage.eventForm.errors.slugLength')
  .regex(/^([a-z0-9][a-z0-9-]*)?$/, 'manage.eventForm.errors.slugFormat')
  .optional().default('');

/** A number of places, or empty for no limit; anything that is not a number at all is "a whole number". */
export const placesField = () => z.union([
  z.literal(''),
  z.coerce.number().int('manage.eventForm.errors.placesWhole').min(1, 'manage.eventForm.errors.placesMin')
    .max(100_000, 'manage.eventForm.errors.placesMax'),
], { error: 'manage.eventForm.errors.placesWhole' }).optional().default('');

/** A local date-time ('2026-12-01T09:30'): `missing` when there is none, `format` when it is not one. */
export const localDateTime = (messages: { missing: MessageKey; format: MessageKey }) =>
  z.string({ error: messages.missing }).regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, messages.format);
/** A local date-time or nothing: only the `format` message can arise. */
export const optionalLocalDateTime = (format: MessageKey) =>
  z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, format)]).optional().default('');

const eventFields = z.object({
  item_id: z.coerce.number({ error: 'manage.eventForm.errors.item' }).int().positive('manage.eventForm.errors.item'),
  kind: field.choice(EVENT_KINDS, 'manage.eventForm.errors.kind'),
  title: field.text({ missing: 'manage.eventForm.errors.title', tooLong: 'manage.eventForm.errors.titleLength' }, 300),
  slug: slugField(),
  description: field.optionalText('manage.eventForm.errors.description', 5000),
  timezone: field.choice(TIME_ZONES, 'manage.eventForm.errors.timezone'),
  starts_at: localDateTime({ missing: 'manage.eventForm.errors.starts', format: 'manage.eventForm.errors.startsFormat' }),
  ends_at: localDateTime({ missing: 'manage.eventForm.errors.ends', format: 'manage.eventForm.errors.endsFormat' }),
  city: field.optionalText('manage.eventForm.errors.city', 200),
  venue: field.optionalText('manage.eventForm.errors.venue', 300),
  capacity: placesField(),
  registration_opens_at: optionalLocalDateTime('manage.eventForm.errors.opensFormat'),
  registration_closes_at: optionalLocalDateTime('manage.eventForm.errors.closesFormat'),
  waitlist_enabled: z.literal('on').optional().transform((v) => v === 'on'),
  confirm_email: z.literal('on').optional().transform((v) => v === 'on'),
  reminder_hours: z.string().regex(/^\d{1,3}$/, 'scheduled.form.errors.reminder').transform(Number)
    .pipe(z.number().max(720, 'scheduled.form.errors.reminder')).optional().default(24),
  registration_mode: z.enum(REGISTRATION_MODES, { error: 'modes.errors.mode' }).optional().default('open'),
});

/** A question an event asks of those who register. */
export type Question = { id: number; label: string; kind: (typeof QUESTION_KINDS)[number]; required: boolean; options: string[] };

export type QuestionInput = {
  id: number | null; label: string; kind: (typeof QUESTION_KINDS)[number]; required: boolean; options: string[];
};

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
  /** Public registrations confirm their email address before they count. */
  confirm_email: boolean;
  /** The reminder goes this many hours before the start; 0: none. */
  reminder_hours: number;
  /** Who may register: anyone; anyone, each approved by an organiser; only those invited. */
  registration_mode: RegistrationMode;
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
    if (label.length > QUESTION_MAX) errors[key] = message('manage.eventForm.errors.questionLength', { max: QUESTION_MAX });
    else if (!kind) errors[key] = 'manage.eventForm.errors.questionKind';
    else if (kind === 'choice' && options.length < 2) errors[key] = 'manage.eventForm.errors.questionOptions';
    else if (options.length > MAX_OPTIONS || options.some((o) => o.length > OPTION_MAX)) {
      errors[key] = message('manage.eventForm.errors.questionOptionsLength', { options: MAX_OPTIONS, max: OPTION_MAX });
    }
    questions.push({ id, label, kind: kind ?? 'text', required: text('required') === 'on', options: kind === 'choice' ? options : [] });
  }
  if (questions.length > MAX_QUESTIONS) errors._form = message('manage.eventForm.errors.questionsMax', { max: MAX_QUESTIONS });
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
  if (data.ends_at < data.starts_at) errors.ends_at = 'manage.eventForm.errors.endAfterStart';
  if (data.registration_opens_at && data.registration_closes_at && data.registration_closes_at <= data.registration_opens_at) {
    errors.registration_closes_at = 'manage.eventForm.errors.closeAfterOpen';
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors, values };
  return { ok: true, data };
}
