import type { Executor } from '../../db/index.ts';
import { message, verbatim } from '../../lib/i18n.ts';
import type { CurrentUser } from '../auth/service.ts';
import { itemInScope } from '../scope/scope.ts';

/** Audit entries about things in the user's scope (admins: everything). */
export async function auditInScope(db: Executor, user: CurrentUser, limit = 200) {
  let q = db
    .selectFrom('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.actor_user_id')
    .select([
      'a.id', 'a.at', 'a.action', 'a.entity', 'a.entity_id', 'a.changes', 'a.item_id', 'u.email as actor_email', 'u.name as actor_name',
    ])
    .orderBy('a.id', 'desc')
    .limit(limit);
  if (user.role !== 'admin') {
    // An organiser sees changes to their items and everything under them, and their own actions.
    q = q.where((eb) => eb.or([
      eb('a.actor_user_id', '=', user.id),
      eb.and([eb('a.item_id', 'is not', null), itemInScope(user, eb.ref('a.item_id'))]),
    ]));
  }
  return q.execute();
}

/** Messages about the user's items (admins: every message, account mail included). */
function scopedOutbox(db: Executor, user: CurrentUser) {
  const q = db
    .selectFrom('mail_outbox as m')
    .select(['m.id', 'm.to_address', 'm.subject', 'm.status', 'm.attempts', 'm.last_error', 'm.created_at', 'm.sent_at', 'm.item_id']);
  return user.role === 'admin' ? q : q.where('m.item_id', 'is not', null).where((eb) => itemInScope(user, eb.ref('m.item_id')));
}

export async function outboxInScope(db: Executor, user: CurrentUser, limit = 200) {
  return scopedOutbox(db, user).orderBy('m.id', 'desc').limit(limit).execute();
}

export async function scopedOutboxMessage(db: Executor, user: CurrentUser, id: number) {
  return scopedOutbox(db, user).where('m.id', '=', id).executeTakeFirst();
}

export async function figuresWithHistory(db: Executor, itemId: number) {
  const [figures, history] = await Promise.all([
    db.selectFrom('figures as f').leftJoin('users as u', 'u.id', 'f.recorded_by').where('f.item_id', '=', itemId)
      .select(['f.key', 'f.label', 'f.value', 'f.unit', 'f.recorded_at', 'u.email as recorded_by']).orderBy('f.key').execute(),
    db.selectFrom('audit_log as a').leftJoin('users as u', 'u.id', 'a.actor_user_id')
      .where('a.item_id', '=', itemId).where('a.entity', '=', 'figure')
      .select(['a.at', 'a.action', 'a.entity_id as key', 'a.changes', 'u.email as actor']).orderBy('a.id', 'desc').limit(50).execute(),
  ]);
  return { figures, history };
}

/** The placeholders an item's narrative can use (its events, programmes, contests and figures), each with what it counts. */
export async function placeholderChoices(db: Executor, itemId: number) {
  // A narrative names only its item's public objects (src/modules/summary/service.ts): a draft is not offered.
  const [events, programmes, contests, figures] = await Promise.all([
    db.selectFrom('events as e').where('e.item_id', '=', itemId).where('e.status', '<>', 'draft')
      .select((eb) => ['e.slug', 'e.title',
        eb.exists(eb.selectFrom('surveys as s').whereRef('s.event_id', '=', 'e.id').select('s.event_id')).as('has_survey')])
      .orderBy('e.starts_at').execute(),
    db.selectFrom('programmes').where('item_id', '=', itemId).where('status', '<>', 'draft')
      .select(['slug', 'title']).orderBy('starts_on').execute(),
    db.selectFrom('contests').where('item_id', '=', itemId).where('status', '<>', 'draft')
      .select(['slug', 'title']).orderBy('id').execute(),
    db.selectFrom('figures').where('item_id', '=', itemId).select(['key', 'label', 'unit']).orderBy('key').execute(),
  ]);
  return [
    ...events.flatMap((e) => [
      { code: `{{attendance ${e.slug} | about}}`, label: message('manage.item.choice.attendance', { title: e.title }) },
      { code: `{{registrations ${e.slug}}}`, label: message('manage.item.choice.registrations', { title: e.title }) },
      ...(e.has_survey ? [
        { code: `{{survey-satisfied ${e.slug}}}`, label: message('surveys.choice.satisfied', { title: e.title }) },
        { code: `{{survey-responses ${e.slug}}}`, label: message('surveys.choice.responses', { title: e.title }) },
        { code: `{{survey-average ${e.slug}}}`, label: message('surveys.choice.average', { title: e.title }) },
      ] : []),
    ]),
    ...programmes.flatMap((p) => [
      { code: `{{delegations ${p.slug} | words}}`, label: message('manage.item.choice.delegations', { title: p.title }) },
      { code: `{{members ${p.slug}}}`, label: message('manage.item.choice.members', { title: p.title }) },
      { code: `{{visits ${p.slug}}}`, label: message('manage.item.choice.visits', { title: p.title }) },
      { code: `{{hosts ${p.slug} | the}}`, label: message('manage.item.choice.hosts', { title: p.title }) },
    ]),
    ...contests.flatMap((c) => [
      { code: `{{entries ${c.slug}}}`, label: message('manage.item.choice.entries', { title: c.title }) },
      { code: `{{awards ${c.slug} major=yes}}`, label: message('manage.item.choice.awards', { title: c.title }) },
    ]),
    ...figures.map((f) => ({ code: `{{figure ${f.key}${f.unit === 'hkd' ? ' | hkd' : ''}}}`, label: verbatim(f.label) })),
  ];
}
