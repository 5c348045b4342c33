import ExcelJS from 'exceljs';
import t from 'tap';
import type { Database } from '../../../src/db/index.ts';
import { narrativeProblems } from '../../../src/modules/summary/narrative-rules.ts';
import { paragraphText } from '../../../src/modules/summary/service.ts';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { startSmtp } from '../../helpers/mail.ts';

type Member = { name: string; title?: string; organisation?: string; role?: string; minor?: boolean; consent?: boolean; id?: number };
type Visit = { on: string; at?: string; host: string; place?: string; purpose?: string };

/** The one-step form as a browser posts it: numbered member and visit rows. */
function delegationForm(d: { name: string; from?: string; to?: string; members: Member[]; visits?: Visit[]; email?: string }) {
  const form: Record<string, string> = {
    name: d.name, leading_organisation_id: '', from_side: d.from ?? 'HK', to_side: d.to ?? 'GD',
    contact_name: 'Leung Wai-man', contact_email: d.email ?? 'leader@school.example',
  };
  d.members.forEach((m, i) => {
    const p = `member_${i}_`;
    form[`${p}id`] = m.id ? String(m.id) : '';
    form[`${p}name`] = m.name;
    form[`${p}title`] = m.title ?? '';
    form[`${p}organisation`] = m.organisation ?? 'Tai Po Secondary School';
    form[`${p}role`] = m.role ?? 'member';
    if (m.minor) form[`${p}minor`] = 'on';
    if (m.consent) form[`${p}consent`] = 'on';
  });
  (d.visits ?? []).forEach((v, i) => {
    const p = `visit_${i}_`;
    Object.assign(form, {
      [`${p}on`]: v.on, [`${p}at`]: v.at ?? '', [`${p}host`]: v.host, [`${p}place`]: v.place ?? '', [`${p}purpose`]: v.purpose ?? '',
    });
  });
  return form;
}

const people = (n: number, prefix: string, extra: Partial<Member> = {}): Member[] =>
  Array.from({ length: n }, (_, i) => ({ name: `${prefix} ${i + 1}`, role: i === 0 ? 'head' : 'student', ...extra }));

async function demoProgramme(db: Database) {
  return db.selectFrom('programmes').selectAll().where('slug', 'like', 'copyright-students-exchange-%')
    .where('status', '=', 'open').executeTakeFirstOrThrow();
}

/** A fresh open programme on the demo exchange's item, for tests that need exact numbers. */
async function newProgramme(
  db: Database, values: { slug: string; capacity: number | null; public_registration?: boolean; edit_deadline?: Date | null },
) {
  const demo = await demoProgramme(db);
  return db.insertInto('programmes').values({
    item_id: demo.item_id, slug: values.slug, title: `Programme ${values.slug}`, starts_on: demo.starts_on, ends_on: demo.ends_on,
    capacity: values.capacity, status: 'open', public_registration: values.public_registration ?? true,
    edit_deadline: values.edit_deadline === undefined ? demo.edit_deadline : values.edit_deadline,
  }).returningAll().executeTakeFirstOrThrow();
}

const delegationCount = async (db: Database, programmeId: number) =>
  Number((await db.selectFrom('delegations').select((eb) => eb.fn.countAll().as('n')).where('programme_id', '=', programmeId)
    .executeTakeFirstOrThrow()).n);

// One app and database for the whole file: each test works on programmes of its own.
const inbox = await startSmtp(t);
// Every delegation here comes from one address, many with one contact email, some at once: past the
// rate limits of public forms, which test/security/rate-limits.test.ts covers.
const { app, db } = await build(t, { mailTransport: inbox.transport, env: { RATE_LIMITS: 'off' } });

const manageToken = (location: string | undefined) => /^\/delegations\/([A-Za-z0-9_-]{43})\?registered=1$/.exec(location ?? '')?.[1];

t.test('a leader registers a delegation of twelve with three visits in one step, edits it; an organiser checks it in and exports it', async (t) => {
  const programme = await demoProgramme(db);
  const leader = new Agent(app);

  const page = await leader.get(`/programmes/${programme.slug}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, `href="/programmes/${programme.slug}/register"`);

  const form = await leader.get(`/programmes/${programme.slug}/register`);
  t.equal(form.statusCode, 200);
  t.match(form.body, 'name="add_member"');
  t.notMatch(form.body, /<script(?! src="\/static\/)/, 'no inline script');
  t.equal((await leader.get('/static/delegation-form.js')).statusCode, 200, 'the optional enhancement is a static file');

  // Adding a row goes to the server and back, keeping what was typed.
  const twelve = [{ name: 'Chan Siu-ming', title: 'Panel Head', role: 'head' }, { name: 'Ho Ka-lok', role: 'teacher' },
    ...people(10, 'Student', { role: 'student' })];
  const days = [programme.starts_on, programme.starts_on, programme.ends_on];
  const visits = [
    { on: days[0] as string, at: '10:00', host: 'Huizhou Hualuogeng Senior High School', place: 'Huizhou', purpose: 'Exchanges' },
    { on: days[1] as string, at: '15:00', host: 'Copyright Bureau of Huizhou Municipality', place: 'Huizhou' },
    { on: days[2] as string, host: 'GDCAB', place: 'Guangzhou', purpose: 'Copyright protection' },
  ];
  const partial = delegationForm({ name: 'Tai Po delegation', members: twelve.slice(0, 3), visits });
  const added = await leader.post(`/programmes/${programme.slug}/register`, { ...partial, add_member: '1' });
  t.equal(added.statusCode, 200);
  t.match(added.body, 'name="member_3_name"');
  t.match(added.body, 'value="Ho Ka-lok"');
  t.equal(await delegationCount(db, programme.id), 2, 'a row round-trip stores nothing');

  const saved = await leader.post(`/programmes/${programme.slug}/register`, delegationForm({ name: 'Tai Po delegation', members: twelve, visits }));
  t.equal(saved.statusCode, 303);
  const token = manageToken(saved.headers.location);
  t.ok(token, 'redirected to the private manage page');

  const delegation = await db.selectFrom('delegations').selectAll().where('name', '=', 'Tai Po delegation').executeTakeFirstOrThrow();
  t.equal(delegation.status, 'proposed');
  t.not(delegation.token_hash, token, 'only the hash is stored');
  const members = await db.selectFrom('delegation_members').selectAll().where('delegation_id', '=', delegation.id).orderBy('position').execute();
  t.equal(members.length, 12);
  t.equal(members[0]?.role, 'head');
  t.equal((await db.selectFrom('delegation_visits').select('id').where('delegation_id', '=', delegation.id).execute()).length, 3);
  t.equal((await db.selectFrom('programmes').select('member_count').where('id', '=', programme.id).executeTakeFirstOrThrow()).member_count,
    programme.member_count + 12);

  await deliverDueMail(db, inbox.transport);
  const mail = inbox.messages.find((m) => m.subject === 'Delegation registered: Tai Po delegation');
  t.ok(mail, 'confirmation mailed');
  t.match(mail?.text ?? '', `http://ipcoop.test/delegations/${token}`);

  const manage = await leader.get(`/delegations/${token}`);
  t.equal(manage.statusCode, 200);
  t.match(manage.body, 'Chan Siu-ming');
  t.match(manage.body, 'Copyright Bureau of Huizhou Municipality');

  // Edit: two students drop out, one joins; kept members keep their rows and places follow.
  const kept = twelve.slice(0, 10).map((m, i) => ({ ...m, id: members[i]?.id }));
  const edited = await leader.post(`/delegations/${token}`, delegationForm({
    name: 'Tai Po delegation', members: [...kept, { name: 'New Student', role: 'student' }], visits,
  }));
  t.equal(edited.statusCode, 303);
  t.equal(edited.headers.location, `/delegations/${token}?saved=1`);
  const after = await db.selectFrom('delegation_members').selectAll().where('delegation_id', '=', delegation.id).orderBy('position').execute();
  t.equal(after.length, 11);
  t.same(after.slice(0, 10).map((m) => m.id), members.slice(0, 10).map((m) => m.id));
  t.equal(after[10]?.name, 'New Student');
  t.equal((await db.selectFrom('programmes').select('member_count').where('id', '=', programme.id).executeTakeFirstOrThrow()).member_count,
    programme.member_count + 11);

  // Changing the head: the old head becomes a member, another member becomes head.
  const swapped = after.map((m, i) => ({ id: m.id, name: m.name, organisation: m.organisation, role: i === 0 ? 'member' : i === 1 ? 'head' : m.role }));
  t.equal((await leader.post(`/delegations/${token}`, delegationForm({ name: 'Tai Po delegation', members: swapped, visits }))).statusCode, 303);
  const heads = await db.selectFrom('delegation_members').select('name').where('delegation_id', '=', delegation.id).where('role', '=', 'head').execute();
  t.same(heads.map((h) => h.name), ['Ho Ka-lok']);

  // The organiser of a party to the item confirms, checks in the whole group, and exports.
  const organiser = await signedIn(app, 'organiser@customs.test');
  const list = await organiser.get(`/manage/programmes/${programme.id}`);
  t.equal(list.statusCode, 200);
  t.match(list.body, `href="/manage/delegations/${delegation.id}"`);
  t.equal((await organiser.post(`/manage/delegations/${delegation.id}/check-in`)).statusCode, 409, 'only confirmed delegations check in');
  t.equal((await organiser.post(`/manage/delegations/${delegation.id}/confirm`)).statusCode, 303);
  const checkIn = await organiser.post(`/manage/delegations/${delegation.id}/check-in`);
  t.equal(checkIn.statusCode, 303);
  const arrived = await db.selectFrom('delegation_members').select('checked_in_at').where('delegation_id', '=', delegation.id).execute();
  t.ok(arrived.every((m) => m.checked_in_at !== null), 'every member checked in at once');
  const audit = await db.selectFrom('audit_log').select(['action', 'actor_user_id']).where('entity_id', '=', String(delegation.id))
    .where('entity', '=', 'delegation').orderBy('id').execute();
  t.same(audit.map((a) => a.action), ['register', 'update', 'update', 'confirm', 'check_in']);

  const itinerary = await organiser.get(`/manage/programmes/${programme.id}/itinerary`);
  t.equal(itinerary.statusCode, 200);
  t.match(itinerary.body, 'Tai Po delegation');
  t.match(itinerary.body, 'itinerary-day');

  const csv = await organiser.get(`/manage/programmes/${programme.id}/delegations.csv`);
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /text\/csv/);
  const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n').map((l) => l.split(','));
  t.equal(lines[0]?.[0], 'Delegation');
  t.equal(lines.filter((l) => l[0] === 'Tai Po delegation').length, 11);
  t.ok(lines.filter((l) => l[0] === 'Tai Po delegation').every((l) => l[14] !== ''), 'checked-in times exported');

  const xlsx = await organiser.get(`/manage/programmes/${programme.id}/delegations.xlsx`);
  t.equal(xlsx.statusCode, 200);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
  const sheet = workbook.getWorksheet('Delegations');
  t.equal(sheet?.getRow(1).getCell(1).value, 'Delegation');
  const names: unknown[] = [];
  sheet?.eachRow((row, n) => { if (n > 1 && row.getCell(1).value === 'Tai Po delegation') names.push(row.getCell(9).value); });
  t.equal(names.length, 11);
  t.ok(names.includes('Ho Ka-lok'));
});

t.test('bad input is refused on the form with a clear message and nothing stored', async (t) => {
  const programme = await newProgramme(db, { slug: 'small-exchange', capacity: 5 });
  const url = `/programmes/${programme.slug}/register`;
  const leader = new Agent(app);
  await leader.get(url);
  const visit = { on: programme.starts_on, host: 'HKIPD' };
  const cases: [string, Record<string, string>, RegExp][] = [
    ['no head', delegationForm({ name: 'A', members: [{ name: 'X' }, { name: 'Y' }], visits: [visit] }), /Name the head of the delegation/],
    ['two heads', delegationForm({ name: 'A', members: [{ name: 'X', role: 'head' }, { name: 'Y', role: 'head' }] }), /one head/],
    ['duplicates', delegationForm({ name: 'A', members: [{ name: 'X', role: 'head' }, { name: 'Wong  Mei' }, { name: 'wong mei' }] }), /wong mei \(Tai Po Secondary School\) is listed twice/],
    ['visit outside the dates', delegationForm({ name: 'A', members: [{ name: 'X', role: 'head' }], visits: [{ on: '2001-01-01', host: 'HKIPD' }] }), /choose a date within it/],
    ['more than capacity', delegationForm({ name: 'A', members: people(6, 'Member') }), /has 5 places left, not enough for 6 more members/],
    ['same side both ways', delegationForm({ name: 'A', from: 'HK', to: 'HK', members: [{ name: 'X', role: 'head' }] }), /two different sides/],
    ['no members', delegationForm({ name: 'A', members: [] }), /List the members/],
    ['bad email', { ...delegationForm({ name: 'A', members: [{ name: 'X', role: 'head' }] }), contact_email: 'nope' }, /Enter an email address like/],
    ['bad time', delegationForm({ name: 'A', members: [{ name: 'X', role: 'head' }], visits: [{ ...visit, at: '25:00' }] }), /Enter the time as hh:mm/],
  ];
  for (const [what, form, message] of cases) {
    const res = await leader.post(url, form);
    t.equal(res.statusCode, 400, what);
    t.match(res.body, message, what);
    t.match(res.body, 'class="error-summary"', what);
  }
  t.equal(await delegationCount(db, programme.id), 0);
  t.equal((await db.selectFrom('programmes').select('member_count').where('id', '=', programme.id).executeTakeFirstOrThrow()).member_count, 0);
  t.equal((await db.selectFrom('mail_outbox').select('id').where('subject', '=', 'Delegation registered: A').execute()).length, 0);

  // A full delegation that fits exactly is taken; the next one finds the programme full.
  t.equal((await leader.post(url, delegationForm({ name: 'Fits', members: people(5, 'Member') }))).statusCode, 303);
  const full = await leader.post(url, delegationForm({ name: 'Too late', members: people(1, 'Member') }));
  t.equal(full.statusCode, 400);
  t.match(full.body, /The programme is full/);
});

t.test('concurrent registrations: each delegation fits whole or not at all', async (t) => {
  const programme = await newProgramme(db, { slug: 'thirty-places', capacity: 30 });
  const url = `/programmes/${programme.slug}/register`;
  const leader = new Agent(app);
  await leader.get(url);
  const results = await Promise.all(Array.from({ length: 10 }, (_, n) =>
    leader.post(url, delegationForm({ name: `Delegation ${n + 1}`, members: people(6, `D${n + 1} member`) }))));
  const statuses = results.map((r) => r.statusCode).sort();
  t.same(statuses, [...Array<number>(5).fill(303), ...Array<number>(5).fill(400)]);
  const row = await db.selectFrom('programmes').select('member_count').where('id', '=', programme.id).executeTakeFirstOrThrow();
  t.equal(row.member_count, 30);
  t.equal(await delegationCount(db, programme.id), 5);
  const stored = await db.selectFrom('delegation_members as m').innerJoin('delegations as d', 'd.id', 'm.delegation_id')
    .where('d.programme_id', '=', programme.id).select('d.id').execute();
  t.equal(stored.length, 30, 'no partial delegation');
  t.equal((await db.selectFrom('mail_outbox').select('id').where('subject', 'like', 'Delegation registered: Delegation %').execute()).length, 5);
});

t.test('edits after the deadline are refused', async (t) => {
  const programme = await newProgramme(db, { slug: 'deadline-exchange', capacity: 20 });
  const leader = new Agent(app);
  await leader.get(`/programmes/${programme.slug}/register`);
  const members = people(3, 'Member');
  const res = await leader.post(`/programmes/${programme.slug}/register`, delegationForm({ name: 'Late changers', members }));
  const token = manageToken(res.headers.location) as string;
  await db.updateTable('programmes').set({ edit_deadline: new Date(Date.now() - 60_000) }).where('id', '=', programme.id).execute();

  const page = await leader.get(`/delegations/${token}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /that deadline has passed/);
  t.notMatch(page.body, 'name="add_member"');
  const refused = await leader.post(`/delegations/${token}`, delegationForm({ name: 'Late changers', members: people(6, 'Member') }));
  t.equal(refused.statusCode, 403);
  t.match(refused.body, /that deadline has passed/);
  t.equal((await db.selectFrom('programmes').select('member_count').where('id', '=', programme.id).executeTakeFirstOrThrow()).member_count, 3);
  t.equal((await db.selectFrom('delegation_members as m').innerJoin('delegations as d', 'd.id', 'm.delegation_id')
    .where('d.token_hash', 'is not', null).where('d.programme_id', '=', programme.id).select('m.id').execute()).length, 3);

  t.equal((await leader.get('/delegations/not-a-token')).statusCode, 404);
});

t.test('members under 18: consent before confirmation, withheld from exports by default', async (t) => {
  const programme = await newProgramme(db, { slug: 'youth-exchange', capacity: 40 });
  const leader = new Agent(app);
  await leader.get(`/programmes/${programme.slug}/register`);
  const members: Member[] = [
    { name: 'Teacher Lam', role: 'head' },
    { name: 'Minor Without Consent', role: 'student', minor: true },
    { name: 'Minor With Consent', role: 'student', minor: true, consent: true },
  ];
  const res = await leader.post(`/programmes/${programme.slug}/register`, delegationForm({ name: 'Youth', members }));
  t.equal(res.statusCode, 303);
  const token = manageToken(res.headers.location) as string;
  const delegation = await db.selectFrom('delegations').selectAll().where('programme_id', '=', programme.id).executeTakeFirstOrThrow();
  const rows = await db.selectFrom('delegation_members').selectAll().where('delegation_id', '=', delegation.id).orderBy('position').execute();
  t.same(rows.map((m) => [m.is_minor, m.guardian_consent_at !== null]), [[false, false], [true, false], [true, true]]);

  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const refused = await organiser.post(`/manage/delegations/${delegation.id}/confirm`);
  t.equal(refused.statusCode, 409);
  t.match(refused.body, /Record a guardian(&#39;|')s consent for Minor Without Consent/);
  t.equal((await db.selectFrom('delegations').select('status').where('id', '=', delegation.id).executeTakeFirstOrThrow()).status, 'proposed');

  const csv = await organiser.get(`/manage/programmes/${programme.id}/delegations.csv`);
  t.notMatch(csv.body, /Minor With/, 'minors withheld by default');
  t.match(csv.body, /Withheld \(under 18\)/);
  t.match(csv.body, /Teacher Lam/);
  const full = await organiser.get(`/manage/programmes/${programme.id}/delegations.csv?minors=include`);
  t.match(full.body, /Minor Without Consent/);

  const minor = rows[1]?.id as number;
  t.equal((await organiser.post(`/manage/delegations/${delegation.id}/members/${minor}/consent`)).statusCode, 303);
  t.equal((await organiser.post(`/manage/delegations/${delegation.id}/confirm`)).statusCode, 303);
  t.equal((await db.selectFrom('delegations').select('status').where('id', '=', delegation.id).executeTakeFirstOrThrow()).status, 'confirmed');

  // Once confirmed, the leader cannot add a minor without consent.
  const current = rows.map((m) => ({
    id: m.id, name: m.name, organisation: m.organisation, role: m.role, minor: m.is_minor, consent: m.is_minor,
  }));
  const add = await leader.post(`/delegations/${token}`, delegationForm({
    name: 'Youth', members: [...current, { name: 'Another Minor', role: 'student', minor: true }],
  }));
  t.equal(add.statusCode, 400);
  t.match(add.body, /every member under 18 needs a guardian/);
  t.equal((await db.selectFrom('delegation_members').select('id').where('delegation_id', '=', delegation.id).execute()).length, 3);
});

t.test('organisers reach only the programmes of their own items; invitations are private and single-use', async (t) => {
  // Item 13 of 2018-19 belongs to HKIPD and GDAMR(GDIPA), not to Hong Kong Customs.
  const other = await db.selectFrom('programmes').select(['id']).where('slug', '=', 'ip-dispute-resolution-exchange-2019').executeTakeFirstOrThrow();
  const otherDelegation = await db.selectFrom('delegations').select(['id']).where('programme_id', '=', other.id).executeTakeFirstOrThrow();
  const customs = await signedIn(app, 'organiser@customs.test');
  t.notMatch((await customs.get('/manage/programmes')).body, `href="/manage/programmes/${other.id}"`);
  for (const url of [`/manage/programmes/${other.id}`, `/manage/programmes/${other.id}/itinerary`, `/manage/programmes/${other.id}/delegations.csv`,
    `/manage/programmes/${other.id}/delegations.xlsx`, `/manage/delegations/${otherDelegation.id}`]) {
    t.equal((await customs.get(url)).statusCode, 404, url);
  }
  for (const url of [`/manage/delegations/${otherDelegation.id}/confirm`, `/manage/delegations/${otherDelegation.id}/check-in`,
    `/manage/programmes/${other.id}/invitations`]) {
    t.equal((await customs.post(url, { email: 'x@example.org' })).statusCode, 404, url);
  }
  const hkipd = await signedIn(app, 'organiser@hkipd.test');
  t.equal((await hkipd.get(`/manage/programmes/${other.id}`)).statusCode, 200);
  t.equal((await hkipd.get(`/manage/delegations/${otherDelegation.id}`)).statusCode, 200);
  t.equal((await new Agent(app).get(`/manage/programmes/${other.id}`)).statusCode, 303, 'anonymous users are sent to sign in');

  // A programme without public registration takes delegations through invitations only.
  const closed = await newProgramme(db, { slug: 'invitation-only', capacity: 20, public_registration: false });
  t.equal((await new Agent(app).get(`/programmes/${closed.slug}/register`)).statusCode, 404);
  const invited = await customs.post(`/manage/programmes/${closed.id}/invitations`, { email: 'Leader@Customs.example' });
  t.equal(invited.statusCode, 200);
  const link = /\/delegation-invitations\/([A-Za-z0-9_-]{43})/.exec(invited.body)?.[0] as string;
  t.ok(link, 'the link is shown once');
  await deliverDueMail(db, inbox.transport);
  t.match(inbox.messages.find((m) => m.subject?.startsWith('Register your delegation'))?.text ?? '', link);

  const leader = new Agent(app);
  const form = await leader.get(link);
  t.equal(form.statusCode, 200);
  t.match(form.body, 'value="leader@customs.example"');
  const registered = await leader.post(link, delegationForm({ name: 'Invited', members: people(2, 'Officer'), email: 'leader@customs.example' }));
  t.equal(registered.statusCode, 303);
  t.equal((await leader.get(link)).statusCode, 404, 'an invitation is used once');
  t.equal((await leader.post(link, delegationForm({ name: 'Again', members: people(2, 'Officer') }))).statusCode, 404);
  t.equal(await delegationCount(db, closed.id), 1);
});

t.test('the seeded programmes resolve in their own items\' narratives', async (t) => {
  const period = await db.selectFrom('periods').select('id').where('slug', '=', '2018-19').executeTakeFirstOrThrow();
  // Each narrative names only its own item's programmes (a narrative shows no other item's figures).
  const resolved = async (item: number, narrative: string) => {
    const rendered = await narrativeProblems(db, period.id, item, narrative);
    t.same(rendered.errors, [], `item ${item}`);
    return rendered.paragraphs.map(paragraphText).join('\n');
  };
  t.equal(await resolved(20, '{{delegations copyright-students-exchange-2019 | words}} {{delegations copyright-students-exchange-2019 from=HK}} '
    + '{{members copyright-students-exchange-2019 role=student}} {{visits copyright-students-exchange-2019}}'), 'Two 1 32 6');
  t.equal(await resolved(19, '{{delegations copyright-industry-exchange-2019}} {{members copyright-industry-exchange-2019}} '
    + '{{visits copyright-industry-exchange-2019}}'), '1 9 4');
  t.equal(await resolved(12, '{{visits customs-enforcement-exchange-2018-19}}'), '5');
  t.equal(await resolved(18, '{{members trademark-examiners-exchange-2019}}'), '8');
  const elsewhere = await narrativeProblems(db, period.id, 20, '{{members trademark-examiners-exchange-2019}}');
  t.equal(elsewhere.errors.length, 1, 'another item\'s programme is refused in this item\'s narrative');
});
