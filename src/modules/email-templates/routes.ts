import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { openWhenArchived } from '../../lib/archive.ts';
import { attempt } from '../../lib/errors.ts';
import type { FormErrors, FormValues } from '../../lib/forms.ts';
import { isLocale, LOCALES, type Locale, message, type MessageKey } from '../../lib/i18n.ts';
import { idParams, readParams, slugParams } from '../../lib/params.ts';
import { loadsObject } from '../../lib/route-group.ts';
import type { Site } from '../../lib/site.ts';
import { requireUser } from '../auth/plugin.ts';
import { scopedContest } from '../contests/queries.ts';
import { EVENT_GROUP, scopeEvent } from '../event-admin/routes.ts';
import { storedTemplates } from '../mail/template-queries.ts';
import { KIND_FIELDS, KINDS_OF, type MailKind } from '../mail/templates.ts';
import { scopedProgramme } from '../programmes/queries.ts';
import {
  fieldName, kindOf, kindsOf, parseTemplateForm, previewMail, resetTemplates, saveTemplates, sendTest, storedValues, type TemplateForm,
  type TemplateOwner, textsFor,
} from './service.ts';

/*
 * The organisers' editor of the messages people are sent: for an event, a programme or a
 * contest, each in its own route group (loaded through the organiser's scope), each listing only
 * the kinds that apply to it.
 */

const kindParams = z.object({ kind: z.string().min(1).max(40) });
const previewForm = z.object({ preview_language: z.string().optional() });

const LANGUAGE_LABELS: Record<Locale, 'mailTemplates.edit.english' | 'mailTemplates.edit.traditional' | 'mailTemplates.edit.simplified'> = {
  en: 'mailTemplates.edit.english', 'zh-Hant': 'mailTemplates.edit.traditional', 'zh-Hans': 'mailTemplates.edit.simplified',
};

export async function emailTemplateRoutes(app: FastifyInstance) {
  const site: Site = { baseUrl: app.config.baseUrl, domain: app.mail.domain };

  await app.register(async (group) => {
    scopeEvent(group);
    editorRoutes(group, site, 'event', (request) => {
      const { event } = request;
      return {
        target: { type: 'event', owner: { eventId: event.id }, itemId: event.item_id, title: event.title, event },
        base: `/manage/events/${event.slug}`,
      };
    });
  }, { prefix: `${EVENT_GROUP}/emails/templates` });

  await app.register(async (group) => {
    loadsObject(group, 'programme', (request) =>
      scopedProgramme(group.db, requireUser(request), readParams(idParams, request.params).id), 'contests.errors.programmeNotFound');
    editorRoutes(group, site, 'programme', (request) => {
      const { programme } = request;
      return {
        target: {
          type: 'programme', owner: { programmeId: programme.id }, itemId: programme.item_id, title: programme.title,
          starts: programme.starts_on, ends: programme.ends_on,
        },
        base: `/manage/programmes/${programme.id}`,
      };
    });
  }, { prefix: '/manage/programmes/:id/emails/templates' });

  await app.register(async (group) => {
    loadsObject(group, 'contest', (request) =>
      scopedContest(group.db, requireUser(request), readParams(slugParams, request.params).slug), 'contests.errors.contestNotFound');
    editorRoutes(group, site, 'contest', (request) => {
      const { contest } = request;
      return {
        target: { type: 'contest', owner: { contestId: contest.id }, itemId: contest.item_id, title: contest.title, slug: contest.slug },
        base: `/manage/contests/${contest.slug}`,
      };
    });
  }, { prefix: '/manage/contests/:slug/emails/templates' });
}

type Loaded = { target: TemplateOwner; base: string };

function editorRoutes(group: FastifyInstance, site: Site, type: TemplateOwner['type'], load: (request: FastifyRequest) => Loaded) {
  const kinds = KINDS_OF[type];
  const kindIn = (request: FastifyRequest) => kindOf(readParams(kindParams, request.params).kind, kinds);
  const previewLanguage = (request: FastifyRequest): Locale => {
    const chosen = previewForm.safeParse(request.body ?? {});
    const value = chosen.success ? chosen.data.preview_language : undefined;
    return isLocale(value) ? value : request.locale;
  };

  group.get('', access('organiser'), async (request, reply) => {
    const { target, base } = load(request);
    return reply.view('email-templates/index', {
      title: message('mailTemplates.index.pageTitle', { title: target.title }), target, base,
      kinds: await kindsOf(group.db, type, target.owner, kinds),
    });
  });

  /** The editor, with a preview in one language: of what is stored, or of the form as sent. */
  const editor = async (
    request: FastifyRequest, reply: FastifyReply, kind: MailKind,
    form: { values: FormValues; errors: FormErrors; data: TemplateForm | null; status?: number; language?: Locale; sentTo?: string },
  ) => {
    const { target, base } = load(request);
    const user = requireUser(request);
    const rows = await storedTemplates(group.db, target.owner, kind);
    const language = form.language ?? request.locale;
    // A form that cannot be read is previewed as stored.
    const preview = await previewMail(group.db, site, target, kind, textsFor(form.data, rows, kind, language), language, user.email);
    return reply.code(form.status ?? 200).view('email-templates/edit', {
      title: message('mailTemplates.edit.pageTitle', { kind: message(`mailTemplates.kind.${kind}` as MessageKey), title: target.title }),
      target, base, kind, fields: KIND_FIELDS[kind], values: form.values, errors: form.errors, customised: rows.length > 0,
      editorLanguages: LOCALES.map((l) => ({
        value: l, label: LANGUAGE_LABELS[l], subject: fieldName('subject', l), body: fieldName('body', l),
      })),
      language, preview: preview.mail, record: preview.record, email: user.email, sentTo: form.sentTo ?? null,
    });
  };

  group.get('/:kind', access('organiser'), async (request, reply) => {
    const kind = kindIn(request);
    const rows = await storedTemplates(group.db, load(request).target.owner, kind);
    return editor(request, reply, kind, { values: storedValues(rows, kind), errors: {}, data: null });
  });

  group.post('/:kind', access('organiser'), async (request, reply) => {
    const kind = kindIn(request);
    const { target, base } = load(request);
    const form = parseTemplateForm(request.body, kind);
    if (!form.ok) return editor(request, reply, kind, { values: form.values, errors: form.errors, data: null, status: 400 });
    const saved = await attempt(() => saveTemplates(group.db, requireUser(request), target, kind, form.data));
    if (!saved.ok) return editor(request, reply, kind, { values: form.values, errors: saved.errors, data: null, status: 400 });
    return reply.notice('mailTemplates.saved').redirect(`${base}/emails/templates/${kind}`, 303);
  });

  group.post('/:kind/preview', openWhenArchived(access('organiser')), async (request, reply) => {
    const kind = kindIn(request);
    const form = parseTemplateForm(request.body, kind);
    const language = previewLanguage(request);
    if (!form.ok) return editor(request, reply, kind, { values: form.values, errors: form.errors, data: null, status: 400, language });
    return editor(request, reply, kind, { values: form.values, errors: {}, data: form.data, language });
  });

  group.post('/:kind/test', access('organiser'), async (request, reply) => {
    const kind = kindIn(request);
    const { target } = load(request);
    const user = requireUser(request);
    const form = parseTemplateForm(request.body, kind);
    const language = previewLanguage(request);
    if (!form.ok) return editor(request, reply, kind, { values: form.values, errors: form.errors, data: null, status: 400, language });
    const rows = await storedTemplates(group.db, target.owner, kind);
    await sendTest(group.db, user, site, target, kind, textsFor(form.data, rows, kind, language), language);
    return editor(request, reply, kind, { values: form.values, errors: {}, data: form.data, language, sentTo: user.email });
  });

  group.post('/:kind/reset', access('organiser'), async (request, reply) => {
    const kind = kindIn(request);
    const { target, base } = load(request);
    await resetTemplates(group.db, requireUser(request), target, kind);
    return reply.notice('mailTemplates.resetDone').redirect(`${base}/emails/templates/${kind}`, 303);
  });
}
