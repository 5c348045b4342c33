import type { FastifyInstance, FastifyReply } from 'fastify';
import { access } from '../../lib/access.ts';
import { notFound } from '../../lib/errors.ts';
import type { FormErrors, FormValues } from '../../lib/forms.ts';
import { hashToken, isTokenShaped } from '../../lib/tokens.ts';
import type { CurrentUser } from '../auth/service.ts';
import { parseRetentionForm } from './form.ts';
import { periodRetention } from './queries.ts';
import { erasureDate, localDate } from './retention.ts';
import { delegationData, setRetention } from './service.ts';

type Period = NonNullable<Awaited<ReturnType<typeof periodRetention>>>;
type SlugParams = { Params: { slug: string } };

/**
 * How long a period keeps participants' personal data — administrators only: the rule covers
 * every organisation's events, delegations and contests in the year — and a delegation
 * leader's copy of what their private link holds.
 */
export async function privacyRoutes(app: FastifyInstance) {
  const periodOr404 = async (slug: string) => {
    const period = await periodRetention(app.db, slug);
    if (!period) throw notFound('programme year');
    return period;
  };

  const render = (reply: FastifyReply, status: number, period: Period, values: FormValues, errors: FormErrors, saved = false) =>
    reply.code(status).view('privacy/retention', {
      title: `Personal data: ${period.label}`, period, values, errors, saved,
      erasureDate: erasureDate(period), today: localDate(new Date()),
    });

  const storedValues = (p: Period): FormValues => ({
    retention_months: p.retention_months === null ? '' : String(p.retention_months), erase_on: p.erase_personal_data_on ?? '',
  });

  // A delegation leader's copy of what their private link holds.
  app.get<{ Params: { token: string } }>('/delegations/:token/my-data.json', access('public'), async (request, reply) => {
    const { token } = request.params;
    const data = isTokenShaped(token) ? await delegationData(app.db, hashToken(token)) : undefined;
    if (!data) throw notFound('delegation');
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="my-delegation-${data.programme.slug}.json"`)
      .header('cache-control', 'no-store')
      .send(JSON.stringify(data, null, 2));
  });

  app.get<SlugParams & { Querystring: { saved?: string } }>('/manage/periods/:slug/retention', access('admin'), async (request, reply) => {
    const period = await periodOr404(request.params.slug);
    return render(reply, 200, period, storedValues(period), {}, request.query.saved === '1');
  });

  app.post<SlugParams>('/manage/periods/:slug/retention', access('admin'), async (request, reply) => {
    const period = await periodOr404(request.params.slug);
    const form = parseRetentionForm(request.body, period);
    if (!form.ok) return render(reply, 400, period, form.values, form.errors);
    const saved = await setRetention(app.db, request.user as CurrentUser, period.slug, form.data);
    if (!saved) throw notFound('programme year');
    return reply.redirect(`/manage/periods/${period.slug}/retention?saved=1`, 303);
  });
}
