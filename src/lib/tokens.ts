import { createHash, randomBytes } from 'node:crypto';

/** A secret for a link or a cookie: 256 random bits, URL-safe. Only its hash is stored. */
export const newToken = () => randomBytes(32).toString('base64url');

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Tokens have a fixed shape; anything else is not looked up at all. */
export const isTokenShaped = (value: string) => /^[A-Za-z0-9_-]{43}$/.test(value);

/**
 * An address as it may be logged: every path segment or query value shaped like a token
 * becomes `[token]`, so private links (/registrations/…, /password/reset/…) never reach a log.
 */
export function redactTokens(url: string): string {
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  const redactedPath = path.split('/').map((segment) => (isTokenShaped(segment) ? '[token]' : segment)).join('/');
  if (query < 0) return redactedPath;
  const params = url.slice(query + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    return eq >= 0 && isTokenShaped(decodeURIComponentSafe(pair.slice(eq + 1))) ? `${pair.slice(0, eq)}=[token]` : pair;
  });
  return `${redactedPath}?${params.join('&')}`;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
