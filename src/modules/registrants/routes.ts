import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { REGISTRATION_STATUSES, SIDES } from '../../db/types.ts';
import { access } from '../../lib/access.ts';
import { attempt, type FormErrors, Refusal } from '../../lib/errors.ts';
import { field, type FormValues, parseForm } from '../../lib/forms.ts';
import { type Message, message, verbatim } from '../../lib/i18n.ts';
import { readFormWithFile, refuseMalformedMultipart } from '../../lib/multipart.ts';
import { idParams, readParams } from '../../lib/params.ts';
import { loadsObject } from '../../lib/route-group.ts';
import type { Site } from '../../lib/site.ts';
import { openTableFile, TABLE_FILE_MAX_BYTES, TABLE_FILE_MAX_ROWS, TEXT_ENCODINGS } from '../../lib/table-file.ts';
import { requireUser } from '../auth/plugin.ts';
import { EVENT_GROUP, scopeEvent } from '../event-admin/routes.ts';
import { eventQuestions } from '../events/queries.ts';
import { personFields } from '../registrations/schemas.ts';
import { approveRegistration, declineRegistration } from './approval.ts';
import { type ColumnChoice, IMPORT_FIELDS } from './import-rows.ts';
import { invitationRoutes } from './invitation-routes.ts';
import { PAGE_SIZE, registrant, registrantHistory, type RegistrantFilters, registrantsCount, registrantsPage } from './queries.ts';
import {
  BULK_ACTIONS, bulkAction, cancelOnBehalf, confirmImport, correctRegistration, markNoShow, promoteByHand, resendLink, stagedImport,
  stageImport,
} from './service.ts';

/** The list's filters as the query string carries them; anything unexpected is ignored, not an error. */
const listQuery = z.object({
  status: z.enum(REGISTRATION_STATUSES).optional().catch(undefined),
  side: z.enum(SIDES).optional().catch(undefined),
  checked: z.enum(['yes', 'no']).optional().catch(undefined),
  noshow: z.literal('1').optional().catch(undefined),
  q: z.string().trim().max(200).optional().catch(undefined),
  question: z.coerce.number().int().positive().max(2 ** 31 - 1).optional().catch(undefined),
  answer: z.string().max(500).optional().catch(undefined),
  after: z.coerce.number().int().positive().max(2 ** 31 - 1).optional().catch(undefined),
});

const correctionForm = z.object({ ...personFields });
const reasonForm = z.object({ reason: field.optionalText('manage.registrants.errors.reasonLong', 500) });
const noShowForm = z.object({ no_show: z.enum(['1', '0']) });
const bulkForm = z.object({
  action: field.choice(BULK_ACTIONS, 'manage.registrants.errors.action'),
  ids: z.union([z.string(), z.array(z.string())], { error: 'manage.registrants.errors.noneSelected' })
    .transform((v) => [v].flat().map(Number))
    .pipe(z.array(z.number().int().positive().max(2 ** 31 - 1)).min(1, 'manage.registrants.errors.noneSelected').max(PAGE_SIZE)),
  reason: field.optionalText('manage.registrants.errors.reasonLong', 500),
});
const importForm = z.object({
  encoding: z.enum(TEXT_ENCODINGS).catch('auto'),
  notify: z.literal('on').optional(),
  ...Object.fromEntries(IMPORT_FIELDS.map((f) => [`column_${f}`, z.string().max(200).optional()])),
});
const confirmForm = z.object({ import: z.uuid(), language: z.enum(['en', 'zh-Hant', 'zh-Hans']).catch('en') });

/** The list's filters, for the page and for the links that keep them. */
function filtersOf(query: z.output<typeof listQuery>): RegistrantFilters {
  return {
    status: query.status, side: query.side, checkedIn: query.checked, noShow: query.noshow === '1', q: query.q || undefined,
    question: query.question, answer: query.answer,
  };
}

/** The registrants of an event, one registration, what organisers do to them, and importing a list. */
export async function registrantRoutes(app: FastifyInstance) {
  const site: Site = { baseUrl: app.config.baseUrl, domain: app.mail.domain };

  await app.register(async (group) => {
    scopeEvent(group);
    const base = (request: FastifyRequest) => `/manage/events/${request.event.slug}`;

    group.get('/registrations', access('organiser'), async (request, reply) => {
      const query = listQuery.parse(request.query);
      const filters = filtersOf(query);
      const { event } = request;
      const [page, total, questions] = await Promise.all([
        registrantsPage(app.db, event.id, filters, query.after), registrantsCount(app.db, event.id, filters),
        eventQuestions(app.db, event.id),
      ]);
      const keep = new URLSearchParams(Object.entries(query).filter(([k, v]) => k !== 'after' && v !== undefined && v !== '')
        .map(([k, v]) => [k, String(v)]));
      reply.header('cache-control', 'no-store');
      return reply.view('manage/registrants/index', {
        title: message('manage.registrants.title', { title: event.title }), event, page, total, query, questions,
        statuses: REGISTRATION_STATUSES, sides: SIDES, keep: keep.toString(),
      });
    });

    group.post('/registrations/bulk', access('organiser'), async (request, reply) => {
      const form = parseForm(bulkForm, request.body);
      if (!form.ok) throw Refusal.form(form.errors);
      const result = await bulkAction(app.db, site, requireUser(request), request.event, form.data.action, form.data.ids, form.data.reason);
      return reply.notice(message('manage.registrants.bulkDone', result)).redirect(`${base(request)}/registrations`, 303);
    });

    // One registration: its page, the correction form, and the actions on it.
    await group.register(async (one) => {
      loadsObject(one, 'registrant', (request) =>
        registrant(app.db, request.event.id, readParams(idParams, request.params).id), 'manage.registrants.errors.gone');
      const page = async (request: FastifyRequest, reply: FastifyReply, status = 200, values?: FormValues, errors: FormErrors = {}) => {
        const r = request.registrant;
        const [history, questions] = await Promise.all([registrantHistory(app.db, r.id), eventQuestions(app.db, request.event.id)]);
        return reply.code(status).header('cache-control', 'no-store').view('manage/registrants/show', {
          title: verbatim(r.name), event: request.event, r, history, questions, sides: SIDES, errors,
          values: values ?? { name: r.name, email: r.email, organisation: r.organisation, side: r.side },
        });
      };
      const back = (request: FastifyRequest) => `${base(request)}/registrations/${request.registrant.id}`;

      one.get('', access('organiser'), async (request, reply) => page(request, reply));

      one.post('', access('organiser'), async (request, reply) => {
        const form = parseForm(correctionForm, request.body);
        const saved = form.ok
          ? await attempt(() => correctRegistration(app.db, requireUser(request), request.event, request.registrant.id, form.data))
          : form;
        if (!saved.ok) return page(request, reply, 400, form.ok ? (request.body as FormValues) : form.values, saved.errors);
        return reply.notice('manage.registrants.saved').redirect(back(request), 303);
      });

      one.post('/cancel', access('organiser'), async (request, reply) => {
        const form = parseForm(reasonForm, request.body);
        if (!form.ok) return page(request, reply, 400, undefined, form.errors);
        const outcome = await cancelOnBehalf(app.db, site, requireUser(request), request.event, request.registrant.id, form.data.reason);
        const notice: Message = outcome === 'cancelled' ? 'manage.registrants.cancelled' : 'manage.registrants.alreadyCancelled';
        return reply.notice(notice).redirect(back(request), 303);
      });

      one.post('/approve', access('organiser'), async (request, reply) => {
        const status = await approveRegistration(app.db, site, requireUser(request), request.event, request.registrant.id);
        return reply.notice(status === 'confirmed' ? 'modes.approval.approved' : 'modes.approval.approvedWaitlisted')
          .redirect(back(request), 303);
      });

      one.post('/decline', access('organiser'), async (request, reply) => {
        const form = parseForm(reasonForm, request.body);
        if (!form.ok) return page(request, reply, 400, undefined, form.errors);
        await declineRegistration(app.db, site, requireUser(request), request.event, request.registrant.id, form.data.reason);
        return reply.notice('modes.approval.declined').redirect(back(request), 303);
      });

      one.post('/promote', access('organiser'), async (request, reply) => {
        await promoteByHand(app.db, site, requireUser(request), request.event, request.registrant.id);
        return reply.notice('manage.registrants.promoted').redirect(back(request), 303);
      });

      one.post('/resend', access('organiser'), async (request, reply) => {
        await resendLink(app.db, site, requireUser(request), request.event, request.registrant.id);
        return reply.notice('manage.registrants.resent').redirect(back(request), 303);
      });

      one.post('/no-show', access('organiser'), async (request, reply) => {
        const form = noShowForm.safeParse(request.body);
        if (!form.success) throw Refusal.form({ no_show: 'form.invalid' });
        await markNoShow(app.db, requireUser(request), request.event, request.registrant.id, form.data.no_show === '1');
        return reply.notice(form.data.no_show === '1' ? 'manage.registrants.noShowMarked' : 'manage.registrants.noShowUndone')
          .redirect(back(request), 303);
      });
    }, { prefix: '/registrations/:id' });

    // Importing a list: upload, check and preview; then confirm. Nothing is registered before that.
    const importPage = (request: FastifyRequest, reply: FastifyReply, status: number, extra: Record<string, unknown> = {}) =>
      reply.code(status).header('cache-control', 'no-store').view('manage/registrants/import', {
        title: message('manage.import.title', { title: request.event.title }), event: request.event, errors: {}, problems: [],
        repeats: [], header: null, missing: [], values: { notify: 'on', encoding: 'auto' }, encodings: TEXT_ENCODINGS,
        fields: IMPORT_FIELDS, maxRows: TABLE_FILE_MAX_ROWS, maxMb: TABLE_FILE_MAX_BYTES / 1024 / 1024, ...extra,
      });

    group.get('/import', access('organiser'), async (request, reply) => importPage(request, reply, 200));

    // Only the import takes multipart bodies; the file is read by the route itself.
    await group.register(async (upload) => {
      await upload.register(fastifyMultipart, {
        throwFileSizeLimit: false, limits: { fileSize: TABLE_FILE_MAX_BYTES, files: 1, fields: 12, parts: 13, fieldSize: 1024 },
      });
      refuseMalformedMultipart(upload, { file: 'manage.import.errors.unreadableUpload' });
      upload.post('/import', {
        ...access('organiser'),
        // The file is read here, after the access and CSRF checks its fields allow, and before the
        // preHandler checks run again on the fields.
        preValidation: async (request, reply) => {
          request.importFile = await readFormWithFile(app, request, reply,
            () => request.user !== null && (request.user.role === 'organiser' || request.user.role === 'admin'));
        },
      }, async (request, reply) => {
        const form = parseForm(importForm, request.body);
        const values: FormValues = form.ok ? (request.body as FormValues) : form.values;
        const refuse = (errors: FormErrors, extra: Record<string, unknown> = {}) =>
          importPage(request, reply, 400, { errors, values, ...extra });
        const file = request.importFile;
        if (!form.ok) return refuse(form.errors);
        if (!file || (file.bytes.length === 0 && !file.filename)) return refuse({ file: 'manage.import.errors.noFile' });
        if (file.truncated) return refuse({ file: message('common.tableFile.tooLarge', { mb: TABLE_FILE_MAX_BYTES / 1024 / 1024 }) });
        const opened = await openTableFile(file.bytes, form.data.encoding);
        if (!opened.ok) return refuse({ file: opened.problem }, { askEncoding: opened.needsEncoding === true });
        const columns: ColumnChoice = {};
        for (const f of IMPORT_FIELDS) {
          const value = (form.data as Record<string, string | undefined>)[`column_${f}`];
          if (value) columns[f] = value;
        }
        const notify = form.data.notify === 'on';
        const staged = await stageImport(app.db, requireUser(request), request.event,
          { filename: file.filename, table: opened.table, columns, notify });
        if (!staged.ok) {
          const { ok: _, errors, ...shown } = staged;
          return refuse(errors, Object.fromEntries(Object.entries(shown).filter(([, v]) => v !== undefined)));
        }
        return reply.header('cache-control', 'no-store').view('manage/registrants/preview', {
          title: message('manage.import.previewTitle', { title: request.event.title }), event: request.event, preview: staged.preview,
          filename: file.filename, notify, language: request.locale,
        });
      });
    });

    group.post('/import/confirm', access('organiser'), async (request, reply) => {
      const form = confirmForm.safeParse(request.body);
      if (!form.success) throw Refusal.notFound('manage.import.errors.gone');
      const staged = await stagedImport(app.db, request.event, form.data.import);
      if (!staged) throw Refusal.notFound('manage.import.errors.gone');
      const result = await confirmImport(app.db, site, requireUser(request), request.event, staged.id, form.data.language);
      const notice = result.already ? 'manage.import.already' : result.invited !== undefined
        ? message('modes.import.invited', { invited: result.invited, skipped: result.skipped })
        : message('manage.import.done', { confirmed: result.confirmed, waitlisted: result.waitlisted, skipped: result.skipped });
      if (result.invited !== undefined) return reply.notice(notice).redirect(`${base(request)}/invitations`, 303);
      return reply.notice(notice).redirect(`${base(request)}/registrations`, 303);
    });

    invitationRoutes(group, site);
  }, { prefix: EVENT_GROUP });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The registration of a /manage/events/:slug/registrations/:id route, of that event. */
    registrant: import('./queries.ts').Registrant;
    /** The list sent to /manage/events/:slug/import. */
    importFile: import('../../lib/multipart.ts').ReceivedFile | null;
  }
}

