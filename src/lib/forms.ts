import { z } from 'zod';
import type { FormErrors } from './errors.ts';
import { isMessageKey, type Message, type MessageKey, type Params } from './i18n.ts';

/*
 * The one way forms are read: a zod schema over the posted fields. Strings are trimmed and
 * stripped of control characters first; errors come back per field as catalogue messages, with
 * what was typed so the form can be shown again. A schema's messages are catalogue keys; the
 * limits a message names (`{max}`, `{min}`) come from the schema's own check, so a limit is
 * written once.
 */

export type { FormErrors };
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

/** A schema issue as a message: its key, with the check's limits and any values of its own. */
function issueMessage(issue: z.core.$ZodIssue): Message {
  if (!isMessageKey(issue.message)) return 'form.invalid';
  const params: Params = {};
  if ('maximum' in issue && (typeof issue.maximum === 'number' || typeof issue.maximum === 'bigint')) params.max = Number(issue.maximum);
  if ('minimum' in issue && (typeof issue.minimum === 'number' || typeof issue.minimum === 'bigint')) params.min = Number(issue.minimum);
  if (issue.code === 'custom' && issue.params) Object.assign(params, issue.params);
  return Object.keys(params).length ? { key: issue.message, params } : issue.message;
}

export function parseForm<S extends z.ZodType>(schema: S, body: unknown): FormResult<z.output<S>> {
  const values = cleanValues(body);
  const result = schema.safeParse(values);
  if (result.success) return { ok: true, data: result.data };
  const errors: FormErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? '_form');
    errors[field] ??= issueMessage(issue);
  }
  return { ok: false, errors, values };
}

/** Field builders whose messages are catalogue keys a person can act on. */
export const field = {
  text: (messages: { missing: MessageKey; tooLong: MessageKey }, max = 200) =>
    z.string({ error: messages.missing }).min(1, messages.missing).max(max, messages.tooLong),
  optionalText: (tooLong: MessageKey, max = 200) =>
    z.string().max(max, tooLong).optional().default(''),
  email: () =>
    z.string({ error: 'participant.errors.email' })
      .min(1, 'participant.errors.email')
      .max(254, 'participant.errors.emailLong')
      .pipe(z.email({ error: 'participant.errors.emailFormat' }))
      .transform((s) => s.toLowerCase()),
  password: () => z.string({ error: 'account.errors.passwordMissing' }).min(1, 'account.errors.passwordMissing')
    .max(1024, 'account.errors.passwordLong'),
  choice: <const T extends readonly [string, ...string[]]>(values: T, message: MessageKey) =>
    z.enum(values, { error: message }),
  checkbox: (message: MessageKey) => z.literal('on', { error: message }),
};

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
