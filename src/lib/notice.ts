import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { isMessageKey, type Message, type Params } from './i18n.ts';

declare module 'fastify' {
  interface FastifyReply {
    /** A message for the page the next redirect leads to ("Settings saved."), shown once. */
    notice: (message: Message) => FastifyReply;
  }
}

const COOKIE = 'ipcoop_notice';
type Stored = { key: string; params?: Record<string, string | number> };

/**
 * Notices after a redirect travel as a catalogue key and its values in a short-lived cookie,
 * signed so that no link or other site can put words of its own on a page. Without
 * SESSION_SECRET the key is the process's own: a notice that lands on another instance is
 * dropped, never forged.
 */
export async function installNotices(app: FastifyInstance) {
  const key = app.config.sessionSecret ?? randomBytes(32).toString('hex');
  const sign = (payload: string) => createHmac('sha256', key).update(`notice:${payload}`).digest('base64url');
  const secure = app.config.baseUrl.startsWith('https:');

  app.decorateReply('notice', function (message: Message) {
    if (typeof message === 'object' && 'text' in message) throw new Error('a notice is a catalogue message');
    const stored: Stored = typeof message === 'string' ? { key: message } : { key: message.key, params: flatParams(message.params) };
    const payload = Buffer.from(JSON.stringify(stored)).toString('base64url');
    return this.setCookie(COOKIE, `${payload}.${sign(payload)}`, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: 60 });
  });

  app.addHook('onRequest', (request, reply, done) => {
    const raw = request.cookies[COOKIE];
    if (raw) {
      reply.clearCookie(COOKIE, { path: '/' });
      const notice = readNotice(raw, sign);
      if (notice) reply.locals!.notice = notice;
    }
    done();
  });
}

function flatParams(params: Params | undefined): Record<string, string | number> | undefined {
  if (!params) return undefined;
  const flat: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'object') throw new Error('a notice takes plain values');
    flat[name] = value;
  }
  return flat;
}

function readNotice(raw: string, sign: (payload: string) => string): Message | null {
  const dot = raw.indexOf('.');
  if (dot < 1 || raw.length > 2048) return null;
  const payload = raw.slice(0, dot);
  const given = Buffer.from(raw.slice(dot + 1));
  const expected = Buffer.from(sign(payload));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const stored = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Stored;
    if (!isMessageKey(stored.key)) return null;
    return stored.params ? { key: stored.key, params: stored.params } : stored.key;
  } catch {
    return null;
  }
}
