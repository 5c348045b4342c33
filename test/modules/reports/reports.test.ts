import JSZip from 'jszip';
import t from 'tap';
import { signedIn } from '../../helpers/agent.ts';
import { PEOPLE_PER_PAGE } from '../../../src/modules/reports/drilldown.ts';
import { build } from '../../helpers/app.ts';

const seminarEvent = 'sme-seminar-2019';

async function checkInMore(db: Awaited<ReturnType<typeof build>>['db'], n: number) {
  const event = await db.selectFrom('events').select('id').where('slug', '=', seminarEvent).executeTakeFirstOrThrow();
  const rows = await db.selectFrom('registrations').select('id').where('event_id', '=', event.id)
    .where('status', '=', 'confirmed').where('checked_in_at', 'is', null).limit(n).execute();
  await db.updateTable('registrations').set({ checked_in_at: new Date() }).where('id', 'in', rows.map((r) => r.id)).execute();
}

t.test('the summary exports as Markdown, Word and a print page, each read back', async (t) => {
  const { app } = await build(t);
  const text = (await app.inject({ method: 'GET', url: '/periods/2018-19/summary.txt' })).body;
  const titles = text.split('\n').filter((l) => /^\d+\. /.test(l));
  t.equal(titles.length, 27);

  const md = await app.inject({ method: 'GET', url: '/periods/2018-19/summary.md' });
  t.equal(md.statusCode, 200);
  t.match(md.headers['content-type'], /text\/markdown/);
  t.match(md.body, /^# Summary of Co-operation Items \(2018-2019\)/);
  t.match(md.body, '## 17. Organising the "Guangdong/Hong Kong Seminar');
  t.match(md.body, 'About 200 participants attended the seminar.');
  t.equal(md.body.split('\n').filter((l) => l.startsWith('## ')).length, 27);

  const docx = await app.inject({ method: 'GET', url: '/periods/2018-19/summary.docx' });
  t.equal(docx.statusCode, 200);
  t.match(docx.headers['content-disposition'], /attachment; filename="summary-2018-19.docx"/);
  const zip = await JSZip.loadAsync(docx.rawPayload);
  const xml = await zip.file('word/document.xml')?.async('string') ?? '';
  const docText = xml.replace(/<w:p[ >]/g, '\n$&').replace(/<[^>]+>/g, '').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  for (const title of titles) t.match(docText, title.replace(/&/g, '&'), `Word has "${title.slice(0, 40)}"`);
  t.match(docText, 'About 200 participants attended the seminar.');
  t.match(docText, 'valued at about HK$8.3 million');
  t.match(xml, /<w:pgSz w:w="11906" w:h="16838"/, 'A4 pages');

  const print = await app.inject({ method: 'GET', url: '/periods/2018-19/print' });
  t.equal(print.statusCode, 200);
  t.match(print.body, '/static/print.css');
  t.notMatch(print.body, 'class="site-header"');
  const css = await app.inject({ method: 'GET', url: '/static/print.css' });
  t.match(css.body, /@page \{ size: A4/);
});

t.test('charts are SVG with text alternatives giving every value', async (t) => {
  const { app, db } = await build(t);
  const page = await app.inject({ method: 'GET', url: '/periods/2018-19' });
  const charts = [...page.body.matchAll(/<svg[^>]*role="img"[^>]*>.*?<\/svg>/gs)].map((m) => m[0]);
  t.ok(charts.length >= 4, `${charts.length} charts`);
  for (const svg of charts) {
    t.match(svg, /<title id="[^"]+">[^<]+<\/title><desc id="[^"]+">[^<]+<\/desc>/);
    t.match(svg, /aria-labelledby="[^"]+-t [^"]+-d"/);
  }
  const attended = Number((await db.selectFrom('registrations as r').innerJoin('events as e', 'e.id', 'r.event_id')
    .where('e.slug', '=', seminarEvent).where('r.checked_in_at', 'is not', null)
    .select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  t.match(page.body, new RegExp(`Guangdong/Hong Kong Seminar on IP and the Development of SMEs \\(Guangzhou\\): ${attended} people`));
  for (const caption of ['Attendance per event', 'Registrations over time', 'Participants by side', 'Entries per contest', 'Awards per contest', 'Delegations by direction']) {
    t.match(page.body, `<figcaption>${caption}`, caption);
  }
  t.match(page.body, /September 2019: \d+ registrations/, 'registrations counted by the month they were made');
});

t.test('a published edition is frozen; the live summary shows what changed since', async (t) => {
  const { app, db } = await build(t);
  const before = (await app.inject({ method: 'GET', url: '/periods/2018-19/summary.txt' })).body;
  t.equal((await app.inject({ method: 'GET', url: '/periods/2018-19/published' })).statusCode, 404, 'nothing published yet');

  const judge = await signedIn(app, 'judge1@ipcoop.test');
  t.equal((await judge.post('/manage/periods/2018-19/publish')).statusCode, 404, 'judges cannot publish');
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const res = await organiser.post('/manage/periods/2018-19/publish');
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/periods/2018-19?published=1');
  t.equal((await app.inject({ method: 'GET', url: '/periods/2018-19/published.txt' })).body, before);

  await checkInMore(db, 20);
  await db.updateTable('figures').set({ value: 100 }).where('key', '=', 'customs-information-exchanged').execute();
  const live = (await app.inject({ method: 'GET', url: '/periods/2018-19/summary.txt' })).body;
  t.not(live, before, 'the live summary moved');
  t.match(live, 'a total of 100 pieces of information');
  const frozen = await app.inject({ method: 'GET', url: '/periods/2018-19/published.txt' });
  t.equal(frozen.body, before, 'the published edition did not');
  const publishedPage = await app.inject({ method: 'GET', url: '/periods/2018-19/published' });
  t.match(publishedPage.body, 'a total of 96 pieces of information');
  t.match(publishedPage.body, 'About 200 participants attended the seminar.');

  const page = await app.inject({ method: 'GET', url: '/periods/2018-19' });
  t.match(page.body, /2 parts have changed since publication<\/strong>: item 7, item 17\./);
  t.match(page.body, /class="summary__item changed" id="item-17"/);
  t.notMatch(page.body, /class="summary__item changed" id="item-2"/);
  const audit = await db.selectFrom('audit_log').select(['action', 'entity']).where('entity', '=', 'period').execute();
  t.same(audit, [{ action: 'publish', entity: 'period' }]);
});

t.test('only an admin, or the organisers of the year\'s named publisher, publish the summary', async (t) => {
  const { app, db } = await build(t);
  const period = () => db.selectFrom('periods').select(['id', 'publisher_organisation_id', 'published_at'])
    .where('slug', '=', '2018-19').executeTakeFirstOrThrow();
  const orgId = async (code: string) => (await db.selectFrom('organisations').select('id').where('code', '=', code)
    .executeTakeFirstOrThrow()).id;
  t.equal((await period()).publisher_organisation_id, await orgId('HKIPD'), 'the record names HKIPD as its publisher');

  // Party to items of the year, but not its publisher: refused, nothing written, no button offered.
  for (const email of ['organiser@gdipa.test', 'organiser@customs.test']) {
    const organiser = await signedIn(app, email);
    const res = await organiser.post('/manage/periods/2018-19/publish');
    t.equal(res.statusCode, 403, `${email} cannot publish the year`);
    t.match(res.body, 'an administrator publishes it, or the organisers of the organisation named as its publisher');
    const page = await organiser.get('/periods/2018-19');
    t.notMatch(page.body, 'action="/manage/periods/2018-19/publish"', 'and is offered no publish button');
    t.notMatch(page.body, 'action="/manage/periods/2018-19/publisher"', 'nor the choice of publisher');
    t.equal((await organiser.post('/manage/periods/2018-19/publisher', { publisher: '' })).statusCode, 404, 'which is the admins\'');
  }
  t.equal(await db.selectFrom('summary_editions').select('id').executeTakeFirst(), undefined, 'no edition was made');
  t.equal((await period()).published_at, null);

  // An admin names GDAMR(GDIPA) instead: its organisers may now publish, HKIPD's may not.
  const admin = await signedIn(app, 'admin@ipcoop.test');
  const form = await admin.get('/periods/2018-19');
  t.match(form.body, 'action="/manage/periods/2018-19/publisher"');
  t.equal((await admin.post('/manage/periods/2018-19/publisher', { publisher: '999999' })).statusCode, 400, 'an unknown organisation');
  t.equal((await admin.post('/manage/periods/2018-19/publisher', { publisher: 'HKIPD' })).statusCode, 400, 'not an id');
  t.equal((await period()).publisher_organisation_id, await orgId('HKIPD'), 'unchanged by refused input');
  const saved = await admin.post('/manage/periods/2018-19/publisher', { publisher: String(await orgId('GDAMR(GDIPA)')) });
  t.equal(saved.statusCode, 303);
  t.match((await admin.get('/periods/2018-19')).body, 'Saved: who publishes the summary.');
  t.equal((await period()).publisher_organisation_id, await orgId('GDAMR(GDIPA)'));
  const audit = await db.selectFrom('audit_log').select(['action', 'changes']).where('entity', '=', 'period').execute();
  t.equal(audit.length, 1);
  t.equal(audit[0]?.action, 'set_publisher');

  t.equal((await (await signedIn(app, 'organiser@hkipd.test')).post('/manage/periods/2018-19/publish')).statusCode, 403);
  const gdipa = await signedIn(app, 'organiser@gdipa.test');
  t.match((await gdipa.get('/periods/2018-19')).body, 'action="/manage/periods/2018-19/publish"');
  t.equal((await gdipa.post('/manage/periods/2018-19/publish')).statusCode, 303, 'the named publisher\'s organiser publishes');
  t.not((await period()).published_at, null);
  t.equal((await admin.post('/manage/periods/2018-19/publish')).statusCode, 303, 'and an admin always may');
});

t.test('organisers follow a live figure to the rows behind it, within their scope', async (t) => {
  const { app, db } = await build(t);
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const page = await organiser.get('/periods/2018-19');
  t.match(page.body, `<a class="figure" data-metric="attendance" href="/manage/figures/attendance/${seminarEvent}">About 200</a>`);
  t.notMatch((await app.inject({ method: 'GET', url: '/periods/2018-19' })).body, 'href="/manage/figures/', 'the public sees no links');

  const rows = await organiser.get(`/manage/figures/attendance/${seminarEvent}`);
  t.equal(rows.statusCode, 200);
  const attended = Number((await db.selectFrom('registrations as r').innerJoin('events as e', 'e.id', 'r.event_id')
    .where('e.slug', '=', seminarEvent).where('r.checked_in_at', 'is not', null)
    .select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  t.match(rows.body, `${attended} rows behind this figure.`);
  t.equal((rows.body.match(/<tr><td>/g) ?? []).length, attended, 'one row per person checked in');

  const awards = await organiser.get('/manage/figures/awards/hvpp-contest-2019?major=yes');
  t.equal(awards.statusCode, 200);
  t.match(awards.body, '28 rows behind this figure.');

  const customs = await signedIn(app, 'organiser@customs.test');
  t.equal((await customs.get(`/manage/figures/attendance/${seminarEvent}`)).statusCode, 404, 'outside their scope');
  t.equal((await organiser.get('/manage/figures/attendance/no-such-event')).statusCode, 404);
  t.equal((await organiser.get('/manage/figures/colour/blue')).statusCode, 404);
});

t.test('a long list of people behind a figure comes a page at a time, by name, counted in full', async (t) => {
  const { app, db } = await build(t);
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const event = await db.selectFrom('events').select('id').where('slug', '=', seminarEvent).executeTakeFirstOrThrow();
  await db.insertInto('registrations').values(Array.from({ length: PEOPLE_PER_PAGE }, (_, n) => ({
    event_id: event.id, name: `Zz Paged ${String(n).padStart(4, '0')}`, email: `paged-${n}@example.org`, side: 'GD' as const,
    status: 'confirmed' as const, token_hash: `paged-${n}`, checked_in_at: new Date(),
  }))).execute();
  const attended = Number((await db.selectFrom('registrations').where('event_id', '=', event.id).where('checked_in_at', 'is not', null)
    .select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const first = await organiser.get(`/manage/figures/attendance/${seminarEvent}`);
  t.match(first.body, `${attended} rows behind this figure.`);
  t.equal((first.body.match(/<tr><td>/g) ?? []).length, PEOPLE_PER_PAGE, 'one page of rows');
  const next = /<a href="\?after=(\d+)">Next page<\/a>/.exec(first.body);
  t.ok(next, 'a link to the next page');
  const second = await organiser.get(`/manage/figures/attendance/${seminarEvent}?after=${next?.[1]}`);
  t.equal((second.body.match(/<tr><td>/g) ?? []).length, attended - PEOPLE_PER_PAGE, 'the rest');
  t.notMatch(second.body, 'Next page', 'and no further page');
  t.match(second.body, 'Zz Paged 0499', 'the last by name is on the last page');

  const gd = await organiser.get(`/manage/figures/attendance/${seminarEvent}?side=GD`);
  const gdCount = Number((await db.selectFrom('registrations').where('event_id', '=', event.id).where('checked_in_at', 'is not', null)
    .where('side', '=', 'GD').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  t.match(gd.body, `${gdCount} rows behind this figure.`, 'a filtered figure counts its own rows');
  t.match(gd.body, /<a href="\?side=GD&amp;after=\d+">Next page<\/a>/, 'the next page keeps the filter');
  t.equal((await organiser.get(`/manage/figures/attendance/${seminarEvent}?after=x1`)).statusCode, 404, 'a malformed position');
});

t.test('organisers record figures, with history, and the summary uses the new value', async (t) => {
  const { app, db } = await build(t);
  const item = await db.selectFrom('items as i').innerJoin('periods as p', 'p.id', 'i.period_id')
    .where('p.slug', '=', '2018-19').where('i.number', '=', 21).select('i.id').executeTakeFirstOrThrow();
  const parties = await db.selectFrom('item_parties as ip').innerJoin('organisations as o', 'o.id', 'ip.organisation_id')
    .where('ip.item_id', '=', item.id).select('o.code').execute();
  const email = parties.some((p) => p.code === 'HKIPD') ? 'organiser@hkipd.test' : 'admin@ipcoop.test';
  const organiser = await signedIn(app, email);

  const bad = await organiser.post(`/manage/items/${item.id}/figures`, { key: 'Bad Key', label: '', value: 'lots', unit: 'euro' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /id="f-key-error">Use lower-case letters/);
  t.match(bad.body, /id="f-value-error">Enter a number/);
  t.match(bad.body, /id="f-unit-error">Choose a unit/);

  const res = await organiser.post(`/manage/items/${item.id}/figures`, { key: 'hk-passed-since-2004', label: 'Hong Kong residents passed since 2004', value: '74', unit: 'count' });
  t.equal(res.statusCode, 303);
  const text = (await app.inject({ method: 'GET', url: '/periods/2018-19/summary.txt' })).body;
  t.match(text, 'a total of 74 Hong Kong residents have passed the examination');
  const history = await organiser.get(`/manage/items/${item.id}`);
  t.match(history.body, /changed <code>hk-passed-since-2004<\/code>: .*value <del>73<\/del> → <ins>74<\/ins>/);

  const added = await organiser.post(`/manage/items/${item.id}/figures`, { key: 'hk-candidates-2020', label: 'Candidates in 2020', value: '1,234', unit: 'count' });
  t.equal(added.statusCode, 303);
  const row = await db.selectFrom('figures').select(['value', 'recorded_by']).where('key', '=', 'hk-candidates-2020').executeTakeFirstOrThrow();
  t.equal(row.value, 1234);
  t.ok(row.recorded_by);
});

t.test('the current year compares its figures with 2018-19', async (t) => {
  const { app, db } = await build(t);
  const current = await db.selectFrom('periods').select('slug').where('slug', '<>', '2018-19').executeTakeFirstOrThrow();
  const page = await app.inject({ method: 'GET', url: `/periods/${current.slug}` });
  t.equal(page.statusCode, 200);
  t.match(page.body, 'Compared with 2018-2019');
  const attended = Number((await db.selectFrom('registrations as r').innerJoin('events as e', 'e.id', 'r.event_id')
    .where('e.slug', '=', seminarEvent).where('r.checked_in_at', 'is not', null)
    .select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  t.match(page.body, new RegExp(`<td>3\\. Organising the &quot;Guangdong/Hong Kong Seminar[^<]*</td><td>Participants</td><td class="num">\\d+</td><td class="num">${attended}</td>`),
    "this year's seminar registrations beside the 2018-19 seminar attendance");
  t.match(page.body, /<td>Entries<\/td><td class="num">\d+<\/td><td class="num">15<\/td>/, 'the youth award entries beside the 15 of 2018-19');
});
