import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { refuseWriteInArchivedYear } from '../../lib/archive.ts';
import { attempt, Refusal } from '../../lib/errors.ts';
import { cleanText, type FormErrors, type FormValues } from '../../lib/forms.ts';
import { type Message, message, verbatim } from '../../lib/i18n.ts';
import { idParam, readParams, slugParams, tokenParams } from '../../lib/params.ts';
import { discardReceivedFiles, receivePdf, sendAttachment } from '../../lib/pdf-files.ts';
import { countHit, ENTRY_LIMITS, formHits, peekLimits, tooManyRequests } from '../../lib/rate-limit.ts';
import { hashToken, isTokenShaped } from '../../lib/tokens.ts';
import { loadsByLink } from '../../lib/route-group.ts';
import { checkCsrf, refuseMalformedMultipart } from '../../lib/multipart.ts';
import { sendAwardCertificate } from '../certificates/pdf.ts';
import { awardFacts } from '../certificates/queries.ts';
import { contestCategories, contestOverview, publicContestBySlug } from '../contests/queries.ts';
import { entryWindowOpen } from '../contests/service.ts';
import { cleanUploads, keptFilename, MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES, type Upload, uploadProblem } from './attachments.ts';
import { entryFacts, studentsOf } from './details.ts';
import { entryValues, parseEntryForm } from './form.ts';
import { entryAttachmentsOf, entryByToken, type EntryByToken } from './queries.ts';
import { confirmEntryEmail, submitEntry, updateEntry } from './service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    uploads?: Upload[];
    /** The entry behind the private link of a /entries/:token route. */
    linkedEntry: EntryByToken;
  }
}

/** The link's `:token` is read by the group; this is what its attachment route adds. */
const attachmentParams = z.object({ attachmentId: idParam });

type Contest = NonNullable<Awaited<ReturnType<typeof publicContestBySlug>>>;

/**
 * Whether the files of a form are wanted, asked once its fields before the first file are read:
 * 'read' them, or 'skip' them unread (the handler then answers why). Or it throws the refusal.
 */
type FileGate = (fields: Readonly<Record<string, unknown>>) => Promise<'read' | 'skip'>;

/**
 * Reads a multipart form: its fields into request.body, its files onto disk under DATA_DIR/incoming
 * as they arrive (request.uploads), never whole in memory. Nothing of a file is read before the
 * CSRF token sent ahead of it has been checked and `gate` has said the files are wanted (the
 * contest is open, the sender under the rate limit): a form refused there costs the reading of
 * its fields only. Skipped files are not read at all; what the sender still sends is discarded
 * as it arrives.
 */
async function readMultipart(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, gate: FileGate) {
  if (!request.isMultipart()) return;
  const body: Record<string, unknown> = {};
  const uploads: Upload[] = [];
  request.uploads = uploads;
  let files: 'read' | 'skip' | null = null;
  // The file part in hand, until it has been read: one left unread stops the parser, and the rest
  // of the body is then pulled off the connection and dropped, so that the answer can go out.
  let unread: MultipartFile | null = null;
  const dropRest = () => {
    unread?.file.destroy();
    request.raw.unpipe();
    request.raw.resume();
  };
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        const previous = body[part.fieldname];
        body[part.fieldname] = previous === undefined ? part.value : [previous, part.value].flat();
        continue;
      }
      unread = part;
      if (files === null) {
        request.body = body;
        checkCsrf(app, request, reply);
        files = await gate(body);
      }
      if (files === 'skip') break;
      const received = await receivePdf(app.config.dataDir, part.file, MAX_ATTACHMENT_BYTES);
      unread = null;
      // A file field left empty is sent as a part with no name and no bytes.
      if (!part.filename && received.size === 0) continue;
      uploads.push({ ...received, fieldname: part.fieldname, filename: keptFilename(part.filename) });
    }
  } catch (error) {
    if (unread) dropRest();
    await discardReceivedFiles(receivedPaths(uploads.splice(0)));
    throw error;
  }
  if (unread) dropRest();
  request.body = body;
}

/** The files received for a request, and their clean copies. */
const receivedPaths = (uploads: readonly Upload[]) => uploads.flatMap((u) => [u.path, u.clean ?? null]);

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
  // Registered here only: nowhere else in the app takes multipart bodies. Each route reads its
  // body with readMultipart (above), in its preValidation step: the text fields reach the CSRF
  // check and the form parser as plain strings; the files go to disk, up to the size limit (a
  // truncated file is refused, never stored). Files received but not stored are removed before
  // the answer goes out, whatever it is.
  await app.register(fastifyMultipart, {
    throwFileSizeLimit: false,
    limits: { fileSize: MAX_ATTACHMENT_BYTES, files: MAX_ATTACHMENTS, fields: 60, parts: 70, fieldSize: 16 * 1024 },
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    if (request.uploads?.length) await discardReceivedFiles(receivedPaths(request.uploads));
    return payload;
  });

  refuseMalformedMultipart(app, { _form: 'participant.entry.errors.unreadable' });

  async function renderContest(reply: FastifyReply, contest: Contest, errors: FormErrors, values: FormValues) {
    const [overview, categories] = await Promise.all([contestOverview(app.db, contest.id), contestCategories(app.db, contest.id)]);
    return reply.view('contests/show', {
      title: verbatim(reply.request.local(contest, 'title')), contest, ...overview, now: new Date(),
      entryForm: { open: entryWindowOpen(contest), categories, errors, values },
    });
  }

  const contestOf = async (request: FastifyRequest) => {
    const contest = await publicContestBySlug(app.db, readParams(slugParams, request.params).slug);
    if (!contest) throw Refusal.notFound('participant.entry.errors.contestNotFound');
    await refuseWriteInArchivedYear(app.db, request, contest);
    return contest;
  };

  // Before any file is read: the contest is there and open, and the sender (by address, and by
  // the email address typed above the files) is not already at the limit of entries.
  const entryFiles = (request: FastifyRequest, reply: FastifyReply) => readMultipart(app, request, reply, async (fields) => {
    if (!entryWindowOpen(await contestOf(request))) return 'skip';
    if (app.config.rateLimits) {
      const email = typeof fields.email === 'string' ? cleanText(fields.email) : '';
      const limit = await peekLimits(app.db, formHits(ENTRY_LIMITS, request.ip, email));
      if (!limit.ok) throw tooManyRequests(reply, limit.retryAfterSeconds);
    }
    return 'read';
  });

  app.post('/contests/:slug/entries', { ...access('public'), preValidation: entryFiles }, async (request, reply) => {
    const contest = await contestOf(request);
    if (!entryWindowOpen(contest)) return renderContest(reply.code(409), contest, { _form: 'participant.entry.errors.contestClosed' }, {});
    const categories = await contestCategories(app.db, contest.id);
    const form = parseEntryForm(contest.kind, categories, request.body);
    const uploads = request.uploads ?? [];
    const errors = { ...(form.ok ? {} : form.errors), ...uploadErrors(uploads) };
    if (!form.ok || Object.keys(errors).length) {
      return renderContest(reply.code(400), contest, errors, form.ok ? (request.body as FormValues) : form.values);
    }
    // Counted once the form is good, before anything is stored.
    if (app.config.rateLimits) {
      const limit = await countHit(app.db, formHits(ENTRY_LIMITS, request.ip, form.data.contact_email));
      if (!limit.ok) throw tooManyRequests(reply, limit.retryAfterSeconds);
    }
    // Cleaned once counted: a flood of files to clean is held back by the same limit.
    const unclean = await cleanUploads(app.config.dataDir, uploads);
    if (unclean) return renderContest(reply.code(400), contest, { attachments: unclean }, request.body as FormValues);
    // Someone signed in (staff) enters for others: their addresses need no confirming.
    const confirmEmail = contest.confirm_email && !request.user;
    const submitted = await attempt(() => submitEntry(app.db, contest, form.data, uploads, {
      baseUrl: app.config.baseUrl, domain: app.mail.domain, dataDir: app.config.dataDir, locale: request.locale,
    }, confirmEmail));
    if (!submitted.ok) return renderContest(reply.code(400), contest, submitted.errors, request.body as FormValues);
    const outcome = submitted.value;
    // Pending, the private link is only in the mail: the answer shows nothing of it.
    return reply.redirect(outcome.kind === 'pending' ? `/contests/${contest.slug}/check-your-inbox` : `/entries/${outcome.token}`, 303);
  });

  app.get('/contests/:slug/check-your-inbox', access('public'), async (request, reply) => {
    const contest = await contestOf(request);
    return reply.view('entries/check-inbox', { title: 'participant.inbox.title', contest });
  });

  await app.register(privateLinkRoutes, { prefix: '/entries/:token' });
}

/**
 * The pages behind an entry's private link. The link is the only key: the entry is found by it
 * once per request, before any handler runs.
 */
async function privateLinkRoutes(group: FastifyInstance) {
  loadsByLink(group, 'linkedEntry', (tokenHash) => entryByToken(group.db, tokenHash), 'participant.entry.errors.notFound');
  const tokenOf = (request: FastifyRequest) => readParams(tokenParams, request.params).token;
  const windowOpen = (entry: EntryByToken) =>
    entryWindowOpen({ status: entry.contest_status, entry_opens_at: entry.entry_opens_at, entry_closes_at: entry.entry_closes_at });

  async function render(
    reply: FastifyReply, extra: { errors?: FormErrors; values?: FormValues; saved?: boolean; confirmed?: boolean } = {},
  ) {
    const entry = reply.request.linkedEntry;
    const [categories, attachments, award] = await Promise.all([
      contestCategories(group.db, entry.contest_id), entryAttachmentsOf(group.db, entry.id),
      awardFacts(group.db, { entryId: entry.id, published: true }),
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
      saved: extra.saved ?? false, confirmed: extra.confirmed ?? false, award: award ? { tier: award.tier } : null,
    });
  }

  group.get('', access('public'), async (request, reply) => {
    reply.header('cache-control', 'private, no-store').header('referrer-policy', 'no-referrer');
    const query = request.query as Record<string, string | undefined>;
    return render(reply, { saved: query.saved === '1', confirmed: query.confirmed === '1' });
  });

  // Before any file is read: the link leads to an entry that can still be changed.
  const changedFiles = (request: FastifyRequest, reply: FastifyReply) => readMultipart(group, request, reply, async () => {
    const { token } = readParams(tokenParams, request.params);
    const entry = isTokenShaped(token) ? await entryByToken(group.db, hashToken(token)) : undefined;
    if (!entry) throw Refusal.notFound('participant.entry.errors.notFound');
    return windowOpen(entry) ? 'read' : 'skip';
  });

  group.post('', { ...access('public'), preValidation: changedFiles }, async (request, reply) => {
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
    const unclean = await cleanUploads(group.config.dataDir, uploads);
    if (unclean) return render(reply.code(400), { errors: { attachments: unclean }, values: body as FormValues });
    const updated = await attempt(() => updateEntry(group.db, entry, form.data, uploads, removeIds, group.config.dataDir));
    if (!updated.ok) return render(reply.code(400), { errors: updated.errors, values: body as FormValues });
    return reply.redirect(`/entries/${tokenOf(request)}?saved=1`, 303);
  });

  // Confirming the email address is a button (POST, with CSRF), never the GET itself: mail scanners open links.
  // A plain form: this plugin reads multipart bodies for the entry forms, not for this button.
  const plainForm = async (request: FastifyRequest) => {
    if (request.isMultipart()) throw Refusal.page(415, 'error.detail.415');
  };
  group.post('/confirm', { ...access('public'), preValidation: plainForm }, async (request, reply) => {
    const token = tokenOf(request);
    await confirmEntryEmail(group.db, token, { baseUrl: group.config.baseUrl, domain: group.mail.domain });
    return reply.redirect(`/entries/${token}?confirmed=1`, 303);
  });

  group.get('/attachments/:attachmentId', access('public'), async (request, reply) => {
    const { attachmentId } = readParams(attachmentParams, request.params);
    const file = (await entryAttachmentsOf(group.db, request.linkedEntry.id)).find((a) => a.id === attachmentId);
    if (!file) throw Refusal.notFound('participant.entry.errors.attachmentNotFound');
    return sendAttachment(reply, group.config.dataDir, file, file.filename);
  });

  // Only once the results are published: before that an award may still change.
  group.get('/certificate.pdf', access('public'), async (request, reply) => {
    const facts = await awardFacts(group.db, { entryId: request.linkedEntry.id, published: true });
    if (!facts) throw Refusal.notFound('participant.entry.errors.certificateNotFound');
    return sendAwardCertificate(reply.header('referrer-policy', 'no-referrer'), facts, group.config.baseUrl);
  });
}
