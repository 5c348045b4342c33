import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { openWhenArchived } from '../../lib/archive.ts';
import { Refusal } from '../../lib/errors.ts';
import { field, type FormErrors, type FormValues, parseForm } from '../../lib/forms.ts';
import { message } from '../../lib/i18n.ts';
import { idParams, readParams } from '../../lib/params.ts';
import { loadsObject } from '../../lib/route-group.ts';
import { requireUser } from '../auth/plugin.ts';
import { requeue } from '../mail/outbox.ts';
import { allPeriods } from '../summary/queries.ts';
import { itemTranslatable } from '../translations/queries.ts';
import { translationForm } from '../translations/routes.ts';
import { saveTranslations } from '../translations/service.ts';
import { archivedYearsInScope, itemsInScope, scopedItem } from '../scope/queries.ts';
import { auditInScope, figuresWithHistory, outboxInScope, placeholderChoices, scopedOutboxMessage } from './queries.ts';
import { ITEM_LIMITS, narrativeProblems, placeholderProblems } from '../summary/narrative-rules.ts';
import { FIGURE_KEY, FIGURE_VALUE_MAX, recordFigure, updateItem } from './service.ts';

type ScopedItem = NonNullable<Awaited<ReturnType<typeof scopedItem>>>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The item of a /manage/items/:id route, loaded through the organiser's scope. */
    item: ScopedItem;
  }
}

const figureForm = z.object({
  key: z.string({ error: 'manage.item.errors.key' }).min(1, 'manage.item.errors.key').max(FIGURE_KEY.max, 'manage.item.errors.keyLength')
    .regex(FIGURE_KEY.pattern, 'manage.item.errors.keyFormat'),
  label: field.text({ missing: 'manage.item.errors.label', tooLong: 'manage.item.errors.labelLength' }, 200),
  value: z.string({ error: 'manage.item.errors.value' }).min(1, 'manage.item.errors.value').transform((v) => v.replace(/[\s,]/g, ''))
    .pipe(z.string().regex(/^\d+(\.\d{1,2})?$/, 'manage.item.errors.valueFormat')).transform(Number)
    .pipe(z.number().max(FIGURE_VALUE_MAX, 'manage.item.errors.valueLarge')),
  unit: field.choice(['count', 'hkd'], 'manage.item.errors.unit'),
});

const itemForm = z.object({
  title: field.text({ missing: 'manage.item.errors.title', tooLong: 'manage.item.errors.titleLength' }, ITEM_LIMITS.title),
  status: field.choice(['planned', 'in_progress', 'completed'], 'manage.item.errors.status'),
  is_new: z.literal('on').optional().transform((v) => v === 'on'),
  narrative: z.string().max(ITEM_LIMITS.narrative, 'manage.item.errors.narrative').default(''),
});

type ItemPage = {
  item: ScopedItem;
  values: unknown;
  errors: FormErrors;
  narrative: string;
  saved?: boolean;
  figure?: { values: FormValues; errors: FormErrors };
  translation?: Parameters<typeof translationForm>[3];
};

export async function manageRoutes(app: FastifyInstance) {
  app.get('/manage', access('organiser'), async (request, reply) => {
    const user = requireUser(request);
    const [items, archivedYears, periods] = await Promise.all([
      itemsInScope(app.db, user), archivedYearsInScope(app.db, user), user.role === 'admin' ? allPeriods(app.db) : [],
    ]);
    return reply.view('manage/index', { title: 'layout.nav.manage', items, archivedYears, periods });
  });

  app.get('/manage/audit', access('organiser'), async (request, reply) => {
    const entries = await auditInScope(app.db, requireUser(request));
    return reply.view('manage/audit', { title: 'manage.nav.audit', entries });
  });

  app.get('/manage/outbox', access('organiser'), async (request, reply) => {
    const messages = await outboxInScope(app.db, requireUser(request));
    return reply.view('manage/outbox', { title: 'manage.nav.outbox', messages });
  });

  app.post('/manage/outbox/:id/resend', access('organiser'), async (request, reply) => {
    const { id } = readParams(idParams, request.params);
    if (!(await scopedOutboxMessage(app.db, requireUser(request), id))) throw Refusal.notFound('manage.notFound.message');
    await requeue(app.db, id);
    return reply.redirect('/manage/outbox', 303);
  });

  await app.register(itemRoutes, { prefix: '/manage/items/:id' });
}

/**
 * One item: its page, the narrative's preview, its recorded figures and its Chinese versions.
 * The item is loaded through the organiser's scope once for all of them; anything outside it
 * is not found.
 */
async function itemRoutes(group: FastifyInstance) {
  loadsObject(group, 'item', (request) =>
    scopedItem(group.db, requireUser(request), readParams(idParams, request.params).id), 'manage.notFound.item');

  /** Everything the item page shows, with the narrative previewed as it would render. */
  const itemPage = async (request: FastifyRequest, {
    item, values, errors, narrative, saved = false, figure = { values: {}, errors: {} }, translation = {},
  }: ItemPage) => ({
    title: message('manage.item.pageTitle', { number: item.number }),
    item, values, errors, saved, figure, limits: ITEM_LIMITS,
    translation: translationForm(request, itemTranslatable(group.db, item), `/manage/items/${item.id}/translations`, translation),
    preview: await narrativeProblems(group.db, item.period_id, item.number, narrative),
    choices: await placeholderChoices(group.db, item.id),
    ...(await figuresWithHistory(group.db, item.id)),
  });

  /** The item page as stored, with one of its forms answered. */
  const storedPage = (request: FastifyRequest, answer: Pick<ItemPage, 'figure' | 'translation'>) =>
    itemPage(request, { item: request.item, values: request.item, errors: {}, narrative: request.item.narrative, ...answer });

  group.get('', access('organiser'), async (request, reply) => reply.view('manage/item', await storedPage(request, {})));

  group.post('/preview', openWhenArchived(access('organiser')), async (request, reply) => {
    const { item } = request;
    const form = parseForm(z.object({ narrative: itemForm.shape.narrative }), request.body);
    const preview = await narrativeProblems(group.db, item.period_id, item.number, form.ok ? form.data.narrative : '');
    return reply.view('manage/preview', { preview });
  });

  group.post('/figures', access('organiser'), async (request, reply) => {
    const { item } = request;
    const form = parseForm(figureForm, request.body);
    if (!form.ok) {
      return reply.code(400).view('manage/item', await storedPage(request, { figure: { values: form.values, errors: form.errors } }));
    }
    await recordFigure(group.db, requireUser(request), item.id, form.data);
    return reply.redirect(`/manage/items/${item.id}#figures`, 303);
  });

  group.post('', access('organiser'), async (request, reply) => {
    const user = requireUser(request);
    const { item } = request;
    const form = parseForm(itemForm, request.body);
    const narrative = form.ok ? form.data.narrative : String(form.values.narrative ?? '');
    const preview = await narrativeProblems(group.db, item.period_id, item.number, narrative);
    const errors: FormErrors = form.ok ? {} : { ...form.errors };
    const problems = placeholderProblems(preview);
    if (problems) errors.narrative = problems;
    const values = form.ok ? form.data : { ...item, ...form.values, is_new: form.values.is_new === 'on' };
    // "Preview" shows the text as it would read, without saving anything.
    if ((request.body as Record<string, unknown> | undefined)?.action === 'preview') {
      return reply.view('manage/item', await itemPage(request, { item, values, errors, narrative }));
    }
    if (!form.ok || Object.keys(errors).length > 0) {
      return reply.code(400).view('manage/item', await itemPage(request, { item, values, errors, narrative }));
    }
    await updateItem(group.db, user, item.id, form.data);
    const updated = await scopedItem(group.db, user, item.id);
    if (!updated) throw Refusal.notFound('manage.notFound.item');
    return reply.view('manage/item',
      await itemPage(request, { item: updated, values: updated, errors: {}, narrative: updated.narrative, saved: true }));
  });

  // The item page's own form: the same service as every other kind, answered on the item page.
  group.post('/translations', access('organiser'), async (request, reply) => {
    const user = requireUser(request);
    const result = await saveTranslations(group.db, user, 'item', String(request.item.id), request.body);
    const item = await scopedItem(group.db, user, result.object.id);
    if (!item) throw Refusal.notFound('manage.notFound.item');
    const translation = result.ok ? { saved: true } : { values: result.values, errors: result.errors };
    return reply.code(result.ok ? 200 : 400)
      .view('manage/item', await itemPage(request, { item, values: item, errors: {}, narrative: item.narrative, translation }));
  });
}
