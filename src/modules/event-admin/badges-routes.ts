import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { attempt, type FormErrors, Refusal } from '../../lib/errors.ts';
import { formatFor } from '../../lib/format.ts';
import { field, type FormValues, parseForm } from '../../lib/forms.ts';
import { message } from '../../lib/i18n.ts';
import { idParam } from '../../lib/params.ts';
import { requireUser } from '../auth/plugin.ts';
import { eventTally } from '../events/queries.ts';
import { BADGE_LAYOUTS, type BadgeText } from './badges.ts';
import { badgePage } from './badges-queries.ts';
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

/** The list's search and page, from the query string: a page that is no number is the first. */
const listQuery = z.object({
  q: field.optionalText('badges.errors.search', 200),
  after: z.coerce.number().int().positive().max(2 ** 31 - 1).optional().catch(undefined),
});

/** Name badges and table cards of an event: the page that chooses them, a preview (GET) and printing (POST). */
export async function badgeRoutes(app: FastifyInstance) {
  await app.register(async (group) => {
    scopeEvent(group);

    const text = (request: FastifyRequest): BadgeText => {
      const f = formatFor(request.locale);
      return { event: request.local(request.event, 'title'), side: (side) => f.side(side) };
    };

    /**
     * The page: the counts (from the event's tally), the printing form, and one page of the people,
     * searched (`q`) and paged (`after`) as the query string says. A search too long is refused beside its field.
     */
    const page = async (request: FastifyRequest, reply: FastifyReply, values: FormValues = {}, errors: FormErrors = {}, status = 200) => {
      const list = parseForm(listQuery, request.query);
      const q = list.ok ? list.data.q : '';
      const { event } = request;
      const [tally, people] = await Promise.all([
        eventTally(group.db, event.id),
        list.ok ? badgePage(group.db, event.id, q, list.data.after) : { rows: [], next: null },
      ]);
      return reply.code(list.ok ? status : 400).view('manage/events/badges', {
        title: message('badges.pageTitle', { title: event.title }), event, q: list.ok ? q : [list.values.q].flat()[0] ?? '',
        counts: { confirmed: tally.badge_holders, printed: tally.badges_printed }, people,
        next: people.next === null ? null : new URLSearchParams({ ...(q ? { q } : {}), after: String(people.next) }).toString(),
        layouts: BADGE_LAYOUTS, filters: FILTERS, values: { layout: 'sheet', filter: 'unprinted', ...values },
        errors: list.ok ? errors : { ...errors, ...list.errors },
      });
    };

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
