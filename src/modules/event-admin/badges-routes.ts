import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { attempt, type FormErrors, Refusal } from '../../lib/errors.ts';
import { formatFor } from '../../lib/format.ts';
import { field, type FormValues, parseForm } from '../../lib/forms.ts';
import { message } from '../../lib/i18n.ts';
import { idParam } from '../../lib/params.ts';
import { requireUser } from '../auth/plugin.ts';
import { BADGE_LAYOUTS, type BadgeText } from './badges.ts';
import { badgePeople } from './badges-queries.ts';
import { type BadgeRequest, badgesPdf } from './badges-service.ts';
import { EVENT_GROUP, scopeEvent } from './routes.ts';

const FILTERS = ['all', 'unprinted', 'person'] as const;

/** What to print: the layout, and whom (everyone confirmed, those not printed yet, or one person). */
const badgeForm = z.object({
  layout: field.choice(BADGE_LAYOUTS, 'badges.errors.layout').default('sheet'),
  filter: field.choice(FILTERS, 'badges.errors.filter').default('all'),
  person: z.string().max(12).default(''),
}).transform((form, ctx): BadgeRequest => {
  if (form.filter !== 'person') return { layout: form.layout, filter: { kind: form.filter } };
  const id = idParam.safeParse(form.person);
  if (!/^\d+$/.test(form.person) || !id.success) {
    ctx.addIssue({ code: 'custom', path: ['person'], message: 'badges.errors.person' });
    return z.NEVER;
  }
  return { layout: form.layout, filter: { kind: 'person', registrationId: id.data } };
});

/** Name badges and table cards of an event: the page that chooses them, a preview (GET) and printing (POST). */
export async function badgeRoutes(app: FastifyInstance) {
  await app.register(async (group) => {
    scopeEvent(group);

    const text = (request: FastifyRequest): BadgeText => {
      const f = formatFor(request.locale);
      return { event: request.local(request.event, 'title'), side: (side) => f.side(side) };
    };

    const page = async (request: FastifyRequest, reply: FastifyReply, values: FormValues = {}, errors: FormErrors = {}, status = 200) =>
      reply.code(status).view('manage/events/badges', {
        title: message('badges.pageTitle', { title: request.event.title }), event: request.event,
        people: await badgePeople(group.db, request.event.id, { kind: 'all' }),
        layouts: BADGE_LAYOUTS, filters: FILTERS, values: { layout: 'sheet', filter: 'unprinted', ...values }, errors,
      });

    const send = (reply: FastifyReply, pdf: Buffer, slug: string) => reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `inline; filename="badges-${slug}.pdf"`)
      .header('x-content-type-options', 'nosniff')
      .send(pdf);

    group.get('/badges', access('organiser'), async (request, reply) => page(request, reply));

    // A preview: the same file, and nothing is recorded as printed.
    group.get('/badges.pdf', access('organiser'), async (request, reply) => {
      const form = parseForm(badgeForm, request.query);
      if (!form.ok) throw Refusal.form(form.errors);
      return send(reply, await badgesPdf(app.db, requireUser(request), request.event, form.data, text(request), false), request.event.slug);
    });

    group.post('/badges.pdf', access('organiser'), async (request, reply) => {
      const form = parseForm(badgeForm, request.body);
      if (!form.ok) return page(request, reply, form.values, form.errors, 400);
      const printed = await attempt(() => badgesPdf(app.db, requireUser(request), request.event, form.data, text(request), true));
      if (!printed.ok) return page(request, reply, request.body as FormValues, printed.errors, 400);
      return send(reply, printed.value, request.event.slug);
    });
  }, { prefix: EVENT_GROUP });
}
