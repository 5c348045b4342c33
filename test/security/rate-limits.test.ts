import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import t from 'tap';
import { loadConfig } from '../../src/config.ts';
import {
  addressSubject, countHit, DELEGATIONS_PER_ADDRESS, emailSubject, ENTRIES_PER_ADDRESS, peekLimits, type RateLimit,
  REGISTRATIONS_PER_ADDRESS, REGISTRATIONS_PER_EMAIL,
} from '../../src/lib/rate-limit.ts';
import { Agent } from '../helpers/agent.ts';
import { build } from '../helpers/app.ts';

/*
 * Rate limits on the public forms that write (issue 16, item 6): registration for an event, a
 * contest entry, a delegation. Counted in the database per address and per email address, only
 * for forms that passed their checks; over a limit the answer is 429 with Retry-After, in the
 * visitor's language, and nothing is written. Requests come from addresses of the test's own
 * choosing (app.inject's remoteAddress).
 */

type Db = Awaited<ReturnType<typeof build>>['db'];

/**
 * Waits, when the current window of a limit is about to end, for the next one: the hits of one
 * test all land in one window. (Windows are fixed, from the epoch, as src/lib/rate-limit.ts has them.)
 */
async function clearOfWindowEnd(limit: RateLimit, marginSeconds = 30) {
  const length = limit.windowSeconds * 1000;
  const left = length - (Date.now() % length);
  if (left < marginSeconds * 1000) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

/** A form posted as a browser would, from the given address. */
async function postFrom(
  agent: Agent, remoteAddress: string, url: string, form: Record<string, string>, headers: Record<string, string> = {},
) {
  const payload = new URLSearchParams({ _csrf: agent.csrf, ...form }).toString();
  return agent.app.inject({
    method: 'POST', url, payload, remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: agent.cookieHeader, ...headers },
  });
}

const person = (email: string) => ({ name: 'Chan Tai-man', email, organisation: 'Hong Kong Productivity Council', side: 'HK', consent: 'on' });

/** The current year's SME seminar, open for registration, with room for everyone these tests send. */
async function openSeminar(db: Db) {
  const event = await db.selectFrom('events').selectAll().where('slug', 'like', 'sme-seminar-20__-__').where('status', '=', 'published')
    .where('starts_at', '>', new Date()).executeTakeFirstOrThrow();
  await db.updateTable('events').set({ capacity: null }).where('id', '=', event.id).execute();
  return event;
}

/** Row counts of what the forms write, and of the counters themselves. */
async function written(db: Db) {
  const { rows } = await sql<Record<string, number>>`select
    (select count(*)::int from registrations) as registrations, (select count(*)::int from entries) as entries,
    (select count(*)::int from delegations) as delegations, (select count(*)::int from mail_outbox) as mail,
    (select count(*)::int from rate_limits) as counters, (select coalesce(sum(count), 0)::int from rate_limits) as hits`.execute(db);
  return rows[0];
}

const retryAfter = (res: { headers: Record<string, unknown> }) => Number(res.headers['retry-after']);

t.test('registration: over the limit per address, 429 with Retry-After and nothing written; another address still registers', async (t) => {
  const { app, db } = await build(t);
  const event = await openSeminar(db);
  const url = `/events/${event.slug}/register`;
  const agent = new Agent(app);
  await agent.get(`/events/${event.slug}`);
  await clearOfWindowEnd(REGISTRATIONS_PER_ADDRESS);

  const office = '203.0.113.10';
  const statuses: number[] = [];
  for (let i = 0; i < REGISTRATIONS_PER_ADDRESS.max; i++) {
    statuses.push((await postFrom(agent, office, url, person(`colleague-${i}@office.test`))).statusCode);
  }
  t.same([...new Set(statuses)], [303], `${REGISTRATIONS_PER_ADDRESS.max} registrations from one address are taken`);
  const counter = await db.selectFrom('rate_limits').select('count').where('key', '=', `registration:address:${office}`).executeTakeFirst();
  t.equal(counter?.count, REGISTRATIONS_PER_ADDRESS.max, 'counted in the database');

  // Refused forms are not counted: a typo does not use up an office's budget.
  const typo = await postFrom(agent, office, url, person('not-an-email'));
  t.equal(typo.statusCode, 400);

  const before = await written(db);
  const over = await postFrom(agent, office, url, person('one-too-many@office.test'));
  t.equal(over.statusCode, 429, `the ${REGISTRATIONS_PER_ADDRESS.max + 1}th from the address is refused`);
  t.ok(retryAfter(over) >= 1 && retryAfter(over) <= REGISTRATIONS_PER_ADDRESS.windowSeconds, `Retry-After: ${String(over.headers['retry-after'])}`);
  t.match(over.headers['content-type'], /text\/html/);
  t.match(over.body, /Too many forms have been sent from your network, or with this email address, in a short time\. Try again in \d+ minutes?\./);
  t.notOk(await db.selectFrom('registrations').select('id').where('email', '=', 'one-too-many@office.test').executeTakeFirst(), 'no registration');
  t.same(await written(db), before, 'nothing written: no registration, no mail, not even the count');

  const zh = await postFrom(agent, office, `${url}?lang=zh-Hant`, person('another@office.test'));
  t.equal(zh.statusCode, 429);
  t.equal(zh.headers['content-language'], 'zh-Hant');
  t.match(zh.body, /短時間內由你的網絡或以此電郵地址提交的表格過多。請於 \d+ 分鐘後再試。/, 'in the visitor\'s language');

  const elsewhere = await postFrom(agent, '198.51.100.20', url, person('elsewhere@home.test'));
  t.equal(elsewhere.statusCode, 303, 'another address still registers');
  t.ok(await db.selectFrom('registrations').select('id').where('email', '=', 'elsewhere@home.test').executeTakeFirst());
});

t.test('registration: over the limit per email address, whatever the address, and with a +tag too', async (t) => {
  const { app, db } = await build(t);
  const event = await openSeminar(db);
  const url = `/events/${event.slug}/register`;
  const agent = new Agent(app);
  await agent.get(`/events/${event.slug}`);
  await clearOfWindowEnd(REGISTRATIONS_PER_EMAIL);

  for (let i = 0; i < REGISTRATIONS_PER_EMAIL.max; i++) {
    const res = await postFrom(agent, `192.0.2.${i + 1}`, url, person('kim.lee@participant.test'));
    t.equal(res.statusCode, 303, `registration ${i + 1} for the address (first, then repeats) is answered`);
  }
  const mailBefore = await db.selectFrom('mail_outbox').select('id').where('to_address', 'like', 'kim.lee%').execute();
  const before = await written(db);
  for (const email of ['Kim.Lee@participant.test', 'kim.lee+events@participant.test']) {
    const over = await postFrom(agent, '192.0.2.99', url, person(email));
    t.equal(over.statusCode, 429, `${email} from a fresh address is refused`);
    t.ok(retryAfter(over) >= 1 && retryAfter(over) <= REGISTRATIONS_PER_EMAIL.windowSeconds);
  }
  t.same(await written(db), before, 'nothing written');
  t.same(await db.selectFrom('mail_outbox').select('id').where('to_address', 'like', 'kim.lee%').execute(), mailBefore,
    'no more mail to that inbox');
  t.notOk(await db.selectFrom('registrations').select('id').where('email', '=', 'kim.lee+events@participant.test').executeTakeFirst());
  t.equal((await postFrom(agent, '192.0.2.99', url, person('someone.else@participant.test'))).statusCode, 303,
    'the same address with another email registers');
});

t.test('contest entries: over the limit per address, refused before any file is read', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ipcoop-rate-entries-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const { app, db } = await build(t, { env: { DATA_DIR: dataDir } });
  const contest = await db.selectFrom('contests').selectAll().where('slug', 'like', 'hvpp-contest-20__-__').where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  const url = `/contests/${contest.slug}/entries`;
  const agent = new Agent(app);
  await agent.get(`/contests/${contest.slug}`);
  await clearOfWindowEnd(ENTRIES_PER_ADDRESS);
  const entry = (n: number) => ({
    applicant_name: `Firm ${n} Limited`, applicant_type: 'enterprise', side: 'HK', title: `Portfolio ${n}`, patent_numbers: 'HK1234567',
    contact_person: 'Ms. Wong', category: 'manufacturing', summary: 'Patents.', email: `ip-${n}@firm.test`,
  });

  const firm = '203.0.113.77';
  const statuses: number[] = [];
  for (let n = 0; n < ENTRIES_PER_ADDRESS.max; n++) statuses.push((await postFrom(agent, firm, url, entry(n))).statusCode);
  t.same([...new Set(statuses)], [303], `${ENTRIES_PER_ADDRESS.max} entries from one address are taken`);

  const before = await written(db);
  const over = await postFrom(agent, firm, url, entry(99));
  t.equal(over.statusCode, 429);
  t.ok(retryAfter(over) >= 1 && retryAfter(over) <= ENTRIES_PER_ADDRESS.windowSeconds);
  t.match(over.body, /Too many forms have been sent from your network/);
  t.same(await written(db), before, 'no entry, no mail, no count');

  // With a file: refused once the fields before it are read, before a byte of the file is. The body
  // is cut short inside the file, so a server that read on would find it unreadable (400) instead.
  const boundary = '----ipcoop-rate-limit';
  const fields = { _csrf: agent.csrf, ...entry(100) };
  const payload = Buffer.concat([
    ...Object.entries(fields).map(([k, v]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="claims.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
    Buffer.from('%PDF-1.4\n'), Buffer.alloc(2 * 1024 * 1024, 0x20),
  ]);
  const withFile = await app.inject({
    method: 'POST', url, payload, remoteAddress: firm,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: agent.cookieHeader },
  });
  t.equal(withFile.statusCode, 429, 'refused before the file is read');
  t.ok(retryAfter(withFile) >= 1);
  t.same(await written(db), before, 'nothing written');
  t.same(await readdir(join(dataDir, 'incoming')).catch(() => []), [], 'no file received');
  t.same(await readdir(join(dataDir, 'attachments')).catch(() => []), [], 'no file stored');

  t.equal((await postFrom(agent, '198.51.100.77', url, entry(101))).statusCode, 303, 'another address still enters');
});

t.test('delegations: over the limit per address', async (t) => {
  const { app, db } = await build(t);
  const programme = await db.selectFrom('programmes').selectAll().where('slug', 'like', 'copyright-students-exchange-%')
    .where('status', '=', 'open').executeTakeFirstOrThrow();
  await db.updateTable('programmes').set({ capacity: null }).where('id', '=', programme.id).execute();
  const url = `/programmes/${programme.slug}/register`;
  const agent = new Agent(app);
  await agent.get(url);
  await clearOfWindowEnd(DELEGATIONS_PER_ADDRESS);
  const delegation = (n: number) => ({
    name: `Delegation ${n}`, leading_organisation_id: '', from_side: 'HK', to_side: 'GD', contact_name: 'Lam Tsz-ching',
    contact_email: `leader-${n}@school.test`, member_0_name: `Head ${n}`, member_0_role: 'head', member_0_organisation: 'Sha Tin College',
  });

  const school = '203.0.113.200';
  const statuses: number[] = [];
  for (let n = 0; n < DELEGATIONS_PER_ADDRESS.max; n++) statuses.push((await postFrom(agent, school, url, delegation(n))).statusCode);
  t.same([...new Set(statuses)], [303], `${DELEGATIONS_PER_ADDRESS.max} delegations from one address are taken`);

  // Adding a member row is not a delegation sent: it is never counted, nor refused.
  const row = await postFrom(agent, school, url, { ...delegation(50), add_member: '1' });
  t.equal(row.statusCode, 200);

  const before = await written(db);
  const over = await postFrom(agent, school, url, delegation(99));
  t.equal(over.statusCode, 429);
  t.ok(retryAfter(over) >= 1 && retryAfter(over) <= DELEGATIONS_PER_ADDRESS.windowSeconds);
  t.match(over.body, /Too many forms have been sent/);
  t.same(await written(db), before, 'no delegation, no mail, no count');
  t.notOk(await db.selectFrom('delegations').select('id').where('name', '=', 'Delegation 99').executeTakeFirst());
  t.equal((await postFrom(agent, '198.51.100.200', url, delegation(100))).statusCode, 303, 'another address still registers');
});

t.test('the counter: atomic under concurrent hits, and who counts as one sender', async (t) => {
  const { db } = await build(t);
  const limit: RateLimit = { name: 'test:burst', max: 10, windowSeconds: 3600 };
  await clearOfWindowEnd(limit, 10);
  const results = await Promise.all(Array.from({ length: 30 }, () => countHit(db, [{ limit, subject: 'one' }])));
  t.equal(results.filter((r) => r.ok).length, 10, 'exactly the limit goes through, however the hits arrive');
  const row = await db.selectFrom('rate_limits').select('count').where('key', '=', 'test:burst:one').executeTakeFirstOrThrow();
  t.equal(row.count, 10, 'refused hits are not counted');
  t.notOk((await peekLimits(db, [{ limit, subject: 'one' }])).ok, 'a peek sees the limit reached');
  t.same(await peekLimits(db, [{ limit, subject: 'two' }]), { ok: true });

  // Two limits at once: over one of them, neither is counted.
  const strict: RateLimit = { name: 'test:strict', max: 1, windowSeconds: 3600 };
  const loose: RateLimit = { name: 'test:loose', max: 100, windowSeconds: 3600 };
  t.ok((await countHit(db, [{ limit: loose, subject: 'a' }, { limit: strict, subject: 'b' }])).ok);
  t.notOk((await countHit(db, [{ limit: loose, subject: 'a' }, { limit: strict, subject: 'b' }])).ok);
  t.equal((await db.selectFrom('rate_limits').select('count').where('key', '=', 'test:loose:a').executeTakeFirstOrThrow()).count, 1);

  // Windows long over are deleted by the next count.
  await db.insertInto('rate_limits').values({ key: 'test:old', window_start: new Date(Date.now() - 3 * 3600_000), count: 5 }).execute();
  await countHit(db, [{ limit: loose, subject: 'c' }]);
  t.notOk(await db.selectFrom('rate_limits').select('key').where('key', '=', 'test:old').executeTakeFirst(), 'old windows pruned');

  t.equal(addressSubject('203.0.113.9'), '203.0.113.9');
  t.equal(addressSubject('::ffff:203.0.113.9'), '203.0.113.9', 'IPv4 mapped into IPv6 is the IPv4 address');
  t.equal(addressSubject('2001:db8:1:2:aaaa::1'), addressSubject('2001:0db8:0001:0002:ffff:1:2:3'), 'an IPv6 /64 is one sender');
  t.not(addressSubject('2001:db8:1:2::1'), addressSubject('2001:db8:1:3::1'));
  t.equal(emailSubject('Kim.Lee+news@Example.ORG'), emailSubject('kim.lee@example.org'), 'case and +tags reach one inbox');
  t.not(emailSubject('kim.lee@example.org'), emailSubject('kim.li@example.org'));
  t.notMatch(emailSubject('kim.lee@example.org'), /kim|example/, 'no email address kept in the table');
});

t.test('the limits are on unless RATE_LIMITS=off', async (t) => {
  const base = { DEMO_PASSWORD: 'demo-password-2019' };
  t.equal(loadConfig(base).rateLimits, true);
  t.equal(loadConfig({ ...base, RATE_LIMITS: 'off' }).rateLimits, false);
  t.throws(() => loadConfig({ ...base, RATE_LIMITS: 'maybe' }));
});
