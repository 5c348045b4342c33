import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { HttpError, notFound } from '../../lib/errors.ts';
import type { FormErrors, FormValues } from '../../lib/forms.ts';
import { type Translate, translator } from '../../lib/i18n.ts';
import { hashToken, isTokenShaped } from '../../lib/tokens.ts';
import { sendCertificate } from '../contests/certificates.ts';
import { certificateFacts, contestOverview, publicContestBySlug } from '../contests/queries.ts';
import { MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES, sendAttachment, type Upload, uploadProblem } from './attachments.ts';
import { entryFacts, studentsOf } from './details.ts';
import { entryValues, parseEntryForm } from './form.ts';
import { contestCategories, entryAttachmentsOf, entryByToken, type EntryByToken } from './queries.ts';
import { entryWindowOpen, submitEntry, updateEntry } from './service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    uploads?: Upload[];
  }
}

const MALFORMED_MULTIPART = /^(Multipart: |Unexpected end of (multipart data|form)|Malformed (part header|content type)|Part terminated early)/;

type Contest = NonNullable<Awaited<ReturnType<typeof publicContestBySlug>>>;

/** Public entry submission and the entrant's private manage link. */
export async function entryRoutes(app: FastifyInstance) {
  // Registered here only: nowhere else in the app takes multipart bodies. Files are read into
  // memory up to the size limit (a truncated file is refused, never stored) and kept apart from
  // the text fields, which reach the CSRF check and the form parser as plain strings.
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    throwFileSizeLimit: false,
    limits: { fileSize: MAX_ATTACHMENT_BYTES, files: MAX_ATTACHMENTS, fields: 60, parts: 70, fieldSize: 16 * 1024 },
    async onFile(part) {
      const chunks: Buffer[] = [];
      for await (const chunk of part.file) chunks.push(chunk as Buffer);
      if (!part.filename && chunks.length === 0) return;
      this.uploads = [...(this.uploads ?? []), {
        fieldname: part.fieldname, filename: part.filename, buffer: Buffer.concat(chunks), truncated: part.file.truncated,
      }];
    },
  });

  // A multipart body that cannot be read (no boundary, cut short, not multipart at all) is the
  // sender's fault: the parser throws plain errors for it, answered here as a 400; the app's own
  // handler, which this one passes every error on to, words the page.
  app.setErrorHandler(async (error: Error & { statusCode?: number }) => {
    if (error.statusCode === undefined && MALFORMED_MULTIPART.test(error.message)) {
      throw new HttpError(400, 'The form could not be read. Reload the page and try again.');
    }
    throw error;
  });

  const loadOpenContest = async (request: FastifyRequest) => {
    const slug = (request.params as { slug?: string }).slug ?? '';
    const contest = await publicContestBySlug(app.db, slug);
    if (!contest) throw notFound('contest');
    return contest;
  };

  const uploadErrors = (uploads: readonly Upload[], t: Translate, existing = 0): FormErrors => {
    const problems = uploads.map((u) => uploadProblem(u, t)).filter((p): p is string => p !== null);
    if (uploads.length + existing > MAX_ATTACHMENTS) problems.push(t.text(`Attach at most ${MAX_ATTACHMENTS} files.`));
    return problems.length ? { attachments: problems.join(' ') } : {};
  };

  async function renderContest(reply: FastifyReply, contest: Contest, errors: FormErrors, values: FormValues) {
    const [overview, categories] = await Promise.all([contestOverview(app.db, contest.id), contestCategories(app.db, contest.id)]);
    return reply.view('contests/show', {
      title: reply.request.local(contest, 'title'), contest, ...overview, now: new Date(), entryForm: { open: entryWindowOpen(contest), categories, errors, values },
    });
  }

  app.post('/contests/:slug/entries', access('public'), async (request, reply) => {
    const contest = await loadOpenContest(request);
    if (!entryWindowOpen(contest)) return renderContest(reply.code(409), contest, { _form: 'Entries to this contest are closed.' }, {});
    const categories = await contestCategories(app.db, contest.id);
    const form = parseEntryForm(contest.kind, categories, request.body);
    const uploads = request.uploads ?? [];
    const errors = { ...(form.ok ? {} : form.errors), ...uploadErrors(uploads, translator(request.locale)) };
    if (!form.ok || Object.keys(errors).length) {
      return renderContest(reply.code(400), contest, errors, form.ok ? (request.body as FormValues) : form.values);
    }
    const { token } = await submitEntry(app.db, contest, form.data, uploads, {
      baseUrl: app.config.baseUrl, domain: app.mail.domain, dataDir: app.config.dataDir, locale: request.locale,
    });
    return reply.redirect(`/entries/${token}`, 303);
  });

  const loadEntry = async (request: FastifyRequest) => {
    const token = (request.params as { token?: string }).token ?? '';
    const entry = isTokenShaped(token) ? await entryByToken(app.db, hashToken(token)) : undefined;
    if (!entry) throw notFound('entry');
    return { entry, token };
  };

  async function renderEntry(
    reply: FastifyReply, entry: EntryByToken, token: string,
    extra: { errors?: FormErrors; values?: FormValues; saved?: boolean } = {}, t: Translate = translator('en'),
  ) {
    const [categories, attachments, award] = await Promise.all([
      contestCategories(app.db, entry.contest_id), entryAttachmentsOf(app.db, entry.id), certificateFacts(app.db, { entryId: entry.id, published: true }),
    ]);
    const open = entryWindowOpen({ status: entry.contest_status, entry_opens_at: entry.entry_opens_at, entry_closes_at: entry.entry_closes_at });
    return reply.view('entries/show', {
      title: t('participant.entry.title', { reference: entry.reference }), entry, token, attachments, facts: entryFacts(entry.details, false),
      contest: { slug: entry.contest_slug, title: entry.contest_title, translations: entry.contest_translations, kind: entry.kind, entry_closes_at: entry.entry_closes_at },
      entryForm: { open, categories, errors: extra.errors ?? {}, values: extra.values ?? entryValues(entry, entry.category_code, studentsOf(entry.details)) },
      saved: extra.saved ?? false, award: award ? { tier: award.tier } : null,
    });
  }

  app.get('/entries/:token', access('public'), async (request, reply) => {
    const { entry, token } = await loadEntry(request);
    reply.header('cache-control', 'private, no-store').header('referrer-policy', 'no-referrer');
    return renderEntry(reply, entry, token, { saved: (request.query as Record<string, string | undefined>).saved === '1' }, translator(request.locale));
  });

  app.post('/entries/:token', access('public'), async (request, reply) => {
    const { entry, token } = await loadEntry(request);
    const t = translator(request.locale);
    if (!entryWindowOpen({ status: entry.contest_status, entry_opens_at: entry.entry_opens_at, entry_closes_at: entry.entry_closes_at })) {
      return renderEntry(reply.code(409), entry, token, { errors: { _form: 'Entries are closed: this entry can no longer be changed.' } }, t);
    }
    const categories = await contestCategories(app.db, entry.contest_id);
    const form = parseEntryForm(entry.kind, categories, request.body);
    const attachments = await entryAttachmentsOf(app.db, entry.id);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const removeIds = attachments.filter((a) => body[`remove_${a.id}`] === 'on').map((a) => a.id);
    const uploads = request.uploads ?? [];
    const errors = { ...(form.ok ? {} : form.errors), ...uploadErrors(uploads, t, attachments.length - removeIds.length) };
    if (!form.ok || Object.keys(errors).length) {
      return renderEntry(reply.code(400), entry, token, { errors, values: form.ok ? (body as FormValues) : form.values }, t);
    }
    await updateEntry(app.db, entry, form.data, uploads, removeIds, app.config.dataDir);
    return reply.redirect(`/entries/${token}?saved=1`, 303);
  });

  app.get('/entries/:token/attachments/:attachmentId', access('public'), async (request, reply) => {
    const { entry } = await loadEntry(request);
    const parsed = z.object({ attachmentId: z.coerce.number().int().positive().max(2_147_483_647) }).safeParse(request.params);
    const file = parsed.success ? (await entryAttachmentsOf(app.db, entry.id)).find((a) => a.id === parsed.data.attachmentId) : undefined;
    if (!file) throw notFound('attachment');
    return sendAttachment(reply, app.config.dataDir, file, file.filename);
  });

  // Only once the results are published: before that an award may still change.
  app.get('/entries/:token/certificate.pdf', access('public'), async (request, reply) => {
    const { entry } = await loadEntry(request);
    const facts = await certificateFacts(app.db, { entryId: entry.id, published: true });
    if (!facts) throw notFound('certificate');
    return sendCertificate(reply.header('referrer-policy', 'no-referrer'), facts);
  });
}
