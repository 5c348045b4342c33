import { sql } from 'kysely';
import type { Database, Executor } from '../../db/index.ts';
import { confirmationState, holdUntil } from '../../lib/confirmation.ts';
import { Refusal } from '../../lib/errors.ts';
import { formatFor } from '../../lib/format.ts';
import { type Locale, localeOf, message, translator } from '../../lib/i18n.ts';
import { discardAttachmentFiles, storeReceivedFile } from '../../lib/pdf-files.ts';
import { hashToken, newToken } from '../../lib/tokens.ts';
import { changedFields, recordAudit } from '../audit/service.ts';
import { type OutgoingMail, queueMail } from '../mail/outbox.ts';
import { composeMail } from '../mail/templates.ts';
import { emitWebhook } from '../webhooks/events.ts';
import { CONTEST_QUOTA_BYTES, contestFull, ENTRY_QUOTA_BYTES, MAX_ATTACHMENTS, type Upload } from './attachments.ts';
import type { EntryData } from './form.ts';

/** Where links point and files go; `locale` is the language the entry is made in (English unless told). */
type MailContext = { baseUrl: string; domain: string; dataDir: string; locale?: Locale };

/** Files are stored (moved from where they were received) before the transaction and removed again if it does not commit. */
type StoredKeys = { original: string; clean: string | null };
async function withStoredFiles<T>(dataDir: string, uploads: readonly Upload[], run: (keys: StoredKeys[]) => Promise<T>): Promise<T> {
  const keys: StoredKeys[] = [];
  try {
    for (const upload of uploads) {
      if (!upload.path) throw new Error(`${upload.filename} was not received`);
      const stored: StoredKeys = { original: await storeReceivedFile(dataDir, upload.path), clean: null };
      keys.push(stored);
      if (upload.clean) stored.clean = await storeReceivedFile(dataDir, upload.clean);
    }
    return await run(keys);
  } catch (error) {
    await discardAttachmentFiles(dataDir, keys.flatMap((k) => (k.clean ? [k.original, k.clean] : [k.original])));
    throw error;
  }
}

async function insertAttachments(trx: Executor, entryId: number, uploads: readonly Upload[], keys: readonly StoredKeys[]) {
  if (uploads.length === 0) return;
  await trx.insertInto('entry_attachments').values(uploads.map((u, i) => ({
    entry_id: entryId, filename: u.filename, content_type: 'application/pdf', size_bytes: u.size,
    storage_key: (keys[i] as StoredKeys).original, clean_storage_key: keys[i]?.clean ?? null,
  }))).execute();
}

/**
 * Refuses files that would take the entry past its files (ENTRY_QUOTA_BYTES, MAX_ATTACHMENTS) or
 * the contest past its quota, beside the file field. Run under the lock on the contest (and on
 * the entry, for a change), so that entries sent at the same moment are counted one after another.
 */
async function checkQuotas(trx: Executor, contestId: number, entryId: number | null, uploads: readonly Upload[]) {
  if (uploads.length === 0) return;
  const adding = uploads.reduce((n, u) => n + u.size, 0);
  if (entryId !== null) {
    const kept = await trx.selectFrom('entry_attachments').where('entry_id', '=', entryId)
      .select([sql<number>`count(*)::int`.as('files'), sql<number>`coalesce(sum(size_bytes), 0)::bigint`.as('bytes')])
      .executeTakeFirstOrThrow();
    if (kept.files + uploads.length > MAX_ATTACHMENTS || Number(kept.bytes) + adding > ENTRY_QUOTA_BYTES) {
      throw Refusal.form({ attachments: message('participant.entry.errors.tooManyFiles', { max: MAX_ATTACHMENTS }) });
    }
  }
  const stored = await trx.selectFrom('entry_attachments as a').innerJoin('entries as e', 'e.id', 'a.entry_id')
    .where('e.contest_id', '=', contestId).select(sql<number>`coalesce(sum(a.size_bytes), 0)::bigint`.as('bytes'))
    .executeTakeFirstOrThrow();
  if (Number(stored.bytes) + adding > CONTEST_QUOTA_BYTES) throw Refusal.form({ attachments: contestFull() });
}

/** The next reference in the contest's series (HVPP2026-007), under a lock on the contest. */
async function nextReference(trx: Executor, contest: { id: number; slug: string }) {
  await trx.selectFrom('contests').select('id').where('id', '=', contest.id).forUpdate().execute();
  const last = await trx.selectFrom('entries').select('reference').where('contest_id', '=', contest.id).orderBy('id', 'desc').limit(1)
    .executeTakeFirst();
  const count = await trx.selectFrom('entries').select(sql<number>`count(*)::int`.as('n')).where('contest_id', '=', contest.id)
    .executeTakeFirstOrThrow();
  const prefix = last ? last.reference.replace(/-?\d+$/, '') : contest.slug.replace(/[^a-z0-9]/gi, '').toUpperCase();
  for (let n = count.n + 1; ; n++) {
    const reference = `${prefix}-${String(n).padStart(3, '0')}`;
    const taken = await trx.selectFrom('entries').select('id').where('contest_id', '=', contest.id).where('reference', '=', reference)
      .executeTakeFirst();
    if (!taken) return reference;
  }
}

type ContestOfEntry = { id: number; slug: string; title: string; item_id: number; entry_closes_at: Date | null };
type EntryOfMail = { reference: string; title: string; contact_email: string; applicant_name: string };

/** When a pending entry made now is withdrawn: 24 hours on, never past the contest's closing. */
export function entryConfirmDeadline(contest: { entry_closes_at: Date | null }, now: Date): Date {
  return holdUntil(now, contest.entry_closes_at);
}

/** The mail that an entry is received, with its private manage link, in the organisers' wording. */
async function receivedMail(
  db: Executor, contest: { id: number; title: string; item_id: number }, entry: EntryOfMail, link: string, locale: Locale,
): Promise<OutgoingMail> {
  const t = translator(locale);
  return composeMail(db, {
    kind: 'entryReceived', owner: { contestId: contest.id }, locale, to: entry.contact_email, itemId: contest.item_id,
    fields: { name: entry.applicant_name, title: contest.title, entry_title: entry.title, reference: entry.reference, manage_link: link },
    actions: [{ lead: t('participant.mail.entry.link'), label: t('mailTemplates.layout.entryButton'), url: link }],
    notes: [t('participant.mail.entry.keep')],
  });
}

/** The mail of a pending entry: the private link, whose page has the button that confirms the address. */
function confirmMail(contest: ContestOfEntry, entry: EntryOfMail, link: string, confirmBy: Date, locale: Locale) {
  const t = translator(locale);
  return {
    to: entry.contact_email,
    subject: t('participant.mail.entry.subjectConfirm', { reference: entry.reference, contest: contest.title }),
    text: `${t('participant.mail.entry.pending', { title: entry.title, contest: contest.title, reference: entry.reference })}\n\n`
      + `${t('participant.mail.entry.confirm', { time: formatFor(locale).dateTime(confirmBy) })}\n${link}\n\n`
      + `${t('participant.mail.entry.notYou')}\n`,
    itemId: contest.item_id,
  };
}

export type SubmitOutcome =
  | { kind: 'submitted'; token: string; reference: string }
  /** Pending: the link is only in the mail, so the answer shows nothing of it. */
  | { kind: 'pending'; reference: string };

/**
 * A new entry with its files, and its confirmation mail carrying the private manage link. The
 * entry keeps the language it was made in; the mail is written in it. With `confirmEmail`
 * (contests.confirm_email, for someone not signed in) the entry is pending until its address is
 * confirmed: it holds its reference and files until confirm_by, and the mail asks to confirm.
 */
export async function submitEntry(
  db: Database, contest: ContestOfEntry, data: EntryData, uploads: readonly Upload[], ctx: MailContext, confirmEmail = false,
): Promise<SubmitOutcome> {
  const token = newToken();
  const locale = ctx.locale ?? 'en';
  const now = new Date();
  const confirmBy = confirmEmail ? entryConfirmDeadline(contest, now) : null;
  const reference = await withStoredFiles(ctx.dataDir, uploads, (keys) => db.transaction().execute(async (trx) => {
    const ref = await nextReference(trx, contest);
    // Pending entries past their time are released first.
    await releaseUnconfirmedEntries(trx, now, contest.id);
    await checkQuotas(trx, contest.id, null, uploads);
    const entry = await trx.insertInto('entries').values({
      contest_id: contest.id, category_id: data.category_id, reference: ref, title: data.title, applicant_name: data.applicant_name,
      applicant_type: data.applicant_type, side: data.side, summary: data.summary, details: JSON.stringify(data.details),
      contact_email: data.contact_email, token_hash: hashToken(token), status: 'submitted', language: locale, confirm_by: confirmBy,
    }).returning('id').executeTakeFirstOrThrow();
    await insertAttachments(trx, entry.id, uploads, keys);
    if (!confirmBy) await emitWebhook(trx, 'entry.submitted', entry.id);
    const link = `${ctx.baseUrl}/entries/${token}`;
    const facts = { reference: ref, title: data.title, contact_email: data.contact_email, applicant_name: data.applicant_name };
    const mail = confirmBy
      ? confirmMail(contest, facts, link, confirmBy, locale) : await receivedMail(trx, contest, facts, link, locale);
    await queueMail(trx, mail, ctx.domain);
    return ref;
  }));
  return confirmBy ? { kind: 'pending', reference } : { kind: 'submitted', token, reference };
}

/**
 * The entrant confirms their email address from the private link: the pending entry counts (and
 * goes to the judges) from now on, and the usual "received" mail follows. Confirming twice is
 * harmless; an entry withdrawn for want of confirmation (or past its time, about to be) cannot be confirmed.
 */
export async function confirmEntryEmail(
  db: Database, token: string, ctx: { baseUrl: string; domain: string }, now = new Date(),
): Promise<'confirmed' | 'already_confirmed'> {
  return db.transaction().execute(async (trx) => {
    const entry = await trx.selectFrom('entries').where('token_hash', '=', hashToken(token))
      .select(['id', 'contest_id', 'reference', 'title', 'contact_email', 'applicant_name', 'status', 'confirm_by', 'language'])
      .forUpdate().executeTakeFirst();
    if (!entry) throw Refusal.notFound('participant.entry.errors.notFound');
    const state = confirmationState({ confirm_by: entry.confirm_by, live: entry.status !== 'withdrawn' }, now);
    if (state === 'done') return 'already_confirmed';
    if (state === 'too_late') throw Refusal.conflict('participant.entry.errors.confirmTooLate');
    await trx.updateTable('entries').set({ confirm_by: null, updated_at: now }).where('id', '=', entry.id).execute();
    await emitWebhook(trx, 'entry.submitted', entry.id);
    const contest = await trx.selectFrom('contests').select(['id', 'title', 'item_id']).where('id', '=', entry.contest_id)
      .executeTakeFirstOrThrow();
    await recordAudit(trx, null, 'confirm_email', 'entry', entry.id, { confirm_by: { from: entry.confirm_by, to: null } },
      contest.item_id);
    const mail = await receivedMail(trx, contest, entry, `${ctx.baseUrl}/entries/${token}`, localeOf(entry.language));
    await queueMail(trx, mail, ctx.domain);
    return 'confirmed';
  });
}

/**
 * Withdraws pending entries past their confirm_by (of one contest, or of all), in the caller's
 * transaction, each audited; each keeps its confirm_by (it never counted) and its reference, which
 * is not given out again. Rows another instance is releasing are skipped (SKIP LOCKED). Returns
 * how many were released.
 */
export async function releaseUnconfirmedEntries(trx: Executor, now: Date, contestId?: number, limit = 100): Promise<number> {
  const expired = await trx.selectFrom('entries as e')
    .innerJoin('contests as c', 'c.id', 'e.contest_id')
    .where('e.confirm_by', 'is not', null)
    .where('e.confirm_by', '<=', now)
    .where('e.status', '<>', 'withdrawn')
    .$if(contestId !== undefined, (q) => q.where('e.contest_id', '=', contestId ?? 0))
    .select(['e.id', 'e.status', 'c.item_id'])
    .orderBy('e.id')
    .limit(limit)
    .forUpdate('e')
    .skipLocked()
    .execute();
  for (const entry of expired) {
    await trx.updateTable('entries').set({ status: 'withdrawn', updated_at: now }).where('id', '=', entry.id).execute();
    await recordAudit(trx, null, 'release_unconfirmed', 'entry', entry.id, { status: { from: entry.status, to: 'withdrawn' } },
      entry.item_id);
  }
  return expired.length;
}

/** The background sweep: releases expired pending entries of every contest, a batch at a time. */
export async function sweepUnconfirmedEntries(db: Database, now = new Date()): Promise<number> {
  return db.transaction().execute((trx) => releaseUnconfirmedEntries(trx, now));
}

export async function updateEntry(
  db: Database, entry: { id: number; item_id: number; contest_id: number }, data: EntryData, uploads: readonly Upload[],
  removeIds: readonly number[], dataDir: string,
) {
  const removedKeys = await withStoredFiles(dataDir, uploads, (keys) => db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('entries')
      .select(['title', 'applicant_name', 'applicant_type', 'side', 'category_id', 'summary', 'contact_email', 'details'])
      .where('id', '=', entry.id).forUpdate().executeTakeFirstOrThrow();
    const after = { ...data, details: data.details };
    const diff = changedFields(before as unknown as Record<string, unknown>, after as unknown as Record<string, unknown>);
    await trx.updateTable('entries').set({ ...data, details: JSON.stringify(data.details), updated_at: new Date() })
      .where('id', '=', entry.id).execute();
    const removed = removeIds.length
      ? await trx.deleteFrom('entry_attachments').where('entry_id', '=', entry.id).where('id', 'in', removeIds)
          .returning(['storage_key', 'clean_storage_key', 'filename']).execute()
      : [];
    if (uploads.length) await trx.selectFrom('contests').select('id').where('id', '=', entry.contest_id).forUpdate().execute();
    await checkQuotas(trx, entry.contest_id, entry.id, uploads);
    await insertAttachments(trx, entry.id, uploads, keys);
    if (uploads.length) diff.attachments_added = { from: null, to: uploads.map((u) => u.filename) };
    if (removed.length) diff.attachments_removed = { from: removed.map((r) => r.filename), to: null };
    if (Object.keys(diff).length) await recordAudit(trx, null, 'entrant_update', 'entry', entry.id, diff, entry.item_id);
    return removed.flatMap((r) => (r.clean_storage_key ? [r.storage_key, r.clean_storage_key] : [r.storage_key]));
  }));
  await discardAttachmentFiles(dataDir, removedKeys);
}
