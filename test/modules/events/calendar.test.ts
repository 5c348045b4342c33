import ICAL from 'ical.js';
import t from 'tap';
import { escapeText, fold } from '../../../src/modules/events/calendar.ts';
import { build } from '../../helpers/app.ts';

/*
 * The calendar feeds: parsed by ical.js (a calendar library, not our own reading), checked for the
 * shape RFC 5545 asks (CRLF, folded lines, escaped text, a VTIMEZONE), per language, and cached as
 * the public pages are: served again until a write moves the version.
 */

const { app, db } = await build(t);

const octets = (line: string) => Buffer.byteLength(line);

function parse(text: string) {
  const component = new ICAL.Component(ICAL.parse(text) as unknown[]);
  return { component, events: component.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v)) };
}

t.test('folding and escaping', async (t) => {
  t.equal(escapeText('a,b;c\\d\ne'), 'a\\,b\\;c\\\\d\\ne');
  const long = `SUMMARY:${'粵港知識產權'.repeat(20)}`;
  const folded = fold(long).split('\r\n');
  t.ok(folded.length > 1);
  for (const line of folded) t.ok(octets(line) <= 75, `${octets(line)} octets`);
  t.equal(folded.map((l, i) => (i === 0 ? l : l.slice(1))).join(''), long, 'unfolds to the same line, no character cut');
});

t.test('GET /events.ics: every upcoming public event, in the zone of Hong Kong, in the reader\'s language', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/events.ics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], 'text/calendar');
  t.match(res.headers['cache-control'], 'public');
  t.ok(res.body.endsWith('\r\n'));
  t.notOk(/[^\r]\n/.test(res.body), 'every line ends in CRLF');
  for (const line of res.body.split('\r\n')) t.ok(octets(line) <= 75, 'no line over 75 octets');

  const { component, events } = parse(res.body);
  const zone = component.getFirstSubcomponent('vtimezone');
  t.equal(zone?.getFirstPropertyValue('tzid'), 'Asia/Hong_Kong');
  t.equal(String(zone?.getFirstSubcomponent('standard')?.getFirstPropertyValue('tzoffsetto')), '+08:00');
  t.equal(component.getFirstPropertyValue('method'), 'PUBLISH');

  const upcoming = await db.selectFrom('events').selectAll().where('status', 'in', ['published', 'closed', 'cancelled'])
    .where('ends_at', '>=', new Date()).orderBy('starts_at').execute();
  t.ok(upcoming.length > 0);
  t.equal(events.length, upcoming.length, 'one VEVENT per upcoming public event');
  const drafts = await db.selectFrom('events').select('slug').where('status', '=', 'draft').execute();
  for (const d of drafts) t.notMatch(res.body, `/events/${d.slug}\r\n`, 'no draft');

  const first = upcoming[0]!;
  const vevent = events.find((e) => e.uid.startsWith(`event-${first.id}@`));
  t.ok(vevent, 'UID names the event');
  t.equal(vevent!.summary, first.title);
  t.equal(vevent!.component.getFirstProperty('dtstart')?.getParameter('tzid'), 'Asia/Hong_Kong');
  t.equal(vevent!.startDate.toJSDate().getTime(), first.starts_at.getTime(), 'the same instant');
  t.equal(vevent!.endDate.toJSDate().getTime(), first.ends_at.getTime());
  t.equal(vevent!.location, [first.venue, first.city].filter(Boolean).join(', '));
  t.equal(vevent!.component.getFirstPropertyValue('url'), `http://ipcoop.test/events/${first.slug}`);
  t.ok(vevent!.component.getFirstPropertyValue('dtstamp'));
  t.ok(vevent!.component.getFirstPropertyValue('last-modified'));
  t.type(vevent!.sequence, 'number');

  // The Chinese feed: the written Chinese titles.
  const translated = upcoming.find((e) => e.translations['zh-Hant']?.title);
  const zh = await app.inject({ method: 'GET', url: '/events.ics?lang=zh-Hant' });
  t.equal(zh.statusCode, 200);
  if (translated) {
    const title = parse(zh.body).events.find((e) => e.uid.startsWith(`event-${translated.id}@`))?.summary;
    t.equal(title, translated.translations['zh-Hant']!.title);
  }
  t.match(parse(zh.body).component.getFirstPropertyValue('x-wr-calname'), '即將舉行的活動');
});

t.test('text with commas, semicolons, backslashes and line breaks survives a calendar', async (t) => {
  const event = await db.selectFrom('events').selectAll().where('status', '=', 'published')
    .where('ends_at', '>=', new Date()).orderBy('starts_at').executeTakeFirstOrThrow();
  const title = 'Forum; patents, designs \\ trade marks — 粵港知識產權研討會 '.repeat(3).trim();
  const description = 'Line one, with a comma;\nline two\\end';
  await db.updateTable('events').set({ title, description, venue: 'Hall 1, Level 2; Wan Chai', city: 'Hong Kong', updated_at: new Date(Date.now() + 90_000) })
    .where('id', '=', event.id).execute();
  const res = await app.inject({ method: 'GET', url: `/events/${event.slug}.ics` });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-disposition'], `${event.slug}.ics`);
  for (const line of res.body.split('\r\n')) t.ok(octets(line) <= 75, 'no line over 75 octets');
  const { events } = parse(res.body);
  t.equal(events.length, 1);
  t.equal(events[0]!.summary, title);
  t.equal(events[0]!.description, `${description}\n\nhttp://ipcoop.test/events/${event.slug}`);
  t.equal(events[0]!.location, 'Hall 1, Level 2; Wan Chai, Hong Kong');
  t.ok(events[0]!.sequence > 0, 'a changed event has a higher SEQUENCE');
});

t.test('the feeds are cached until a change, and the page route still answers', async (t) => {
  const event = await db.selectFrom('events').selectAll().where('status', '=', 'published')
    .where('ends_at', '>=', new Date()).orderBy('starts_at', 'desc').executeTakeFirstOrThrow();
  const url = `/events/${event.slug}.ics`;
  await app.inject({ method: 'GET', url });
  const hits = app.pageCache.hits;
  const again = await app.inject({ method: 'GET', url });
  t.equal(app.pageCache.hits, hits + 1, 'served from the cache');
  t.match(again.headers['content-type'], 'text/calendar');
  await db.updateTable('events').set({ title: 'Renamed forum', updated_at: new Date() }).where('id', '=', event.id).execute();
  const renamed = await app.inject({ method: 'GET', url });
  t.equal(parse(renamed.body).events[0]!.summary, 'Renamed forum', 'a change is seen at once');
  const feed = await app.inject({ method: 'GET', url: '/events.ics' });
  t.ok(parse(feed.body).events.some((e) => e.summary === 'Renamed forum'), 'in the feed too');

  const page = await app.inject({ method: 'GET', url: `/events/${event.slug}` });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], 'text/html');
  t.match(page.body, `href="/events/${event.slug}.ics?lang=en"`, 'the page offers "add to calendar"');
  const list = await app.inject({ method: 'GET', url: '/events' });
  t.match(list.body, 'href="/events.ics?lang=en"', 'the list offers a subscription');
});

t.test('unknown, draft and malformed events are not found', async (t) => {
  t.equal((await app.inject({ method: 'GET', url: '/events/no-such-event.ics' })).statusCode, 404);
  const draft = await db.selectFrom('events').select('slug').where('status', '=', 'draft').executeTakeFirst();
  if (draft) t.equal((await app.inject({ method: 'GET', url: `/events/${draft.slug}.ics` })).statusCode, 404);
  const long = (await app.inject({ method: 'GET', url: `/events/${'x'.repeat(300)}.ics` })).statusCode;
  t.ok(long >= 400 && long < 500, `an over-long name: ${long}`);
  t.equal((await app.inject({ method: 'GET', url: '/events/%00.ics' })).statusCode, 404, 'a NUL names nothing');
  t.equal((await app.inject({ method: 'GET', url: '/events/a%0Ab.ics' })).statusCode, 404);
});
