import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { resolveChecked } from './address.ts';

/** What one attempt came to: the response's status (none when no response came) and its opening. */
export type AttemptResult = { statusCode: number | null; error: string | null; body: string | null; durationMs: number };

export type SendOptions = { allowPrivate: boolean; timeoutMs: number };

/** How much of a response is read: enough for the log; a receiver sending more is cut off. */
export const RESPONSE_CAP_BYTES = 64 * 1024;
/** How much of it the delivery log keeps. */
const LOGGED_BODY_CHARS = 500;
// A receiver's answer is kept as text: without NUL (which PostgreSQL refuses) and other controls.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

export type SignedMessage = { messageId: string; payload: string; secret: string; timestamp: Date };

/** The Standard Webhooks headers of a message: `v1,<base64 HMAC-SHA256 of id.timestamp.body>`. */
export function signedHeaders(message: SignedMessage): Record<string, string> {
  return {
    'webhook-id': message.messageId,
    'webhook-timestamp': String(Math.floor(message.timestamp.getTime() / 1000)),
    'webhook-signature': new Webhook(message.secret).sign(message.messageId, message.timestamp, message.payload),
  };
}

/** Resolution answered with the address already checked: the connection cannot go anywhere else. */
function pinned(address: string, family: number): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

/**
 * POSTs one signed message. Only a 2xx counts as delivered; a redirect is not followed (it
 * would lead past the address check) and counts as a failure. The whole attempt, connection to
 * last byte, is bounded by the timeout; at most RESPONSE_CAP_BYTES of the answer are read.
 */
export async function sendWebhook(url: string, message: SignedMessage, options: SendOptions): Promise<AttemptResult> {
  const started = performance.now();
  const done = (result: Omit<AttemptResult, 'durationMs'>): AttemptResult =>
    ({ ...result, durationMs: Math.round(performance.now() - started) });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return done({ statusCode: null, error: 'the URL is not valid', body: null });
  }
  const deadline = AbortSignal.timeout(options.timeoutMs);
  let resolved: { address: string; family: number };
  try {
    resolved = await Promise.race([
      resolveChecked(target, options.allowPrivate),
      new Promise<never>((_, reject) => deadline.addEventListener('abort', () => reject(new Error('timed out resolving the host')))),
    ]);
  } catch (error) {
    return done({ statusCode: null, error: error instanceof Error ? error.message : String(error), body: null });
  }
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<AttemptResult>((resolve) => {
    const request = client.request(target, {
      method: 'POST',
      lookup: pinned(resolved.address, resolved.family),
      signal: deadline,
      agent: false,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(message.payload),
        'user-agent': 'ipcoop-webhooks',
        ...signedHeaders(message),
      },
    }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        const statusCode = response.statusCode ?? null;
        const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
        const body = Buffer.concat(chunks).toString('utf8').replace(CONTROL, '').slice(0, LOGGED_BODY_CHARS);
        resolve(done({ statusCode, error: ok ? null : `the endpoint answered ${statusCode ?? 'nothing'}`, body: body || null }));
      };
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= RESPONSE_CAP_BYTES) chunks.push(chunk);
        else {
          response.destroy();
          finish();
        }
      });
      response.on('end', finish);
      response.on('error', () => finish());
    });
    request.on('error', (error) => {
      const reason = deadline.aborted ? `no answer within ${options.timeoutMs / 1000} s` : error.message.replace(CONTROL, '');
      resolve(done({ statusCode: null, error: reason, body: null }));
    });
    request.end(message.payload);
  });
}
