import t from 'tap';
import { signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

t.test('an organiser manages the items of their organisation and no others', async (t) => {
  const { app, db } = await build(t);
  const parties = await db.selectFrom('items as i').innerJoin('periods as p', 'p.id', 'i.period_id')
    .where('p.slug', '=', '2018-19')
    .select(['i.id', 'i.number', 'i.title', (eb) => eb.selectFrom('item_parties as ip').innerJoin('organisations as o', 'o.id', 'ip.organisation_id')
      .whereRef('ip.item_id', '=', 'i.id').select((e) => e.fn.agg<string[]>('array_agg', ['o.code']).as('codes')).as('codes')])
    .execute();
  const ours = parties.find((i) => i.codes?.includes('HKIPD'));
  const theirs = parties.find((i) => !i.codes?.includes('HKIPD'));
  if (!ours || !theirs) throw new Error('the seeds have items with and without HKIPD');

  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const list = await organiser.get('/manage');
  t.equal(list.statusCode, 200);
  t.match(list.body, `href="/manage/items/${ours.id}"`);
  t.notMatch(list.body, `href="/manage/items/${theirs.id}"`);

  t.equal((await organiser.get(`/manage/items/${ours.id}`)).statusCode, 200);
  const foreign = await organiser.get(`/manage/items/${theirs.id}`);
  t.equal(foreign.statusCode, 404, "another organisation's item does not exist for this organiser");
  t.notMatch(foreign.body, theirs.title.replace(/"/g, '&quot;'));
  const write = await organiser.post(`/manage/items/${theirs.id}`, { title: 'Taken over', status: 'planned', narrative: '' });
  t.equal(write.statusCode, 404);
  t.equal((await db.selectFrom('items').select('title').where('id', '=', theirs.id).executeTakeFirstOrThrow()).title, theirs.title);

  const admin = await signedIn(app, 'admin@ipcoop.test');
  t.equal((await admin.get(`/manage/items/${theirs.id}`)).statusCode, 200, 'an admin reaches every item');
});

t.test('editing an item logs who changed which fields from what to what', async (t) => {
  const { app, db } = await build(t);
  const item = await db.selectFrom('items as i').innerJoin('item_parties as ip', 'ip.item_id', 'i.id')
    .innerJoin('organisations as o', 'o.id', 'ip.organisation_id').where('o.code', '=', 'HKIPD')
    .select(['i.id', 'i.title', 'i.status', 'i.is_new', 'i.narrative']).executeTakeFirstOrThrow();
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const res = await organiser.post(`/manage/items/${item.id}`, {
    title: `${item.title} (revised)`, status: item.status, ...(item.is_new ? { is_new: 'on' } : {}), narrative: item.narrative,
  });
  t.equal(res.statusCode, 200);
  t.match(res.body, /Saved\./);
  const entry = await db.selectFrom('audit_log as a').innerJoin('users as u', 'u.id', 'a.actor_user_id')
    .select(['u.email', 'a.action', 'a.entity', 'a.entity_id', 'a.changes', 'a.item_id']).where('a.entity', '=', 'item').executeTakeFirstOrThrow();
  t.same(entry, {
    email: 'organiser@hkipd.test', action: 'update', entity: 'item', entity_id: String(item.id), item_id: item.id,
    changes: { title: { from: item.title, to: `${item.title} (revised)` } },
  });
  const log = await organiser.get('/manage/audit');
  t.match(log.body, '(revised)');
  const customs = await signedIn(app, 'organiser@customs.test');
  const theirLog = await customs.get('/manage/audit');
  const customsItems = await db.selectFrom('item_parties as ip').innerJoin('organisations as o', 'o.id', 'ip.organisation_id')
    .where('o.code', '=', (await db.selectFrom('users as u').innerJoin('organisations as o', 'o.id', 'u.organisation_id')
      .where('u.email', '=', 'organiser@customs.test').select('o.code').executeTakeFirstOrThrow()).code)
    .select('ip.item_id').execute();
  if (!customsItems.some((r) => r.item_id === item.id)) t.notMatch(theirLog.body, '(revised)', 'not in another organisation\'s log');
});

t.test('a narrative with broken placeholders is refused with the reason, and nothing is saved', async (t) => {
  const { app, db } = await build(t);
  const item = await db.selectFrom('items as i').innerJoin('item_parties as ip', 'ip.item_id', 'i.id')
    .innerJoin('organisations as o', 'o.id', 'ip.organisation_id').where('o.code', '=', 'HKIPD')
    .select(['i.id', 'i.title', 'i.status', 'i.narrative']).executeTakeFirstOrThrow();
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const res = await organiser.post(`/manage/items/${item.id}`, {
    title: item.title, status: item.status, narrative: 'About {{attendance no-such-event | about}} came; {{colour}}.',
  });
  t.equal(res.statusCode, 400);
  t.match(res.body, /id="f-narrative-error">Fix the placeholders first: \{\{attendance no-such-event \| about\}\} — no event &quot;no-such-event&quot;/);
  t.match(res.body, /unknown figure &quot;colour&quot;/);
  t.match(res.body, /About \{\{attendance no-such-event \| about\}\} came/, 'what was typed is kept');
  t.equal((await db.selectFrom('items').select('narrative').where('id', '=', item.id).executeTakeFirstOrThrow()).narrative, item.narrative);

  const empty = await organiser.post(`/manage/items/${item.id}`, { title: '', status: 'bogus', narrative: '' });
  t.equal(empty.statusCode, 400);
  t.match(empty.body, /id="f-title-error">Enter a title.</);
  t.match(empty.body, /id="f-status-error">Choose a status.</);
});

t.test('judges reach only judging; organisers see only their own mail', async (t) => {
  const { app, db } = await build(t);
  const judge = await signedIn(app, 'judge1@ipcoop.test');
  t.equal((await judge.get('/manage')).statusCode, 404);
  t.equal((await judge.get('/judging')).statusCode, 200);
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  t.equal((await organiser.get('/judging')).statusCode, 404);

  const other = await db.selectFrom('items as i').where((eb) => eb.not(eb.exists(eb.selectFrom('item_parties as ip')
    .innerJoin('organisations as o', 'o.id', 'ip.organisation_id').whereRef('ip.item_id', '=', 'i.id').where('o.code', '=', 'HKIPD').select('ip.item_id'))))
    .select('i.id').executeTakeFirstOrThrow();
  await db.insertInto('mail_outbox').values({ message_id: '<private@ipcoop.test>', to_address: 'someone@example.org', subject: 'Private matter', text_body: 'x', item_id: other.id, status: 'failed' }).execute();
  const mail = await organiser.get('/manage/outbox');
  t.equal(mail.statusCode, 200);
  t.notMatch(mail.body, 'Private matter');
  const id = (await db.selectFrom('mail_outbox').select('id').where('message_id', '=', '<private@ipcoop.test>').executeTakeFirstOrThrow()).id;
  t.equal((await organiser.post(`/manage/outbox/${id}/resend`)).statusCode, 404);
  const admin = await signedIn(app, 'admin@ipcoop.test');
  t.match((await admin.get('/manage/outbox')).body, 'Private matter');
  t.equal((await admin.post(`/manage/outbox/${id}/resend`)).statusCode, 303);
  t.equal((await db.selectFrom('mail_outbox').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status, 'pending');
});

t.test('the narrative editor previews without saving and offers the item\'s own figures', async (t) => {
  const { app, db } = await build(t);
  const item = await db.selectFrom('items as i').innerJoin('periods as p', 'p.id', 'i.period_id')
    .where('p.slug', '=', '2018-19').where('i.number', '=', 17).select(['i.id', 'i.title', 'i.status', 'i.narrative']).executeTakeFirstOrThrow();
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const page = await organiser.get(`/manage/items/${item.id}`);
  t.match(page.body, '<code>{{attendance sme-seminar-2019 | about}}</code>', 'the picker offers the seminar attendance');
  t.match(page.body, '<script src="/static/editor.js" defer></script>');

  const draft = 'Draft: {{attendance sme-seminar-2019 | about}} came.';
  const previewed = await organiser.post(`/manage/items/${item.id}`, { title: item.title, status: item.status, narrative: draft, action: 'preview' });
  t.equal(previewed.statusCode, 200);
  t.match(previewed.body, /Draft: <span class="figure" data-metric="attendance">About 200<\/span> came\./);
  t.equal((await db.selectFrom('items').select('narrative').where('id', '=', item.id).executeTakeFirstOrThrow()).narrative, item.narrative, 'nothing saved');

  const fragment = await organiser.post(`/manage/items/${item.id}/preview`, { narrative: 'Now {{figure nope}}.' });
  t.equal(fragment.statusCode, 200);
  t.notMatch(fragment.body, '<html', 'a fragment for the live preview');
  t.match(fragment.body, /<code>\{\{figure nope\}\}<\/code>: no recorded figure &quot;nope&quot; on item 17/);
  const customs = await signedIn(app, 'organiser@customs.test');
  t.equal((await customs.post(`/manage/items/${item.id}/preview`, { narrative: 'x' })).statusCode, 404);
  const script = await app.inject({ method: 'GET', url: '/static/editor.js' });
  t.equal(script.statusCode, 200);
});

t.test("a narrative names only its own item's public objects: any other is refused beside the field and nothing is written", async (t) => {
  const { app, db } = await build(t);
  const item = await db.selectFrom('items as i').innerJoin('periods as p', 'p.id', 'i.period_id')
    .where('p.slug', '=', '2018-19').where('i.number', '=', 17).selectAll('i').executeTakeFirstOrThrow();
  const theirs = await db.selectFrom('items as i').where('i.period_id', '=', item.period_id)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('item_parties as ip').innerJoin('organisations as o', 'o.id', 'ip.organisation_id')
      .whereRef('ip.item_id', '=', 'i.id').where('o.code', '=', 'HKIPD').select('ip.item_id'))))
    .select('i.id').executeTakeFirstOrThrow();
  const when = { starts_at: new Date('2019-06-01T02:00:00Z'), ends_at: new Date('2019-06-01T06:00:00Z') };
  await db.insertInto('events').values([
    { ...when, item_id: theirs.id, slug: 'their-public-forum', kind: 'forum', title: 'Their forum', status: 'published' },
    { ...when, item_id: theirs.id, slug: 'their-draft-forum', kind: 'forum', title: 'Their draft forum', status: 'draft' },
    { ...when, item_id: item.id, slug: 'our-draft-seminar', kind: 'seminar', title: 'Our draft seminar', status: 'draft' },
  ]).execute();

  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const editor = await organiser.get(`/manage/items/${item.id}`);
  t.match(editor.body, '<code>{{attendance sme-seminar-2019 | about}}</code>');
  t.notMatch(editor.body, 'our-draft-seminar', 'the picker offers no draft');
  const stored = () => db.selectFrom('items').selectAll().where('id', '=', item.id).executeTakeFirstOrThrow();
  const audited = async () => Number((await db.selectFrom('audit_log').where('entity', '=', 'item').where('entity_id', '=', String(item.id))
    .select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const before = await stored();
  const auditBefore = await audited();
  const save = (narrative: string) => organiser.post(`/manage/items/${item.id}`, {
    title: item.title, status: item.status, ...(item.is_new ? { is_new: 'on' } : {}), narrative,
  });

  const refused: [string, string][] = [
    // (a) another item's public event: named as such.
    ['{{attendance their-public-forum | about}}', '&quot;their-public-forum&quot; is another item&#39;s event: a narrative shows only its own item&#39;s figures'],
    // another organisation's draft reads as unknown: nothing about it is told.
    ['{{registrations their-draft-forum}}', 'no event &quot;their-draft-forum&quot;'],
    // (b) a draft event of the item itself.
    ['{{attendance our-draft-seminar}}', 'the event &quot;our-draft-seminar&quot; is a draft: only public ones can be shown'],
    // (c) no such event at all.
    ['{{attendance no-such-event}}', 'no event &quot;no-such-event&quot;'],
  ];
  for (const [placeholder, reason] of refused) {
    const res = await save(`About ${placeholder} came.`);
    t.equal(res.statusCode, 400, placeholder);
    t.match(res.body, `id="f-narrative-error">Fix the placeholders first: ${placeholder} — ${reason}.</p>`, placeholder);
    t.match(res.body, `About ${placeholder} came.</textarea>`, 'what was typed is kept');
    t.same(await stored(), before, `${placeholder}: the item row is unchanged`);
  }
  t.equal(await audited(), auditBefore, 'no change is logged');
  t.notMatch((await save('{{attendance their-draft-forum}}')).body, /draft:/, "another organisation's draft is not said to be one");

  // The Chinese narrative is held to the same rule.
  const zh = await organiser.post(`/manage/items/${item.id}/translations`, {
    title_zh_hant: '', narrative_zh_hant: '{{attendance their-public-forum | about}}人出席。', title_zh_hans: '', narrative_zh_hans: '',
  });
  t.equal(zh.statusCode, 400);
  t.match(zh.body, 'id="f-narrative_zh_hant-error">Fix the placeholders first: {{attendance their-public-forum | about}} — '
    + '&quot;their-public-forum&quot; is another item&#39;s event');
  t.same(await stored(), before, 'the translations are unchanged');

  // The item's own public event saves, and the summary shows its figure.
  const narrative = '{{attendance sme-seminar-2019 | about}} came.';
  const saved = await save(narrative);
  t.equal(saved.statusCode, 200);
  t.match(saved.body, /Saved\./);
  t.equal((await stored()).narrative, narrative);
  t.equal(await audited(), auditBefore + 1);
  const summary = await app.inject({ method: 'GET', url: '/periods/2018-19/summary.txt' });
  t.match(summary.body, /\n\nAbout 200 came\.\n/);
});
