import type { ParsedMail } from 'mailparser';
import t from 'tap';
import type { RegistrationMode } from '../../../src/db/types.ts';
import { hashToken } from '../../../src/lib/tokens.ts';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { jobHandlers } from '../../../src/app.ts';
import { runDueJobs } from '../../../src/modules/jobs/jobs.ts';
import { INVITATION_REMINDER_LEAD_HOURS, remindInvitees } from '../../../src/modules/registrations/invitations.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { startSmtp } from '../../helpers/mail.ts';

/*
 * Registration modes (issue 18, item 3). Approval: a registration waits, holding no place, until
 * an organiser approves (a place, or the waiting list when full) or declines it, one by one or
 * in bulk, the person mailed each time in their language. Invitation only: invitees typed in or
 * imported get a personal single-use link; the public form refuses everyone else; the link
 * opens a form with the address fixed, registers or declines once, then shows what happened;
 * reminders reach only those who have not answered, once a round, in their language.
 */

const inbox = await startSmtp(t);
const { app, db } = await build(t, { mailTransport: inbox.transport });
const site = { baseUrl: 'http://ipcoop.test', domain: app.mail.domain };
const organiser = await signedIn(app, 'organiser@hkipd.test');
const sample = await db.selectFrom('events').select(['item_id', 'starts_at', 'ends_at']).where('slug', 'like', 'sme-seminar-20__-__')
  .where('status', '=', 'published').where('starts_at', '>', new Date()).executeTakeFirstOrThrow();

let made = 0;
/** A published event of the owner's item, in the given mode, with no questions. */
async function event(mode: RegistrationMode, capacity: number | null, waitlist = true) {
  made++;
  return db.insertInto('events').values({
    item_id: sample.item_id, slug: `modes-${mode}-${made}`, kind: 'seminar', title: `Modes ${mode} ${made}`, starts_at: sample.starts_at,
    ends_at: sample.ends_at, capacity, waitlist_enabled: waitlist, status: 'published', registration_mode: mode, venue: 'HKCEC',
  }).returning(['id', 'slug']).executeTakeFirstOrThrow();
}

const person = (email: string, extra: Record<string, string> = {}) => ({
  name: 'Chan Tai-man', email, organisation: 'HKPC', side: 'HK', consent: 'on', ...extra,
});
const registration = (email: string, eventId: number) => db.selectFrom('registrations').selectAll().where('email', '=', email)
  .where('event_id', '=', eventId).executeTakeFirstOrThrow();
const seats = async (id: number) => (await db.selectFrom('events').select('confirmed_count').where('id', '=', id)
  .executeTakeFirstOrThrow()).confirmed_count;
const invitation = (email: string, eventId: number) => db.selectFrom('event_invitations').selectAll().where('email', '=', email)
  .where('event_id', '=', eventId).executeTakeFirstOrThrow();

/** Sends what is due over SMTP; the messages each address received since the last call. */
async function delivered(): Promise<Map<string, ParsedMail[]>> {
  const from = inbox.messages.length;
  await deliverDueMail(db, inbox.transport);
  const out = new Map<string, ParsedMail[]>();
  for (const m of inbox.messages.slice(from)) {
    const to = m.to && 'text' in m.to ? m.to.text : '';
    out.set(to, [...(out.get(to) ?? []), m]);
  }
  return out;
}
const linkIn = (text: string | undefined, path: string) => new RegExp(`http://ipcoop\\.test(${path}/[A-Za-z0-9_-]{43})`).exec(text ?? '')?.[1] ?? '';

t.test('approval: a registration waits holding no place; approved it takes one, or the waiting list; declined, it ends', async (t) => {
  const ev = await event('approval', 1);
  const visitor = new Agent(app);
  const page = await visitor.get(`/events/${ev.slug}`);
  t.match(page.body, 'The organisers approve each registration. Waiting for approval holds no place', 'the form says how approval works');

  const res = await visitor.post(`/events/${ev.slug}/register`, person('first@approval.test'));
  t.equal(res.statusCode, 303);
  const manage = String(res.headers.location);
  t.match(manage, /^\/registrations\/[A-Za-z0-9_-]{43}$/);
  const waiting = await registration('first@approval.test', ev.id);
  t.equal(waiting.status, 'awaiting');
  t.equal(await seats(ev.id), 0, 'waiting holds no place');
  const shown = await visitor.get(manage);
  t.equal(shown.headers['cache-control'], 'no-store');
  t.match(shown.body, 'Awaiting approval');
  t.notMatch(shown.body, 'ticket.png', 'no ticket while waiting');
  const received = (await delivered()).get('first@approval.test');
  t.match(received?.[0]?.subject, 'Registration received, awaiting approval');
  t.match(received?.[0]?.text, `http://ipcoop.test${manage}`);

  await visitor.post(`/events/${ev.slug}/register`, person('second@approval.test'));
  await new Agent(app).post(`/events/${ev.slug}/register?lang=zh-Hant`, person('third@approval.test'));
  const third = await registration('third@approval.test', ev.id);
  t.equal(third.language, 'zh-Hant');
  await delivered();

  // Approved: the one place.
  const list = `/manage/events/${ev.slug}/registrations`;
  const one = await organiser.get(`${list}/${waiting.id}`);
  t.match(one.body, `action="${list}/${waiting.id}/approve"`);
  const approved = await organiser.post(`${list}/${waiting.id}/approve`);
  t.equal(approved.statusCode, 303);
  t.match((await organiser.get(String(approved.headers.location))).body, 'Approved: the person has a place and has been emailed.');
  const confirmed = await registration('first@approval.test', ev.id);
  t.equal(confirmed.status, 'confirmed');
  t.equal(await seats(ev.id), 1);
  t.not(confirmed.token_hash, waiting.token_hash, 'a new link comes with the decision');
  const mail = (await delivered()).get('first@approval.test')?.[0];
  t.match(mail?.subject, 'Your registration is accepted');
  t.match(mail?.text, 'Your place is confirmed.');
  t.ok(mail?.attachments.some((a) => a.filename === 'ticket.png'), 'with the ticket');
  const newLink = linkIn(mail?.text, '/registrations');
  t.equal(hashToken(newLink.split('/').pop() ?? ''), confirmed.token_hash);
  const audit = await db.selectFrom('audit_log').select(['action', 'changes']).where('entity', '=', 'registration')
    .where('entity_id', '=', String(waiting.id)).execute();
  t.same(audit.map((a) => a.action), ['approve']);
  t.equal((await organiser.post(`${list}/${waiting.id}/approve`)).statusCode, 409, 'approving twice is refused');

  // Bulk: the second is approved onto the waiting list (full); the third is declined, in Chinese.
  const second = await registration('second@approval.test', ev.id);
  const bulk = await organiser.post(`${list}/bulk`, { action: 'approve', ids: [String(second.id), String(confirmed.id)] });
  t.equal(bulk.statusCode, 303);
  t.equal((await registration('second@approval.test', ev.id)).status, 'waitlisted', 'full: approved onto the waiting list');
  t.equal(await seats(ev.id), 1);
  const bulkDecline = await organiser.post(`${list}/bulk`, { action: 'decline', ids: String(third.id), reason: '名額有限' });
  t.equal(bulkDecline.statusCode, 303);
  const declined = await registration('third@approval.test', ev.id);
  t.equal(declined.status, 'cancelled');
  t.ok(declined.declined_at);
  t.equal(declined.cancel_reason, '名額有限');
  const mails = await delivered();
  t.match(mails.get('second@approval.test')?.[0]?.text, 'you are on the waiting list');
  const declineMail = mails.get('third@approval.test')?.[0];
  t.match(declineMail?.subject, '你的登記未獲接納', 'in the language of the registration');
  t.match(declineMail?.text, '\n\n名額有限\n', 'with the reason given');

  // A single decline from the registration's page.
  await visitor.post(`/events/${ev.slug}/register`, person('fourth@approval.test'));
  const fourth = await registration('fourth@approval.test', ev.id);
  const declineOne = await organiser.post(`${list}/${fourth.id}/decline`, { reason: '' });
  t.equal(declineOne.statusCode, 303);
  t.equal((await registration('fourth@approval.test', ev.id)).status, 'cancelled');
  const fourthMails = (await delivered()).get('fourth@approval.test') ?? [];
  t.match(fourthMails.at(-1)?.subject, 'Your registration was not accepted');
  const fourthPage = await visitor.get(linkIn(fourthMails[0]?.text, '/registrations'));
  t.match(fourthPage.body, 'Your registration was declined');

  // Full with no waiting list: nothing to approve into.
  const small = await event('approval', 1, false);
  await db.updateTable('events').set({ confirmed_count: 1 }).where('id', '=', small.id).execute();
  const refused = await new Agent(app).post(`/events/${small.slug}/register`, person('none@approval.test'));
  t.equal(refused.statusCode, 409, 'a full event without a waiting list takes no registration');

  const intruder = await signedIn(app, 'organiser@customs.test');
  t.equal((await intruder.post(`${list}/${second.id}/decline`, {})).statusCode, 404, 'another organisation\'s event is not found');
});

t.test('invitation only: invited by form and by import, the link opens, registers once, declines; others are refused', async (t) => {
  const ev = await event('invitation', 10);
  const base = `/manage/events/${ev.slug}`;

  // The public form refuses an address nobody invited.
  const stranger = new Agent(app);
  const page = await stranger.get(`/events/${ev.slug}`);
  t.match(page.body, 'Registration for this event is by invitation only.');
  t.notMatch(page.body, `action="/events/${ev.slug}/register"`);
  const refused = await stranger.post(`/events/${ev.slug}/register`, person('stranger@invite.test'));
  t.equal(refused.statusCode, 403);
  t.match(refused.body, 'Only the people invited can register for this event');
  t.notOk(await db.selectFrom('registrations').select('id').where('event_id', '=', ev.id).executeTakeFirst(), 'nothing stored');

  // One typed in, in Simplified Chinese.
  const form = await organiser.get(`${base}/invitations`);
  t.equal(form.statusCode, 200);
  t.equal(form.headers['cache-control'], 'no-store');
  const added = await organiser.post(`${base}/invitations`, {
    name: '李明', email: 'Li.Ming@Invite.test', organisation: 'GDIPC', side: 'GD', language: 'zh-Hans',
  });
  t.equal(added.statusCode, 303);
  const li = await invitation('li.ming@invite.test', ev.id);
  t.equal(li.status, 'invited');
  t.equal(li.language, 'zh-Hans');
  const again = await organiser.post(`${base}/invitations`, { name: '李明', email: 'li.ming@invite.test', side: 'GD', language: 'en' });
  t.equal(again.statusCode, 400);
  t.match(again.body, 'This address has been invited already.');

  // A list imported: the same upload, preview and confirm.
  const csv = 'name,email,organisation,side\nChan Tai-man,chan@invite.test,HKPC,HK\nWong Siu-ming,wong@invite.test,HKIPD,HK\n'
    + '李明,li.ming@invite.test,GDIPC,GD\n';
  const file = { name: 'file', filename: 'invitees.csv', content: Buffer.from(csv), type: 'text/csv' };
  t.match((await organiser.get(base)).body, `href="${base}/invitations"`, 'the event\'s page leads to its invitations');
  const importPage = await organiser.get(`${base}/import`);
  t.match(importPage.body, 'This event is invitation only: the people of the list are invited, not registered.');
  const preview = await organiser.postFile(`${base}/import`, { notify: 'on' }, file);
  t.equal(preview.statusCode, 200);
  t.match(preview.body, 'invitees.csv: 2 people to invite.');
  t.match(preview.body, '1 already invited or registered');
  const id = /name="import" value="([0-9a-f-]{36})"/.exec(preview.body)?.[1] ?? '';
  const confirmed = await organiser.post(`${base}/import/confirm`, { import: id, language: 'en' });
  t.equal(confirmed.statusCode, 303);
  t.equal(confirmed.headers.location, `${base}/invitations`);
  const afterImport = await organiser.get(`${base}/invitations`);
  // The one invited already was set aside by the preview; none came since.
  t.match(afterImport.body, 'Invited: 2; 0 already invited or registered.');
  t.equal((await db.selectFrom('event_invitations').select('id').where('event_id', '=', ev.id).execute()).length, 3);
  t.equal((await db.selectFrom('registrations').select('id').where('event_id', '=', ev.id).execute()).length, 0, 'nobody registered');
  // The same file twice changes nothing.
  const preview2 = await organiser.postFile(`${base}/import`, { notify: 'on' }, file);
  t.match(preview2.body, '3 already invited or registered');
  t.equal((await organiser.post(`${base}/import/confirm`, { import: id, language: 'en' })).statusCode, 303);
  t.equal((await db.selectFrom('event_invitations').select('id').where('event_id', '=', ev.id).execute()).length, 3);

  const mails = await delivered();
  const liMail = mails.get('li.ming@invite.test')?.[0];
  t.match(liMail?.subject, '诚邀参加', 'in the invitee\'s language');
  const chanMail = mails.get('chan@invite.test')?.[0];
  t.match(chanMail?.subject, 'You are invited');
  t.ok(mails.get('wong@invite.test'));
  t.equal(mails.get('li.ming@invite.test')?.length, 1, 'one invitation each');
  const stored = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', 'chan@invite.test').executeTakeFirstOrThrow();
  t.notMatch(stored.text_body, /event-invitations\/[A-Za-z0-9_-]{43}/, 'the token is not kept in the stored mail');

  // The link opens a form with the address fixed.
  const chanLink = linkIn(chanMail?.text, '/event-invitations');
  t.ok(chanLink);
  t.equal(hashToken(chanLink.split('/').pop() ?? ''), (await invitation('chan@invite.test', ev.id)).token_hash);
  const chan = new Agent(app);
  const opened = await chan.get(chanLink);
  t.equal(opened.statusCode, 200);
  t.equal(opened.headers['cache-control'], 'no-store');
  t.match(opened.body, 'chan@invite.test');
  t.notMatch(opened.body, 'name="email"', 'the address cannot be changed');
  t.match(opened.body, 'value="Chan Tai-man"', 'prefilled');
  t.equal((await invitation('chan@invite.test', ev.id)).status, 'opened');

  const registered = await chan.post(`${chanLink}/register`, { ...person('someone.else@invite.test'), name: 'Chan Tai-man' });
  t.equal(registered.statusCode, 303);
  t.match(String(registered.headers.location), /^\/registrations\//);
  const reg = await registration('chan@invite.test', ev.id);
  t.equal(reg.status, 'confirmed', 'registered with the invited address, whatever the form sent');
  const chanInvitation = await invitation('chan@invite.test', ev.id);
  t.equal(chanInvitation.status, 'registered');
  t.equal(chanInvitation.registration_id, reg.id);
  t.equal(await seats(ev.id), 1);
  t.match((await delivered()).get('chan@invite.test')?.[0]?.subject, 'Your place is confirmed');

  // Single use: the link now shows what happened, and registers nobody again.
  const used = await chan.get(chanLink);
  t.match(used.body, 'You have registered');
  t.notMatch(used.body, `action="${chanLink}/register"`);
  const twice = await chan.post(`${chanLink}/register`, person('chan@invite.test'));
  t.equal(twice.statusCode, 409);
  t.equal((await db.selectFrom('registrations').select('id').where('event_id', '=', ev.id).execute()).length, 1);

  // Another declines.
  const wongLink = linkIn(mails.get('wong@invite.test')?.[0]?.text, '/event-invitations');
  const wong = new Agent(app);
  await wong.get(wongLink);
  const declined = await wong.post(`${wongLink}/decline`);
  t.equal(declined.statusCode, 303);
  t.equal((await invitation('wong@invite.test', ev.id)).status, 'declined');
  t.match((await wong.get(wongLink)).body, 'You declined this invitation');
  t.equal((await wong.post(`${wongLink}/register`, person('wong@invite.test'))).statusCode, 409, 'a declined invitation registers nobody');

  // The organisers' list counts each status.
  const counts = await organiser.get(`${base}/invitations`);
  t.match(counts.body, /<dt>Invited<\/dt><dd>1<\/dd>/);
  t.match(counts.body, /<dt>Opened<\/dt><dd>0<\/dd>/);
  t.match(counts.body, /<dt>Registered<\/dt><dd>1<\/dd>/);
  t.match(counts.body, /<dt>Declined<\/dt><dd>1<\/dd>/);

  // A reminder reaches only the one who has not answered, in their language, once a round.
  const reminded = await organiser.post(`${base}/invitations/remind`);
  t.equal(reminded.statusCode, 303);
  t.match((await organiser.get(`${base}/invitations`)).body, 'Reminders sent: 1.');
  const reminders = await delivered();
  t.same([...reminders.keys()], ['li.ming@invite.test']);
  t.match(reminders.get('li.ming@invite.test')?.[0]?.subject, /^提醒：诚邀参加/, 'the invitation, marked as a reminder');
  t.match(reminders.get('li.ming@invite.test')?.[0]?.text, '上方的链接取代我们之前发出的链接');
  const newLink = linkIn(reminders.get('li.ming@invite.test')?.[0]?.text, '/event-invitations');
  t.equal((await new Agent(app).get(newLink)).statusCode, 200, 'the new link works');
  const clicked = await organiser.post(`${base}/invitations/remind`);
  t.equal(clicked.statusCode, 303);
  t.equal((await delivered()).size, 0, 'a second click in the same round reminds nobody');
  const remindAudit = await db.selectFrom('audit_log').select('changes').where('entity', '=', 'event').where('entity_id', '=', String(ev.id))
    .where('action', '=', 'remind_invitees').orderBy('id').execute();
  t.same(remindAudit.map((a) => a.changes), [{ round: 1, sent: 1 }, { round: 1, sent: 0 }]);
  // The scheduler's call, a day later: a new round.
  const later = new Date(Date.now() + 25 * 3_600_000);
  const next = await db.transaction().execute((trx) => remindInvitees(trx, ev.id, site, later));
  t.same(next, { round: 2, sent: 1 });
  t.same([...(await delivered()).keys()], ['li.ming@invite.test']);

  const intruder = await signedIn(app, 'organiser@customs.test');
  t.equal((await intruder.get(`${base}/invitations`)).statusCode, 404);
  t.equal((await intruder.post(`${base}/invitations/remind`)).statusCode, 404);
  t.equal((await new Agent(app).get(`/event-invitations/${'x'.repeat(43)}`)).statusCode, 404);
});

t.test('an open event keeps today\'s behaviour; invitations are refused there', async (t) => {
  const ev = await event('open', 5);
  const res = await new Agent(app).post(`/events/${ev.slug}/register`, person('open@modes.test'));
  t.equal(res.statusCode, 303);
  t.equal((await registration('open@modes.test', ev.id)).status, 'confirmed');
  const invite = await organiser.post(`/manage/events/${ev.slug}/invitations`, {
    name: 'Someone', email: 'someone@modes.test', side: 'HK', language: 'en',
  });
  t.equal(invite.statusCode, 409);
  t.equal((await organiser.post(`/manage/events/${ev.slug}/invitations/remind`)).statusCode, 409);
  // The event form keeps the mode.
  const edit = await organiser.get(`/manage/events/${ev.slug}/edit`);
  t.match(edit.body, /<option value="open" selected>/);
});

t.test('the organisers\' wording of the approved and invitation templates is the one mailed', async (t) => {
  const ev = await event('approval', 5);
  const templates = `/manage/events/${ev.slug}/emails/templates`;
  const wording = (subject: string, body: string) => ({
    subject_en: subject, body_en: body, subject_zh_hant: '', body_zh_hant: '', subject_zh_hans: '', body_zh_hans: '', preview_language: 'en',
  });
  t.equal((await organiser.post(`${templates}/approved`, wording('In: {{title}}', 'Hello {{name}} & welcome.\n\nKeep {{manage_link}}.')))
    .statusCode, 303);
  const visitor = new Agent(app);
  await visitor.post(`/events/${ev.slug}/register`, person('custom@approval.test', { name: 'Ada <Lee>' }));
  await delivered();
  const row = await registration('custom@approval.test', ev.id);
  t.equal((await organiser.post(`/manage/events/${ev.slug}/registrations/${row.id}/approve`)).statusCode, 303);
  const mail = (await delivered()).get('custom@approval.test')?.[0];
  t.equal(mail?.subject, `In: Modes approval ${ev.slug.split('-').pop()}`);
  t.match(mail?.text, /^Hello Ada <Lee> & welcome\.\n\nKeep http:\/\/ipcoop\.test\/registrations\/[A-Za-z0-9_-]{43}\.\n/);
  t.match(mail?.text, 'Your place is confirmed.', 'the decision is still said, after the organisers\' text');
  const html = typeof mail?.html === 'string' ? mail.html : '';
  t.match(html, 'Hello Ada &lt;Lee&gt; &amp; welcome.');
  t.match(html, '>My registration</a>', 'the manage link as a button');
  t.equal(mail?.attachments.find((a) => a.filename === 'ticket.png')?.cid, `ticket@${app.mail.domain}`, 'the QR ticket inline');
  t.ok(mail?.attachments.some((a) => a.filename === 'event.ics'));
});

t.test('invitations schedule one reminder round before registration closes; the job reminds those who have not answered', async (t) => {
  const ev = await event('invitation', null);
  const base = `/manage/events/${ev.slug}`;
  const day = 86_400_000;
  const closes = new Date(Date.now() + 10 * day);
  await db.updateTable('events').set({
    starts_at: new Date(Date.now() + 20 * day), ends_at: new Date(Date.now() + 20 * day + 7_200_000), registration_closes_at: closes,
  }).where('id', '=', ev.id).execute();
  for (const [i, email] of ['wong@remind.test', 'chan@remind.test'].entries()) {
    t.equal((await organiser.post(`${base}/invitations`, { name: `Invitee ${i}`, email, side: 'HK', language: 'en' })).statusCode, 303);
  }
  const jobs = await db.selectFrom('jobs').selectAll().where('key', '=', `invitation-reminder:${ev.id}`).execute();
  t.equal(jobs.length, 1, 'two invitations, one reminder job');
  t.equal(jobs[0]?.status, 'pending');
  t.equal(jobs[0]?.run_at.getTime(), closes.getTime() - INVITATION_REMINDER_LEAD_HOURS * 3_600_000, 'due 72 hours before registration closes');
  const scheduled = await organiser.get('/manage/scheduled');
  t.match(scheduled.body, 'Reminder to invitees who have not answered');
  await delivered();

  // One has answered by the time it runs: only the other is reminded.
  await db.updateTable('event_invitations').set({ status: 'declined', answered_at: new Date() })
    .where('event_id', '=', ev.id).where('email', '=', 'chan@remind.test').execute();
  await db.updateTable('jobs').set({ run_at: new Date() }).where('id', '=', jobs[0]!.id).execute();
  const report = await runDueJobs(db, jobHandlers(site));
  t.equal(report.done, 1);
  t.equal((await db.selectFrom('jobs').select('status').where('id', '=', jobs[0]!.id).executeTakeFirstOrThrow()).status, 'done');
  const sent = await delivered();
  t.same([...sent.keys()], ['wong@remind.test'], 'only the one who has not answered');
  t.match(sent.get('wong@remind.test')?.[0]?.subject, /^Reminder: /);
  t.equal((await runDueJobs(db, jobHandlers(site))).done, 0, 'and once');
});
