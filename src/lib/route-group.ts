import type { FastifyInstance, FastifyRequest } from 'fastify';
import { refuseWriteInArchivedYear } from './archive.ts';
import { Refusal } from './errors.ts';
import type { Message } from './i18n.ts';
import { readParams, tokenParams } from './params.ts';
import { hashToken, isTokenShaped } from './tokens.ts';

/**
 * Makes a plugin the route group of one object: before any handler runs, `load` finds it (through
 * the caller's scope), once, as `request[name]`; what it does not find is a 404 saying `missing`.
 * The hook runs after the access check, so an anonymous visitor is sent to sign in first. A write
 * to an object of an archived programme year is refused here, for every route of the group
 * (src/lib/archive.ts).
 */
export function loadsObject<K extends keyof FastifyRequest>(
  group: FastifyInstance,
  name: K,
  load: (request: FastifyRequest) => Promise<FastifyRequest[K] | null | undefined>,
  missing: Message,
) {
  group.decorateRequest(name, null, []);
  group.addHook('preHandler', async (request) => {
    const found = await load(request);
    if (!found) throw Refusal.notFound(missing);
    await refuseWriteInArchivedYear(group.db, request, found);
    request[name] = found;
  });
}

/**
 * The same for the pages behind a private link: the link's token is the only key, and the object
 * is found by the token's hash (a token of the wrong shape is never looked up).
 */
export function loadsByLink<K extends keyof FastifyRequest>(
  group: FastifyInstance,
  name: K,
  find: (tokenHash: string) => Promise<FastifyRequest[K] | null | undefined>,
  missing: Message,
) {
  loadsObject(group, name, async (request) => {
    const { token } = readParams(tokenParams, request.params);
    return isTokenShaped(token) ? find(hashToken(token)) : undefined;
  }, missing);
}
