import { z } from 'zod';
import { type FormResult, parseForm } from '../../lib/forms.ts';
import { message } from '../../lib/i18n.ts';
import type { RetentionInput } from './service.ts';

/*
 * The retention form: a number of months after the period ends, or a date, or neither (the
 * data is then kept until a rule is set). Both at once is refused rather than guessed at.
 */

export const RETENTION_MONTHS_MAX = 120;

/** Whichever check refuses the months, the person is told the range, from the limit above. */
const monthsError = message('contests.retention.errors.months', { max: RETENTION_MONTHS_MAX });

const schema = z.object({
  retention_months: z.string({ error: 'contests.retention.errors.months' }).optional().default('')
    .refine((v) => v === '' || (/^\d{1,3}$/.test(v) && Number(v) <= RETENTION_MONTHS_MAX), { error: 'contests.retention.errors.months' })
    .transform((v) => (v === '' ? null : Number(v))),
  erase_on: z.string({ error: 'contests.retention.errors.date' }).optional().default('')
    .refine((v) => v === '' || isCalendarDate(v), { error: 'contests.retention.errors.date' })
    .transform((v) => (v === '' ? null : v)),
});

function isCalendarDate(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

export function parseRetentionForm(body: unknown, period: { ends_on: string }): FormResult<RetentionInput> {
  const form = parseForm(schema, body);
  if (!form.ok) {
    return form.errors.retention_months ? { ...form, errors: { ...form.errors, retention_months: monthsError } } : form;
  }
  const { retention_months: months, erase_on: on } = form.data;
  const values = { retention_months: months === null ? '' : String(months), erase_on: on ?? '' };
  if (months !== null && on !== null) {
    return { ok: false, values, errors: { erase_on: 'contests.retention.errors.both' } };
  }
  if (on !== null && on <= period.ends_on) {
    return { ok: false, values, errors: { erase_on: message('contests.retention.errors.afterEnd', { date: period.ends_on }) } };
  }
  return { ok: true, data: { retention_months: months, erase_personal_data_on: on } };
}
