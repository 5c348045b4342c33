import { z } from 'zod';
import { field, type FormErrors, type FormValues, parseForm } from '../../lib/forms.ts';
import { dateToZoned, optionalLocalDateTime, placesField, slugField, zonedToDate } from '../events/schemas.ts';

/*
 * The organisers' programme form. Dates are calendar days; the leaders' edit deadline is a local
 * date-time in Hong Kong time, like the rest of the programme's paperwork.
 */

export const PROGRAMME_ZONE = 'Asia/Hong_Kong';
const MAX_HOSTS = 20;

const programmeFields = z.object({
  item_id: z.coerce.number({ error: 'manage.eventForm.errors.item' }).int().positive('manage.eventForm.errors.item')
    .max(2_147_483_647, 'manage.eventForm.errors.item'),
  title: field.text({ missing: 'manage.eventForm.errors.title', tooLong: 'manage.eventForm.errors.titleLength' }, 300),
  slug: slugField(),
  description: field.optionalText('manage.eventForm.errors.description', 5000),
  starts_on: z.iso.date({ error: 'contests.errors.programmeFirstDay' }),
  ends_on: z.iso.date({ error: 'contests.errors.programmeLastDay' }),
  capacity: placesField(),
  public_registration: z.literal('on').optional().transform((v) => v === 'on'),
  confirm_email: z.literal('on').optional().transform((v) => v === 'on'),
  edit_deadline: optionalLocalDateTime('contests.errors.programmeDeadline'),
  hosts: z.union([z.string(), z.array(z.string())]).optional()
    .transform((v) => (v === undefined ? [] : [v].flat()))
    .refine((ids) => ids.every((id) => /^\d{1,9}$/.test(id)), 'contests.errors.hosts')
    .refine((ids) => ids.length <= MAX_HOSTS, { message: 'contests.errors.tooManyHosts', params: { max: MAX_HOSTS } })
    .transform((ids) => ids.map(Number)),
});

export type ProgrammeInput = {
  item_id: number;
  title: string;
  slug: string;
  description: string;
  starts_on: string;
  ends_on: string;
  capacity: number | null;
  public_registration: boolean;
  /** Public delegations confirm their contact's email address before they count. */
  confirm_email: boolean;
  edit_deadline: Date | null;
  hosts: number[];
};

export function parseProgrammeForm(
  body: unknown,
): { ok: true; data: ProgrammeInput } | { ok: false; errors: FormErrors; values: FormValues } {
  const parsed = parseForm(programmeFields, body);
  if (!parsed.ok) return parsed;
  const f = parsed.data;
  const data: ProgrammeInput = {
    ...f,
    capacity: f.capacity === '' ? null : f.capacity,
    edit_deadline: f.edit_deadline ? zonedToDate(f.edit_deadline, PROGRAMME_ZONE) : null,
    hosts: [...new Set(f.hosts)],
  };
  if (data.ends_on < data.starts_on) {
    return { ok: false, errors: { ends_on: 'contests.errors.lastBeforeFirst' }, values: body as FormValues };
  }
  return { ok: true, data };
}

/** A stored programme as form values. */
export function programmeValues(p: {
  item_id: number; title: string; slug: string; description: string; starts_on: string; ends_on: string;
  capacity: number | null; public_registration: boolean; confirm_email: boolean; edit_deadline: Date | null;
}, hosts: readonly number[]): FormValues {
  return {
    item_id: String(p.item_id), title: p.title, slug: p.slug, description: p.description, starts_on: p.starts_on, ends_on: p.ends_on,
    capacity: p.capacity === null ? '' : String(p.capacity), public_registration: p.public_registration ? 'on' : '',
    confirm_email: p.confirm_email ? 'on' : '', edit_deadline: dateToZoned(p.edit_deadline, PROGRAMME_ZONE), hosts: hosts.map(String),
  };
}
