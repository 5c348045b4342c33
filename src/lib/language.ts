import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Translations } from '../db/types.ts';
import { localText } from './content.ts';
import { formatFor } from './format.ts';
import { isLocale, type Locale, LOCALE_NAMES, LOCALES, negotiate, translator } from './i18n.ts';

declare module 'fastify' {
  interface FastifyRequest {
    locale: Locale;
    /** A row's field in the request's language, for the page title a route passes (views use `it.local`). */
    local: (row: WithTranslations, field: string) => string;
  }
}

const COOKIE = 'lang';
const YEAR = 365 * 24 * 60 * 60;

/** The address of the current page in another language: the same path and query, `lang` set. */
function inLanguage(url: string, locale: Locale): string {
  if (!url.includes('?')) return `${url}?lang=${locale}`;
  const [path = '/', query = ''] = url.split('?');
  const params = new URLSearchParams(query);
  params.set('lang', locale);
  return `${path}?${params.toString()}`;
}

/** The links of a page (by its address) to itself in every language, the one it is in marked current. */
export function languageLinks(url: string, current: Locale) {
  return LOCALES.map((l) => ({ locale: l, name: LOCALE_NAMES[l], href: inLanguage(url, l), current: l === current }));
}

export type WithTranslations = Record<string, unknown> & { translations?: Translations | null };

/** A row's field in the reader's language (`it.local(event, 'title')`): written, derived from the other script, or English. */
function localField(row: WithTranslations, field: string, locale: Locale): string {
  const english = row[field];
  return localText(typeof english === 'string' ? english : '', row.translations, field, locale).text;
}

/** The fields of a row with English text but no Chinese written in either script: what organiser pages point out. */
function untranslatedFields(row: WithTranslations, fields: string[]): string[] {
  return fields.filter((f) => row[f] && !row.translations?.['zh-Hant']?.[f] && !row.translations?.['zh-Hans']?.[f]);
}

/**
 * Every request gets its language: `?lang=` (remembered in a cookie), else the cookie, else
 * Accept-Language. Templates receive `t`, `local` (content in the language), the locale and the
 * page's address in each language.
 */
export async function installLanguage(app: FastifyInstance) {
  app.decorateRequest('locale', 'en');
  app.decorateRequest('local', function (this: FastifyRequest, row: WithTranslations, field: string) {
    return localField(row, field, this.locale);
  });
  // Built once per language, not per request: every request pays for this hook.
  const perLocale = new Map(LOCALES.map((locale) => [locale, {
    t: translator(locale),
    f: formatFor(locale),
    local: (row: Record<string, unknown>, field: string) => localField(row, field, locale),
  }]));
  const secure = app.config.baseUrl.startsWith('https:');
  app.addHook('onRequest', (request, reply, done) => {
    const asked = (request.query as Record<string, unknown> | undefined)?.lang;
    const cookie = request.cookies[COOKIE];
    if (isLocale(asked) && asked !== cookie) {
      reply.setCookie(COOKIE, asked, { path: '/', maxAge: YEAR, sameSite: 'lax', httpOnly: true, secure });
    }
    const locale = negotiate(isLocale(asked) ? asked : cookie, request.headers['accept-language']);
    request.locale = locale;
    reply.header('content-language', locale).header('vary', 'Accept-Language, Cookie');
    const locals = reply.locals!;
    const { t, f, local } = perLocale.get(locale)!;
    locals.locale = locale;
    locals.t = t;
    locals.f = f;
    locals.local = local;
    locals.untranslated = untranslatedFields;
    locals.languages = languageLinks(request.url, locale);
    done();
  });
}
