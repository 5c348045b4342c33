import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DEMO_PASSWORD } from './database.ts';

/** A file part of a multipart form: its field, name and bytes (PDF unless `type` says otherwise). */
export type FilePart = { name: string; filename: string; content: Buffer; type?: string };

/** A multipart/form-data body as a browser sends it: the fields first, then the files. */
export function multipart(fields: Record<string, string>, files: readonly FilePart[] = []) {
  const boundary = `----ipcoop${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  for (const f of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\n`
      + `Content-Type: ${f.type ?? 'application/pdf'}\r\n\r\n`));
    parts.push(f.content, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * A browser-like client over app.inject: keeps cookies, finds the CSRF token in pages and sends
 * it with every form. `signIn` goes through the real login form.
 */
export class Agent {
  readonly cookies = new Map<string, string>();
  csrf = '';

  readonly app: FastifyInstance;

  constructor(app: FastifyInstance) {
    this.app = app;
  }

  private remember(res: LightMyRequestResponse) {
    for (const c of res.cookies) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now()) || c.maxAge === 0) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (token?.[1]) this.csrf = token[1];
    return res;
  }

  get cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string, headers: Record<string, string> = {}) {
    return this.remember(await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader, ...headers } }));
  }

  /** Posts a form; the CSRF token is added unless the form sets `_csrf` itself. */
  async post(url: string, form: Record<string, string | string[]> = {}, headers: Record<string, string> = {}) {
    if (!this.csrf) await this.get('/login');
    const body = new URLSearchParams();
    if (!('_csrf' in form)) body.append('_csrf', this.csrf);
    for (const [k, v] of Object.entries(form)) for (const item of [v].flat()) body.append(k, item);
    return this.remember(await this.app.inject({
      method: 'POST',
      url,
      payload: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader, ...headers },
    }));
  }

  /** Posts a multipart form with one file, as a browser does; the CSRF token goes first unless the form sets `_csrf`. */
  async postFile(url: string, fields: Record<string, string>, file: FilePart) {
    if (!this.csrf) await this.get('/login');
    const body = multipart('_csrf' in fields ? fields : { _csrf: this.csrf, ...fields }, [file]);
    return this.remember(await this.app.inject({
      method: 'POST', url, payload: body.payload, headers: { 'content-type': body.contentType, cookie: this.cookieHeader },
    }));
  }

  async signIn(email: string, password = DEMO_PASSWORD) {
    await this.get('/login');
    const res = await this.post('/login', { email, password });
    if (res.statusCode !== 303) throw new Error(`sign-in as ${email} failed with ${res.statusCode}`);
    return this;
  }
}

export const signedIn = (app: FastifyInstance, email: string) => new Agent(app).signIn(email);
