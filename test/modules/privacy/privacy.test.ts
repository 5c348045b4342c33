import { sql } from 'kysely';
import t from 'tap';
import { hashToken, newToken } from '../../../src/lib/tokens.ts';
import { erasePersonalData } from '../../../src/modules/privacy/service.ts';
import { addMonths, erasureDate, erasureDue } from '../../../src/modules/privacy/retention.ts';
import { startErasureWorker } from '../../../src/modules/privacy/worker.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

/* Personal data: retention per programme year, erasure that keeps every count, and a participant's own data. */

type Db = Awaited<ReturnType<typeof build>>['db'];

const buildApp = (t: Parameters<typeof build>[0]) => build(t);

async function openSeminar(db: Db) {
  return db.selectFrom('events').selectAll().where('slug', 'like', 'sme-seminar-20__-__').where('status', '=', 'published')
    .where('starts_at', '>', new Date()).executeTakeFirstOrThrow();
}

const person = (name: string, email: string) => ({ name, email, organisation: 'Tai Po Widgets Ltd', side: 'HK', consent: 'on' });
/** What the my-data.json copies hold, as far as these tests read them. */
type RegistrationCopy = { registration: { name: string; email: string; organisation: string; status: string }; event: { slug: string } };
type DelegationCopy = { delegation: { name: string; contact_email: string }; members: { name: string }[] };

const tokenOf = (location: unknown) => /^\/registrations\/([A-Za-z0-9_-]{43})$/.exec(typeof location === 'string' ? location : '')?.[1] ?? '';

/** Everything the summary and the reports count, for one period. */
async function periodCounts(db: Db, slug: string) {
  const registrations = await sql<Record<string, unknown>>`
    select e.slug, r.status, r.side, (r.checked_in_at is not null) as attended, count(*)::int as n
    from registrations r join events e on e.id = r.event_id join items i on i.id = e.item_id join periods p on p.id = i.period_id
    where p.slug = ${slug} group by 1, 2, 3, 4 order by 1, 2, 3, 4`.execute(db);
  const members = await sql<Record<string, unknown>>`
    select d.id, d.status, d.from_side, d.to_side, m.role, m.is_minor, (m.checked_in_at is not null) as attended, count(*)::int as n
    from delegation_members m join delegations d on d.id = m.delegation_id join programmes pr on pr.id = d.programme_id
    join items i on i.id = pr.item_id join periods p on p.id = i.period_id
    where p.slug = ${slug} group by 1, 2, 3, 4, 5, 6, 7 order by 1, 2, 3, 4, 5, 6, 7`.execute(db);
  const entries = await sql<Record<string, unknown>>`
    select c.slug, e.side, e.status, e.category_id, e.applicant_type, t.code as tier, count(*)::int as n
    from entries e join contests c on c.id = e.contest_id join items i on i.id = c.item_id join periods p on p.id = i.period_id
    left join award_grants g on g.entry_id = e.id left join award_tiers t on t.id = g.tier_id
    where p.slug = ${slug} group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3, 4, 5, 6`.execute(db);
  const seats = await sql<Record<string, unknown>>`
    select e.slug, e.confirmed_count from events e join items i on i.id = e.item_id join periods p on p.id = i.period_id
    where p.slug = ${slug} order by 1`.execute(db);
  return { registrations: registrations.rows, members: members.rows, entries: entries.rows, seats: seats.rows };
}

t.test('retention dates', async (t) => {
  t.equal(addMonths('2019-06-30', 12), '2020-06-30');
  t.equal(addMonths('2019-01-31', 1), '2019-02-28', 'clamped to the shorter month');
  const rule = { ends_on: '2019-06-30', retention_months: 12, erase_personal_data_on: null };
  t.equal(erasureDate(rule), '2020-07-01', 'from the day after the end plus the months');
  t.notOk(erasureDue(rule, new Date('2020-06-30T12:00:00+08:00')));
  t.ok(erasureDue(rule, new Date('2020-07-01T00:30:00+08:00')), 'by the Hong Kong calendar');
  t.equal(erasureDate({ ends_on: '2019-06-30', retention_months: null, erase_personal_data_on: '2021-01-15' }), '2021-01-15');
  t.equal(erasureDate({ ends_on: '2019-06-30', retention_months: null, erase_personal_data_on: null }), null, 'no rule, no erasure');
});

t.test('erasure after retention keeps every count and the summary text, and leaves no personal data', async (t) => {
  const { app, db } = await buildApp(t);
  const admin = await signedIn(app, 'admin@ipcoop.test');

  const summaryBefore = await app.inject('/periods/2018-19/summary.txt');
  t.equal(summaryBefore.statusCode, 200);
  const countsBefore = await periodCounts(db, '2018-19');
  t.ok(countsBefore.registrations.length > 0 && countsBefore.members.length > 0 && countsBefore.entries.length > 0, 'the year has people to erase');

  const people = await db.selectFrom('registrations as r').innerJoin('events as e', 'e.id', 'r.event_id')
    .where('e.slug', '=', 'sme-seminar-2019').where('r.status', '<>', 'cancelled').select(['r.name', 'r.email', 'r.organisation'])
    .limit(5).execute();
  t.equal(people.length, 5);
  const csvBefore = await admin.get('/manage/events/sme-seminar-2019/attendance.csv');
  t.equal(csvBefore.statusCode, 200);
  for (const p of people) t.match(csvBefore.body, p.email, 'the export names people before erasure');
  const member = await db.selectFrom('delegation_members as m').innerJoin('delegations as d', 'd.id', 'm.delegation_id')
    .innerJoin('programmes as p', 'p.id', 'd.programme_id').where('p.slug', '=', 'copyright-students-exchange-2019')
    .select(['m.name', 'p.id as programme_id']).executeTakeFirstOrThrow();
  // A participant of the current year, whose period has no rule: untouched.
  const current = await openSeminar(db);
  const reg = await new Agent(app).post(`/events/${current.slug}/register`, person('Ng Ka-yan', 'ka-yan.ng@example.test'));
  t.equal(reg.statusCode, 303);

  // Nothing is due without a rule.
  t.same(await erasePersonalData(db, new Date('2100-01-01T00:00:00Z')), [], 'no period has a rule yet');

  const set = await admin.post('/manage/periods/2018-19/retention', { retention_months: '12', erase_on: '' });
  t.equal(set.statusCode, 303);
  t.equal(set.headers.location, '/manage/periods/2018-19/retention?saved=1');
  const page = await admin.get('/manage/periods/2018-19/retention?saved=1');
  t.equal(page.statusCode, 200);
  t.match(page.body, /Saved\./);
  t.match(page.body, /value="12"/);

  t.same(await erasePersonalData(db, new Date('2020-06-30T00:00:00Z')), [], 'not yet due the day before');
  const erased = await erasePersonalData(db, new Date('2100-01-01T00:00:00Z'));
  t.equal(erased.length, 1);
  t.equal(erased[0]?.period, '2018-19');
  t.ok((erased[0]?.registrations ?? 0) > 0 && (erased[0]?.members ?? 0) > 0 && (erased[0]?.entries ?? 0) > 0, 'rows were erased');
  t.same(await erasePersonalData(db, new Date('2100-01-02T00:00:00Z')), [], 'a second run finds nothing left');

  const summaryAfter = await app.inject('/periods/2018-19/summary.txt');
  t.equal(summaryAfter.statusCode, 200);
  t.equal(summaryAfter.body, summaryBefore.body, 'the summary text is identical');
  t.same(await periodCounts(db, '2018-19'), countsBefore, 'every count is the same');

  // Nothing personal left in the year's rows.
  const leftRegistrations = await sql<{ n: number }>`
    select count(*)::int as n from registrations r join events e on e.id = r.event_id join items i on i.id = e.item_id
    join periods p on p.id = i.period_id
    where p.slug = '2018-19' and (r.name <> '[erased]' or r.email not like '%@erased.invalid' or r.organisation <> ''
      or r.answers <> '{}'::jsonb or r.erased_at is null)`.execute(db);
  t.equal(leftRegistrations.rows[0]?.n, 0, 'registrations erased');
  const leftMembers = await sql<{ n: number }>`
    select count(*)::int as n from delegation_members m join delegations d on d.id = m.delegation_id
    join programmes pr on pr.id = d.programme_id join items i on i.id = pr.item_id join periods p on p.id = i.period_id
    where p.slug = '2018-19' and (m.name <> '[erased]' or m.organisation <> '' or m.title <> ''
      or d.contact_name <> '[erased]' or d.contact_email not like '%@erased.invalid')`.execute(db);
  t.equal(leftMembers.rows[0]?.n, 0, 'delegations and members erased');
  const leftEntries = await sql<{ n: number }>`
    select count(*)::int as n from entries e join contests c on c.id = e.contest_id join items i on i.id = c.item_id
    join periods p on p.id = i.period_id
    where p.slug = '2018-19' and (e.contact_email not like '%@erased.invalid' or e.erased_at is null
      or (e.applicant_type in ('individual', 'school') and e.applicant_name <> '[erased]')
      or e.details->>'contact_person' not in ('[erased]') or e.details->>'teacher' not in ('[erased]')
      or exists (select 1 from jsonb_array_elements(case when jsonb_typeof(e.details->'students') = 'array' then e.details->'students' else '[]'::jsonb end) s
        where s->>'name' <> '[erased]'))`.execute(db);
  t.equal(leftEntries.rows[0]?.n, 0, 'entrants erased');
  const leftMail = await sql<{ n: number }>`
    select count(*)::int as n from mail_outbox m join items i on i.id = m.item_id join periods p on p.id = i.period_id
    where p.slug = '2018-19' and m.to_address not like '%@erased.invalid'`.execute(db);
  t.equal(leftMail.rows[0]?.n, 0, 'copies of messages erased');
  for (const p of people) {
    const trace = await db.selectFrom('registrations').select('id').where((eb) => eb.or([eb('email', '=', p.email), eb('name', '=', p.name)]))
      .executeTakeFirst();
    t.notOk(trace, `no trace of ${p.email}`);
  }

  // The exports show no one.
  const csvAfter = await admin.get('/manage/events/sme-seminar-2019/attendance.csv');
  t.equal(csvAfter.statusCode, 200);
  for (const p of people) {
    t.notMatch(csvAfter.body, p.email);
    t.notMatch(csvAfter.body, p.name);
  }
  t.match(csvAfter.body, '[erased]');
  t.equal(csvAfter.body.trim().split('\n').length, csvBefore.body.trim().split('\n').length, 'the same number of rows');
  const delegationsCsv = await admin.get(`/manage/programmes/${member.programme_id}/delegations.csv?minors=include`);
  t.equal(delegationsCsv.statusCode, 200);
  t.notMatch(delegationsCsv.body, member.name);

  // The audit log records the erasure; the current year is untouched.
  const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'erase_personal_data').execute();
  t.equal(audit.length, 1);
  t.equal(audit[0]?.entity, 'period');
  t.equal(audit[0]?.changes.registrations, erased[0]?.registrations);
  const period = await db.selectFrom('periods').select(['personal_data_erased_at']).where('slug', '=', '2018-19').executeTakeFirstOrThrow();
  t.ok(period.personal_data_erased_at, 'the period is marked');
  const untouched = await db.selectFrom('registrations').select(['name', 'erased_at']).where('email', '=', 'ka-yan.ng@example.test').executeTakeFirstOrThrow();
  t.same(untouched, { name: 'Ng Ka-yan', erased_at: null }, 'a period without a rule keeps its data');
  const page2 = await admin.get('/manage/periods/2018-19/retention');
  t.match(page2.body, /was erased on/);
});

t.test('a participant downloads exactly their own data', async (t) => {
  const { app, db } = await buildApp(t);
  const event = await openSeminar(db);
  const a = await new Agent(app).post(`/events/${event.slug}/register`, person('Lam Siu-ming', 'siu-ming.lam@example.test'));
  const b = await new Agent(app).post(`/events/${event.slug}/register`, person('Ho Wing-sze', 'wing-sze.ho@example.test'));
  const tokenA = tokenOf(a.headers.location);
  const tokenB = tokenOf(b.headers.location);
  t.ok(tokenA && tokenB);

  const page = await app.inject(`/registrations/${tokenA}`);
  t.match(page.body, `href="/registrations/${tokenA}/my-data.json"`);
  t.match(page.body, `href="/registrations/${tokenA}/delete"`);

  const res = await app.inject(`/registrations/${tokenA}/my-data.json`);
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  t.match(res.headers['content-disposition'], /^attachment; filename="my-registration-.+\.json"$/);
  t.equal(res.headers['cache-control'], 'no-store');
  const data = JSON.parse(res.body) as RegistrationCopy;
  t.equal(data.registration.name, 'Lam Siu-ming');
  t.equal(data.registration.email, 'siu-ming.lam@example.test');
  t.equal(data.registration.organisation, 'Tai Po Widgets Ltd');
  t.equal(data.registration.status, 'confirmed');
  t.equal(data.event.slug, event.slug);
  t.notMatch(res.body, 'wing-sze', 'nothing of another registrant');
  t.notMatch(res.body, 'Ho Wing-sze');
  t.notMatch(res.body, /token/i, 'no link secrets');

  const other = JSON.parse((await app.inject(`/registrations/${tokenB}/my-data.json`)).body) as RegistrationCopy;
  t.equal(other.registration.email, 'wing-sze.ho@example.test');
  t.equal((await app.inject(`/registrations/${newToken()}/my-data.json`)).statusCode, 404, 'an unknown token is not found');
  t.equal((await app.inject('/registrations/not-a-token/my-data.json')).statusCode, 404);
  t.equal((await app.inject(`/registrations/${hashToken(tokenA)}/my-data.json`)).statusCode, 404, 'the stored hash is no key');
});

t.test('a delegation leader downloads their delegation, and nothing of another', async (t) => {
  const { app, db } = await buildApp(t);
  const delegations = await db.selectFrom('delegations').select(['id', 'name', 'contact_email']).orderBy('id').limit(2).execute();
  t.equal(delegations.length, 2);
  const tokens = delegations.map(() => newToken());
  for (const [i, d] of delegations.entries()) {
    await db.updateTable('delegations').set({ token_hash: hashToken(tokens[i] as string) }).where('id', '=', d.id).execute();
  }
  const [first, second] = delegations as [typeof delegations[0], typeof delegations[0]];
  const members = await db.selectFrom('delegation_members').select('name').where('delegation_id', '=', first.id).orderBy('position').execute();
  const others = await db.selectFrom('delegation_members').select('name').where('delegation_id', '=', second.id).execute();

  const res = await app.inject(`/delegations/${tokens[0]}/my-data.json`);
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-disposition'], /^attachment; filename="my-delegation-.+\.json"$/);
  t.equal(res.headers['cache-control'], 'no-store');
  const data = JSON.parse(res.body) as DelegationCopy;
  t.equal(data.delegation.name, first.name);
  t.equal(data.delegation.contact_email, first.contact_email);
  t.same(data.members.map((m) => m.name), members.map((m) => m.name));
  if (second.contact_email !== first.contact_email) t.notMatch(res.body, second.contact_email);
  for (const o of others) if (!members.some((m) => m.name === o.name)) t.notMatch(res.body, o.name);
  t.equal((await app.inject(`/delegations/${newToken()}/my-data.json`)).statusCode, 404);
  t.equal((await app.inject('/delegations/x/my-data.json')).statusCode, 404);
});

t.test('deleting one\'s data cancels through the usual path: the place goes to the waiting list', async (t) => {
  const { app, db } = await buildApp(t);
  const event = await openSeminar(db);
  await db.updateTable('events').set({ capacity: event.confirmed_count + 1, waitlist_enabled: true }).where('id', '=', event.id).execute();
  const agent = new Agent(app);
  const a = await agent.post(`/events/${event.slug}/register`, person('Cheung Hoi-lam', 'hoi-lam.cheung@example.test'));
  const b = await new Agent(app).post(`/events/${event.slug}/register`, person('Yip Tsz-kin', 'tsz-kin.yip@example.test'));
  const tokenA = tokenOf(a.headers.location);
  const tokenB = tokenOf(b.headers.location);
  const rows = await db.selectFrom('registrations').select(['email', 'status']).where('event_id', '=', event.id)
    .where('email', 'in', ['hoi-lam.cheung@example.test', 'tsz-kin.yip@example.test']).orderBy('email').execute();
  t.same(rows, [{ email: 'hoi-lam.cheung@example.test', status: 'confirmed' }, { email: 'tsz-kin.yip@example.test', status: 'waitlisted' }]);

  const confirm = await agent.get(`/registrations/${tokenA}/delete`);
  t.equal(confirm.statusCode, 200);
  t.match(confirm.body, /Delete your data\?/);
  t.match(confirm.body, /name="_csrf"/);

  // Without the form's CSRF token nothing happens.
  const forged = await new Agent(app).post(`/registrations/${tokenA}/delete`, { _csrf: 'forged' });
  t.equal(forged.statusCode, 403);
  t.equal((await db.selectFrom('registrations').select('status').where('token_hash', '=', hashToken(tokenA)).executeTakeFirstOrThrow()).status, 'confirmed');

  const done = await agent.post(`/registrations/${tokenA}/delete`);
  t.equal(done.statusCode, 303);
  t.equal(done.headers.location, `/registrations/${tokenA}`);

  const erased = await db.selectFrom('registrations').selectAll().where('token_hash', '=', hashToken(tokenA)).executeTakeFirstOrThrow();
  t.equal(erased.status, 'cancelled');
  t.ok(erased.erased_at);
  t.equal(erased.name, '[erased]');
  t.match(erased.email, /@erased\.invalid$/);
  t.equal(erased.organisation, '');
  const promoted = await db.selectFrom('registrations').select('status').where('email', '=', 'tsz-kin.yip@example.test').executeTakeFirstOrThrow();
  t.equal(promoted.status, 'confirmed', 'the waiting list moved up');
  const after = await db.selectFrom('events').select(['confirmed_count', 'capacity']).where('id', '=', event.id).executeTakeFirstOrThrow();
  t.equal(after.confirmed_count, after.capacity, 'the freed place is taken by the promoted person');
  t.notOk(await db.selectFrom('mail_outbox').select('id').where('to_address', '=', 'hoi-lam.cheung@example.test').executeTakeFirst(),
    'the queued mail to the person no longer holds the address');
  t.ok(await db.selectFrom('mail_outbox').select('id').where('to_address', '=', 'tsz-kin.yip@example.test').where('subject', 'like', 'A place has come free%').executeTakeFirst(),
    'the promoted person is told');
  const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'erase_own_data').executeTakeFirstOrThrow();
  t.equal(audit.entity_id, String(erased.id));
  t.notMatch(JSON.stringify(audit.changes), 'cheung');

  const page = await app.inject(`/registrations/${tokenA}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /Your personal data has been deleted/);
  t.notMatch(page.body, 'Cheung Hoi-lam');
  t.notMatch(page.body, 'hoi-lam.cheung');
  t.notMatch(page.body, `${tokenA}/delete"`, 'no second delete offered');
  const again = await agent.post(`/registrations/${tokenA}/delete`);
  t.equal(again.statusCode, 303, 'deleting again changes nothing and fails nothing');
  const b2 = await db.selectFrom('registrations').select(['name', 'erased_at', 'token_hash']).where('email', '=', 'tsz-kin.yip@example.test').executeTakeFirstOrThrow();
  t.same([b2.name, b2.erased_at], ['Yip Tsz-kin', null], 'the other registration keeps its data');
  t.not(b2.token_hash, hashToken(tokenB), 'promotion sent the other person a new link, as it always does');
  const data = JSON.parse((await app.inject(`/registrations/${tokenA}/my-data.json`)).body) as RegistrationCopy;
  t.equal(data.registration.name, '[erased]');
});

t.test('someone already checked in deletes their data and still counts as attending', async (t) => {
  const { app, db } = await buildApp(t);
  const row = await db.selectFrom('registrations as r').innerJoin('events as e', 'e.id', 'r.event_id')
    .where('e.slug', '=', 'sme-seminar-2019').where('r.checked_in_at', 'is not', null)
    .select(['r.id', 'r.name', 'r.checked_in_at', 'e.id as event_id', 'e.confirmed_count']).executeTakeFirstOrThrow();
  const token = newToken();
  await db.updateTable('registrations').set({ token_hash: hashToken(token) }).where('id', '=', row.id).execute();
  const summaryBefore = (await app.inject('/periods/2018-19/summary.txt')).body;
  const agent = new Agent(app);
  const confirm = await agent.get(`/registrations/${token}/delete`);
  t.match(confirm.body, /still counts one attendee/);
  t.equal((await agent.post(`/registrations/${token}/delete`)).statusCode, 303);
  const after = await db.selectFrom('registrations').select(['name', 'status', 'checked_in_at', 'erased_at']).where('id', '=', row.id).executeTakeFirstOrThrow();
  t.equal(after.status, 'confirmed');
  t.same(after.checked_in_at, row.checked_in_at);
  t.equal(after.name, '[erased]');
  t.ok(after.erased_at);
  const event = await db.selectFrom('events').select('confirmed_count').where('id', '=', row.event_id).executeTakeFirstOrThrow();
  t.equal(event.confirmed_count, row.confirmed_count, 'no place is given back');
  t.equal((await app.inject('/periods/2018-19/summary.txt')).body, summaryBefore, 'the summary is unchanged');
});

t.test('the background job erases a period once its date has come', async (t) => {
  const { app, db } = await buildApp(t);
  await db.updateTable('periods').set({ erase_personal_data_on: '2020-01-01' }).where('slug', '=', '2018-19').execute();
  const worker = startErasureWorker(db, app.log, 3_600_000, 10);
  let marked: Date | null = null;
  for (let i = 0; i < 200 && !marked; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    marked = (await db.selectFrom('periods').select('personal_data_erased_at').where('slug', '=', '2018-19').executeTakeFirstOrThrow()).personal_data_erased_at;
  }
  await worker.stop();
  t.ok(marked, 'the period is erased');
  const left = await sql<{ n: number }>`select count(*)::int as n from registrations r join events e on e.id = r.event_id
    where e.slug = 'sme-seminar-2019' and r.erased_at is null`.execute(db);
  t.equal(left.rows[0]?.n, 0);
});

t.test('bad retention input is refused beside the field and nothing is stored', async (t) => {
  const { app, db } = await buildApp(t);
  const admin = await signedIn(app, 'admin@ipcoop.test');
  const stored = () => db.selectFrom('periods').select(['retention_months', 'erase_personal_data_on']).where('slug', '=', '2018-19').executeTakeFirstOrThrow();
  const before = await stored();
  t.same(before, { retention_months: null, erase_personal_data_on: null });

  const cases: [Record<string, string>, string, RegExp][] = [
    [{ retention_months: 'twelve', erase_on: '' }, 'retention_months', /whole number of months/],
    [{ retention_months: '121', erase_on: '' }, 'retention_months', /from 0 to 120/],
    [{ retention_months: '-1', erase_on: '' }, 'retention_months', /from 0 to 120/],
    [{ retention_months: '1'.repeat(5000), erase_on: '' }, 'retention_months', /from 0 to 120/],
    [{ retention_months: '', erase_on: '2019-02-30' }, 'erase_on', /YYYY-MM-DD/],
    [{ retention_months: '', erase_on: 'next year' }, 'erase_on', /YYYY-MM-DD/],
    [{ retention_months: '', erase_on: '2018-12-31' }, 'erase_on', /after the period ends/],
    [{ retention_months: '12', erase_on: '2025-01-01' }, 'erase_on', /not both/],
    [{ retention_months: ['1', '2'] as unknown as string }, 'retention_months', /./],
  ];
  for (const [form, fieldName, message] of cases) {
    const res = await admin.post('/manage/periods/2018-19/retention', form);
    t.equal(res.statusCode, 400, `${JSON.stringify(form).slice(0, 60)} refused`);
    const beside = new RegExp(`<p class="field__error" id="f-${fieldName}-error">([^<]*)</p>`).exec(res.body);
    t.ok(beside, `the message is beside ${fieldName}`);
    t.match(beside?.[1] ?? '', message);
    t.match(res.body, 'class="error-summary"');
  }
  t.same(await stored(), before, 'nothing stored');
  t.equal((await db.selectFrom('audit_log').select('id').where('action', '=', 'set_retention').execute()).length, 0);

  t.equal((await admin.post('/manage/periods/1999-00/retention', { retention_months: '12' })).statusCode, 404);
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  t.equal((await organiser.get('/manage/periods/2018-19/retention')).statusCode, 404, 'administrators only');
  t.equal((await organiser.post('/manage/periods/2018-19/retention', { retention_months: '0' })).statusCode, 404);
  t.equal((await app.inject({ method: 'POST', url: '/manage/periods/2018-19/retention', payload: { retention_months: '0' } })).statusCode, 401);
  t.same(await stored(), before, 'still nothing stored');

  const ok = await admin.post('/manage/periods/2018-19/retention', { retention_months: '', erase_on: '2021-06-30' });
  t.equal(ok.statusCode, 303);
  t.same(await stored(), { retention_months: null, erase_personal_data_on: '2021-06-30' });
  const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'set_retention').executeTakeFirstOrThrow();
  t.same(audit.changes.erase_personal_data_on, { from: null, to: '2021-06-30' });
  const cleared = await admin.post('/manage/periods/2018-19/retention', { retention_months: '', erase_on: '' });
  t.equal(cleared.statusCode, 303);
  t.same(await stored(), before, 'both empty clears the rule');
});
