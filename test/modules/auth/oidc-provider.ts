import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';

/*
 * A real OpenID provider (oidc-provider) on a free loopback port, with its development sign-in
 * pages: `authorize` follows the provider's redirects as a browser would, signs in as the given
 * subject, and returns the address the provider sends the browser back to (code and state).
 */

type Tap = { teardown: (fn: () => unknown) => void };
export type Person = { email: string; email_verified: boolean };

export async function startProvider(t: Tap, options: { redirectUri: string; people: Record<string, Person> }) {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'ipcoop', client_secret: 'a-client-secret-for-tests', redirect_uris: [options.redirectUri],
      grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post',
    }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    pkce: { required: () => true },
    cookies: { keys: ['a-cookie-key-for-tests-only'] },
    findAccount: (_ctx, sub) => {
      const person = options.people[sub];
      return person ? { accountId: sub, claims: () => ({ sub, ...person }) } : undefined;
    },
    // Consent is taken as given: the tests are about the relying party.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client?.clientId, accountId: ctx.oidc.session?.accountId });
      grant.addOIDCScope('openid email profile');
      grant.addOIDCClaims(['email', 'email_verified']);
      await grant.save();
      return grant;
    },
  });
  const handle = provider.callback();
  server.on('request', (req, res) => void handle(req, res));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Signs in at the provider as `sub` and returns where it sends the browser back. */
  async function authorize(authUrl: string, sub: string): Promise<URL> {
    const jar = new Map<string, string>();
    const send = async (url: string, init: RequestInit = {}) => {
      const res = await fetch(url, {
        ...init, redirect: 'manual',
        headers: { ...(init.headers as Record<string, string> | undefined), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair = ''] = c.split(';');
        const i = pair.indexOf('=');
        jar.set(pair.slice(0, i), pair.slice(i + 1));
      }
      return res;
    };
    let url = authUrl;
    for (let hop = 0; hop < 10; hop++) {
      if (url.startsWith(options.redirectUri)) return new URL(url);
      const res = await send(url);
      if (res.status >= 300 && res.status < 400) {
        url = new URL(res.headers.get('location') ?? '', url).href;
        continue;
      }
      const page = await res.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(page)?.[1];
      if (!action || !prompt) throw new Error(`unexpected page from the provider (${res.status}): ${page.slice(0, 300)}`);
      const body = new URLSearchParams({ prompt, login: sub, password: 'any' });
      const posted = await send(new URL(action, url).href, {
        method: 'POST', body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      url = new URL(posted.headers.get('location') ?? '', url).href;
    }
    throw new Error('too many redirects at the provider');
  }

  return { issuer, authorize };
}
