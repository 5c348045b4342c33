import type { Translations } from '../db/types.ts';
import { type Locale, toSimplified, toTraditional } from './i18n.ts';

/*
 * Content (titles, descriptions, narratives) in the reader's language. English is the row's own
 * column; the Chinese versions live in its `translations`. Where only one Chinese variant is
 * written, the other is derived by OpenCC; where neither is, English is shown.
 */

export type Source = 'written' | 'derived' | 'english';

/** One field in a language, and where the text came from. */
export function localText(
  english: string, translations: Translations | null | undefined, field: string, locale: Locale,
): { text: string; source: Source } {
  if (locale === 'en') return { text: english, source: 'written' };
  const own = translations?.[locale]?.[field];
  if (own) return { text: own, source: 'written' };
  const other = translations?.[locale === 'zh-Hant' ? 'zh-Hans' : 'zh-Hant']?.[field];
  if (other) return { text: locale === 'zh-Hans' ? toSimplified(other) : toTraditional(other), source: 'derived' };
  return { text: english, source: 'english' };
}

/** A row with the named fields replaced by their text in the locale. */
export function localize<T extends { translations?: Translations | null }, K extends keyof T & string>(
  row: T, locale: Locale, fields: readonly K[],
): T {
  if (locale === 'en') return row;
  const out = { ...row };
  for (const field of fields) {
    const value = row[field];
    if (typeof value === 'string') (out as Record<string, unknown>)[field] = localText(value, row.translations, field, locale).text;
  }
  return out;
}

/** Which fields of a row still lack a written (not derived) translation, per language: what organisers are shown. */
export function missingTranslations(
  translations: Translations | null | undefined, fields: readonly string[],
): Record<'zh-Hant' | 'zh-Hans', string[]> {
  const missing = (locale: 'zh-Hant' | 'zh-Hans') => fields.filter((f) => !translations?.[locale]?.[f]);
  return { 'zh-Hant': missing('zh-Hant'), 'zh-Hans': missing('zh-Hans') };
}
