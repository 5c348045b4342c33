import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { access } from '../../lib/access.ts';
import { notFound } from '../../lib/errors.ts';
import type { FormErrors } from '../../lib/forms.ts';
import { localiseErrors, translator } from '../../lib/i18n.ts';
import type { CurrentUser } from '../auth/service.ts';
import { isTranslatableKind, KINDS, loadTranslatable, type Translatable, type TranslatableKind } from './queries.ts';
import { saveTranslations, storedValues, translationState } from './service.ts';

type Params = { kind: string; ref: string };

/** What the translation form partial shows for an object: its fields, what is typed or stored, what is wrong. */
export function translationForm(
  request: FastifyRequest, object: Translatable, action: string,
  { values, errors = {}, saved = false }: { values?: Record<string, string>; errors?: FormErrors; saved?: boolean } = {},
) {
  const t = translator(request.locale);
  return {
    action, saved,
    fields: KINDS[object.kind].fields,
    values: values ?? storedValues(object.kind, object.translations),
    errors: localiseErrors(request.locale, errors),
    state: translationState(object),
    intro: t(object.kind === 'item' ? 'manage.translations.intro' : 'manage.translations.introAny'),
    hints: object.kind === 'item' ? { narrative: t('manage.translations.narrativeHint') } : {},
  };
}

/* Organisers write the Chinese versions of events, programmes, contests, criteria, award tiers and items. */
export async function translationRoutes(app: FastifyInstance) {
  const kindOf = (params: Params): TranslatableKind => {
    if (!isTranslatableKind(params.kind)) throw notFound();
    return params.kind;
  };
  const page = (request: FastifyRequest, reply: FastifyReply, object: Translatable, form: Parameters<typeof translationForm>[3], status = 200) =>
    reply.code(status).view('translations/edit', {
      title: translator(request.locale)('manage.translations.pageTitle', { name: object.heading }),
      object, translation: translationForm(request, object, `/manage/translations/${object.kind}/${encodeURIComponent((request.params as Params).ref)}`, form),
    });

  app.get<{ Params: Params }>('/manage/translations/:kind/:ref', access('organiser'), async (request, reply) => {
    const kind = kindOf(request.params);
    const object = await loadTranslatable(app.db, request.user as CurrentUser, kind, request.params.ref);
    if (!object) throw notFound(kind === 'tier' ? 'award' : kind);
    return page(request, reply, object, {});
  });

  app.post<{ Params: Params }>('/manage/translations/:kind/:ref', access('organiser'), async (request, reply) => {
    const kind = kindOf(request.params);
    const result = await saveTranslations(app.db, request.user as CurrentUser, kind, request.params.ref, request.body);
    if (!result) throw notFound(kind === 'tier' ? 'award' : kind);
    if (!result.ok) return page(request, reply, result.object, { values: result.values, errors: result.errors }, 400);
    return page(request, reply, result.object, { saved: true });
  });
}
