import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { notFound } from '../../lib/errors.ts';
import { field, parseForm } from '../../lib/forms.ts';
import type { CurrentUser } from '../auth/service.ts';
import { requeue } from '../mail/outbox.ts';
import { allPeriods } from '../summary/queries.ts';
import { auditInScope, figuresWithHistory, itemsInScope, placeholderChoices, outboxInScope, scopedItem, scopedOutboxMessage } from './queries.ts';
import { itemTranslatable } from '../translations/queries.ts';
import { translationForm } from '../translations/routes.ts';
import { saveTranslations } from '../translations/service.ts';
import { narrativeProblems, recordFigure, updateItem } from './service.ts';

const figureForm = z.object({
  key: z.string().min(1, 'Enter a key such as cases-detected.').max(60, 'Use at most 60 characters.')
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'Use lower-case letters, digits and hyphens, such as cases-detected.'),
  label: field.text('a label', 200),
  value: z.string().min(1, 'Enter the value.').transform((v) => v.replace(/[\s,]/g, ''))
    .pipe(z.string().regex(/^\d+(\.\d{1,2})?$/, 'Enter a number, such as 96 or 8300000.')).transform(Number)
    .pipe(z.number().max(1e15, 'That number is too large.')),
  unit: field.choice(['count', 'hkd'], 'Choose a unit.'),
});

const idParam = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

const itemForm = z.object({
  title: field.text('a title', 500),
  status: field.choice(['planned', 'in_progress', 'completed'], 'Choose a status.'),
  is_new: z.literal('on').optional().transform((v) => v === 'on'),
  narrative: z.string().max(20_000, 'The narrative must be at most 20 000 characters.').default(''),
});

type ItemPage = {
  item: NonNullable<Awaited<ReturnType<typeof scopedItem>>>;
  values: unknown;
  errors: Record<string, string>;
  narrative: string;
  saved?: boolean;
  figure?: { values: Record<string, unknown>; errors: Record<string, string> };
  translation?: Parameters<typeof translationForm>[3];
};

export async function manageRoutes(app: FastifyInstance) {
  /** Everything the item page shows, with the narrative previewed as it would render. */
  const itemPage = async (request: FastifyRequest, {
    item, values, errors, narrative, saved = false, figure = { values: {}, errors: {} }, translation = {},
  }: ItemPage) => ({
    title: `Item ${item.number}`,
    item, values, errors, saved, figure,
    translation: translationForm(request, itemTranslatable(app.db, item), `/manage/items/${item.id}/translations`, translation),
    preview: await narrativeProblems(app.db, item.period_id, item.number, narrative),
    choices: await placeholderChoices(app.db, item.id),
    ...(await figuresWithHistory(app.db, item.id)),
  });

  const parseId = (params: unknown, what: string) => {
    const parsed = idParam.safeParse(params);
    if (!parsed.success) throw notFound(what);
    return parsed.data.id;
  };

  app.get('/manage', access('organiser'), async (request, reply) => {
    const user = request.user as CurrentUser;
    const [items, periods] = await Promise.all([itemsInScope(app.db, user), user.role === 'admin' ? allPeriods(app.db) : []]);
    return reply.view('manage/index', { title: 'Manage', items, periods });
  });

  app.get('/manage/items/:id', access('organiser'), async (request, reply) => {
    const user = request.user as CurrentUser;
    const item = await scopedItem(app.db, user, parseId(request.params, 'item'));
    if (!item) throw notFound('item');
    return reply.view('manage/item', await itemPage(request, { item, values: item, errors: {}, narrative: item.narrative }));
  });

  app.post('/manage/items/:id/preview', access('organiser'), async (request, reply) => {
    const item = await scopedItem(app.db, request.user as CurrentUser, parseId(request.params, 'item'));
    if (!item) throw notFound('item');
    const form = parseForm(z.object({ narrative: itemForm.shape.narrative }), request.body);
    const narrative = form.ok ? form.data.narrative : '';
    const preview = await narrativeProblems(app.db, item.period_id, item.number, narrative);
    return reply.view('manage/preview', { preview });
  });

  app.post('/manage/items/:id/figures', access('organiser'), async (request, reply) => {
    const user = request.user as CurrentUser;
    const item = await scopedItem(app.db, user, parseId(request.params, 'item'));
    if (!item) throw notFound('item');
    const form = parseForm(figureForm, request.body);
    if (!form.ok) {
      return reply.code(400).view('manage/item', await itemPage(request, {
        item, values: item, errors: {}, narrative: item.narrative, figure: { values: form.values, errors: form.errors },
      }));
    }
    await recordFigure(app.db, user, item.id, form.data);
    return reply.redirect(`/manage/items/${item.id}#figures`, 303);
  });

  app.post('/manage/items/:id', access('organiser'), async (request, reply) => {
    const user = request.user as CurrentUser;
    const item = await scopedItem(app.db, user, parseId(request.params, 'item'));
    if (!item) throw notFound('item');
    const form = parseForm(itemForm, request.body);
    const narrative = form.ok ? form.data.narrative : String(form.values.narrative ?? '');
    const preview = await narrativeProblems(app.db, item.period_id, item.number, narrative);
    const errors = form.ok ? {} : { ...form.errors };
    if (preview.errors.length > 0) {
      errors.narrative = `Fix the placeholders first: ${preview.errors.map((e) => `${e.raw} — ${e.error}`).join('; ')}.`;
    }
    const values = form.ok ? form.data : { ...item, ...form.values, is_new: form.values.is_new === 'on' };
    // "Preview" shows the text as it would read, without saving anything.
    if ((request.body as Record<string, unknown> | undefined)?.action === 'preview') {
      return reply.view('manage/item', await itemPage(request, { item, values, errors, narrative }));
    }
    if (!form.ok || Object.keys(errors).length > 0) {
      return reply.code(400).view('manage/item', await itemPage(request, { item, values, errors, narrative }));
    }
    await updateItem(app.db, user, item.id, form.data);
    const updated = await scopedItem(app.db, user, item.id);
    if (!updated) throw notFound('item');
    return reply.view('manage/item', await itemPage(request, { item: updated, values: updated, errors: {}, narrative: updated.narrative, saved: true }));
  });

  // The item page's own form: the same service as every other kind, answered on the item page.
  app.post('/manage/items/:id/translations', access('organiser'), async (request, reply) => {
    const user = request.user as CurrentUser;
    const result = await saveTranslations(app.db, user, 'item', String(parseId(request.params, 'item')), request.body);
    if (!result) throw notFound('item');
    const item = await scopedItem(app.db, user, result.object.id);
    if (!item) throw notFound('item');
    const translation = result.ok ? { saved: true } : { values: result.values, errors: result.errors };
    return reply.code(result.ok ? 200 : 400).view('manage/item', await itemPage(request, { item, values: item, errors: {}, narrative: item.narrative, translation }));
  });

  app.get('/manage/audit', access('organiser'), async (request, reply) => {
    const entries = await auditInScope(app.db, request.user as CurrentUser);
    return reply.view('manage/audit', { title: 'Audit log', entries });
  });

  app.get('/manage/outbox', access('organiser'), async (request, reply) => {
    const messages = await outboxInScope(app.db, request.user as CurrentUser);
    return reply.view('manage/outbox', { title: 'Outbox', messages });
  });

  app.post('/manage/outbox/:id/resend', access('organiser'), async (request, reply) => {
    const user = request.user as CurrentUser;
    const id = parseId(request.params, 'message');
    if (!(await scopedOutboxMessage(app.db, user, id))) throw notFound('message');
    await requeue(app.db, id);
    return reply.redirect('/manage/outbox', 303);
  });
}
