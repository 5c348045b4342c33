import type { Database } from '../../db/index.ts';
import { Refusal } from '../../lib/errors.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import type { ScopedEvent } from '../events/queries.ts';
import { type BadgeLayout, type BadgeText, renderBadges } from './badges.ts';
import { type BadgeFilter, badgePeople, isBadgePerson, markPrinted } from './badges-queries.ts';

export type BadgeRequest = { layout: BadgeLayout; filter: BadgeFilter };

/**
 * The badges a request asks for, as a PDF. Printing (`record`) marks each person's badge as
 * printed, with an audit entry, in one transaction after the file is drawn: a preview marks nothing.
 */
export async function badgesPdf(
  db: Database, user: CurrentUser, event: ScopedEvent, request: BadgeRequest, text: BadgeText, record: boolean,
): Promise<Buffer> {
  const { filter, layout } = request;
  if (filter.kind === 'person' && !(await isBadgePerson(db, event.id, filter.registrationId))) {
    throw Refusal.form({ person: 'badges.errors.person' });
  }
  const people = await badgePeople(db, event.id, filter);
  if (people.length === 0) throw Refusal.conflict('badges.errors.nobody');
  const pdf = await renderBadges(people, layout, text, event.title);
  if (record) {
    const at = new Date();
    await db.transaction().execute(async (trx) => {
      await markPrinted(trx, event.id, people.map((p) => p.id), at);
      await recordAudit(trx, user.id, 'badges.print', 'event', event.id, {
        layout, filter: filter.kind, count: people.length, ...(filter.kind === 'person' ? { registration_id: filter.registrationId } : {}),
      }, event.item_id);
    });
  }
  return pdf;
}
