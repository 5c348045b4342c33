import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import type { FormErrors } from '../../lib/forms.ts';
import { message, translator } from '../../lib/i18n.ts';
import { readParams, slugParam } from '../../lib/params.ts';
import { requireUser } from '../auth/plugin.ts';
import { KINDS, loadTranslatable, type Translatable, TRANSLATABLE_KINDS } from './queries.ts';
import { saveTranslations, storedValues, translationState } from './service.ts';

/** What the translation form partial shows for an object: its fields, what is typed or stored, what is wrong. */
export function translationForm(
  request: FastifyRequest, object: Translatable, action: string,
  { values, errors = {}, saved = false }: { values?: Record<string, string>; errors?: FormErrors; saved?: boolean } = {},
) {
  const t = translator(request.locale);
  return {
    action, saved, errors,
    fields: KINDS[object.kind].fields,
    values: values ?? storedValues(object.kind, object.translations),
    state: translationState(object),
    intro: t(object.kind === 'item' ? 'manage.translations.intro' : 'manage.translations.introAny'),
    hints: object.kind === 'item' ? { narrative: t('manage.translations.narrativeHint') } : {},
  };
}

/** An unknown kind, like a reference to nothing, is not found. */
const translationParams = z.object({ kind: z.enum(TRANSLATABLE_KINDS), ref: slugParam });

/* Organisers write the Chinese versions of events, programmes, contests, criteria, award tiers and items. */
export async function translationRoutes(app: FastifyInstance) {
  const page = (reply: FastifyReply, object: Translatable, ref: string, form: Parameters<typeof translationForm>[3], status = 200) =>
    reply.code(status).view('translations/edit', {
      title: message('manage.translations.pageTitle', { name: object.heading }),
      object, translation: translationForm(reply.request, object, `/manage/translations/${object.kind}/${encodeURIComponent(ref)}`, form),
    });

  app.get('/manage/translations/:kind/:ref', access('organiser'), async (request, reply) => {
    const { kind, ref } = readParams(translationParams, request.params);
    return page(reply, await loadTranslatable(app.db, requireUser(request), kind, ref), ref, {});
  });

  app.post('/manage/translations/:kind/:ref', access('organiser'), async (request, reply) => {
    const { kind, ref } = readParams(translationParams, request.params);
    const result = await saveTranslations(app.db, requireUser(request), kind, ref, request.body);
    if (!result.ok) return page(reply, result.object, ref, { values: result.values, errors: result.errors }, 400);
    return page(reply, result.object, ref, { saved: true });
  });
}
