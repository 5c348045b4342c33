import { z } from 'zod';
import type { FormErrors } from '../../lib/errors.ts';
import { field } from '../../lib/forms.ts';
import type { MessageKey } from '../../lib/i18n.ts';
import { idParam } from '../../lib/params.ts';
import type { Advance } from './service.ts';

/*
 * The forms organisers use to run a contest once it is set up: its settings and panel, each
 * round's rules, assignments and advancing, and the awards. Messages are catalogue keys.
 */

/** What a page shows again after a refused form: the messages, and what was typed. */
export type PageExtra = { errors?: FormErrors; values?: Record<string, unknown> };

/** An id chosen from a list: anything else is answered with `key`, as if nothing were chosen. */
const chosenId = (key: MessageKey) => z.coerce.number({ error: key }).int(key).positive(key).max(2_147_483_647, key);

/** A Hong Kong date and time from a datetime-local field, or null when left empty. */
const optionalDateTime = z.string().optional().default('').refine((v) => v === '' || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v), 'contests.errors.dateTime')
  .transform((v) => (v === '' ? null : new Date(`${v}:00+08:00`)));

/** A date and time as a datetime-local field shows it, in Hong Kong time. */
export const hkInput = (d: Date | null) => (d ? new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16) : '');

export const settingsForm = z.object({
  status: field.choice(['draft', 'open', 'judging', 'closed'], 'contests.errors.status'),
  blind: z.literal('on').optional().transform((v) => v === 'on'),
  confirm_email: z.literal('on').optional().transform((v) => v === 'on'),
  entry_opens_at: optionalDateTime,
  entry_closes_at: optionalDateTime,
}).refine((v) => !v.entry_opens_at || !v.entry_closes_at || v.entry_closes_at > v.entry_opens_at, {
  path: ['entry_closes_at'], message: 'contests.errors.closeAfterOpen',
});

export const judgeForm = z.object({ judge_id: chosenId('contests.errors.judge') });

export const roundSettingsForm = z.object({
  aggregation: field.choice(['mean', 'median', 'trimmed_mean'], 'contests.errors.aggregation'),
  normalise: z.literal('on').optional().transform((v) => v === 'on'),
  tie_break: field.choice(['criteria', 'consensus', 'earliest'], 'contests.errors.tieBreak'),
  closes_at: optionalDateTime,
  /** Hours before closes_at; 0 sends no reminder. A form without the field keeps the default. */
  reminder_hours: z.string().optional().default('48')
    .refine((v) => /^\d{1,3}$/.test(v) && Number(v) <= 720, 'contests.errors.reminderHours').transform(Number),
});

/** One judge for one entry; the form as a whole is refused, as its two lists sit side by side. */
export const assignForm = z.object({ entry_id: idParam, judge_id: idParam });

export const autoAssignForm = z.object({
  per_entry: z.coerce.number({ error: 'contests.errors.perEntry' }).int('contests.errors.wholeNumber')
    .min(1, 'contests.errors.perEntryMin').max(20, 'contests.errors.perEntryMax'),
});

/** Which entries advance: the best N, or all at or above a score out of 100. */
export const advanceForm = z.object({
  mode: field.choice(['top', 'threshold'], 'contests.errors.mode'),
  count: z.string().optional().default(''),
  score: z.string().optional().default(''),
}).transform((v, ctx): Advance => {
  if (v.mode === 'top') {
    const count = Number(v.count);
    if (v.count === '' || !Number.isInteger(count) || count < 1 || count > 10_000) {
      ctx.addIssue({ code: 'custom', path: ['count'], message: 'contests.errors.count' });
    }
    return { mode: 'top', count };
  }
  const score = Number(v.score);
  if (v.score === '' || !Number.isFinite(score) || score < 0 || score > 100) {
    ctx.addIssue({ code: 'custom', path: ['score'], message: 'contests.errors.score' });
  }
  return { mode: 'threshold', score };
});

/** One entry's award changed by hand: an empty tier withdraws it. */
export const adjustForm = z.object({
  entry_id: chosenId('contests.errors.entryOfContest'),
  tier_id: z.union([z.literal(''), chosenId('contests.errors.award')], { error: 'contests.errors.award' }).optional().default('')
    .transform((v) => (v === '' ? null : v)),
  reason: field.text({ missing: 'contests.errors.reason', tooLong: 'contests.errors.reasonLength' }, 500),
});
