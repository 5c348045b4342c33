import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { type FormErrors, Refusal } from '../../lib/errors.ts';
import { field, type FormValues, parseForm } from '../../lib/forms.ts';
import { message } from '../../lib/i18n.ts';
import { idParam, readParams, slugParam, slugParams } from '../../lib/params.ts';
import { addressSubject, tooManyRequests } from '../../lib/rate-limit.ts';
import { loadsObject } from '../../lib/route-group.ts';
import type { Site } from '../../lib/site.ts';
import { requireUser } from '../auth/plugin.ts';
import {
  type CertificateEvent, certificateByCode, certificateCounts, eventCertificates, scopedEventForCertificates,
} from './queries.ts';
import { isCertificateCode, issueNow, reissue, revoke, saveSettings } from './service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The event of a /manage/events/:slug/certificates route, loaded through the organiser's scope. */
    certificateEvent: CertificateEvent;
  }
}

/**
 * Lookups of the verification page per address: 30 a minute is more than anyone checking the
 * certificates of a pile of applications needs, and makes guessing codes (128 random bits) even
 * more hopeless. Counted in memory, per instance: looking a certificate up writes nothing.
 */
const LOOKUPS_PER_MINUTE = 30;
const MAX_TRACKED = 10_000;

function lookupLimiter() {
  const windows = new Map<string, { start: number; count: number }>();
  return (ip: string, now: number): number => {
    const subject = addressSubject(ip);
    const start = Math.floor(now / 60_000) * 60_000;
    let entry = windows.get(subject);
    if (!entry || entry.start !== start) {
      if (windows.size >= MAX_TRACKED) windows.clear();
      entry = { start, count: 0 };
      windows.set(subject, entry);
    }
    entry.count++;
    return entry.count > LOOKUPS_PER_MINUTE ? Math.ceil((start + 60_000 - now) / 1000) : 0;
  };
}

const codeParams = z.object({ code: z.string().max(64) });
const personParams = z.object({ slug: slugParam, id: idParam });

const HOURS = /^\d{1,3}(?:\.\d)?$/;
const settingsForm = z.object({
  certificates_enabled: z.literal('on').optional(),
  cpd_hours: z.string().max(10, 'certificates.errors.hours').default('')
    .refine((s) => s === '' || (HOURS.test(s) && Number(s) > 0 && Number(s) <= 100), 'certificates.errors.hours')
    .transform((s) => (s === '' ? null : Number(s))),
});
const reissueForm = z.object({
  name: field.text({ missing: 'certificates.errors.name', tooLong: 'certificates.errors.nameLong' }, 200),
});
const revokeForm = z.object({ reason: field.optionalText('certificates.errors.reasonLong', 500) });

/** The verification page, public; and the organisers' page of an event's certificates. */
export async function certificateRoutes(app: FastifyInstance) {
  const site: Site = { baseUrl: app.config.baseUrl, domain: app.mail.domain };
  const overLimit = lookupLimiter();

  app.get('/certificates/:code', access('public'), async (request, reply) => {
    if (app.config.rateLimits) {
      const wait = overLimit(request.ip, Date.now());
      if (wait) throw tooManyRequests(reply, wait);
    }
    const { code } = readParams(codeParams, request.params);
    const certificate = isCertificateCode(code) ? await certificateByCode(app.db, code) : undefined;
    if (!certificate) throw Refusal.notFound('certificates.errors.notFound');
    const status = certificate.revoked_at ? (certificate.superseded ? 'superseded' : 'revoked') : 'valid';
    // Nobody's name in a search engine, and the code never leaves in a Referer.
    reply.header('x-robots-tag', 'noindex').header('referrer-policy', 'no-referrer');
    return reply.view('certificates/verify', { title: 'certificates.verify.title', certificate, status });
  });

  await app.register(async (group) => {
    loadsObject(group, 'certificateEvent', (request) =>
      scopedEventForCertificates(group.db, requireUser(request), readParams(slugParams, request.params).slug), 'pages.notFound.event');

    const page = async (
      request: FastifyRequest, reply: FastifyReply, extra: { values?: FormValues; errors?: FormErrors; status?: number } = {},
    ) => {
      const event = request.certificateEvent;
      return reply.code(extra.status ?? 200).view('certificates/manage', {
        title: message('certificates.manage.pageTitle', { title: event.title }), event,
        counts: await certificateCounts(group.db, event.id),
        people: await eventCertificates(group.db, event.id),
        ended: event.ends_at <= new Date(),
        values: extra.values
          ?? { certificates_enabled: event.certificates_enabled ? 'on' : '', cpd_hours: event.cpd_hours?.toString() ?? '' },
        errors: extra.errors ?? {},
      });
    };
    const back = (reply: FastifyReply, event: CertificateEvent) => reply.redirect(`/manage/events/${event.slug}/certificates`, 303);

    group.get('', access('organiser'), async (request, reply) => page(request, reply));

    group.post('/settings', access('organiser'), async (request, reply) => {
      const form = parseForm(settingsForm, request.body);
      if (!form.ok) return page(request, reply, { values: form.values, errors: form.errors, status: 400 });
      await saveSettings(app.db, requireUser(request), request.certificateEvent, {
        enabled: form.data.certificates_enabled === 'on', hours: form.data.cpd_hours,
      });
      reply.notice('certificates.manage.saved');
      return back(reply, request.certificateEvent);
    });

    group.post('/issue', access('organiser'), async (request, reply) => {
      const done = await issueNow(app.db, site, request.certificateEvent);
      reply.notice(message('certificates.manage.issued', { issued: done.issued, mailed: done.mailed }));
      return back(reply, request.certificateEvent);
    });

    group.post('/:id/reissue', access('organiser'), async (request, reply) => {
      const { id } = readParams(personParams, request.params);
      const form = parseForm(reissueForm, request.body);
      if (!form.ok) return page(request, reply, { errors: { [`${id}-name`]: form.errors.name! }, status: 400 });
      await reissue(app.db, requireUser(request), site, request.certificateEvent, id, form.data.name);
      reply.notice('certificates.manage.reissued');
      return back(reply, request.certificateEvent);
    });

    group.post('/:id/revoke', access('organiser'), async (request, reply) => {
      const { id } = readParams(personParams, request.params);
      const form = parseForm(revokeForm, request.body);
      if (!form.ok) return page(request, reply, { errors: { [`${id}-reason`]: form.errors.reason! }, status: 400 });
      await revoke(app.db, requireUser(request), request.certificateEvent, id, form.data.reason);
      reply.notice('certificates.manage.revoked');
      return back(reply, request.certificateEvent);
    });
  }, { prefix: '/manage/events/:slug/certificates' });
}
