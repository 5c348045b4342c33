import t from 'tap';
import { jobHandlers } from '../../../src/app.ts';
import { hashToken, newToken } from '../../../src/lib/tokens.ts';
import { dateToZoned } from '../../../src/modules/events/schemas.ts';
import { runDueJobs, scheduleJob } from '../../../src/modules/jobs/jobs.ts';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { reminderKey } from '../../../src/modules/registrations/reminder.ts';
import { ticketCode } from '../../../src/modules/registrations/ticket.ts';
import { signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { startSmtp } from '../../helpers/mail.ts';

/*
 * Scheduled messages: the event form schedules, moves and cancels an event's reminder; the
 * reminder goes once to each confirmed registrant, in their language, with their ticket; a
 * failing job is retried, then failed, shown to its organisers and retried by them.
 */

const inbox = await startSmtp(t);
const { app, db, config } = await build(t, { mailTransport: inbox.transport });
const site = { baseUrl: config.baseUrl, domain: 'ipcoop.test' };
const handlers = jobHandlers(site);
const organiser = await signedIn(app, 'organiser@hkipd.test');
const item = await db.selectFrom('items as i').innerJoin('item_parties as ip', 'ip.item_id', 'i.id')
  .innerJoin('organisations as o', 'o.id', 'ip.organisation_id').where('o.code', '=', 'HKIPD')
  .where('i.id', 'not in', db.selectFrom('item_parties as ip').innerJoin('organisations as o', 'o.id', 'ip.organisation_id')
    .where('o.code', '=', 'HKC&ED').select('ip.item_id'))
  .select('i.id').orderBy('i.id', 'desc').executeTakeFirstOrThrow();

const TITLE = 'Design rights seminar';
const form = (starts: string, ends: string, reminder: string) => ({
  item_id: String(item.id), kind: 'seminar', title: TITLE, slug: 'reminder-seminar', timezone: 'Asia/Hong_Kong',
  starts_at: starts, ends_at: ends, capacity: '10', waitlist_enabled: 'on', reminder_hours: reminder,
});
const jobOf = (eventId: number) => db.selectFrom('jobs').selectAll().where('key', '=', reminderKey(eventId)).executeTakeFirst();
const hours = (n: number) => n * 3600_000;

let eventId = 0;

t.test('the event form schedules, moves and cancels the reminder', async (t) => {
  for (const bad of ['abc', '1000', '-1', '2.5']) {
    const res = await organiser.post('/manage/events/new', form('2031-05-01T09:30', '2031-05-01T12:00', bad));
    t.equal(res.statusCode, 400, `reminder ${bad} refused`);
    t.match(res.body, /id="f-reminder_hours-error">Enter a whole number of hours from 0 to 720./);
  }
  t.notOk(await db.selectFrom('events').select('id').where('slug', '=', 'reminder-seminar').executeTakeFirst(), 'nothing written');

  const page = await organiser.get('/manage/events/new');
  t.match(page.body, /name="reminder_hours"[^>]*value="24"/, 'a day before by default');
  const created = await organiser.post('/manage/events/new', form('2031-05-01T09:30', '2031-05-01T12:00', '48'));
  t.equal(created.statusCode, 303);
  const event = await db.selectFrom('events').select(['id', 'starts_at', 'reminder_hours']).where('slug', '=', 'reminder-seminar')
    .executeTakeFirstOrThrow();
  eventId = event.id;
  t.equal(event.reminder_hours, 48);
  t.notOk(await jobOf(eventId), 'a draft has no reminder');

  t.equal((await organiser.post('/manage/events/reminder-seminar/status', { status: 'published' })).statusCode, 303);
  const scheduled = await jobOf(eventId);
  t.match(scheduled, { kind: 'event-reminder', status: 'pending', item_id: item.id, payload: { eventId } }, 'published: scheduled');
  t.equal(scheduled?.run_at.getTime(), event.starts_at.getTime() - hours(48), '48 hours before the start');

  const moved = await organiser.post('/manage/events/reminder-seminar/edit', form('2031-05-02T09:30', '2031-05-02T12:00', '48'));
  t.equal(moved.statusCode, 303);
  const after = await jobOf(eventId);
  t.equal(after?.id, scheduled?.id, 'the same job');
  t.equal(after?.run_at.toISOString(), new Date(event.starts_at.getTime() + hours(24) - hours(48)).toISOString(), 'moved with the start');
  t.equal(Number((await db.selectFrom('jobs').select((eb) => eb.fn.countAll().as('n')).where('key', '=', reminderKey(eventId))
    .executeTakeFirstOrThrow()).n), 1, 'one row per event');

  await organiser.post('/manage/events/reminder-seminar/edit', form('2031-05-02T09:30', '2031-05-02T12:00', '0'));
  t.equal((await jobOf(eventId))?.status, 'cancelled', '0 hours: no reminder');
  await organiser.post('/manage/events/reminder-seminar/edit', form('2031-05-02T09:30', '2031-05-02T12:00', '24'));
  t.match(await jobOf(eventId), { status: 'pending', run_at: new Date(event.starts_at.getTime()) }, 'back, a day before');

  t.equal((await organiser.post('/manage/events/reminder-seminar/status', { status: 'draft' })).statusCode, 303);
  t.equal((await jobOf(eventId))?.status, 'cancelled', 'back to draft: cancelled');
  await organiser.post('/manage/events/reminder-seminar/status', { status: 'published' });
  t.equal((await jobOf(eventId))?.status, 'pending', 'published again: scheduled again');

  const show = await organiser.get('/manage/events/reminder-seminar');
  t.match(show.body, 'Scheduled messages');
  t.match(show.body, 'Reminder to confirmed registrants');
  t.match(show.body, 'Scheduled</td>');
  const zh = await organiser.get('/manage/events/reminder-seminar?lang=zh-Hant');
  t.match(zh.body, '給已確認登記者的提醒');
});

t.test('the reminder goes once to each confirmed registrant, in their language, with their ticket', async (t) => {
  // The event moved to start in two hours: its reminder, a day before, is due at once.
  const soon = new Date(Date.now() + hours(2));
  const moved = await organiser.post('/manage/events/reminder-seminar/edit',
    form(dateToZoned(soon, 'Asia/Hong_Kong'), dateToZoned(new Date(soon.getTime() + hours(2)), 'Asia/Hong_Kong'), '24'));
  t.equal(moved.statusCode, 303);
  const people = [
    { name: 'Mary Lee', email: 'mary@example.test', language: 'en', status: 'confirmed' as const },
    { name: '陳大文', email: 'chan@example.test', language: 'zh-Hant', status: 'confirmed' as const },
    { name: 'Wai Ting', email: 'waiting@example.test', language: 'en', status: 'waitlisted' as const },
    { name: 'Gone Away', email: 'gone@example.test', language: 'en', status: 'cancelled' as const },
  ];
  const hashes = new Map<string, string>();
  for (const p of people) {
    const tokenHash = hashToken(newToken());
    hashes.set(p.email, tokenHash);
    await db.insertInto('registrations').values({
      ...p, event_id: eventId, side: 'HK', answers: '{}', token_hash: tokenHash, cancelled_at: p.status === 'cancelled' ? new Date() : null,
    }).execute();
  }
  const outbox = await db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  // The organisers reword the reminder in English; Chinese keeps the default wording.
  t.equal((await organiser.post('/manage/events/reminder-seminar/emails/templates/reminder', {
    subject_en: 'Reminder: {{title}} for {{name}}', body_en: 'Hi {{name}},\n\nSee you {{when}}.',
    subject_zh_hant: '', body_zh_hant: '', subject_zh_hans: '', body_zh_hans: '', preview_language: 'en',
  })).statusCode, 303, 'the reminder template saved');

  // Two instances at once: one of them does it.
  const [a, b] = await Promise.all([runDueJobs(db, handlers), runDueJobs(db, handlers)]);
  t.equal(a.done + b.done, 1, 'the job done once between them');
  t.same(await runDueJobs(db, handlers), { done: 0, failed: 0 }, 'nothing left');
  t.match(await jobOf(eventId), { status: 'done', attempts: 1 });
  const queued = await db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  t.equal(Number(queued.n) - Number(outbox.n), 2, 'two reminders queued: the confirmed ones');

  // Saved again unchanged, the event keeps its sent reminder as it is.
  await organiser.post('/manage/events/reminder-seminar/edit',
    form(dateToZoned(soon, 'Asia/Hong_Kong'), dateToZoned(new Date(soon.getTime() + hours(2)), 'Asia/Hong_Kong'), '24'));
  t.equal((await jobOf(eventId))?.status, 'done', 'not sent again');

  inbox.messages.length = 0;
  await deliverDueMail(db, inbox.transport);
  const reminders = inbox.messages.filter((m) => /^(Reminder: |提示：)/.test(m.subject ?? ''));
  const to = (email: string) => reminders.find((m) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address === email);
  t.equal(reminders.length, 2, 'two reminders delivered');
  const english = to('mary@example.test');
  t.equal(english?.subject, `Reminder: ${TITLE} for Mary Lee`, 'the organisers\' subject');
  t.match(english?.text, /^Hi Mary Lee,\n\nSee you \w{3}, \d/, 'the organisers\' text, its fields filled in');
  t.match(english?.text, `${config.baseUrl}/events/reminder-seminar`, 'the event page');
  t.match(english?.text, 'Your QR ticket is attached', 'the ticket note, whatever the wording');
  const html = typeof english?.html === 'string' ? english.html : '';
  t.match(html, 'Hi Mary Lee,</p>', 'as HTML too');
  t.match(html, `href="${config.baseUrl}/events/reminder-seminar"`, 'the event page as a button');
  t.notMatch(english?.text, '/registrations/', 'no private link: its token is not kept');
  const ticket = english?.attachments.find((x) => x.filename === 'ticket.png');
  t.ok(ticket && ticket.content.length > 100 && ticket.contentType === 'image/png', 'the QR ticket attached');
  t.equal(ticket?.cid, 'ticket@ipcoop.test', 'shown inline');
  t.ok(ticketCode(hashes.get('mary@example.test') ?? ''), 'drawn from the registration');
  const chinese = to('chan@example.test');
  t.equal(chinese?.subject, `提示：${TITLE}`, 'in the language registered in, in the default wording');
  t.match(chinese?.text, '陳大文您好');
  t.match(chinese?.text, `謹此提示，${TITLE}即將舉行。`);
  t.ok(chinese?.attachments.some((x) => x.filename === 'ticket.png'));
  t.notOk(to('waiting@example.test'), 'not the waiting list');
  t.notOk(to('gone@example.test'), 'not the cancelled');
});

t.test('cancelling the event cancels a pending reminder', async (t) => {
  const later = await db.insertInto('events').values({
    item_id: item.id, slug: 'reminder-later', kind: 'seminar', title: 'Later', starts_at: new Date(Date.now() + hours(24 * 30)),
    ends_at: new Date(Date.now() + hours(24 * 30 + 2)), status: 'draft',
  }).returning('id').executeTakeFirstOrThrow();
  await organiser.post('/manage/events/reminder-later/status', { status: 'published' });
  t.equal((await jobOf(later.id))?.status, 'pending');
  t.equal((await organiser.post('/manage/events/reminder-later/status', { status: 'cancelled' })).statusCode, 303);
  t.equal((await jobOf(later.id))?.status, 'cancelled');
});

t.test('a failing job is retried with back-off, then failed; its organisers see it and retry it', async (t) => {
  const mailBefore = await db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  const failing = {
    'event-reminder': handlers['event-reminder']!,
    'always-fails': async (trx: Parameters<NonNullable<typeof handlers['event-reminder']>>[0]) => {
      await trx.insertInto('mail_outbox').values({ message_id: '<half@ipcoop.test>', to_address: 'x@example.test', subject: 'x', text_body: 'x' })
        .execute();
      throw new Error('the receiver is not ready');
    },
  };
  const id = await db.transaction().execute((trx) =>
    scheduleJob(trx, { kind: 'always-fails', runAt: new Date(Date.now() - 1000), payload: { eventId }, itemId: item.id }));
  const first = await runDueJobs(db, failing, { retrySeconds: 60 });
  t.same(first, { done: 0, failed: 1 });
  const waiting = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  t.match(waiting, { status: 'pending', attempts: 1, last_error: 'the receiver is not ready' });
  t.ok(waiting.locked_until && waiting.locked_until.getTime() > Date.now() + 50_000, 'the next try waits');
  t.same(await runDueJobs(db, failing), { done: 0, failed: 0 }, 'not due meanwhile');
  for (let n = 2; n <= 5; n++) {
    await db.updateTable('jobs').set({ locked_until: null }).where('id', '=', id).execute();
    await runDueJobs(db, failing);
  }
  t.match(await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow(), { status: 'failed', attempts: 5 });
  const mailAfter = await db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  t.equal(mailAfter.n, mailBefore.n, 'what a failed attempt wrote is undone');

  const page = await organiser.get('/manage/scheduled?lang=en');
  t.equal(page.statusCode, 200);
  t.match(page.body, 'Other (always-fails)');
  t.match(page.body, 'the receiver is not ready');
  t.match(page.body, `action="/manage/scheduled/${id}/retry"`);
  t.match(page.body, TITLE, 'with its event');
  const admin = await signedIn(app, 'admin@ipcoop.test');
  t.match((await admin.get('/manage/scheduled')).body, `/manage/scheduled/${id}/retry`, 'an admin sees every job');
  const outsider = await signedIn(app, 'organiser@customs.test');
  t.notMatch((await outsider.get('/manage/scheduled')).body, `/manage/scheduled/${id}/retry`, 'another organisation does not');
  t.equal((await outsider.post(`/manage/scheduled/${id}/retry`)).statusCode, 404, 'nor may it retry');
  t.equal((await organiser.post('/manage/scheduled/abc/retry')).statusCode, 404);
  t.equal((await db.selectFrom('jobs').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status, 'failed');

  const retried = await organiser.post(`/manage/scheduled/${id}/retry`);
  t.equal(retried.statusCode, 303);
  t.equal(retried.headers.location, '/manage/scheduled');
  t.match(await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow(), { status: 'pending', attempts: 0 });
  t.ok(await db.selectFrom('audit_log').select('id').where('entity', '=', 'job').where('entity_id', '=', String(id))
    .where('action', '=', 'retry').executeTakeFirst(), 'audited');
  t.match((await organiser.get('/manage/scheduled')).body, 'The message will be tried again shortly.');
});
