import t from 'tap';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { startSmtp } from '../../helpers/mail.ts';

const { app, db } = await build(t);
const inbox = await startSmtp(t);

const itemOf = async (slug: string) => (await db.selectFrom('programmes').select(['id', 'item_id']).where('slug', '=', slug)
  .executeTakeFirstOrThrow());
const organisationId = async (code: string) => (await db.selectFrom('organisations').select('id').where('code', '=', code)
  .executeTakeFirstOrThrow()).id;
const programmeCount = async () => Number((await db.selectFrom('programmes').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

t.test('an organiser creates a programme with its hosts, opens it and edits it', async (t) => {
  // Item 20 of 2018-19 is HKIPD's (with the GDCAB and Hong Kong Customs).
  const { item_id } = await itemOf('copyright-students-exchange-2019');
  const hkipd = await signedIn(app, 'organiser@hkipd.test');
  const form = await hkipd.get(`/manage/programmes/new?item=${item_id}`);
  t.equal(form.statusCode, 200);
  t.match(form.body, `<option value="${item_id}" selected`);
  t.match(form.body, 'name="hosts"');

  const [gdcab, customs] = [await organisationId('GDCAB'), await organisationId('HKC&ED')];
  const created = await hkipd.post('/manage/programmes/new', {
    item_id: String(item_id), title: 'Youth Copyright Ambassadors Exchange', slug: '', description: 'Students meet copyright owners.',
    starts_on: '2027-04-10', ends_on: '2027-04-14', capacity: '40', public_registration: 'on', edit_deadline: '2027-03-31T18:00',
    hosts: [String(gdcab), String(customs)],
  });
  t.equal(created.statusCode, 303);
  const id = Number(/\/manage\/programmes\/(\d+)\?saved/.exec(created.headers.location as string)?.[1]);
  const row = await db.selectFrom('programmes').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  t.match(row, { slug: 'youth-copyright-ambassadors-exchange-2027', status: 'draft', capacity: 40, public_registration: true, starts_on: '2027-04-10' });
  t.equal(row.edit_deadline?.toISOString(), '2027-03-31T10:00:00.000Z', 'the deadline is read in Hong Kong time');
  const hosts = await db.selectFrom('programme_hosts').select('organisation_id').where('programme_id', '=', id).orderBy('organisation_id').execute();
  t.same(hosts.map((h) => h.organisation_id), [gdcab, customs].sort((a, b) => a - b));
  const audit = await db.selectFrom('audit_log').select(['action', 'entity']).where('entity', '=', 'programme').where('entity_id', '=', String(id)).execute();
  t.same(audit.map((a) => a.action), ['create']);

  t.equal((await new Agent(app).get(`/programmes/${row.slug}`)).statusCode, 404, 'a draft is not public');
  const page = await hkipd.get(created.headers.location as string);
  t.match(page.body, 'Saved.');
  t.match(page.body, 'Open for registration');
  t.equal((await hkipd.post(`/manage/programmes/${id}/status`, { status: 'completed' })).statusCode, 400, 'draft cannot jump to completed');
  t.equal((await hkipd.post(`/manage/programmes/${id}/status`, { status: 'open' })).statusCode, 303);
  const open = await new Agent(app).get(`/programmes/${row.slug}`);
  t.equal(open.statusCode, 200);
  t.match(open.body, /Hosted by .*Hong Kong Customs/);
  t.match(open.body, `href="/programmes/${row.slug}/register"`);

  // Edit: the form starts from the stored programme; hosts change; the audit log keeps the diff.
  const edit = await hkipd.get(`/manage/programmes/${id}/edit`);
  t.match(edit.body, 'value="2027-03-31T18:00"');
  t.match(edit.body, `value="${gdcab}" checked`);
  const saved = await hkipd.post(`/manage/programmes/${id}/edit`, {
    item_id: String(item_id), title: 'Youth Copyright Ambassadors Exchange', slug: row.slug, description: '',
    starts_on: '2027-04-10', ends_on: '2027-04-15', capacity: '', edit_deadline: '', hosts: String(customs),
  });
  t.equal(saved.statusCode, 303);
  const after = await db.selectFrom('programmes').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  t.match(after, { ends_on: '2027-04-15', capacity: null, public_registration: false, edit_deadline: null });
  t.same((await db.selectFrom('programme_hosts').select('organisation_id').where('programme_id', '=', id).execute()).map((h) => h.organisation_id), [customs]);
  const update = await db.selectFrom('audit_log').select('changes').where('entity', '=', 'programme').where('entity_id', '=', String(id))
    .where('action', '=', 'update').executeTakeFirstOrThrow();
  t.match(JSON.stringify(update.changes), '"hosts"');
  t.match(JSON.stringify(update.changes), '"ends_on"');
});

t.test('bad programme input is refused beside the field and nothing is stored', async (t) => {
  const { item_id } = await itemOf('copyright-students-exchange-2019');
  const hkipd = await signedIn(app, 'organiser@hkipd.test');
  const valid = {
    item_id: String(item_id), title: 'Exchange', slug: '', description: '', starts_on: '2027-05-01', ends_on: '2027-05-03',
    capacity: '', edit_deadline: '',
  };
  const before = await programmeCount();
  const cases: [Record<string, string | string[]>, string, string][] = [
    [{ title: '' }, 'title', 'Enter a title.'],
    [{ ends_on: '2027-04-30' }, 'ends_on', 'The last day cannot be before the first.'],
    [{ starts_on: '1 May' }, 'starts_on', 'Enter the first day as a date.'],
    [{ slug: 'Not A Slug' }, 'slug', 'Use lower-case letters'],
    [{ slug: 'copyright-students-exchange-2019' }, 'slug', 'Another programme has this address'],
    [{ capacity: '0' }, 'capacity', 'Enter at least 1 place'],
    [{ hosts: ['1', 'x'] }, 'hosts', 'Choose the hosts from the list.'],
    [{ hosts: '999999' }, 'hosts', 'Choose the hosts from the list.'],
    [{ edit_deadline: 'tomorrow' }, 'edit_deadline', 'Enter the deadline for changes as a date and time.'],
  ];
  for (const [change, field, message] of cases) {
    const res = await hkipd.post('/manage/programmes/new', { ...valid, ...change });
    t.equal(res.statusCode, 400, field);
    t.match(res.body, new RegExp(`id="f-${field}-error">${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), `${field}: ${message}`);
  }
  // An item outside the organiser's scope (item 13 is not Customs') is refused, not created.
  const customs = await signedIn(app, 'organiser@customs.test');
  const other = await itemOf('ip-dispute-resolution-exchange-2019');
  const outside = await customs.post('/manage/programmes/new', { ...valid, item_id: String(other.item_id) });
  t.equal(outside.statusCode, 400);
  t.match(outside.body, 'Choose one of your items.');
  t.equal(await programmeCount(), before, 'nothing stored');
});

t.test('a programme cannot shrink below its members or past its itinerary; scoping holds', async (t) => {
  const programme = await db.selectFrom('programmes').selectAll().where('slug', '=', 'copyright-students-exchange-2019').executeTakeFirstOrThrow();
  const hkipd = await signedIn(app, 'organiser@hkipd.test');
  const base = {
    item_id: String(programme.item_id), title: programme.title, slug: programme.slug, description: programme.description,
    starts_on: programme.starts_on, ends_on: programme.ends_on, capacity: '', edit_deadline: '',
  };
  const small = await hkipd.post(`/manage/programmes/${programme.id}/edit`, { ...base, capacity: String(programme.member_count - 1) });
  t.equal(small.statusCode, 400);
  t.match(small.body, `${programme.member_count} members are already registered; the capacity cannot be lower.`);
  const shorter = await hkipd.post(`/manage/programmes/${programme.id}/edit`, { ...base, ends_on: '2019-05-23' });
  t.equal(shorter.statusCode, 400);
  t.match(shorter.body, /id="f-ends_on-error">2 planned visits fall outside these dates \(the first: HKIPD on /);
  const unchanged = await db.selectFrom('programmes').selectAll().where('id', '=', programme.id).executeTakeFirstOrThrow();
  t.same(unchanged, programme, 'nothing changed');

  const customs = await signedIn(app, 'organiser@customs.test');
  const other = await itemOf('ip-dispute-resolution-exchange-2019');
  t.equal((await customs.get(`/manage/programmes/${other.id}/edit`)).statusCode, 404);
  t.equal((await customs.post(`/manage/programmes/${other.id}/edit`, base)).statusCode, 404);
  t.equal((await customs.post(`/manage/programmes/${other.id}/status`, { status: 'closed' })).statusCode, 404);
});

t.test('a delegation is withdrawn by its leader or by an organiser: places freed, counts drop, the leader told', async (t) => {
  const programme = await db.selectFrom('programmes').selectAll().where('slug', 'like', 'copyright-students-exchange-%')
    .where('status', '=', 'open').executeTakeFirstOrThrow();
  const leader = new Agent(app);
  const registered = await leader.post(`/programmes/${programme.slug}/register`, {
    name: 'Sha Tin delegation', leading_organisation_id: '', from_side: 'HK', to_side: 'GD', contact_name: 'Lam Tsz-ching',
    contact_email: 'lam@school.example', member_0_name: 'Lam Tsz-ching', member_0_role: 'head', member_0_organisation: 'Sha Tin College',
    member_1_name: 'Yip Hoi-yan', member_1_role: 'teacher', member_1_organisation: 'Sha Tin College',
  });
  t.equal(registered.statusCode, 303);
  const manage = registered.headers.location?.split('?')[0] as string;
  const seats = async () => (await db.selectFrom('programmes').select('member_count').where('id', '=', programme.id).executeTakeFirstOrThrow()).member_count;
  t.equal(await seats(), programme.member_count + 2);
  t.match((await leader.get(manage)).body, 'Withdraw the delegation');

  const withdrawn = await leader.post(`${manage}/withdraw`);
  t.equal(withdrawn.statusCode, 303);
  t.equal(await seats(), programme.member_count, 'the places are back');
  const d = await db.selectFrom('delegations').select(['id', 'status']).where('name', '=', 'Sha Tin delegation').executeTakeFirstOrThrow();
  t.equal(d.status, 'withdrawn');
  const page = await leader.get(`${manage}?withdrawn=1`);
  t.match(page.body, 'Your delegation is withdrawn');
  t.notMatch(page.body, 'Withdraw the delegation</button>');
  t.equal((await leader.post(`${manage}/withdraw`)).statusCode, 409, 'twice is refused');
  t.equal(await seats(), programme.member_count, 'and gives nothing back twice');
  t.notMatch((await new Agent(app).get(`/programmes/${programme.slug}`)).body, 'Sha Tin delegation', 'gone from the public page');

  // An organiser withdraws a seeded proposed delegation of the same programme.
  const seeded = await db.selectFrom('delegations').select(['id', 'name', 'contact_email']).where('programme_id', '=', programme.id)
    .where('status', 'in', ['proposed', 'confirmed']).executeTakeFirstOrThrow();
  const members = (await db.selectFrom('delegation_members').select('id').where('delegation_id', '=', seeded.id).execute()).length;
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const before = await seats();
  const res = await organiser.post(`/manage/delegations/${seeded.id}/withdraw`);
  t.equal(res.statusCode, 303);
  t.match((await organiser.get(res.headers.location as string)).body, 'The delegation is withdrawn and its places are free again.');
  t.equal(await seats(), before - members);
  const audit = await db.selectFrom('audit_log').select(['action', 'actor_user_id']).where('entity', '=', 'delegation').where('entity_id', '=', String(seeded.id))
    .where('action', '=', 'withdraw').executeTakeFirstOrThrow();
  t.ok(audit.actor_user_id, 'the organiser is named in the audit log');

  await deliverDueMail(db, inbox.transport);
  const mails = inbox.messages.filter((m) => m.subject?.startsWith('Delegation withdrawn'));
  t.equal(mails.length, 2, 'one email to each leader');
  t.match(mails.find((m) => m.text?.includes('as you asked'))?.to, { text: 'lam@school.example' });
  t.match(mails.find((m) => m.text?.includes('by the organisers'))?.to, { text: seeded.contact_email });
});

t.test('organisers of other items cannot withdraw a delegation', async (t) => {
  const other = await itemOf('ip-dispute-resolution-exchange-2019');
  const d = await db.selectFrom('delegations').select(['id', 'status']).where('programme_id', '=', other.id).executeTakeFirstOrThrow();
  const customs = await signedIn(app, 'organiser@customs.test');
  t.equal((await customs.post(`/manage/delegations/${d.id}/withdraw`)).statusCode, 404);
  t.equal((await db.selectFrom('delegations').select('status').where('id', '=', d.id).executeTakeFirstOrThrow()).status, d.status);
  const completed = await signedIn(app, 'organiser@hkipd.test');
  const res = await completed.post(`/manage/delegations/${d.id}/withdraw`);
  t.equal(res.statusCode, 409, 'a completed delegation stays');
  t.match(res.body, 'The delegation is completed; it cannot be withdrawn.');
});
