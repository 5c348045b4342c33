import * as OpenCC from 'opencc-js';
import { messages as en } from '../i18n/en/index.ts';
import { messages as zhHansOverrides } from '../i18n/zh-Hans/index.ts';
import { messages as zhHant } from '../i18n/zh-Hant/index.ts';

/*
 * Three languages: English, Traditional Chinese (Hong Kong) and Simplified Chinese (Guangdong).
 * The interface is written in English and Traditional Chinese (src/i18n/<language>/<area>.ts);
 * Simplified Chinese is derived from the Traditional by OpenCC (Hong Kong → Mainland), with the
 * words the two places say differently written out by hand in src/i18n/zh-Hans.
 */

export const LOCALES = ['en', 'zh-Hant', 'zh-Hans'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** Each language named in itself, for the switcher. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-Hant': '繁體中文', 'zh-Hans': '简体中文' };

export type MessageKey = keyof typeof en;
export type Catalogue = Record<MessageKey, string>;

export const isLocale = (value: unknown): value is Locale => typeof value === 'string' && (LOCALES as readonly string[]).includes(value);

/** A stored language column as a locale; anything unknown reads as English. */
export const localeOf = (language: string | null | undefined): Locale => (isLocale(language) ? language : 'en');

let hkToCn: ((s: string) => string) | undefined;
let cnToHk: ((s: string) => string) | undefined;

/** Traditional (Hong Kong) → Simplified (Mainland). */
export function toSimplified(text: string): string {
  const convert = (hkToCn ??= OpenCC.Converter({ from: 'hk', to: 'cn' }));
  return convert(text);
}

/** Simplified (Mainland) → Traditional (Hong Kong). */
export function toTraditional(text: string): string {
  const convert = (cnToHk ??= OpenCC.Converter({ from: 'cn', to: 'hk' }));
  return convert(text);
}

function simplifiedCatalogue(): Catalogue {
  const derived = Object.fromEntries(Object.entries(zhHant).map(([k, v]) => [k, toSimplified(v)])) as Catalogue;
  return { ...derived, ...(zhHansOverrides as Partial<Catalogue>) };
}

let catalogues: Record<Locale, Catalogue> | undefined;

export function catalogue(locale: Locale): Catalogue {
  catalogues ??= { en, 'zh-Hant': zhHant, 'zh-Hans': simplifiedCatalogue() };
  return catalogues[locale];
}

export type Translate = ((key: MessageKey, params?: Record<string, string | number>) => string) & {
  /** A sentence written in English elsewhere (a validation message, a refusal), in this language if the catalogue has it. */
  text: (english: string) => string;
};

let englishIndex: Map<string, MessageKey> | undefined;
let templates: { key: MessageKey; pattern: RegExp; names: string[] }[] | undefined;

/** English messages with `{values}` as patterns, so that a sentence built from one is recognised. */
function englishTemplates() {
  // Only messages with words of their own: "{title}" alone, or "{a} · {b}", would match any text.
  const worded = (english: string) => /\{\w+\}/.test(english) && /[A-Za-z]{3}/.test(english.replace(/\{\w+\}/g, ''));
  templates ??= Object.entries(en).filter(([, english]) => worded(english)).map(([key, english]) => {
    const names: string[] = [];
    const source = english.split(/(\{\w+\})/).map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      if (name) {
        names.push(name);
        return '(.+?)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }).join('');
    return { key: key as MessageKey, pattern: new RegExp(`^${source}$`, 's'), names };
  });
  return templates;
}

/** `t('key', { name })`: the message in the locale with `{name}` filled in. */
export function translator(locale: Locale): Translate {
  const messages = catalogue(locale);
  const t = ((key, params) => {
    const message = messages[key] ?? en[key] ?? key;
    if (!params) return message;
    return message.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  }) as Translate;
  t.text = (english) => {
    if (locale === 'en' || !english) return english;
    if (!englishIndex) {
      // The first area to write a sentence translates it everywhere (common, pages, participant … in that order).
      englishIndex = new Map();
      for (const [k, v] of Object.entries(en)) if (!englishIndex.has(v)) englishIndex.set(v, k as MessageKey);
    }
    const key = englishIndex.get(english);
    if (key && messages[key]) return messages[key];
    // A sentence built from a message with values ("3 places are left"): the values carried over.
    for (const { key: k, pattern, names } of englishTemplates()) {
      const match = pattern.exec(english);
      if (match && messages[k]) return t(k, Object.fromEntries(names.map((name, i) => [name, match[i + 1] ?? ''])));
    }
    return english;
  };
  return t;
}

/** Every message of a form's errors in the language. */
export function localiseErrors<E extends Record<string, string>>(locale: Locale, errors: E): E {
  const t = translator(locale);
  return Object.fromEntries(Object.entries(errors).map(([field, message]) => [field, t.text(message)])) as E;
}

/**
 * The visitor's language: an explicit choice if there is one, else the best match in
 * Accept-Language (zh-HK, zh-TW, zh-MO → Traditional; zh-CN, zh-SG, plain zh → Simplified).
 */
export function negotiate(choice: string | undefined, acceptLanguage: string | undefined): Locale {
  if (isLocale(choice)) return choice;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((l) => l.tag && Number.isFinite(l.q) && l.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    const match = localeOfTag(tag);
    if (match) return match;
  }
  return DEFAULT_LOCALE;
}

function localeOfTag(tag: string): Locale | null {
  if (tag === 'en' || tag.startsWith('en-')) return 'en';
  if (tag === 'zh' || tag.startsWith('zh-')) {
    if (/^zh-(hant|hk|tw|mo)\b/.test(tag)) return 'zh-Hant';
    return 'zh-Hans';
  }
  return null;
}
