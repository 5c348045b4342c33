import t from 'tap';
import { build } from '../../helpers/app.ts';

t.test('/events lists upcoming published events, each linking to its page', async (t) => {
  const { app, db } = await build(t);
  const res = await app.inject({ method: 'GET', url: '/events' });
  t.equal(res.statusCode, 200);
  const upcoming = await db.selectFrom('events').select(['slug', 'title']).where('status', '=', 'published')
    .where('ends_at', '>=', new Date()).execute();
  t.ok(upcoming.length > 0);
  for (const e of upcoming) t.match(res.body, `href="/events/${e.slug}"`);
  t.match(res.body, /Registration open/);
  const past = await db.selectFrom('events').select('slug').where('ends_at', '<', new Date()).execute();
  for (const e of past) t.notMatch(res.body, `href="/events/${e.slug}"`);
});

t.test('an event page shows the event and where its registration stands', async (t) => {
  const { app, db } = await build(t);
  const event = await db.selectFrom('events').selectAll().where('status', '=', 'published')
    .where('starts_at', '>', new Date()).orderBy('starts_at').executeTakeFirstOrThrow();
  const res = await app.inject({ method: 'GET', url: `/events/${event.slug}` });
  t.equal(res.statusCode, 200);
  t.match(res.body, `<h1>${event.title.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')}</h1>`);
  t.match(res.body, /Registration/);
});

t.test('a past event shows its attendance', async (t) => {
  const { app, db } = await build(t);
  const row = await db.selectFrom('events as e').innerJoin('registrations as r', 'r.event_id', 'e.id')
    .where('r.checked_in_at', 'is not', null).groupBy('e.slug')
    .select(['e.slug', (eb) => eb.fn.countAll<number>().as('n')]).executeTakeFirstOrThrow();
  const res = await app.inject({ method: 'GET', url: `/events/${row.slug}` });
  t.equal(res.statusCode, 200);
  t.match(res.body, `${Number(row.n)} participants attended`);
});

t.test('draft and unknown events are not found', async (t) => {
  const { app, db } = await build(t);
  const event = await db.selectFrom('events').select(['id', 'slug']).where('status', '=', 'published')
    .executeTakeFirstOrThrow();
  await db.updateTable('events').set({ status: 'draft' }).where('id', '=', event.id).execute();
  for (const url of [`/events/${event.slug}`, '/events/no-such-event', '/events/%3Cscript%3E']) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 404, url);
    t.match(res.body, /We could not find that event/);
    t.notMatch(res.body, /<script>/);
  }
});
