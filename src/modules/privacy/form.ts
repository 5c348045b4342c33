import { z } from 'zod';
import { type FormResult, parseForm } from '../../lib/forms.ts';
import type { RetentionInput } from './service.ts';

/*
 * The retention form: a number of months after the period ends, or a date, or neither (the
 * data is then kept until a rule is set). Both at once is refused rather than guessed at.
 */

const MONTHS_MESSAGE = 'Enter a whole number of months from 0 to 120, or leave it empty.';

const schema = z.object({
  retention_months: z.string({ error: MONTHS_MESSAGE }).max(10, MONTHS_MESSAGE).optional().default('')
    .refine((v) => v === '' || (/^\d{1,3}$/.test(v) && Number(v) <= 120), { error: MONTHS_MESSAGE })
    .transform((v) => (v === '' ? null : Number(v))),
  erase_on: z.string({ error: 'Enter the date as YYYY-MM-DD, such as 2021-06-30.' }).max(10, 'Enter the date as YYYY-MM-DD, such as 2021-06-30.').optional().default('')
    .refine((v) => v === '' || isCalendarDate(v), { error: 'Enter the date as YYYY-MM-DD, such as 2021-06-30.' })
    .transform((v) => (v === '' ? null : v)),
});

function isCalendarDate(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

export function parseRetentionForm(body: unknown, period: { ends_on: string }): FormResult<RetentionInput> {
  const form = parseForm(schema, body);
  if (!form.ok) return form;
  const { retention_months: months, erase_on: on } = form.data;
  const values = { retention_months: months === null ? '' : String(months), erase_on: on ?? '' };
  if (months !== null && on !== null) {
    return { ok: false, values, errors: { erase_on: 'Give either a number of months or a date, not both: clear one of them.' } };
  }
  if (on !== null && on <= period.ends_on) {
    return { ok: false, values, errors: { erase_on: `Choose a date after the period ends (${period.ends_on}), so that its data is complete first.` } };
  }
  return { ok: true, data: { retention_months: months, erase_personal_data_on: on } };
}
