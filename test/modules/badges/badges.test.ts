import { execFileSync } from 'node:child_process';
import t from 'tap';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

/*
 * Badges and table cards: the layouts, the three filters, printing recorded (and a preview that
 * records nothing), names in Chinese drawn with a CJK font, scope, and bad input refused with
 * nothing written. The page lists the people a page at a time, searched by name (Chinese or
 * English), email or organisation, with its counts from the event's tally.
 */

const pdfText = (pdf: Buffer) => execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf }).toString('utf8');
const pages = (pdf: Buffer) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', ['-'], { input: pdf }).toString())?.[1]);

const { app, db } = await build(t);
// An upcoming event of the HKIPD organiser's, with people confirmed: whose badges are printed the night before.
const event = await db.selectFrom('events as e').selectAll('e').where('e.status', '=', 'published').where('e.starts_at', '>', new Date())
  .where('e.item_id', 'in', db.selectFrom('item_parties as ip').innerJoin('organisations as o', 'o.id', 'ip.organisation_id')
    .where('o.code', '=', 'HKIPD').select('ip.item_id'))
  .where('e.item_id', 'not in', db.selectFrom('item_parties as ip').innerJoin('users as u', 'u.organisation_id', 'ip.organisation_id')
    .where('u.email', '=', 'organiser@customs.test').select('ip.item_id'))
  .where((eb) => eb.exists(eb.selectFrom('registrations as r').whereRef('r.event_id', '=', 'e.id').where('r.status', '=', 'confirmed')
    .select('r.id')))
  .orderBy('e.starts_at').executeTakeFirstOrThrow();
const SLUG = event.slug;
const base = `/manage/events/${SLUG}`;
const confirmed = await db.selectFrom('registrations').select(['id']).where('event_id', '=', event.id).where('status', '=', 'confirmed')
  .orderBy('id').execute();
const [first, second] = confirmed.map((r) => r.id);
await db.updateTable('registrations').set({ name: '李小龍', organisation: '香港知識產權署', side: 'HK' }).where('id', '=', first!).execute();
await db.updateTable('registrations').set({ name: 'Ada Wong', organisation: 'Macao Economic Bureau', side: 'MO' }).where('id', '=', second!).execute();

const organiser = await signedIn(app, 'organiser@hkipd.test');
const printedCount = async () => Number((await db.selectFrom('registrations').select((eb) => eb.fn.countAll().as('n'))
  .where('event_id', '=', event.id).where('badge_printed_at', 'is not', null).executeTakeFirstOrThrow()).n);
const audits = async () => Number((await db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n'))
  .where('action', '=', 'badges.print').executeTakeFirstOrThrow()).n);

t.test('the page offers the layouts and filters, and lists who is printed', async (t) => {
  const res = await organiser.get(`${base}/badges`);
  t.equal(res.statusCode, 200);
  t.match(res.body, 'name="layout"');
  t.match(res.body, 'value="unprinted"');
  t.match(res.body, '李小龍');
  t.match(res.body, `action="${base}/badges.pdf"`);
  t.match((await organiser.get(base)).body, `href="${base}/badges"`, 'linked from the event page');
});

t.test('a preview draws every confirmed person on A4 sheets of ten, Chinese names included, and records nothing', async (t) => {
  const res = await organiser.get(`${base}/badges.pdf`);
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], 'application/pdf');
  t.equal(pages(res.rawPayload), Math.ceil(confirmed.length / 10), 'ten to a page');
  const text = pdfText(res.rawPayload);
  t.match(text, '李小龍', 'the name in its own script');
  t.match(text, '香港知識產權署');
  t.match(text, 'Ada Wong');
  t.match(text, 'Macao', 'the side on its band');
  t.equal(await printedCount(), 0, 'nothing recorded');
});

t.test('printing one person on a label records that person only', async (t) => {
  const before = await audits();
  const res = await organiser.post(`${base}/badges.pdf`, { layout: 'label', filter: 'person', person: String(first) });
  t.equal(res.statusCode, 200);
  t.equal(pages(res.rawPayload), 1, 'one badge, one label');
  t.match(pdfText(res.rawPayload), '李小龍');
  const rows = await db.selectFrom('registrations').select(['id', 'badge_printed_at']).where('event_id', '=', event.id)
    .where('badge_printed_at', 'is not', null).execute();
  t.same(rows.map((r) => r.id), [first]);
  t.equal(await audits(), before + 1, 'audited');
  const page = await organiser.get(`${base}/badges`);
  t.match(page.body, '1</strong> printed', 'the list shows it');
});

t.test('"not printed yet" prints the rest, then nobody is left', async (t) => {
  const res = await organiser.post(`${base}/badges.pdf`, { layout: 'sheet', filter: 'unprinted' });
  t.equal(res.statusCode, 200);
  const text = pdfText(res.rawPayload);
  t.notMatch(text, '李小龍', 'the one printed already is left out');
  t.match(text, 'Ada Wong');
  t.equal(await printedCount(), confirmed.length);
  const none = await organiser.post(`${base}/badges.pdf`, { layout: 'sheet', filter: 'unprinted' });
  t.equal(none.statusCode, 409);
  t.match(none.body, 'nobody to print');
});

t.test('table cards: one folded A4 a person, the name on both faces', async (t) => {
  const res = await organiser.get(`${base}/badges.pdf?layout=tent&filter=person&person=${second}`);
  t.equal(res.statusCode, 200);
  t.equal(pages(res.rawPayload), 1);
  t.equal(pdfText(res.rawPayload).split('Ada Wong').length - 1, 2, 'the name twice');
});

t.test('bad input is refused, nothing written', async (t) => {
  await db.updateTable('registrations').set({ badge_printed_at: null }).where('event_id', '=', event.id).execute();
  const before = await audits();
  const waitlisted = await db.selectFrom('registrations').select('id').where('event_id', '=', event.id).where('status', '<>', 'confirmed')
    .executeTakeFirst();
  const otherEvent = await db.selectFrom('registrations').select('id').where('event_id', '<>', event.id).where('status', '=', 'confirmed')
    .executeTakeFirstOrThrow();
  const bad: Record<string, string>[] = [
    { layout: 'poster', filter: 'all' },
    { layout: 'sheet', filter: 'everyone' },
    { layout: 'sheet', filter: 'person', person: '' },
    { layout: 'sheet', filter: 'person', person: 'abc' },
    { layout: 'sheet', filter: 'person', person: '99999999999' },
    { layout: 'sheet', filter: 'person', person: String(otherEvent.id) },
    ...(waitlisted ? [{ layout: 'sheet', filter: 'person', person: String(waitlisted.id) }] : []),
  ];
  for (const form of bad) {
    const posted = await organiser.post(`${base}/badges.pdf`, form);
    t.equal(posted.statusCode, 400, `POST ${JSON.stringify(form)}`);
    t.match(posted.headers['content-type'], 'text/html');
    const got = await organiser.get(`${base}/badges.pdf?${new URLSearchParams(form).toString()}`);
    t.equal(got.statusCode, 400, `GET ${JSON.stringify(form)}`);
  }
  const person = await organiser.post(`${base}/badges.pdf`, { layout: 'sheet', filter: 'person', person: String(otherEvent.id) });
  t.match(person.body, 'Choose a confirmed person of this event.', 'the message beside the field');
  t.equal(await printedCount(), 0, 'nothing recorded');
  t.equal(await audits(), before);
});

t.test('another organisation\'s event is not found; signed-out visitors sign in', async (t) => {
  const outsider = await signedIn(app, 'organiser@customs.test');
  t.equal((await outsider.get(`${base}/badges`)).statusCode, 404);
  t.equal((await outsider.get(`${base}/badges.pdf`)).statusCode, 404);
  t.equal((await outsider.post(`${base}/badges.pdf`, { layout: 'sheet', filter: 'all' })).statusCode, 404);
  t.equal(await printedCount(), 0);
  const anonymous = await new Agent(app).get(`${base}/badges.pdf`);
  t.equal(anonymous.statusCode, 303);
});

/** The people a page lists (the radios that choose one), in order. */
const listed = (html: string) => [...html.matchAll(/name="person" value="(\d+)"/g)].map((m) => Number(m[1]));
/** The next page's address, if the page links to one. */
const nextOf = (html: string) => /href="([^"]*\/badges\?[^"]*after=\d+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
const badgeHolders = async () => db.selectFrom('registrations').select('id').where('event_id', '=', event.id)
  .where('status', '=', 'confirmed').where('erased_at', 'is', null).orderBy('name').orderBy('id').execute();

t.test('the list comes a page at a time, in name order, with the counts of everyone', async (t) => {
  // Enough people for three pages: one statement, as an import writes them.
  await db.insertInto('registrations').values(Array.from({ length: 110 }, (_, n) => ({
    event_id: event.id, name: `Badge Person ${String(n).padStart(3, '0')}`, email: `badge-${n}@list.test`, organisation: 'Paging Ltd',
    side: 'GD' as const, status: 'confirmed' as const, token_hash: `badge-list-${n}`,
  }))).execute();
  await db.updateTable('registrations').set({ badge_printed_at: new Date() }).where('email', 'in', ['badge-1@list.test', 'badge-2@list.test'])
    .execute();
  const everyone = (await badgeHolders()).map((r) => r.id);
  const first = await organiser.get(`${base}/badges`);
  t.equal(first.statusCode, 200);
  t.match(first.body, `<strong>${everyone.length}</strong> confirmed`, 'the count is everyone\'s, not the page\'s');
  t.match(first.body, `<strong>${await printedCount()}</strong> printed`);
  t.match(first.body, `<strong>${everyone.length - (await printedCount())}</strong> not printed yet`);
  t.equal(listed(first.body).length, 50, 'fifty a page');
  const seen: number[] = [];
  let page = first.body;
  let pages = 1;
  for (;;) {
    seen.push(...listed(page));
    const next = nextOf(page);
    if (!next) break;
    const res = await organiser.get(next);
    t.equal(res.statusCode, 200);
    page = res.body;
    pages++;
  }
  t.equal(pages, Math.ceil(everyone.length / 50));
  t.same(seen, everyone, 'every confirmed person once, in name order, across the pages');
  const waiting = await db.selectFrom('registrations').select('id').where('event_id', '=', event.id).where('status', '<>', 'confirmed')
    .execute();
  t.notOk(waiting.some((r) => seen.includes(r.id)), 'nobody who is not confirmed');

  const pastTheEnd = await organiser.get(`${base}/badges?after=${everyone.at(-1)}`);
  t.equal(pastTheEnd.statusCode, 200, 'a page past the end');
  t.same(listed(pastTheEnd.body), []);
  t.match(pastTheEnd.body, 'No confirmed person to list.');
  t.notOk(nextOf(pastTheEnd.body));
  for (const after of ['99999999', '2147483647', String((await db.selectFrom('registrations').select('id')
    .where('event_id', '<>', event.id).executeTakeFirstOrThrow()).id)]) {
    const res = await organiser.get(`${base}/badges?after=${after}`);
    t.equal(res.statusCode, 200, `after=${after}: not this event's`);
    t.same(listed(res.body), []);
  }
  for (const after of ['abc', '-1', '0', '1e99', '99999999999999999999']) {
    const res = await organiser.get(`${base}/badges?after=${after}`);
    t.equal(res.statusCode, 200, `after=${after}: no number, the first page`);
    t.same(listed(res.body), everyone.slice(0, 50));
  }
});

t.test('search by a Chinese or English name, an email address or an organisation', async (t) => {
  await db.updateTable('registrations').set({ email: 'bruce.lee@hkipd.example' }).where('id', '=', first!).execute();
  const search = async (q: string) => {
    const res = await organiser.get(`${base}/badges?${new URLSearchParams({ q }).toString()}`);
    t.equal(res.statusCode, 200, `q=${q}`);
    return { ids: listed(res.body), body: res.body };
  };
  t.same((await search('李小龍')).ids, [first], 'a Chinese name (trigrams)');
  t.same((await search('小龍')).ids, [first], 'two Chinese characters');
  t.same((await search('ada WONG')).ids, [second], 'an English name, in any case');
  t.same((await search('bruce.lee@hkipd')).ids, [first], 'part of an email address');
  t.same((await search('知識產權署')).ids, [first], 'an organisation in Chinese');
  t.same((await search('Economic Bureau')).ids, [second], 'an organisation in English');
  const paging = await search('Paging Ltd');
  t.equal(paging.ids.length, 50, 'a search is paged too');
  const next = nextOf(paging.body);
  t.match(next, /q=Paging\+Ltd&after=\d+/, 'the next page keeps the search');
  const page2 = await organiser.get(next!);
  const rest = listed(page2.body);
  const third = listed((await organiser.get(nextOf(page2.body)!)).body);
  t.equal(new Set([...paging.ids, ...rest, ...third]).size, 110, 'all 110 of Paging Ltd over three pages');
  t.match((await search('Paging Ltd')).body, 'value="Paging Ltd"', 'the search stays in its field');
  const nobody = await search('nobody-at-all');
  t.same(nobody.ids, []);
  t.match(nobody.body, 'No confirmed person to list.');
  const waiting = await db.selectFrom('registrations').select(['id', 'email']).where('event_id', '=', event.id)
    .where('status', '<>', 'confirmed').executeTakeFirst();
  if (waiting) t.same((await search(waiting.email)).ids, [], 'someone not confirmed is not found');

  // One person found on the list, printed from it.
  const res = await organiser.post(`${base}/badges.pdf`, { layout: 'label', filter: 'person', person: String(rest[0]) });
  t.equal(res.statusCode, 200);
  t.equal(pages(res.rawPayload), 1);
});

t.test('a hostile or oversized search is refused or finds nobody, never a server error', async (t) => {
  const long = await organiser.get(`${base}/badges?q=${'x'.repeat(201)}`);
  t.equal(long.statusCode, 400, 'over 200 characters');
  t.match(long.body, 'Search for at most 200 characters.');
  t.same(listed(long.body), []);
  t.equal((await organiser.get(`${base}/badges?q=${'陳'.repeat(200)}`)).statusCode, 200, '200 characters are a search');
  const twice = await organiser.get(`${base}/badges?q=a&q=b`);
  t.equal(twice.statusCode, 400, 'two searches at once');
  const huge = await organiser.get(`${base}/badges?q=${'%E9%99%B3'.repeat(20_000)}`);
  t.ok(huge.statusCode >= 400 && huge.statusCode < 500, `a huge search: ${huge.statusCode}`);
  for (const q of ['%', '_', '%%', '\\', "' or 1=1 --", '<script>alert(1)</script>', '\u0000', '\u001f', 'zq\u001fzq', '\ud800', '  ']) {
    const res = await organiser.get(`${base}/badges?${new URLSearchParams({ q }).toString()}`);
    t.equal(res.statusCode, 200, `q=${JSON.stringify(q)}`);
    t.notMatch(res.body, '<script>alert(1)</script>', 'shown escaped');
    if (q.trim() && q !== '\u0000' && q !== '\u001f') t.same(listed(res.body), [], `q=${JSON.stringify(q)} matches literally: nobody`);
  }
  const chinese = await signedIn(app, 'organiser@hkipd.test');
  const zh = await chinese.get(`${base}/badges?lang=zh-Hant&q=${'x'.repeat(201)}`);
  t.equal(zh.statusCode, 400);
  t.match(zh.body, '搜尋字詞最多 200 個字元。', 'the message in Chinese');
});
