import type { FastifyInstance, FastifyReply } from 'fastify';
import { access } from '../../lib/access.ts';
import { Refusal } from '../../lib/errors.ts';
import type { FormErrors, FormValues } from '../../lib/forms.ts';
import { message } from '../../lib/i18n.ts';
import { readParams, slugParams, tokenParams } from '../../lib/params.ts';
import { hashToken, isTokenShaped } from '../../lib/tokens.ts';
import { recentlyConfirmed, requireUser } from '../auth/plugin.ts';
import { parseRetentionForm, RETENTION_MONTHS_MAX } from './form.ts';
import { periodRetention } from './queries.ts';
import { erasureDate, localDate } from './retention.ts';
import { delegationData, setRetention } from './service.ts';

type RetentionPeriod = NonNullable<Awaited<ReturnType<typeof periodRetention>>>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The programme year named in the address: set for the routes under /manage/periods/:slug/retention. */
    retentionPeriod: RetentionPeriod;
  }
}

/**
 * How long a period keeps participants' personal data — administrators only: the rule covers
 * every organisation's events, delegations and contests in the year — and a delegation
 * leader's copy of what their private link holds.
 */
export async function privacyRoutes(app: FastifyInstance) {
  // A delegation leader's copy of what their private link holds.
  app.get('/delegations/:token/my-data.json', access('public'), async (request, reply) => {
    const { token } = readParams(tokenParams, request.params);
    const data = isTokenShaped(token) ? await delegationData(app.db, hashToken(token)) : undefined;
    if (!data) throw Refusal.notFound('participant.delegation.errors.notFound');
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="my-delegation-${data.programme.slug}.json"`)
      .header('cache-control', 'no-store')
      .send(JSON.stringify(data, null, 2));
  });

  await app.register(retentionRoutes, { prefix: '/manage/periods/:slug/retention' });
}

/** A programme year's retention rule: its page and its form. The year is loaded once for both. */
async function retentionRoutes(group: FastifyInstance) {
  group.decorateRequest('retentionPeriod', null as unknown as RetentionPeriod);
  group.addHook('preHandler', async (request) => {
    const period = await periodRetention(group.db, readParams(slugParams, request.params).slug);
    if (!period) throw Refusal.notFound('pages.notFound.period');
    request.retentionPeriod = period;
  });

  const render = (reply: FastifyReply, status: number, values: FormValues, errors: FormErrors, saved = false) => {
    const period = reply.request.retentionPeriod;
    return reply.code(status).view('privacy/retention', {
      title: message('contests.retention.title', { label: period.label }), period, values, errors, saved,
      monthsMax: RETENTION_MONTHS_MAX, erasureDate: erasureDate(period), today: localDate(new Date()),
    });
  };

  group.get<{ Querystring: { saved?: string } }>('', access('admin'), async (request, reply) => {
    const { retention_months: months, erase_personal_data_on: on } = request.retentionPeriod;
    const stored = { retention_months: months === null ? '' : String(months), erase_on: on ?? '' };
    return render(reply, 200, stored, {}, request.query.saved === '1');
  });

  // Setting the erasure of a year's personal data asks for a recent confirmation of the password.
  group.post('', recentlyConfirmed('admin'), async (request, reply) => {
    const period = request.retentionPeriod;
    const form = parseRetentionForm(request.body, period);
    if (!form.ok) return render(reply, 400, form.values, form.errors);
    await setRetention(group.db, requireUser(request), period.slug, form.data);
    return reply.redirect(`/manage/periods/${period.slug}/retention?saved=1`, 303);
  });
}
