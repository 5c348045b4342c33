import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { Refusal } from '../../lib/errors.ts';
import type { FormErrors, FormValues } from '../../lib/forms.ts';
import { type Message, message, verbatim } from '../../lib/i18n.ts';
import { idParam, readParams, slugParams, tokenParams } from '../../lib/params.ts';
import { sendAttachment } from '../../lib/pdf-files.ts';
import { hashToken, isTokenShaped } from '../../lib/tokens.ts';
import { sendCertificate } from '../contests/certificates.ts';
import { certificateFacts, contestCategories, contestOverview, publicContestBySlug } from '../contests/queries.ts';
import { entryWindowOpen } from '../contests/service.ts';
import { keptFilename, MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES, type Upload, uploadProblem } from './attachments.ts';
import { entryFacts, studentsOf } from './details.ts';
import { entryValues, parseEntryForm } from './form.ts';
import { entryAttachmentsOf, entryByToken, type EntryByToken } from './queries.ts';
import { submitEntry, updateEntry } from './service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    uploads?: Upload[];
    /** The entry behind the private link of a /entries/:token route. */
    linkedEntry: EntryByToken;
  }
}

const MALFORMED_MULTIPART = /^(Multipart: |Unexpected end of (multipart data|form)|Malformed (part header|content type)|Part terminated early)/;

/** The link's `:token` is read by the group; this is what its attachment route adds. */
const attachmentParams = z.object({ attachmentId: idParam });

type Contest = NonNullable<Awaited<ReturnType<typeof publicContestBySlug>>>;

/** Every problem with the files, one after the other beside the file field. */
function uploadErrors(uploads: readonly Upload[], existing = 0): FormErrors {
  const problems = uploads.map(uploadProblem).filter((p): p is Message => p !== null);
  if (uploads.length + existing > MAX_ATTACHMENTS) {
    problems.push(message('participant.entry.errors.tooManyFiles', { max: MAX_ATTACHMENTS }));
  }
  if (!problems.length) return {};
  return { attachments: problems.reduce((first, next) => message('participant.entry.errors.andAlso', { first, next })) };
}

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
        fieldname: part.fieldname, filename: keptFilename(part.filename), buffer: Buffer.concat(chunks), truncated: part.file.truncated,
      }];
    },
  });

  // A multipart body that cannot be read (no boundary, cut short, not multipart at all) is the
  // sender's fault: the parser throws plain errors for it, answered here as a 400; the app's own
  // handler, which this one passes every error on to, words the page.
  app.setErrorHandler(async (error: Error & { statusCode?: number }) => {
    if (error.statusCode === undefined && MALFORMED_MULTIPART.test(error.message)) {
      throw Refusal.form({ _form: 'participant.entry.errors.unreadable' });
    }
    throw error;
  });

  async function renderContest(reply: FastifyReply, contest: Contest, errors: FormErrors, values: FormValues) {
    const [overview, categories] = await Promise.all([contestOverview(app.db, contest.id), contestCategories(app.db, contest.id)]);
    return reply.view('contests/show', {
      title: verbatim(reply.request.local(contest, 'title')), contest, ...overview, now: new Date(),
      entryForm: { open: entryWindowOpen(contest), categories, errors, values },
    });
  }

  app.post('/contests/:slug/entries', access('public'), async (request, reply) => {
    const contest = await publicContestBySlug(app.db, readParams(slugParams, request.params).slug);
    if (!contest) throw Refusal.notFound('participant.entry.errors.contestNotFound');
    if (!entryWindowOpen(contest)) return renderContest(reply.code(409), contest, { _form: 'participant.entry.errors.contestClosed' }, {});
    const categories = await contestCategories(app.db, contest.id);
    const form = parseEntryForm(contest.kind, categories, request.body);
    const uploads = request.uploads ?? [];
    const errors = { ...(form.ok ? {} : form.errors), ...uploadErrors(uploads) };
    if (!form.ok || Object.keys(errors).length) {
      return renderContest(reply.code(400), contest, errors, form.ok ? (request.body as FormValues) : form.values);
    }
    const { token } = await submitEntry(app.db, contest, form.data, uploads, {
      baseUrl: app.config.baseUrl, domain: app.mail.domain, dataDir: app.config.dataDir, locale: request.locale,
    });
    return reply.redirect(`/entries/${token}`, 303);
  });

  await app.register(privateLinkRoutes, { prefix: '/entries/:token' });
}

/**
 * The pages behind an entry's private link. The link is the only key: the entry is found by it
 * once per request, before any handler runs.
 */
async function privateLinkRoutes(group: FastifyInstance) {
  group.decorateRequest('linkedEntry', null as unknown as EntryByToken);
  group.addHook('preHandler', async (request) => {
    const { token } = readParams(tokenParams, request.params);
    const entry = isTokenShaped(token) ? await entryByToken(group.db, hashToken(token)) : undefined;
    if (!entry) throw Refusal.notFound('participant.entry.errors.notFound');
    request.linkedEntry = entry;
  });
  const tokenOf = (request: FastifyRequest) => readParams(tokenParams, request.params).token;
  const windowOpen = (entry: EntryByToken) =>
    entryWindowOpen({ status: entry.contest_status, entry_opens_at: entry.entry_opens_at, entry_closes_at: entry.entry_closes_at });

  async function render(reply: FastifyReply, extra: { errors?: FormErrors; values?: FormValues; saved?: boolean } = {}) {
    const entry = reply.request.linkedEntry;
    const [categories, attachments, award] = await Promise.all([
      contestCategories(group.db, entry.contest_id), entryAttachmentsOf(group.db, entry.id),
      certificateFacts(group.db, { entryId: entry.id, published: true }),
    ]);
    return reply.view('entries/show', {
      title: message('participant.entry.title', { reference: entry.reference }), entry, token: tokenOf(reply.request), attachments,
      facts: entryFacts(entry.details, false),
      contest: {
        slug: entry.contest_slug, title: entry.contest_title, translations: entry.contest_translations, kind: entry.kind,
        entry_closes_at: entry.entry_closes_at,
      },
      entryForm: {
        open: windowOpen(entry), categories, errors: extra.errors ?? {},
        values: extra.values ?? entryValues(entry, entry.category_code, studentsOf(entry.details)),
      },
      saved: extra.saved ?? false, award: award ? { tier: award.tier } : null,
    });
  }

  group.get('', access('public'), async (request, reply) => {
    reply.header('cache-control', 'private, no-store').header('referrer-policy', 'no-referrer');
    return render(reply, { saved: (request.query as Record<string, string | undefined>).saved === '1' });
  });

  group.post('', access('public'), async (request, reply) => {
    const entry = request.linkedEntry;
    if (!windowOpen(entry)) return render(reply.code(409), { errors: { _form: 'participant.entry.errors.entryClosed' } });
    const categories = await contestCategories(group.db, entry.contest_id);
    const form = parseEntryForm(entry.kind, categories, request.body);
    const attachments = await entryAttachmentsOf(group.db, entry.id);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const removeIds = attachments.filter((a) => body[`remove_${a.id}`] === 'on').map((a) => a.id);
    const uploads = request.uploads ?? [];
    const errors = { ...(form.ok ? {} : form.errors), ...uploadErrors(uploads, attachments.length - removeIds.length) };
    if (!form.ok || Object.keys(errors).length) {
      return render(reply.code(400), { errors, values: form.ok ? (body as FormValues) : form.values });
    }
    await updateEntry(group.db, entry, form.data, uploads, removeIds, group.config.dataDir);
    return reply.redirect(`/entries/${tokenOf(request)}?saved=1`, 303);
  });

  group.get('/attachments/:attachmentId', access('public'), async (request, reply) => {
    const { attachmentId } = readParams(attachmentParams, request.params);
    const file = (await entryAttachmentsOf(group.db, request.linkedEntry.id)).find((a) => a.id === attachmentId);
    if (!file) throw Refusal.notFound('participant.entry.errors.attachmentNotFound');
    return sendAttachment(reply, group.config.dataDir, file, file.filename);
  });

  // Only once the results are published: before that an award may still change.
  group.get('/certificate.pdf', access('public'), async (request, reply) => {
    const facts = await certificateFacts(group.db, { entryId: request.linkedEntry.id, published: true });
    if (!facts) throw Refusal.notFound('participant.entry.errors.certificateNotFound');
    return sendCertificate(reply.header('referrer-policy', 'no-referrer'), facts);
  });
}
