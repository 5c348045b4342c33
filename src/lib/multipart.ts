import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type FormErrors, Refusal } from './errors.ts';

const MALFORMED_MULTIPART = /^(Multipart: |Unexpected end of (multipart data|form)|Malformed (part header|content type)|Part terminated early)/;

/**
 * A multipart body that cannot be read (no boundary, cut short, not multipart at all) is the
 * sender's fault: the parser throws plain errors for it, answered in the plugin that reads
 * multipart bodies as a 400 with `errors`; the app's own handler, which this one passes every
 * error on to, words the page.
 */
export function refuseMalformedMultipart(app: FastifyInstance, errors: FormErrors) {
  app.setErrorHandler(async (error: Error & { statusCode?: number }) => {
    if (error.statusCode === undefined && MALFORMED_MULTIPART.test(error.message)) throw Refusal.form(errors);
    throw error;
  });
}

/**
 * The CSRF check of the auth plugin, run by hand on the fields a multipart form sends ahead of
 * its first file, so that no file is read for a forged request. The check answers a bad token by
 * sending its error on the reply; that is caught here and thrown instead.
 */
export function checkCsrf(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
  let passed = false;
  let refusal: unknown = null;
  const probe: FastifyReply = new Proxy(reply, {
    get: (target, key) => (key === 'send'
      ? (error: unknown) => { refusal = error; return probe; }
      : Reflect.get(target, key, target) as unknown),
  });
  app.csrfProtection(request, probe, () => { passed = true; });
  if (!passed) throw refusal instanceof Error ? refusal : Refusal.page(403, 'error.csrf');
}

export type ReceivedFile = { filename: string; bytes: Buffer; truncated: boolean };

/**
 * Reads a multipart form with one small file (a list to import): its fields into request.body
 * and the file into memory, at most `maxBytes` of it (`truncated` says there was more). The CSRF
 * token must come before the file, and the sender must be signed in with a role the route takes
 * (`allowed`); otherwise the file is not read at all and the usual checks refuse the request.
 */
export async function readFormWithFile(
  app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, allowed: () => boolean,
): Promise<ReceivedFile | null> {
  if (!request.isMultipart()) return null;
  const body: Record<string, unknown> = {};
  let received: ReceivedFile | null = null;
  for await (const part of request.parts()) {
    if (part.type === 'field') {
      body[part.fieldname] = part.value;
      continue;
    }
    request.body = body;
    if (received || !allowed()) {
      part.file.resume();
      continue;
    }
    checkCsrf(app, request, reply);
    const bytes = await part.toBuffer().catch((error: unknown) => {
      if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') return null;
      throw error;
    });
    received = { filename: part.filename, bytes: bytes ?? Buffer.alloc(0), truncated: bytes === null || part.file.truncated };
  }
  request.body = body;
  return received;
}
