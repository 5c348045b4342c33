import t from 'tap';
import { sql } from 'kysely';
import type { Database } from '../../../src/db/index.ts';
import {
  delegationConfirmDeadline, releaseUnconfirmedDelegations, sweepUnconfirmedDelegations,
} from '../../../src/modules/delegations/service.ts';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { startConfirmationSweep } from '../../../src/modules/registrations/worker.ts';
import { programmesOfItem } from '../../../src/modules/programmes/queries.ts';
import { delegationsByDirection } from '../../../src/modules/reports/queries.ts';
import { parseNarrative } from '../../../src/modules/summary/placeholders.ts';
import { loadFigureData, paragraphText, renderNarrative } from '../../../src/modules/summary/service.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { startSmtp } from '../../helpers/mail.ts';

/*
 * Email confirmation (double opt-in) per programme (issue 16, item 7, for delegations). With
 * programmes.confirm_email on, a delegation registered through the public form is pending until
 * its contact confirms from the mailed link: it holds its places, appears on no public page and
 * in no figure, and is withdrawn (its places given back) if not confirmed in time.
 */

const HOUR = 3_600_000;
const TOKEN_SHAPED = /[A-Za-z0-9_-]{43}/;

const inbox = await startSmtp(t);
// Many delegations from one address and one contact: past the public forms' rate limits (tested elsewhere).
const { app, db } = await build(t, { mailTransport: inbox.transport, env: { RATE_LIMITS: 'off' } });

type Member = { name: string; role?: string };

function delegationForm(name: string, members: Member[], email: string, visitOn?: string) {
  const form: Record<string, string> = {
    name, leading_organisation_id: '', from_side: 'HK', to_side: 'GD', contact_name: 'Leung Wai-man', contact_email: email,
  };
  members.forEach((m, i) => Object.assign(form, {
    [`member_${i}_id`]: '', [`member_${i}_name`]: m.name, [`member_${i}_title`]: '', [`member_${i}_organisation`]: 'Tai Po School',
    [`member_${i}_role`]: m.role ?? (i === 0 ? 'head' : 'student'),
  }));
  if (visitOn) Object.assign(form, { visit_0_on: visitOn, visit_0_at: '10:00', visit_0_host: 'Copyright Bureau', visit_0_place: '', visit_0_purpose: '' });
  return form;
}

const people = (n: number, prefix: string): Member[] => Array.from({ length: n }, (_, i) => ({ name: `${prefix} ${i + 1}` }));

/** A fresh open programme on the demo exchange's item (a Customs item), asking for confirmation. */
async function confirmingProgramme(db: Database, slug: string, capacity: number | null = 20) {
  const demo = await db.selectFrom('programmes').selectAll().where('slug', 'like', 'copyright-students-exchange-%')
    .where('status', '=', 'open').executeTakeFirstOrThrow();
  return db.insertInto('programmes').values({
    item_id: demo.item_id, slug, title: `Programme ${slug}`, starts_on: demo.starts_on, ends_on: demo.ends_on, capacity,
    status: 'open', public_registration: true, edit_deadline: null, confirm_email: true,
  }).returningAll().executeTakeFirstOrThrow();
}

async function register(slug: string, form: Record<string, string>) {
  const agent = new Agent(app);
  await agent.get(`/programmes/${slug}/register`);
  return { agent, res: await agent.post(`/programmes/${slug}/register`, form) };
}

const rowOf = (name: string) => db.selectFrom('delegations').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
const seatsOf = async (id: number) =>
  (await db.selectFrom('programmes').select('member_count').where('id', '=', id).executeTakeFirstOrThrow()).member_count;
const auditOf = async (id: number) => (await db.selectFrom('audit_log').select(['action', 'actor_user_id', 'changes'])
  .where('entity', '=', 'delegation').where('entity_id', '=', String(id)).orderBy('id').execute());

/** What the SMTP server received for `to`, after the outbox has been delivered. */
async function mailsTo(to: string) {
  await deliverDueMail(db, inbox.transport);
  return inbox.messages.filter((m) => [m.to ?? []].flat().some((a) => a.value.some((v) => v.address === to)));
}
const linkIn = (text: string | undefined) => /http:\/\/ipcoop\.test\/delegations\/([A-Za-z0-9_-]{43})/.exec(text ?? '')?.[1] ?? '';

async function placeholder(code: string) {
  const parts = parseNarrative(code);
  return paragraphText(renderNarrative(parts, await loadFigureData(db, 0, [], [parts]), null).paragraphs[0] ?? []);
}

t.test('with confirmation on, a public delegation is pending: it holds its places and counts nowhere until confirmed', async (t) => {
  const programme = await confirmingProgramme(db, 'confirming-exchange-one');
  const before = {
    seats: await seatsOf(programme.id),
    delegations: await placeholder(`{{delegations ${programme.slug}}}`),
    members: await placeholder(`{{members ${programme.slug}}}`),
    visits: await placeholder(`{{visits ${programme.slug}}}`),
    item: (await programmesOfItem(db, programme.item_id)).find((p) => p.slug === programme.slug),
  };
  t.match(before.item, { delegations: 0, members: 0 });
  const email = 'pending-leader@school.example';
  const { agent, res } = await register(programme.slug, delegationForm('Sha Tin delegation', people(3, 'Student'), email, programme.starts_on));
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, `/programmes/${programme.slug}/check-your-inbox`, 'no manage page: the address is not confirmed yet');
  t.notMatch(String(res.headers.location), TOKEN_SHAPED);
  const inboxPage = await agent.get(String(res.headers.location));
  t.equal(inboxPage.statusCode, 200);
  t.match(inboxPage.body, 'Check your inbox');
  t.match(inboxPage.body, 'confirm your email address to keep the delegation');
  t.notMatch(inboxPage.body, '/delegations/', 'the page carries no private link');

  const row = await rowOf('Sha Tin delegation');
  t.equal(row.status, 'proposed');
  t.ok(row.confirm_by);
  const heldFor = (row.confirm_by?.getTime() ?? 0) - row.created_at.getTime();
  t.ok(heldFor > 23.9 * HOUR && heldFor <= 24 * HOUR + 60_000, 'held for 24 hours');
  t.equal(await seatsOf(programme.id), before.seats + 3, 'its places are held');

  // Counted nowhere in public: the programme page, the item page's figures, the summary, the reports.
  const publicPage = await new Agent(app).get(`/programmes/${programme.slug}`);
  t.equal(publicPage.statusCode, 200);
  t.notMatch(publicPage.body, 'Sha Tin delegation');
  t.match(publicPage.body, 'No delegations yet.');
  t.same((await programmesOfItem(db, programme.item_id)).find((p) => p.slug === programme.slug), before.item);
  t.equal(await placeholder(`{{delegations ${programme.slug}}}`), before.delegations, 'the summary placeholders do not change');
  t.equal(await placeholder(`{{members ${programme.slug}}}`), before.members);
  t.equal(await placeholder(`{{visits ${programme.slug}}}`), before.visits);

  // The organisers see it, marked; their exports and itinerary leave it out.
  const organiser = await signedIn(app, 'organiser@customs.test');
  const list = await organiser.get(`/manage/programmes/${programme.id}`);
  t.match(list.body, /Sha Tin delegation[\s\S]*?awaiting email confirmation/);
  t.match((await organiser.get(`/manage/delegations/${row.id}`)).body, 'awaiting email confirmation');
  t.notMatch((await organiser.get(`/manage/programmes/${programme.id}/delegations.csv`)).body, 'Sha Tin delegation');
  t.notMatch((await organiser.get(`/manage/programmes/${programme.id}/itinerary`)).body, 'Sha Tin delegation');

  // The mail carries the link; opening it (as a mail scanner would) confirms nothing.
  const mails = await mailsTo(email);
  t.equal(mails.length, 1);
  t.equal(mails[0]?.subject, 'Confirm your email address: delegation Sha Tin delegation');
  t.match(mails[0]?.text, /press "Confirm my email address" by /);
  const token = linkIn(mails[0]?.text);
  t.ok(token, 'the private link is in the mail');
  const leader = new Agent(app);
  const page = await leader.get(`/delegations/${token}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, 'Confirm your email address to keep this delegation');
  t.match(page.body, `action="/delegations/${token}/confirm"`);
  t.ok((await rowOf('Sha Tin delegation')).confirm_by, 'a GET confirms nothing');
  t.equal((await leader.post(`/delegations/${token}/confirm`, { _csrf: 'forged' })).statusCode, 403, 'the button is CSRF-protected');
  t.ok((await rowOf('Sha Tin delegation')).confirm_by);

  const confirmed = await leader.post(`/delegations/${token}/confirm`);
  t.equal(confirmed.statusCode, 303);
  t.equal(confirmed.headers.location, `/delegations/${token}?confirmed=1`);
  t.match((await leader.get(String(confirmed.headers.location))).body, 'your email address is confirmed');
  const after = await rowOf('Sha Tin delegation');
  t.equal(after.confirm_by, null);
  t.equal(after.status, 'proposed', 'still for the organisers to confirm');
  t.equal(await seatsOf(programme.id), before.seats + 3, 'no second set of places');
  t.same((await auditOf(row.id)).map((a) => a.action), ['register', 'confirm_email']);
  const registered = (await mailsTo(email))[1];
  t.equal(registered?.subject, 'Delegation registered: Sha Tin delegation', 'the usual confirmation follows');
  t.equal(linkIn(registered?.text), token, 'with the same link');

  t.match((await new Agent(app).get(`/programmes/${programme.slug}`)).body, 'Sha Tin delegation', 'now on the public page');
  t.equal(await placeholder(`{{delegations ${programme.slug}}}`), String(Number(before.delegations) + 1));
  t.equal(await placeholder(`{{members ${programme.slug}}}`), String(Number(before.members) + 3));
  t.equal(await placeholder(`{{visits ${programme.slug}}}`), String(Number(before.visits) + 1));

  // Confirming again is harmless: nothing changes, nothing is sent.
  t.equal((await leader.post(`/delegations/${token}/confirm`)).statusCode, 303);
  t.equal((await mailsTo(email)).length, 2);
  t.same((await auditOf(row.id)).map((a) => a.action), ['register', 'confirm_email']);
});

t.test('bad input is refused beside its field, and nothing is held or mailed', async (t) => {
  const programme = await confirmingProgramme(db, 'confirming-exchange-bad');
  const seats = await seatsOf(programme.id);
  const outbox = await db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const { res } = await register(programme.slug, { ...delegationForm('', people(2, 'Pupil'), 'not-an-address'), member_0_role: 'member' });
  t.equal(res.statusCode, 400);
  t.match(res.body, 'id="f-name-error"');
  t.match(res.body, 'id="f-contact_email-error"');
  t.equal(await seatsOf(programme.id), seats);
  t.equal((await db.selectFrom('delegations').select('id').where('programme_id', '=', programme.id).execute()).length, 0);
  t.same(await db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(), outbox);
});

t.test('past its time a pending delegation is withdrawn and its places given back; confirming then is refused', async (t) => {
  const programme = await confirmingProgramme(db, 'confirming-exchange-late');
  const seats = await seatsOf(programme.id);
  const email = 'late-leader@school.example';
  await register(programme.slug, delegationForm('Yuen Long delegation', people(4, 'Student'), email));
  const row = await rowOf('Yuen Long delegation');
  t.equal(await seatsOf(programme.id), seats + 4);

  t.equal(await sweepUnconfirmedDelegations(db, new Date(Date.now() + HOUR)), 0, 'not yet due: left alone');
  const due = new Date((row.confirm_by?.getTime() ?? 0) + 1000);
  t.equal(await sweepUnconfirmedDelegations(db, due), 1);
  const released = await rowOf('Yuen Long delegation');
  t.equal(released.status, 'withdrawn');
  t.same(released.confirm_by, row.confirm_by, 'it keeps its confirm_by: it never counted');
  t.equal(await seatsOf(programme.id), seats, 'its places are given back');
  const audit = await auditOf(row.id);
  t.same(audit.map((a) => a.action), ['register', 'release_unconfirmed']);
  t.match(audit[1], { actor_user_id: null, changes: { status: { from: 'proposed', to: 'withdrawn' }, members: 4 } });
  t.equal(await sweepUnconfirmedDelegations(db, due), 0, 'sweeping again does nothing');

  const token = linkIn((await mailsTo(email))[0]?.text);
  const late = new Agent(app);
  const page = await late.get(`/delegations/${token}`);
  t.match(page.body, 'was not confirmed in time');
  t.notMatch(page.body, `action="/delegations/${token}/confirm"`);
  const refused = await late.post(`/delegations/${token}/confirm`);
  t.equal(refused.statusCode, 409);
  t.match(refused.body, 'This delegation was not confirmed in time, so it has been withdrawn and its places given back.');
  t.equal((await rowOf('Yuen Long delegation')).status, 'withdrawn');
});

t.test('past its time but not yet swept, a pending delegation cannot be confirmed', async (t) => {
  const programme = await confirmingProgramme(db, 'confirming-exchange-unswept');
  await register(programme.slug, delegationForm('Tsuen Wan delegation', people(1, 'Teacher'), 'unswept@school.example'));
  await db.updateTable('delegations').set({ confirm_by: sql<Date>`now() - interval '1 minute'` }).where('name', '=', 'Tsuen Wan delegation').execute();
  const token = linkIn((await mailsTo('unswept@school.example'))[0]?.text);
  const agent = new Agent(app);
  await agent.get(`/delegations/${token}`);
  t.equal((await agent.post(`/delegations/${token}/confirm`)).statusCode, 409);
  t.not((await rowOf('Tsuen Wan delegation')).confirm_by, null);
});

t.test('an expired hold is released when the next delegation registers, and its places go to it', async (t) => {
  const programme = await confirmingProgramme(db, 'confirming-exchange-full', 3);
  await register(programme.slug, delegationForm('Slow delegation', people(3, 'Slow'), 'slow@school.example'));
  t.equal(await seatsOf(programme.id), 3, 'the programme is full');
  const full = await register(programme.slug, delegationForm('Blocked delegation', people(1, 'Blocked'), 'blocked@school.example'));
  t.equal(full.res.statusCode, 400, 'while held, the places are taken');
  t.match(full.res.body, 'The programme is full');

  await db.updateTable('delegations').set({ confirm_by: sql<Date>`now() - interval '1 minute'` }).where('name', '=', 'Slow delegation').execute();
  const quick = await register(programme.slug, delegationForm('Quick delegation', people(3, 'Quick'), 'quick@school.example'));
  t.equal(quick.res.statusCode, 303);
  t.equal((await rowOf('Slow delegation')).status, 'withdrawn');
  t.equal((await rowOf('Quick delegation')).status, 'proposed');
  t.equal(await seatsOf(programme.id), 3);
  t.equal(await db.transaction().execute((trx) => releaseUnconfirmedDelegations(trx, new Date(), programme.id)), 0);
});

t.test('the hold never passes the edit deadline or the programme\'s end', async (t) => {
  const now = new Date('2031-03-01T00:00:00Z');
  t.same(delegationConfirmDeadline({ edit_deadline: null, ends_on: '2031-04-01' }, now), new Date('2031-03-02T00:00:00Z'), '24 hours');
  t.same(delegationConfirmDeadline({ edit_deadline: new Date('2031-03-01T05:00:00Z'), ends_on: '2031-04-01' }, now),
    new Date('2031-03-01T05:00:00Z'), 'the edit deadline comes first');
  t.same(delegationConfirmDeadline({ edit_deadline: null, ends_on: '2031-03-01' }, now), new Date('2031-03-01T16:00:00Z'),
    'the programme ends first (midnight in Hong Kong)');

  const programme = await confirmingProgramme(db, 'confirming-exchange-deadline');
  const deadline = new Date(Date.now() + 2 * HOUR);
  await db.updateTable('programmes').set({ edit_deadline: deadline }).where('id', '=', programme.id).execute();
  await register(programme.slug, delegationForm('Deadline delegation', people(1, 'Early'), 'deadline@school.example'));
  t.same((await rowOf('Deadline delegation')).confirm_by, deadline, 'stored: the deadline, not 24 hours');
});

t.test('invited delegations and those entered by someone signed in need no confirmation', async (t) => {
  const programme = await confirmingProgramme(db, 'confirming-exchange-trusted');
  const organiser = await signedIn(app, 'organiser@customs.test');
  await organiser.get(`/programmes/${programme.slug}/register`);
  const staff = await organiser.post(`/programmes/${programme.slug}/register`, delegationForm('Staff-entered delegation', people(2, 'Staff'), 'staff@school.example'));
  t.equal(staff.statusCode, 303);
  t.match(String(staff.headers.location), /^\/delegations\/[A-Za-z0-9_-]{43}\?registered=1$/);
  t.equal((await rowOf('Staff-entered delegation')).confirm_by, null);

  const invited = await organiser.post(`/manage/programmes/${programme.id}/invitations`, { email: 'invited@school.example' });
  const link = /\/delegation-invitations\/[A-Za-z0-9_-]{43}/.exec(invited.body)?.[0] ?? '';
  t.ok(link);
  const leader = new Agent(app);
  await leader.get(link);
  const res = await leader.post(link, delegationForm('Invited delegation', people(2, 'Guest'), 'invited@school.example'));
  t.equal(res.statusCode, 303);
  t.match(String(res.headers.location), /^\/delegations\/[A-Za-z0-9_-]{43}\?registered=1$/);
  t.equal((await rowOf('Invited delegation')).confirm_by, null);
  t.same((await mailsTo('invited@school.example')).map((m) => m.subject).slice(-1), ['Delegation registered: Invited delegation']);
});

t.test('the organiser switches confirmation on in the programme form; off, registering is as before', async (t) => {
  const organiser = await signedIn(app, 'organiser@customs.test');
  const programme = await confirmingProgramme(db, 'confirming-exchange-form');
  await db.updateTable('programmes').set({ confirm_email: false }).where('id', '=', programme.id).execute();
  const edit = await organiser.get(`/manage/programmes/${programme.id}/edit`);
  t.equal(edit.statusCode, 200);
  t.match(edit.body, 'Ask delegation leaders to confirm their email address');
  t.match(edit.body, /name="confirm_email" value="on" aria-describedby/, 'off');

  const plain = await register(programme.slug, delegationForm('Plain delegation', people(1, 'Plain'), 'plain@school.example'));
  t.match(String(plain.res.headers.location), /^\/delegations\/[A-Za-z0-9_-]{43}\?registered=1$/, 'off: straight to its page');
  t.equal((await rowOf('Plain delegation')).confirm_by, null);

  const fields = {
    item_id: String(programme.item_id), title: programme.title, slug: programme.slug, description: '', starts_on: programme.starts_on,
    ends_on: programme.ends_on, capacity: '20', public_registration: 'on', edit_deadline: '', confirm_email: 'on',
  };
  t.equal((await organiser.post(`/manage/programmes/${programme.id}/edit`, fields)).statusCode, 303);
  t.equal((await db.selectFrom('programmes').select('confirm_email').where('id', '=', programme.id).executeTakeFirstOrThrow()).confirm_email, true);
  t.match((await organiser.get(`/manage/programmes/${programme.id}/edit`)).body, /name="confirm_email" value="on" checked/);
  const pending = await register(programme.slug, delegationForm('Careful delegation', people(1, 'Careful'), 'careful@school.example'));
  t.equal(pending.res.headers.location, `/programmes/${programme.slug}/check-your-inbox`);
});

t.test('the organisers confirming a pending delegation vouch for its address; the year\'s report counts only confirmed ones', async (t) => {
  const programme = await confirmingProgramme(db, 'confirming-exchange-vouched');
  const period = await db.selectFrom('items').select('period_id').where('id', '=', programme.item_id).executeTakeFirstOrThrow();
  const directions = async () => (await delegationsByDirection(db, period.period_id)).find((d) => d.from_side === 'HK' && d.to_side === 'GD')?.value ?? 0;
  const before = await directions();
  await register(programme.slug, delegationForm('Vouched delegation', people(1, 'Known'), 'vouched@school.example'));
  const row = await rowOf('Vouched delegation');
  t.equal(await directions(), before, 'pending: not in the report');
  const organiser = await signedIn(app, 'organiser@customs.test');
  t.equal((await organiser.post(`/manage/delegations/${row.id}/confirm`)).statusCode, 303);
  t.match(await rowOf('Vouched delegation'), { status: 'confirmed', confirm_by: null });
  t.equal(await directions(), before + 1);
});

t.test('a leader may withdraw a pending delegation: its places go back, and its page does not call it unconfirmed', async (t) => {
  const programme = await confirmingProgramme(db, 'confirming-exchange-withdrawn');
  const seats = await seatsOf(programme.id);
  await register(programme.slug, delegationForm('Changed-mind delegation', people(2, 'Pupil'), 'changed@school.example'));
  const token = linkIn((await mailsTo('changed@school.example'))[0]?.text);
  const leader = new Agent(app);
  await leader.get(`/delegations/${token}`);
  t.equal((await leader.post(`/delegations/${token}/withdraw`)).statusCode, 303);
  t.match(await rowOf('Changed-mind delegation'), { status: 'withdrawn' });
  t.equal(await seatsOf(programme.id), seats);
  const page = await leader.get(`/delegations/${token}`);
  t.notMatch(page.body, 'was not confirmed in time');
  t.notMatch(page.body, `action="/delegations/${token}/confirm"`);
  const later = new Date(Date.now() + 48 * HOUR);
  t.equal(await db.transaction().execute((trx) => releaseUnconfirmedDelegations(trx, later, programme.id)), 0, 'nothing left to release');
  t.equal(await seatsOf(programme.id), seats, 'no places given back twice');
});

t.test('the background confirmation sweep releases pending delegations too', async (t) => {
  const programme = await confirmingProgramme(db, 'confirming-exchange-worker');
  const seats = await seatsOf(programme.id);
  await register(programme.slug, delegationForm('Forgotten delegation', people(2, 'Pupil'), 'forgotten@school.example'));
  await db.updateTable('delegations').set({ confirm_by: sql<Date>`now() - interval '1 minute'` }).where('name', '=', 'Forgotten delegation').execute();
  let released!: () => void;
  const done = new Promise<void>((resolve) => { released = resolve; });
  const sweep = startConfirmationSweep(db, { baseUrl: 'http://ipcoop.test', domain: 'ipcoop.test' }, app.log, 5, [{
    what: 'delegations',
    sweep: async (database, now) => {
      const n = await sweepUnconfirmedDelegations(database, now);
      if ((await rowOf('Forgotten delegation')).status === 'withdrawn') released();
      return n;
    },
  }]);
  await done;
  await sweep.stop();
  t.equal((await rowOf('Forgotten delegation')).status, 'withdrawn');
  t.equal(await seatsOf(programme.id), seats);
});
