import type { FastifyInstance } from 'fastify';
import { formatFor } from './format.ts';
import { isLocale, type Locale, LOCALE_NAMES, LOCALES, negotiate, translator } from './i18n.ts';

declare module 'fastify' {
  interface FastifyRequest {
    locale: Locale;
  }
}

const COOKIE = 'lang';
const YEAR = 365 * 24 * 60 * 60;

/** The address of the current page in another language: the same path and query, `lang` set. */
function inLanguage(url: string, locale: Locale): string {
  const [path = '/', query = ''] = url.split('?');
  const params = new URLSearchParams(query);
  params.set('lang', locale);
  return `${path}?${params.toString()}`;
}

/**
 * Every request gets its language: `?lang=` (remembered in a cookie), else the cookie, else
 * Accept-Language. Templates receive `t`, the locale and the page's address in each language.
 */
export async function installLanguage(app: FastifyInstance) {
  app.decorateRequest('locale', 'en');
  app.addHook('onRequest', async (request, reply) => {
    const asked = (request.query as Record<string, unknown> | undefined)?.lang;
    if (isLocale(asked) && asked !== request.cookies[COOKIE]) {
      reply.setCookie(COOKIE, asked, { path: '/', maxAge: YEAR, sameSite: 'lax', httpOnly: true, secure: app.config.baseUrl.startsWith('https:') });
    }
    const locale = negotiate(isLocale(asked) ? asked : request.cookies[COOKIE], request.headers['accept-language']);
    request.locale = locale;
    reply.header('content-language', locale).header('vary', 'Accept-Language, Cookie');
    reply.locals = {
      ...reply.locals,
      locale,
      t: translator(locale),
      f: formatFor(locale),
      languages: LOCALES.map((l) => ({ locale: l, name: LOCALE_NAMES[l], href: inLanguage(request.url, l), current: l === locale })),
    };
  });
}
