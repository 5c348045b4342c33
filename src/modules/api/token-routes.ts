import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { type FormErrors, type FormValues, field, parseForm } from '../../lib/forms.ts';
import { idParams, readParams } from '../../lib/params.ts';
import { requireUser } from '../auth/plugin.ts';
import type { CurrentUser } from '../auth/service.ts';
import { allTokens, API_SCOPES, createApiToken, revokeApiToken, tokensOfUser } from './tokens.ts';

/*
 * The pages of personal API tokens: each user's own on /account/tokens (made, listed, revoked),
 * and every token on /manage/tokens for administrators, who may revoke any of them.
 */

export const EXPIRY_CHOICES = [7, 30, 90, 180, 365] as const;

const tokenForm = z.object({
  name: field.text({ missing: 'api.tokens.errors.name', tooLong: 'api.tokens.errors.nameLong' }, 100),
  scopes: z.preprocess((v) => (v === undefined ? [] : [v].flat()),
    z.array(z.enum(API_SCOPES, { error: 'api.tokens.errors.scopes' })).min(1, 'api.tokens.errors.scopes')),
  days: z.enum(EXPIRY_CHOICES.map(String) as [string, ...string[]], { error: 'api.tokens.errors.expiry' }).transform(Number),
});

export async function tokenRoutes(app: FastifyInstance) {
  const page = async (reply: FastifyReply, user: CurrentUser, status = 200, values: FormValues = {}, errors: FormErrors = {},
    created: { token: string; name: string } | null = null) =>
    reply.code(status).view('api/tokens', {
      title: 'api.tokens.title', tokens: await tokensOfUser(app.db, user.id), scopes: API_SCOPES, expiries: EXPIRY_CHOICES,
      values: { days: '90', scopes: ['read'], ...values }, errors, created, now: new Date(),
    });

  app.get('/account/tokens', access('signed-in'), async (request, reply) => page(reply, requireUser(request)));

  app.post('/account/tokens', access('signed-in'), async (request, reply) => {
    const user = requireUser(request);
    const form = parseForm(tokenForm, request.body);
    if (!form.ok) return page(reply, user, 400, form.values, form.errors);
    const { token } = await createApiToken(app.db, user.id, user.id, form.data);
    // Shown on this answer only (never in a redirect's cookie or address); the page is not kept by any cache.
    return page(reply, user, 200, {}, {}, { token, name: form.data.name });
  });

  app.post('/account/tokens/:id/revoke', access('signed-in'), async (request, reply) => {
    const { id } = readParams(idParams, request.params);
    await revokeApiToken(app.db, requireUser(request), id);
    return reply.notice('api.tokens.revoked').redirect('/account/tokens', 303);
  });

  app.get('/manage/tokens', access('admin'), async (_request, reply) =>
    reply.view('api/admin-tokens', { title: 'api.tokens.adminTitle', tokens: await allTokens(app.db), now: new Date() }));

  app.post('/manage/tokens/:id/revoke', access('admin'), async (request, reply) => {
    const { id } = readParams(idParams, request.params);
    await revokeApiToken(app.db, requireUser(request), id, true);
    return reply.notice('api.tokens.revoked').redirect('/manage/tokens', 303);
  });
}
