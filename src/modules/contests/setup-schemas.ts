import { z } from 'zod';
import type { ContestKind } from '../../db/types.ts';
import { field, type FormErrors, type FormValues, parseForm, readRows, textOf } from '../../lib/forms.ts';
import { type Message, message, type MessageKey } from '../../lib/i18n.ts';
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
const CODE_MAX = 40;
const ITEM = 'manage.eventForm.errors.item';

const optionalHkDateTime = (format: MessageKey) => z.string().optional().default('')
  .refine((v) => v === '' || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v), format)
  .transform((v) => (v === '' ? null : new Date(`${v}:00+08:00`)));

const contestFields = z.object({
  title: field.text({ missing: 'manage.eventForm.errors.title', tooLong: 'manage.eventForm.errors.titleLength' }, 300),
  description: field.optionalText('manage.eventForm.errors.description', 5000),
  kind: field.choice(CONTEST_KINDS, 'contests.errors.kind'),
});

const newContestFields = contestFields.extend({
  item_id: z.coerce.number({ error: ITEM }).int(ITEM).positive(ITEM).max(2_147_483_647, ITEM),
  slug: slugField(),
  entry_opens_at: optionalHkDateTime('contests.errors.opensAt'),
  entry_closes_at: optionalHkDateTime('contests.errors.closesAt'),
  blind: z.literal('on').optional().transform((v) => v === 'on'),
  first_round: field.text({ missing: 'contests.errors.firstRound', tooLong: 'contests.errors.firstRoundLength' }, 120),
}).refine((v) => !v.entry_opens_at || !v.entry_closes_at || v.entry_closes_at > v.entry_opens_at, {
  path: ['entry_closes_at'], message: 'contests.errors.closeAfterOpen',
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

/** What is wrong with a row's code, if anything: its form, or a repeat of one seen before. */
function checkCode(code: string, seen: ReadonlySet<string>): Message | null {
  if (!code) return 'contests.errors.codeEmpty';
  if (!CODE.test(code) || code.length > CODE_MAX) return message('contests.errors.code', { max: CODE_MAX });
  if (seen.has(code)) return message('contests.errors.codeTwice', { code });
  return null;
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
    const codeProblem = checkCode(r.code, seen);
    if (codeProblem) errors[key('code')] = codeProblem;
    if (!r.name) errors[key('name')] = 'contests.errors.categoryName';
    else if (r.name.length > 200) errors[key('name')] = 'contests.errors.name200';
    seen.add(r.code);
    return { id: rowId(r.id), code: r.code, name: r.name };
  });
  if (raw.length > MAX_CATEGORIES) errors._form = message('contests.errors.tooManyCategories', { max: MAX_CATEGORIES });
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
    const codeProblem = checkCode(r.code, seen);
    if (codeProblem) errors[key('code')] = codeProblem;
    if (!r.name) errors[key('name')] = 'contests.errors.awardName';
    else if (r.name.length > 200) errors[key('name')] = 'contests.errors.name200';
    const quota = r.quota === '' ? null : /^\d{1,5}$/.test(r.quota) && Number(r.quota) >= 1 ? Number(r.quota) : Number.NaN;
    if (Number.isNaN(quota)) errors[key('quota')] = 'contests.errors.quota';
    seen.add(r.code);
    return { id: rowId(r.id), code: r.code, name: r.name, quota: Number.isNaN(quota) ? null : quota, is_major: r.major === 'on' };
  });
  if (raw.length > MAX_TIERS) errors._form = message('contests.errors.tooManyTiers', { max: MAX_TIERS });
  return Object.keys(errors).length ? { ok: false, errors, values: rowsAsValues('tier', raw) } : { ok: true, rows };
}

export type CriterionRow = { id: number | null; name: string; guidance: string; weight: number; max_score: number; step: number };

export function parseCriteria(body: unknown): Rows<CriterionRow> & { roundName?: string } {
  const raw = readRows(body, 'criterion', ['id', 'name', 'guidance', 'weight', 'max', 'step'] as const, MAX_CRITERIA + BLANK_ROWS)
    .filter((r) => filled(r));
  const roundName = textOf((body && typeof body === 'object' ? body : {}) as Record<string, unknown>, 'round_name');
  const errors: FormErrors = {};
  if (!roundName) errors.round_name = 'contests.errors.roundName';
  else if (roundName.length > 120) errors.round_name = 'contests.errors.name120';
  const rows = raw.map((r, n) => {
    const key = (f: string) => `criterion_${n}_${f}`;
    if (!r.name) errors[key('name')] = 'contests.errors.criterionName';
    else if (r.name.length > 200) errors[key('name')] = 'contests.errors.name200';
    if (r.guidance.length > 2000) errors[key('guidance')] = 'contests.errors.guidance';
    const weight = decimal(r.weight, 0, 100);
    if (weight === null) errors[key('weight')] = 'contests.errors.weight';
    const max = decimal(r.max, 0, 1000);
    if (max === null) errors[key('max')] = 'contests.errors.max';
    const step = decimal(r.step || '1', 0, 1000);
    if (step === null) errors[key('step')] = 'contests.errors.step';
    else if (max !== null && (step > max || Math.abs(Math.round(max / step) * step - max) > 1e-9)) {
      errors[key('step')] = message('contests.errors.steps', { max, step });
    }
    return { id: rowId(r.id), name: r.name, guidance: r.guidance, weight: weight ?? 0, max_score: max ?? 0, step: step ?? 1 };
  });
  if (raw.length === 0) errors.criterion_0_name = 'contests.errors.noCriterion';
  if (raw.length > MAX_CRITERIA) errors._form = message('contests.errors.tooManyCriteria', { max: MAX_CRITERIA });
  if (Object.keys(errors).length) return { ok: false, errors, values: { round_name: roundName, ...rowsAsValues('criterion', raw) } };
  return { ok: true, rows, roundName };
}
