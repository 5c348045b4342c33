import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { attempt, type FormErrors } from '../../lib/errors.ts';
import { type FormValues, parseForm } from '../../lib/forms.ts';
import { verbatim } from '../../lib/i18n.ts';
import { idParam, idParams, readParams } from '../../lib/params.ts';
import { loadsObject } from '../../lib/route-group.ts';
import { requireUser } from '../auth/plugin.ts';
import { EVENT_TYPES } from './events.ts';
import { DESCRIPTION_MAX, endpointForm, URL_MAX } from './form.ts';
import { deliveryLog, endpointSecret, endpointsInScope, type ScopedEndpoint, scopedEndpoint } from './queries.ts';
import { createEndpoint, deleteEndpoint, redeliver, rotateSecret, updateEndpoint } from './service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The endpoint of a /manage/webhooks/:id route, loaded through the user's scope. */
    webhookEndpoint: ScopedEndpoint;
  }
}

const deliveryParams = z.object({ id: idParam, deliveryId: idParam });

/** The organisers' webhook endpoints: register, change, see the secret, read the delivery log, redeliver. */
export async function webhookRoutes(app: FastifyInstance) {
  const form = endpointForm(app.config.webhooks);
  const formData = {
    eventTypes: EVENT_TYPES, limits: { url: URL_MAX, description: DESCRIPTION_MAX }, requireHttps: app.config.webhooks.requireHttps,
  };

  app.get('/manage/webhooks', access('organiser'), async (request, reply) => {
    const endpoints = await endpointsInScope(app.db, requireUser(request));
    return reply.view('webhooks/index', { title: 'webhooks.title', endpoints });
  });

  const newPage = (values: FormValues, errors: FormErrors) => ({ title: 'webhooks.new', values, errors, ...formData });

  app.get('/manage/webhooks/new', access('organiser'), async (_request, reply) =>
    reply.view('webhooks/new', newPage({ enabled: 'on', event_types: [...EVENT_TYPES] }, {})));

  app.post('/manage/webhooks', access('organiser'), async (request, reply) => {
    const parsed = parseForm(form, request.body);
    const saved = parsed.ok ? await attempt(() => createEndpoint(app.db, requireUser(request), parsed.data)) : parsed;
    if (!saved.ok) return reply.code(400).view('webhooks/new', newPage(parsed.ok ? {} : parsed.values, saved.errors));
    return reply.notice('webhooks.created').redirect(`/manage/webhooks/${saved.value}`, 303);
  });

  await app.register(endpointRoutes, { prefix: '/manage/webhooks/:id' });

  async function endpointRoutes(group: FastifyInstance) {
    loadsObject(group, 'webhookEndpoint', (request) =>
      scopedEndpoint(group.db, requireUser(request), readParams(idParams, request.params).id), 'webhooks.notFound.endpoint');

    const endpointPage = async (endpoint: ScopedEndpoint, extra: { values?: FormValues; errors?: FormErrors; secret?: string } = {}) => ({
      title: verbatim(endpoint.description || endpoint.url), endpoint, ...formData,
      values: extra.values ?? { ...endpoint, enabled: endpoint.enabled ? 'on' : '' },
      errors: extra.errors ?? {}, secret: extra.secret ?? null, log: await deliveryLog(group.db, endpoint.id),
    });
    const show = async (reply: FastifyReply, endpoint: ScopedEndpoint, extra?: Parameters<typeof endpointPage>[1]) =>
      reply.view('webhooks/endpoint', await endpointPage(endpoint, extra));

    group.get('', access('organiser'), async (request, reply) => show(reply, request.webhookEndpoint));

    group.post('', access('organiser'), async (request, reply) => {
      const parsed = parseForm(form, request.body);
      if (!parsed.ok) return show(reply.code(400), request.webhookEndpoint, { values: parsed.values, errors: parsed.errors });
      await updateEndpoint(group.db, requireUser(request), request.webhookEndpoint, parsed.data);
      return reply.notice('webhooks.saved').redirect(`/manage/webhooks/${request.webhookEndpoint.id}`, 303);
    });

    // Shown on request, by POST: the secret is never in a page that a GET (a link, a prefetch) brings up.
    group.post('/secret', access('organiser'), async (request: FastifyRequest, reply) =>
      show(reply, request.webhookEndpoint, { secret: await endpointSecret(group.db, request.webhookEndpoint.id) }));

    group.post('/rotate', access('organiser'), async (request, reply) => {
      await rotateSecret(group.db, requireUser(request), request.webhookEndpoint);
      return show(reply, request.webhookEndpoint, { secret: await endpointSecret(group.db, request.webhookEndpoint.id) });
    });

    group.post('/delete', access('organiser'), async (request, reply) => {
      await deleteEndpoint(group.db, requireUser(request), request.webhookEndpoint);
      return reply.notice('webhooks.deleted').redirect('/manage/webhooks', 303);
    });

    group.post('/deliveries/:deliveryId/redeliver', access('organiser'), async (request, reply) => {
      const { deliveryId } = readParams(deliveryParams, request.params);
      await redeliver(group.db, request.webhookEndpoint, deliveryId);
      return reply.notice('webhooks.redelivering').redirect(`/manage/webhooks/${request.webhookEndpoint.id}#log`, 303);
    });
  }
}
