import { z } from 'zod';
import type { ContestKind } from '../../db/types.ts';
import { field, type FormErrors, type FormValues, parseForm, readRows, textOf } from '../../lib/forms.ts';
import { slugField } from '../events/schemas.ts';

/*
 * The organisers' contest setup forms: the contest itself, and its categories, award tiers and
 * each round's criteria as numbered rows (a blank row is ignored, so rows are added by filling
 * in the blank ones offered under the rest and removed by clearing them).
 */

export const CONTEST_KINDS = ['patent_portfolio', 'youth_invention', 'speech'] as const satisfies readonly ContestKind[];
export const BLANK_ROWS = 3;
const MAX_CATEGORIES = 30;
const MAX_TIERS = 20;
const MAX_CRITERIA = 20;

const CODE = /^[a-z0-9][a-z0-9-]*$/;
const CODE_MESSAGE = 'Use lower-case letters, digits and hyphens.';

const optionalHkDateTime = (label: string) => z.string().optional().default('')
  .refine((v) => v === '' || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v), `Enter ${label} as a date and time.`)
  .transform((v) => (v === '' ? null : new Date(`${v}:00+08:00`)));

const contestFields = z.object({
  title: field.text('a title', 300),
  description: field.optionalText('the description', 5000),
  kind: field.choice(CONTEST_KINDS, 'Choose what kind of contest it is.'),
});

const newContestFields = contestFields.extend({
  item_id: z.coerce.number({ error: 'Choose the item.' }).int().positive('Choose the item.').max(2_147_483_647, 'Choose the item.'),
  slug: slugField(),
  entry_opens_at: optionalHkDateTime('when entries open'),
  entry_closes_at: optionalHkDateTime('when entries close'),
  blind: z.literal('on').optional().transform((v) => v === 'on'),
  first_round: field.text('the name of the first round', 120),
}).refine((v) => !v.entry_opens_at || !v.entry_closes_at || v.entry_closes_at > v.entry_opens_at, {
  path: ['entry_closes_at'], message: 'Entries must close after they open.',
});

export type ContestDetails = z.output<typeof contestFields>;
export type NewContest = z.output<typeof newContestFields>;

export const parseContestDetails = (body: unknown) => parseForm(contestFields, body);
export const parseNewContest = (body: unknown) => parseForm(newContestFields, body);

type Rows<T> = { ok: true; rows: T[] } | { ok: false; errors: FormErrors; values: FormValues };

const rowId = (v: string) => (/^\d{1,9}$/.test(v) ? Number(v) : null);
const filled = (row: Record<string, string>, ignore: readonly string[] = ['id']) =>
  Object.entries(row).some(([k, v]) => !ignore.includes(k) && v !== '');

/** A decimal of at most two places within bounds, or null. */
function decimal(v: string, min: number, max: number): number | null {
  if (!/^\d{1,6}(\.\d{1,2})?$/.test(v)) return null;
  const n = Number(v);
  return n > min && n <= max ? n : null;
}

function rowsAsValues(prefix: string, rows: Record<string, string>[]): FormValues {
  const values: FormValues = {};
  rows.forEach((row, n) => { for (const [k, v] of Object.entries(row)) values[`${prefix}_${n}_${k}`] = v; });
  return values;
}

export type CategoryRow = { id: number | null; code: string; name: string };

export function parseCategories(body: unknown): Rows<CategoryRow> {
  const raw = readRows(body, 'category', ['id', 'code', 'name'] as const, MAX_CATEGORIES + BLANK_ROWS).filter((r) => filled(r));
  const errors: FormErrors = {};
  const seen = new Set<string>();
  const rows = raw.map((r, n) => {
    const key = (f: string) => `category_${n}_${f}`;
    if (!CODE.test(r.code) || r.code.length > 40) errors[key('code')] = r.code ? `${CODE_MESSAGE} At most 40 characters.` : 'Enter a short code.';
    else if (seen.has(r.code)) errors[key('code')] = `The code "${r.code}" is used twice.`;
    if (!r.name) errors[key('name')] = 'Enter the name of the category.';
    else if (r.name.length > 200) errors[key('name')] = 'The name must be at most 200 characters.';
    seen.add(r.code);
    return { id: rowId(r.id), code: r.code, name: r.name };
  });
  if (raw.length > MAX_CATEGORIES) errors._form = `A contest has at most ${MAX_CATEGORIES} categories.`;
  return Object.keys(errors).length ? { ok: false, errors, values: rowsAsValues('category', raw) } : { ok: true, rows };
}

export type TierRow = { id: number | null; code: string; name: string; quota: number | null; is_major: boolean };

export function parseTiers(body: unknown): Rows<TierRow> {
  const raw = readRows(body, 'tier', ['id', 'code', 'name', 'quota', 'major'] as const, MAX_TIERS + BLANK_ROWS)
    .filter((r) => filled(r, ['id', 'major']));
  const errors: FormErrors = {};
  const seen = new Set<string>();
  const rows = raw.map((r, n) => {
    const key = (f: string) => `tier_${n}_${f}`;
    if (!CODE.test(r.code) || r.code.length > 40) errors[key('code')] = r.code ? `${CODE_MESSAGE} At most 40 characters.` : 'Enter a short code.';
    else if (seen.has(r.code)) errors[key('code')] = `The code "${r.code}" is used twice.`;
    if (!r.name) errors[key('name')] = 'Enter the name of the award.';
    else if (r.name.length > 200) errors[key('name')] = 'The name must be at most 200 characters.';
    const quota = r.quota === '' ? null : /^\d{1,5}$/.test(r.quota) && Number(r.quota) >= 1 ? Number(r.quota) : Number.NaN;
    if (Number.isNaN(quota)) errors[key('quota')] = 'Enter a whole number of at least 1, or leave it empty for no limit.';
    seen.add(r.code);
    return { id: rowId(r.id), code: r.code, name: r.name, quota: Number.isNaN(quota) ? null : quota, is_major: r.major === 'on' };
  });
  if (raw.length > MAX_TIERS) errors._form = `A contest has at most ${MAX_TIERS} award tiers.`;
  return Object.keys(errors).length ? { ok: false, errors, values: rowsAsValues('tier', raw) } : { ok: true, rows };
}

export type CriterionRow = { id: number | null; name: string; guidance: string; weight: number; max_score: number; step: number };

export function parseCriteria(body: unknown): Rows<CriterionRow> & { roundName?: string } {
  const raw = readRows(body, 'criterion', ['id', 'name', 'guidance', 'weight', 'max', 'step'] as const, MAX_CRITERIA + BLANK_ROWS)
    .filter((r) => filled(r));
  const roundName = textOf((body && typeof body === 'object' ? body : {}) as Record<string, unknown>, 'round_name');
  const errors: FormErrors = {};
  if (!roundName) errors.round_name = 'Enter the name of the round.';
  else if (roundName.length > 120) errors.round_name = 'The name must be at most 120 characters.';
  const rows = raw.map((r, n) => {
    const key = (f: string) => `criterion_${n}_${f}`;
    if (!r.name) errors[key('name')] = 'Enter the name of the criterion.';
    else if (r.name.length > 200) errors[key('name')] = 'The name must be at most 200 characters.';
    if (r.guidance.length > 2000) errors[key('guidance')] = 'The guidance must be at most 2000 characters.';
    const weight = decimal(r.weight, 0, 100);
    if (weight === null) errors[key('weight')] = 'Enter a weight above 0 and at most 100 (two decimals at most).';
    const max = decimal(r.max, 0, 1000);
    if (max === null) errors[key('max')] = 'Enter a maximum score above 0 and at most 1000.';
    const step = decimal(r.step || '1', 0, 1000);
    if (step === null) errors[key('step')] = 'Enter a step above 0, such as 1 or 0.5.';
    else if (max !== null && (step > max || Math.abs(Math.round(max / step) * step - max) > 1e-9)) {
      errors[key('step')] = `The maximum (${max}) must be a whole number of steps of ${step}.`;
    }
    return { id: rowId(r.id), name: r.name, guidance: r.guidance, weight: weight ?? 0, max_score: max ?? 0, step: step ?? 1 };
  });
  if (raw.length === 0) errors.criterion_0_name = 'A round needs at least one criterion.';
  if (raw.length > MAX_CRITERIA) errors._form = `A round has at most ${MAX_CRITERIA} criteria.`;
  if (Object.keys(errors).length) return { ok: false, errors, values: { round_name: roundName, ...rowsAsValues('criterion', raw) } };
  return { ok: true, rows, roundName };
}
