import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import type { MailingAudience } from '../../db/types.ts';

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Registrations holding a seat (confirmed, or unconfirmed while their email address is not yet
 * confirmed) matching a name, email or organisation, for the check-in desk.
 */
export async function searchDesk(db: Executor, eventId: number, query: string, limit = 50) {
  let q = db
    .selectFrom('registrations')
    .where('event_id', '=', eventId)
    .where('status', 'in', ['confirmed', 'unconfirmed'])
    .select(['id', 'name', 'email', 'organisation', 'side', 'status', 'checked_in_at'])
    .orderBy('name')
    .orderBy('id')
    .limit(limit);
  if (query) {
    const pattern = `%${escapeLike(query.replace(/\u0000/g, ''))}%`;
    q = q.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('email', 'ilike', pattern), eb('organisation', 'ilike', pattern)]));
  }
  return q.execute();
}

export type AttendanceRow = {
  id: number; name: string; email: string; organisation: string; side: string; status: string;
  answers: Record<string, string | boolean>; created_at: Date; checked_in_at: Date | null;
};

/**
 * Every live registration of an event in pages of `batch`, by keyset (never OFFSET), so an
 * export of any size holds one page in memory at a time. Confirmed first, then the waiting list.
 */
export async function* attendanceRows(
  db: Executor, eventId: number, options: { confirmedOnly?: boolean; batch?: number } = {},
): AsyncGenerator<AttendanceRow> {
  const batch = options.batch ?? 1000;
  const statuses = options.confirmedOnly ? ['confirmed'] as const : ['confirmed', 'waitlisted'] as const;
  for (const status of statuses) {
    let after = 0;
    for (;;) {
      const rows = await db
        .selectFrom('registrations')
        .where('event_id', '=', eventId)
        .where('status', '=', status)
        // A place on the waiting list whose email address is not yet confirmed is not listed.
        .where('confirm_by', 'is', null)
        .where('id', '>', after)
        .select(['id', 'name', 'email', 'organisation', 'side', 'status', 'answers', 'created_at', 'checked_in_at'])
        .orderBy('id')
        .limit(batch)
        .execute();
      yield* rows;
      const last = rows.at(-1);
      if (!last || rows.length < batch) break;
      after = last.id;
    }
  }
}

export async function audienceOf(db: Executor, eventId: number, audience: MailingAudience) {
  // Organisers' messages go only to confirmed addresses (events.confirm_email).
  let q = db.selectFrom('registrations').where('event_id', '=', eventId).where('confirm_by', 'is', null)
    .select(['name', 'email', 'language']).orderBy('id');
  if (audience === 'all') q = q.where('status', '<>', 'cancelled');
  else if (audience === 'attended') q = q.where('checked_in_at', 'is not', null);
  else q = q.where('status', '=', audience);
  return q.execute();
}

export async function mailingsOf(db: Executor, eventId: number) {
  return db
    .selectFrom('event_mailings as m')
    .where('m.event_id', '=', eventId)
    .select([
      'm.id', 'm.audience', 'm.subject', 'm.created_at',
      sql<number>`jsonb_array_length(m.message_ids)`.as('total'),
      sql<number>`(select count(*) from mail_outbox o
        where o.message_id in (select jsonb_array_elements_text(m.message_ids)) and o.status = 'sent')::int`.as('sent'),
      sql<number>`(select count(*) from mail_outbox o
        where o.message_id in (select jsonb_array_elements_text(m.message_ids)) and o.status = 'failed')::int`.as('failed'),
    ])
    .orderBy('m.id', 'desc')
    .execute();
}
