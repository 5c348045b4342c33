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

// opencc-js's types import './core' without an extension, which NodeNext cannot resolve; Converter as they declare it.
const Converter: (options: { from: string; to: string }) => (text: string) => string = OpenCC.Converter;

let hkToCn: ((s: string) => string) | undefined;
let cnToHk: ((s: string) => string) | undefined;

/** Traditional (Hong Kong) → Simplified (Mainland). */
export function toSimplified(text: string): string {
  const convert = (hkToCn ??= Converter({ from: 'hk', to: 'cn' }));
  return convert(text);
}

/** Simplified (Mainland) → Traditional (Hong Kong). */
export function toTraditional(text: string): string {
  const convert = (cnToHk ??= Converter({ from: 'cn', to: 'hk' }));
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

/**
 * What a person is told: a catalogue key (with its values), or text that is already in the
 * reader's language (an organiser's title, a name). Services and schemas raise messages where
 * they arise; only the edge (a view, a mail, the error handler) turns them into words.
 */
export type Message = MessageKey | KeyedMessage | { text: string };
type KeyedMessage = { key: MessageKey; params?: Params };

/**
 * Values filled into a message's `{names}`. A string is shown as it is; a message among the
 * values is rendered in the same language, and is therefore always an object: a bare key
 * would be indistinguishable from text (`message()` and `nested()` give the object form).
 */
export type Params = { [name: string]: string | number | Exclude<Message, string> };

/** A message with values, typed against the catalogue; an object, so that it may be nested. */
export const message = (key: MessageKey, params?: Params): KeyedMessage => (params ? { key, params } : { key });

/** Any message in the form a value of another message takes. */
export const nested = (m: Message): Exclude<Message, string> => (typeof m === 'string' ? { key: m } : m);

/** Text that is already in the reader's language: shown as it is. */
export const verbatim = (text: string): Message => ({ text });

export const isMessageKey = (value: unknown): value is MessageKey => typeof value === 'string' && Object.hasOwn(en, value);

/** `t('key', { name })` or `t(message)`: the message in the locale with `{name}` filled in. */
export type Translate = (message: Message, params?: Params) => string;

/** `t('key', { name })`: the message in the locale with `{name}` filled in. */
export function translator(locale: Locale): Translate {
  const messages = catalogue(locale);
  const fill = (text: string, params: Params) =>
    // `{{field}}` is a mail template's merge field (src/modules/mail/templates.ts), not a value: left as it is.
    text.replace(/\{\{\w+\}\}|\{(\w+)\}/g, (whole, name: string | undefined) => {
      if (name === undefined) return whole;
      const value = params[name];
      if (value === undefined) return whole;
      return typeof value === 'object' ? t(value) : String(value);
    });
  const t: Translate = (m, extra) => {
    if (typeof m === 'object' && 'text' in m) return m.text;
    const key = typeof m === 'string' ? m : m.key;
    const params = typeof m === 'string' ? extra : { ...m.params, ...extra };
    // An unknown key shows as itself (the catalogue test keeps every key used defined).
    const text = messages[key] ?? en[key] ?? key;
    return params ? fill(text, params) : text;
  };
  return t;
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
