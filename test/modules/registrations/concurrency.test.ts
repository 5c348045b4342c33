import t from 'tap';
import { Agent } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { TEST_DATABASE_URL } from '../../helpers/database.ts';

/*
 * Capacity is guaranteed by the database, whatever arrives at once. Only PostgreSQL runs
 * transactions side by side (PGlite has one connection and serialises them), so only there
 * does this test prove anything.
 */

t.test('200 registrations at once for 50 places: exactly 50 confirmed, 150 waitlisted, one email each', {
  skip: TEST_DATABASE_URL ? false : 'needs PostgreSQL: set TEST_DATABASE_URL (PGlite serialises all transactions, so there is no race to test)',
}, async (t) => {
  // 200 from one address at once is what the rate limits refuse (test/security/rate-limits.test.ts): off here.
  const { app, db } = await build(t, { env: { RATE_LIMITS: 'off' } });
  const template = await db.selectFrom('events').selectAll().where('slug', 'like', 'ip-commercialisation-workshop-%').executeTakeFirstOrThrow();
  const event = await db.insertInto('events').values({
    item_id: template.item_id, slug: 'rush-test', kind: 'seminar', title: 'The rush', starts_at: template.starts_at,
    ends_at: template.ends_at, capacity: 50, status: 'published', waitlist_enabled: true,
  }).returning(['id', 'slug']).executeTakeFirstOrThrow();

  const agent = new Agent(app);
  await agent.get(`/events/${event.slug}`);
  const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => agent.post(`/events/${event.slug}/register`, {
    name: `Participant ${i}`, email: `rush-${i}@participant.test`, organisation: '', side: 'HK', consent: 'on',
  })));
  t.same([...new Set(responses.map((r) => r.statusCode))], [303], 'every request answered with its manage page');

  const byStatus = await db.selectFrom('registrations').where('event_id', '=', event.id).groupBy('status')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')]).execute();
  t.same(Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])), { confirmed: 50, waitlisted: 150 });
  const counted = await db.selectFrom('events').select('confirmed_count').where('id', '=', event.id).executeTakeFirstOrThrow();
  t.equal(counted.confirmed_count, 50, 'the counter agrees with the rows');

  const mail = await db.selectFrom('mail_outbox').select(['to_address', 'subject']).where('to_address', 'like', 'rush-%').execute();
  t.equal(mail.length, 200, 'one email per registration');
  t.equal(new Set(mail.map((m) => m.to_address)).size, 200, 'no address emailed twice');
  t.equal(mail.filter((m) => m.subject.startsWith('Your place is confirmed')).length, 50);
});
