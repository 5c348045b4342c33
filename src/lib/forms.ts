import { z } from 'zod';

/*
 * The one way forms are read: a zod schema over the posted fields. Strings are trimmed and
 * stripped of control characters first; errors come back per field, worded for people, with
 * what was typed so the form can be shown again.
 */

export type FormErrors = Record<string, string>;
export type FormValues = Record<string, string | string[] | undefined>;
export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: FormErrors; values: FormValues };

// Keeps tab and newline; removes the rest of C0/C1 and the Unicode line/paragraph separators.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029]/g;

export function cleanText(value: string): string {
  return value.replace(/\r\n?/g, '\n').replace(CONTROL, '').trim();
}

function cleanValues(body: unknown): FormValues {
  const values: FormValues = {};
  if (!body || typeof body !== 'object') return values;
  for (const [key, raw] of Object.entries(body as Record<string, unknown>)) {
    if (key === '_csrf') continue;
    if (typeof raw === 'string') values[key] = cleanText(raw);
    else if (Array.isArray(raw)) values[key] = raw.filter((v): v is string => typeof v === 'string').map(cleanText);
  }
  return values;
}

export function parseForm<S extends z.ZodType>(schema: S, body: unknown): FormResult<z.output<S>> {
  const values = cleanValues(body);
  const result = schema.safeParse(values);
  if (result.success) return { ok: true, data: result.data };
  const errors: FormErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? '_form');
    errors[field] ??= issue.message;
  }
  return { ok: false, errors, values };
}

/** Field builders with messages a person can act on. */
export const field = {
  text: (label: string, max = 200) =>
    z.string({ error: `Enter ${label}.` }).min(1, `Enter ${label}.`).max(max, `${capital(label)} must be at most ${max} characters.`),
  optionalText: (label: string, max = 200) =>
    z.string().max(max, `${capital(label)} must be at most ${max} characters.`).optional().default(''),
  email: () =>
    z.string({ error: 'Enter your email address.' })
      .min(1, 'Enter your email address.')
      .max(254, 'That email address is too long.')
      .pipe(z.email({ error: 'Enter an email address like name@example.org.' }))
      .transform((s) => s.toLowerCase()),
  password: () => z.string({ error: 'Enter your password.' }).min(1, 'Enter your password.').max(1024, 'That password is too long.'),
  choice: <const T extends readonly [string, ...string[]]>(values: T, message: string) =>
    z.enum(values, { error: message }),
  checkbox: (message: string) => z.literal('on', { error: message }),
};

function capital(s: string) {
  return s.replace(/^(a |an |the |your )/, '').replace(/^./, (c) => c.toUpperCase());
}

/** A posted field as trimmed text; anything but a string (a repeated key, a missing one) reads as ''. */
export function textOf(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  return typeof value === 'string' ? cleanText(value) : '';
}

/** Row numbers present in the body for a prefix (`member_3_name` → 3), in order, at most `max` of them. */
export function rowNumbers(body: Record<string, unknown>, prefix: string, max: number): number[] {
  const pattern = new RegExp(`^${prefix}_(\\d{1,4})_`);
  const numbers = new Set<number>();
  for (const key of Object.keys(body)) {
    const match = pattern.exec(key);
    if (match) numbers.add(Number(match[1]));
  }
  return [...numbers].sort((a, b) => a - b).slice(0, max);
}

/**
 * Numbered rows of a form (`tier_0_name`, `tier_0_quota`, `tier_1_name` …) as records of text, in
 * row order. Rows are numbered rather than repeated so that an unticked checkbox cannot shift the
 * rows after it.
 */
export function readRows<K extends string>(raw: unknown, prefix: string, fields: readonly K[], max: number): Record<K, string>[] {
  const body = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  return rowNumbers(body, prefix, max).map((n) =>
    Object.fromEntries(fields.map((f) => [f, textOf(body, `${prefix}_${n}_${f}`)])) as Record<K, string>);
}
