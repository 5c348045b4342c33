import type { Database } from '../../db/index.ts';
import type { Translations } from '../../db/types.ts';
import { archivedYear, inArchivedYear } from '../../lib/archive.ts';
import { localText, type Source } from '../../lib/content.ts';
import { z } from 'zod';
import { type FormErrors, type FormValues, parseForm } from '../../lib/forms.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { KINDS, loadTranslatable, lockedTranslations, type Translatable, type TranslatableKind, writeTranslations } from './queries.ts';

export const CHINESE = ['zh-Hant', 'zh-Hans'] as const;
export type Chinese = (typeof CHINESE)[number];

/** The form field of a content field in one script: `title_zh_hant`. */
export const inputName = (field: string, locale: Chinese) => `${field}_${locale === 'zh-Hant' ? 'zh_hant' : 'zh_hans'}`;

/** The form's values as stored now. */
export function storedValues(kind: TranslatableKind, translations: Translations): Record<string, string> {
  const values: Record<string, string> = {};
  for (const locale of CHINESE) {
    for (const { name } of KINDS[kind].fields) values[inputName(name, locale)] = translations[locale]?.[name] ?? '';
  }
  return values;
}

/** For each script and field: written, derived from the other script, or missing (English shown). */
export function translationState(object: Translatable): Record<Chinese, Record<string, Source>> {
  const state = {} as Record<Chinese, Record<string, Source>>;
  for (const locale of CHINESE) {
    state[locale] = Object.fromEntries(KINDS[object.kind].fields.map(({ name }) =>
      [name, localText(object.english[name] ?? '', object.translations, name, locale).source]));
  }
  return state;
}

/** Every field optional, bounded as its form field is. */
function formSchema(kind: TranslatableKind) {
  const shape: Record<string, z.ZodType<string>> = {};
  for (const locale of CHINESE) {
    for (const { name, max } of KINDS[kind].fields) {
      shape[inputName(name, locale)] = z.string({ error: 'manage.errors.invalid' }).max(max, 'account.password.tooLong').default('');
    }
  }
  return z.object(shape);
}

const valuesOf = (values: FormValues) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'string' ? v : (v ?? []).join(' ')]));

export type SaveResult =
  | { ok: true; object: Translatable; changes: Record<string, { from: string | null; to: string | null }> }
  | { ok: false; object: Translatable; errors: FormErrors; values: Record<string, string> };

/**
 * Saves the Chinese versions of an object in the organiser's scope (not found outside it).
 * Every field is checked first and nothing is written when one is wrong; an empty field is
 * dropped, so the reader falls back to the other script or to English. The change is audited.
 */
export async function saveTranslations(
  db: Database, user: CurrentUser, kind: TranslatableKind, ref: string, body: unknown,
): Promise<SaveResult> {
  return db.transaction().execute(async (trx) => {
    const object = await loadTranslatable(trx, user, kind, ref);
    if (await inArchivedYear(trx, { item_id: object.itemId })) throw archivedYear();
    const form = parseForm(formSchema(kind), body);
    if (!form.ok) return { ok: false, object, errors: form.errors, values: valuesOf(form.values) };
    const errors: FormErrors = {};
    const after: Translations = {};
    for (const locale of CHINESE) {
      for (const { name } of KINDS[kind].fields) {
        const key = inputName(name, locale);
        const value = form.data[key] ?? '';
        if (!value) continue;
        const problem = await object.problem?.(name, value);
        if (problem) errors[key] = problem;
        else (after[locale] ??= {})[name] = value;
      }
    }
    const values = form.data;
    if (Object.keys(errors).length) return { ok: false, object, errors, values };

    const before = await lockedTranslations(trx, kind, object.id);
    const changes: Record<string, { from: string | null; to: string | null }> = {};
    for (const locale of CHINESE) {
      for (const { name } of KINDS[kind].fields) {
        const from = before[locale]?.[name] ?? null;
        const to = after[locale]?.[name] ?? null;
        if (from !== to) changes[`${name} (${locale})`] = { from, to };
      }
    }
    if (Object.keys(changes).length) {
      // Other keys of the column (a field no longer translated here) are kept as they were.
      const merged: Translations = { ...before };
      for (const locale of CHINESE) {
        const kept = Object.fromEntries(Object.entries(before[locale] ?? {})
          .filter(([name]) => !KINDS[kind].fields.some((f) => f.name === name)));
        const next = { ...kept, ...after[locale] };
        if (Object.keys(next).length) merged[locale] = next;
        else delete merged[locale];
      }
      await writeTranslations(trx, kind, object.id, merged);
      await recordAudit(trx, user.id, 'translate', KINDS[kind].auditEntity, object.id, changes, object.itemId);
    }
    return { ok: true, object: { ...object, translations: (await lockedTranslations(trx, kind, object.id)) }, changes };
  });
}
