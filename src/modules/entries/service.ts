import { sql } from 'kysely';
import type { Database, Executor } from '../../db/index.ts';
import { Refusal } from '../../lib/errors.ts';
import { type Locale, message, translator } from '../../lib/i18n.ts';
import { discardAttachmentFiles, storeReceivedFile } from '../../lib/pdf-files.ts';
import { hashToken, newToken } from '../../lib/tokens.ts';
import { changedFields, recordAudit } from '../audit/service.ts';
import { queueMail } from '../mail/outbox.ts';
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

/**
 * A new entry with its files, and its confirmation mail carrying the private manage link. The
 * entry keeps the language it was made in; the mail is written in it.
 */
export async function submitEntry(
  db: Database, contest: { id: number; slug: string; title: string; item_id: number }, data: EntryData, uploads: readonly Upload[],
  ctx: MailContext,
) {
  const token = newToken();
  const locale = ctx.locale ?? 'en';
  const t = translator(locale);
  const reference = await withStoredFiles(ctx.dataDir, uploads, (keys) => db.transaction().execute(async (trx) => {
    const ref = await nextReference(trx, contest);
    await checkQuotas(trx, contest.id, null, uploads);
    const entry = await trx.insertInto('entries').values({
      contest_id: contest.id, category_id: data.category_id, reference: ref, title: data.title, applicant_name: data.applicant_name,
      applicant_type: data.applicant_type, side: data.side, summary: data.summary, details: JSON.stringify(data.details),
      contact_email: data.contact_email, token_hash: hashToken(token), status: 'submitted', language: locale,
    }).returning('id').executeTakeFirstOrThrow();
    await insertAttachments(trx, entry.id, uploads, keys);
    const link = `${ctx.baseUrl}/entries/${token}`;
    await queueMail(trx, {
      to: data.contact_email,
      subject: t('participant.mail.entry.subject', { reference: ref, contest: contest.title }),
      text: `${t('participant.mail.entry.received', { title: data.title, contest: contest.title, reference: ref })}\n\n`
        + `${t('participant.mail.entry.link')}\n${link}\n\n`
        + `${t('participant.mail.entry.keep')}\n`,
      itemId: contest.item_id,
    }, ctx.domain);
    return ref;
  }));
  return { token, reference };
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
