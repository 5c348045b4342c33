import type { Executor } from '../../db/index.ts';

/** Whose a template is: exactly one event, programme or contest. */
export type MailOwner = { eventId: number } | { programmeId: number } | { contestId: number };

export type TemplateRow = { kind: string; language: string; subject: string; body: string };

const ownerColumn = (owner: MailOwner) =>
  ('eventId' in owner ? ['event_id', owner.eventId] as const
  : 'programmeId' in owner ? ['programme_id', owner.programmeId] as const
  : ['contest_id', owner.contestId] as const);

/** An owner's stored wordings: of one kind, or of all. */
export async function storedTemplates(db: Executor, owner: MailOwner, kind?: string): Promise<TemplateRow[]> {
  const [column, id] = ownerColumn(owner);
  let query = db.selectFrom('mail_templates').select(['kind', 'language', 'subject', 'body']).where(column, '=', id);
  if (kind !== undefined) query = query.where('kind', '=', kind);
  return query.orderBy('kind').orderBy('language').execute();
}

/** Sets one language's wording of a kind (null: back to the default). */
export async function putTemplate(
  db: Executor, owner: MailOwner, kind: string, language: string, texts: { subject: string; body: string } | null, userId: number,
) {
  const [column, id] = ownerColumn(owner);
  await db.deleteFrom('mail_templates').where(column, '=', id).where('kind', '=', kind).where('language', '=', language).execute();
  if (!texts) return;
  await db.insertInto('mail_templates').values({
    [column]: id, kind, language, subject: texts.subject, body: texts.body, updated_by: userId, updated_at: new Date(),
  }).execute();
}

/** Every language's wording of a kind back to the default; how many rows went. */
export async function removeTemplates(db: Executor, owner: MailOwner, kind: string): Promise<number> {
  const [column, id] = ownerColumn(owner);
  const removed = await db.deleteFrom('mail_templates').where(column, '=', id).where('kind', '=', kind).executeTakeFirst();
  return Number(removed.numDeletedRows);
}
