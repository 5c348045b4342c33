import { readFile } from 'node:fs/promises';
import t from 'tap';
import { parseNarrative } from '../../../src/modules/summary/placeholders.ts';
import { UNAVAILABLE } from '../../../src/modules/summary/service.ts';
import { build } from '../../helpers/app.ts';

const seedText = await readFile(new URL('../../fixtures/summary-2018-19.txt', import.meta.url), 'utf8');

/*
 * The published file carries two artefacts of its conversion: sentences split across a page
 * break by a blank line, and an escaped dollar sign. Compare words, not line breaks.
 */
const words = (s: string) => s.replace(/HK\\\$/g, 'HK$').replace(/\s+/g, ' ').trim();

t.test('summary.txt reads as the published 2018-19 summary, word for word', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ method: 'GET', url: '/periods/2018-19/summary.txt' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain; charset=utf-8/);
  t.equal(words(res.body), words(seedText));

  const lines = res.body.split('\n');
  t.same(lines.slice(0, 6), [
    'Guangdong/Hong Kong Expert Group on the Protection of Intellectual Property Rights (IPRs)', '',
    'Summary of Co-operation Items', '', '(2018-2019)', '',
  ]);
  const headings = lines.filter((l) => /^\d+\. /.test(l)).map((l) => Number(l.split('.')[0]));
  t.same(headings, Array.from({ length: 27 }, (_, i) => i + 1), 'all 27 items, in order');
  t.notMatch(res.body, /\n\n\n/, 'one blank line between paragraphs');
  t.notMatch(res.body, /\{\{|\}\}/, 'no placeholder left unresolved');
});

t.test('every narrative in the seeds resolves without error', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ method: 'GET', url: '/periods/2018-19/summary.txt' });
  t.notMatch(res.body, UNAVAILABLE);
});

t.test('figures come from rows: checking ten more people in changes the item 17 text', async (t) => {
  const { app, db } = await build(t);
  const item = await db.selectFrom('items as i').innerJoin('periods as p', 'p.id', 'i.period_id')
    .where('p.slug', '=', '2018-19').where('i.number', '=', 17).select(['i.id', 'i.narrative']).executeTakeFirstOrThrow();
  const ref = parseNarrative(item.narrative).flatMap((p) =>
    p.kind === 'placeholder' && p.placeholder.metric === 'attendance' ? [p.placeholder.ref] : []);
  t.equal(ref.length, 1, 'item 17 states the seminar attendance as a live figure');
  const event = await db.selectFrom('events').select('id').where('slug', '=', ref[0] as string).executeTakeFirstOrThrow();

  const attended = async () => Number((await db.selectFrom('registrations').where('event_id', '=', event.id)
    .where('checked_in_at', 'is not', null).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const before = await attended();
  const item17 = async () => {
    const res = await app.inject({ method: 'GET', url: '/periods/2018-19/summary.txt' });
    return res.body.split(/\n\n(?=\d+\. )/).find((block) => block.startsWith('17. ')) ?? '';
  };
  const textBefore = await item17();
  t.match(textBefore, /About 200 participants attended the seminar\./);

  const toCheckIn = await db.selectFrom('registrations').select('id').where('event_id', '=', event.id)
    .where('status', '=', 'confirmed').where('checked_in_at', 'is', null).limit(10).execute();
  t.equal(toCheckIn.length, 10, 'the seed leaves people to check in');
  await db.updateTable('registrations').set({ checked_in_at: new Date() })
    .where('id', 'in', toCheckIn.map((r) => r.id)).execute();
  const after = await attended();
  t.equal(after, before + 10);

  const textAfter = await item17();
  t.not(textAfter, textBefore);
  const rounded = Math.round(after / 10) * 10;
  t.match(textAfter, `About ${rounded} participants attended the seminar.`);
});

t.test('items 19 and 20 name the places visited from the itinerary data', async (t) => {
  const { app, db } = await build(t);
  const itemText = async (n: number) => {
    const res = await app.inject({ method: 'GET', url: '/periods/2018-19/summary.txt' });
    return res.body.split(/\n\n(?=\d+\. )/).find((block) => block.startsWith(`${n}. `)) ?? '';
  };
  t.match(await itemText(19), 'included visiting the Hong Kong International Arbitration Centre and the Xiqu Centre and attending');
  t.match(await itemText(20), 'They visited the Huizhou Hualuogeng Senior High School and organisations in the IP industry.');
  t.match(await itemText(20), 'They visited the Hong Kong Customs and learned');

  // A third visit on the first day of item 19's programme joins the list; the text follows.
  const visit = await db.selectFrom('delegation_visits as v').innerJoin('delegations as d', 'd.id', 'v.delegation_id')
    .innerJoin('programmes as p', 'p.id', 'd.programme_id').where('p.slug', '=', 'copyright-industry-exchange-2019')
    .select('v.delegation_id').executeTakeFirstOrThrow();
  await db.insertInto('delegation_visits').values({
    delegation_id: visit.delegation_id, visit_on: '2019-08-15', starts_at: '17:30', host: 'Hong Kong Design Centre', place: 'Kowloon Tong',
  }).execute();
  t.match(await itemText(19), 'visiting the Hong Kong International Arbitration Centre, the Xiqu Centre and the Hong Kong Design Centre and attending');

  // Withdrawn delegations' visits no longer count.
  await db.updateTable('delegations').set({ status: 'withdrawn' }).where('id', '=', visit.delegation_id).execute();
  t.match(await itemText(19), 'visiting [figure unavailable] and attending');
});

t.test('recorded figures and awards feed the text', async (t) => {
  const { app, db } = await build(t);
  const figure = await db.selectFrom('figures as f').innerJoin('items as i', 'i.id', 'f.item_id')
    .where('i.number', '=', 7).select(['f.id', 'f.value']).executeTakeFirstOrThrow();
  t.equal(figure.value, 96);
  await db.updateTable('figures').set({ value: 97 }).where('id', '=', figure.id).execute();
  const res = await app.inject({ method: 'GET', url: '/periods/2018-19/summary.txt' });
  t.match(res.body, 'a total of 97 pieces of information of various sorts');

  const grant = await db.selectFrom('award_grants as g').innerJoin('award_tiers as t', 't.id', 'g.tier_id')
    .innerJoin('contests as c', 'c.id', 't.contest_id').innerJoin('items as i', 'i.id', 'c.item_id')
    .where('i.number', '=', 5).where('t.is_major', '=', true).select('g.id').executeTakeFirstOrThrow();
  await db.deleteFrom('award_grants').where('id', '=', grant.id).execute();
  const after = await app.inject({ method: 'GET', url: '/periods/2018-19/summary.txt' });
  t.match(after.body, 'where 27 major awards were handed out');
});

t.test('a broken placeholder never breaks the page: the rest renders and the gap is marked', async (t) => {
  const { app, db } = await build(t);
  await db.updateTable('items').set({ narrative: 'Before {{attendance no-such-event}} and {{nonsense}} after.\n\nSecond paragraph.' })
    .where('number', '=', 3).execute();
  const text = await app.inject({ method: 'GET', url: '/periods/2018-19/summary.txt' });
  t.equal(text.statusCode, 200);
  t.match(text.body, `Before ${UNAVAILABLE} and ${UNAVAILABLE} after.\n\nSecond paragraph.`);
  const page = await app.inject({ method: 'GET', url: '/periods/2018-19' });
  t.equal(page.statusCode, 200);
  t.match(page.body, /class="figure figure--missing"/);
  t.match(page.body, /Second paragraph\./);
});

t.test('narrative text is escaped on the page', async (t) => {
  const { app, db } = await build(t);
  await db.updateTable('items').set({ narrative: '<script>alert(1)</script> & more' }).where('number', '=', 3).execute();
  const page = await app.inject({ method: 'GET', url: '/periods/2018-19' });
  t.notMatch(page.body, '<script>alert(1)</script>');
  t.match(page.body, '&lt;script&gt;alert(1)&lt;/script&gt; &amp; more');
});

t.test('the period page shows every item with its live figures', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ method: 'GET', url: '/periods/2018-19' });
  t.equal(res.statusCode, 200);
  for (let n = 1; n <= 27; n++) t.match(res.body, `id="item-${n}"`);
  t.match(res.body, /<span class="figure" data-metric="attendance">About 100<\/span> participants attended the forum/);
  t.match(res.body, /href="\/periods\/2018-19\/summary.txt"/);
});

t.test('an item page shows its narrative, parties and the records behind its figures', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ method: 'GET', url: '/periods/2018-19/items/17' });
  t.equal(res.statusCode, 200);
  t.match(res.body, /Organising the &quot;Guangdong\/Hong Kong Seminar on Intellectual Property/);
  t.match(res.body, /About 200/);
  t.match(res.body, /href="\/events\//);
  t.match(res.body, /rel="prev" href="\/periods\/2018-19\/items\/16"/);

  const contest = await app.inject({ method: 'GET', url: '/periods/2018-19/items/5' });
  t.match(contest.body, /href="\/contests\//);
  const programme = await app.inject({ method: 'GET', url: '/periods/2018-19/items/20' });
  t.match(programme.body, /href="\/programmes\//);
  const figures = await app.inject({ method: 'GET', url: '/periods/2018-19/items/8' });
  t.match(figures.body, /Recorded figures/);
});

t.test('unknown periods and items are 404 pages', async (t) => {
  const { app } = await build(t);
  for (const url of ['/periods/1999-00', '/periods/1999-00/summary.txt', '/periods/2018-19/items/99',
    '/periods/2018-19/items/abc', '/periods/2018-19/items/-1']) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 404, url);
  }
});

t.test("the public summary never shows a figure of a draft object, nor of another item's", async (t) => {
  const { app, db } = await build(t);
  const period = await db.selectFrom('periods').select('id').where('slug', '=', '2018-19').executeTakeFirstOrThrow();
  const summary = async (lang = 'en') => (await app.inject({ method: 'GET', url: `/periods/2018-19/summary.txt?lang=${lang}` })).body;
  const itemText = (text: string, n: number) => text.split(/\n\n(?=\d+\. )/).find((block) => block.startsWith(`${n}. `)) ?? '';
  const before = await summary();
  t.match(itemText(before, 17), 'About 200 participants attended the seminar.');
  t.match(itemText(before, 19), 'included visiting the Hong Kong International Arbitration Centre and the Xiqu Centre and attending');
  t.match(itemText(before, 5), /where \d+ major awards were handed out/);

  // An event, a programme and a contest put back to draft: their figures go, the rest stays.
  await db.updateTable('events').set({ status: 'draft' }).where('slug', '=', 'sme-seminar-2019').execute();
  await db.updateTable('programmes').set({ status: 'draft' }).where('slug', '=', 'copyright-industry-exchange-2019').execute();
  await db.updateTable('contests').set({ status: 'draft' }).where('slug', '=', 'hvpp-contest-2019').execute();
  const after = await summary();
  t.match(itemText(after, 17), `${UNAVAILABLE} participants attended the seminar.`);
  t.match(itemText(after, 19), `included visiting ${UNAVAILABLE} and attending`);
  t.match(itemText(after, 5), `where ${UNAVAILABLE} major awards were handed out`);
  t.match(itemText(after, 2), 'About 100 participants attended the forum.', 'a public object of the item still shows');
  t.match(itemText(await summary('zh-Hant'), 17), `${UNAVAILABLE}人出席研討會`, 'in Chinese too');
  const page = await app.inject({ method: 'GET', url: '/periods/2018-19/items/17' });
  t.match(page.body, /class="figure figure--missing">\[figure unavailable\]<\/span> participants attended the seminar/);
  t.notMatch(page.body, /About 200/);

  // A narrative that names another item's event, written before the rule: its figure is not shown.
  await db.updateTable('items').set({ narrative: 'Borrowed: {{attendance gba-belt-road-ip-forum-2018 | about}} came.' })
    .where('period_id', '=', period.id).where('number', '=', 3).execute();
  const borrowed = await summary();
  t.match(itemText(borrowed, 3), `Borrowed: ${UNAVAILABLE} came.`);
  t.match(itemText(borrowed, 2), 'About 100 participants attended the forum.', 'the forum still shows in its own item');
});
