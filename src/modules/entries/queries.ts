import type { Executor } from '../../db/index.ts';

/** An entry by the hash of its manage-link token, with what the page needs of its contest. */
export async function entryByToken(db: Executor, tokenHash: string) {
  return db
    .selectFrom('entries as e')
    .innerJoin('contests as c', 'c.id', 'e.contest_id')
    .leftJoin('contest_categories as cat', 'cat.id', 'e.category_id')
    .where('e.token_hash', '=', tokenHash)
    .select([
      'e.id', 'e.reference', 'e.title', 'e.applicant_name', 'e.applicant_type', 'e.side', 'e.summary', 'e.details', 'e.contact_email',
      'e.status', 'e.confirm_by', 'e.created_at', 'e.updated_at', 'e.contest_id', 'cat.code as category_code', 'cat.name as category_name',
      'c.slug as contest_slug', 'c.title as contest_title', 'c.translations as contest_translations', 'c.kind',
      'c.status as contest_status', 'c.entry_opens_at', 'c.entry_closes_at', 'c.item_id',
    ])
    .executeTakeFirst();
}

export type EntryByToken = NonNullable<Awaited<ReturnType<typeof entryByToken>>>;

export async function entryAttachmentsOf(db: Executor, entryId: number) {
  return db.selectFrom('entry_attachments').select(['id', 'filename', 'size_bytes', 'storage_key', 'created_at'])
    .where('entry_id', '=', entryId).orderBy('id').execute();
}
