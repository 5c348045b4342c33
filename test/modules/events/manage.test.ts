import ExcelJS from 'exceljs';
import t from 'tap';
import { hashToken, newToken } from '../../../src/lib/tokens.ts';
import { ticketCode } from '../../../src/modules/registrations/ticket.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

/* The organisers' side: events in their scope, the check-in desk, attendance lists, messages. */

/** Splits RFC 4180 text into rows of fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; } else if (ch === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; } else cell += ch;
  }
  return rows;
}

t.test('an organiser creates an event with questions, publishes it, and people can register', async (t) => {
  const { app, db } = await build(t);
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const item = await db.selectFrom('items as i').innerJoin('item_parties as ip', 'ip.item_id', 'i.id')
    .innerJoin('organisations as o', 'o.id', 'ip.organisation_id').where('o.code', '=', 'HKIPD').select('i.id')
    .orderBy('i.id', 'desc').executeTakeFirstOrThrow();
  const form = await organiser.get('/manage/events/new');
  t.equal(form.statusCode, 200);

  const bad = await organiser.post('/manage/events/new', {
    item_id: String(item.id), kind: 'seminar', title: '', timezone: 'Asia/Hong_Kong', starts_at: '2031-03-01T09:30',
    ends_at: '2031-03-01T08:00', capacity: '-3', question_label_0: 'Pick one', question_kind_0: 'choice', question_options_0: 'Only',
  });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /id="f-title-error">Enter a title.</);
  t.match(bad.body, /id="f-capacity-error">/);
  t.match(bad.body, /id="f-question_label_0-error">A choice needs at least two options/);

  const created = await organiser.post('/manage/events/new', {
    item_id: String(item.id), kind: 'seminar', title: 'Seminar on Design Rights', timezone: 'Asia/Hong_Kong',
    starts_at: '2031-03-01T09:30', ends_at: '2031-03-01T12:00', city: 'Hong Kong', venue: 'Wu Chung House', capacity: '2',
    waitlist_enabled: 'on', question_label_0: 'Session', question_kind_0: 'choice', question_options_0: 'Morning\nAfternoon',
    question_required_0: 'on', question_label_1: 'Phone number', question_kind_1: 'text',
  });
  t.equal(created.statusCode, 303);
  t.equal(created.headers.location, '/manage/events/seminar-on-design-rights-2031');
  const event = await db.selectFrom('events').selectAll().where('slug', '=', 'seminar-on-design-rights-2031').executeTakeFirstOrThrow();
  t.equal(event.starts_at.toISOString(), '2031-03-01T01:30:00.000Z', 'local times are read in the event time zone');
  t.equal(event.status, 'draft');
  t.equal((await app.inject({ method: 'GET', url: `/events/${event.slug}` })).statusCode, 404, 'a draft is not public');
  const questions = await db.selectFrom('event_questions').selectAll().where('event_id', '=', event.id).orderBy('position').execute();
  t.same(questions.map((q) => [q.label, q.kind, q.required, q.options]), [['Session', 'choice', true, ['Morning', 'Afternoon']], ['Phone number', 'text', false, []]]);
  t.ok(await db.selectFrom('audit_log').select('id').where('entity', '=', 'event').where('entity_id', '=', String(event.id)).where('action', '=', 'create').executeTakeFirst());

  t.equal((await organiser.post(`/manage/events/${event.slug}/status`, { status: 'published' })).statusCode, 303);
  const page = await new Agent(app).get(`/events/${event.slug}`);
  t.match(page.body, `name="q_${questions[0]?.id}"`);
  t.match(page.body, 'Afternoon');

  // Editing keeps the question ids (answers stay attached) and checks the capacity.
  const edit = await organiser.get(`/manage/events/${event.slug}/edit`);
  t.match(edit.body, 'value="2031-03-01T09:30"');
  const edited = await organiser.post(`/manage/events/${event.slug}/edit`, {
    item_id: String(item.id), kind: 'seminar', title: 'Seminar on Design Rights', slug: event.slug, timezone: 'Asia/Hong_Kong',
    starts_at: '2031-03-01T10:00', ends_at: '2031-03-01T12:00', capacity: '5', waitlist_enabled: 'on',
    question_id_0: String(questions[1]?.id), question_label_0: 'Mobile phone', question_kind_0: 'text',
  });
  t.equal(edited.statusCode, 303);
  const after = await db.selectFrom('event_questions').select(['id', 'label', 'position']).where('event_id', '=', event.id).execute();
  t.same(after, [{ id: questions[1]?.id, label: 'Mobile phone', position: 1 }], 'kept, renamed and moved up; the removed one is gone');

  const outsider = await signedIn(app, 'organiser@customs.test');
  t.equal((await outsider.get(`/manage/events/${event.slug}`)).statusCode, 404, 'outside the scope is not found');
  t.equal((await outsider.get(`/manage/events/${event.slug}/attendance.csv`)).statusCode, 404);
  t.equal((await outsider.post(`/manage/events/${event.slug}/status`, { status: 'cancelled' })).statusCode, 404);
  t.equal((await new Agent(app).get('/manage/events')).statusCode, 303, 'anonymous visitors are sent to sign in');
});

t.test('checking people in at the desk moves the item 17 summary text; undo and scanning work', async (t) => {
  const { app, db } = await build(t);
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const event = await db.selectFrom('events').select(['id', 'slug']).where('slug', '=', 'sme-seminar-2019').executeTakeFirstOrThrow();
  const item17 = async () => {
    const res = await app.inject({ method: 'GET', url: '/periods/2018-19/summary.txt' });
    return res.body.split(/\n\n(?=\d+\. )/).find((block) => block.startsWith('17. ')) ?? '';
  };
  t.match(await item17(), /About 200 participants attended the seminar\./);

  const desk = await organiser.get(`/manage/events/${event.slug}/checkin`);
  t.equal(desk.statusCode, 200);
  t.match(desk.body, /<strong data-count="checked_in">198<\/strong>/);
  const waiting = await db.selectFrom('registrations').select(['id', 'name']).where('event_id', '=', event.id).where('status', '=', 'confirmed')
    .where('checked_in_at', 'is', null).orderBy('id').limit(10).execute();
  t.equal(waiting.length, 10);
  for (const p of waiting) {
    const res = await organiser.post(`/manage/events/${event.slug}/checkin/${p.id}`, { present: 'yes', q: '' });
    t.equal(res.statusCode, 200);
  }
  t.match(await item17(), /About 210 participants attended the seminar\./, 'the summary follows the check-ins');
  const undo = await organiser.post(`/manage/events/${event.slug}/checkin/${waiting[0]?.id}`, { present: 'no', q: '' });
  t.match(undo.body, /<strong data-count="checked_in">207<\/strong>/);
  const counts = await organiser.get(`/manage/events/${event.slug}/counts.json`, { accept: 'application/json' });
  t.equal((JSON.parse(counts.body) as { checked_in: number }).checked_in, 207);

  const search = await organiser.get(`/manage/events/${event.slug}/checkin?q=${encodeURIComponent(waiting[1]?.name.slice(0, 4) ?? '')}`);
  t.match(search.body, waiting[1]?.name ?? '');

  // A ticket scanned at the door.
  const token = newToken();
  await db.updateTable('registrations').set({ token_hash: hashToken(token) }).where('id', '=', waiting[0]?.id ?? 0).execute();
  const scanned = await organiser.post(`/manage/events/${event.slug}/checkin`, { code: ticketCode(hashToken(token)) });
  t.equal(scanned.statusCode, 200);
  t.match(scanned.body, 'is checked in.');
  const link = await organiser.post(`/manage/events/${event.slug}/checkin`, { code: `http://ipcoop.test/registrations/${token}` });
  t.equal(link.statusCode, 200, 'a manage link works as well, and twice is harmless');
  const junk = await organiser.post(`/manage/events/${event.slug}/checkin`, { code: 'IPCOOP-TICKET:' + 'f'.repeat(64) });
  t.equal(junk.statusCode, 400);
  t.match(junk.body, /No registration for this event has that ticket/);
  const stranger = await db.selectFrom('registrations').select('id').where('event_id', '<>', event.id).where('status', '=', 'confirmed').executeTakeFirstOrThrow();
  t.equal((await organiser.post(`/manage/events/${event.slug}/checkin/${stranger.id}`, { present: 'yes', q: '' })).statusCode, 404,
    "another event's registration is not found");
  t.ok(await db.selectFrom('audit_log').select('id').where('action', '=', 'check_in').executeTakeFirst(), 'check-ins are audited');

  // A walk-in takes a place and is checked in at once.
  const walkIn = await organiser.post(`/manage/events/${event.slug}/walk-in`, { name: '黃小明', email: 'walkin@participant.test', organisation: '', side: 'GD' });
  t.equal(walkIn.statusCode, 200);
  t.match(walkIn.body, '黃小明 is checked in.');
  const row = await db.selectFrom('registrations').select(['status', 'checked_in_at']).where('email', '=', 'walkin@participant.test').executeTakeFirstOrThrow();
  t.equal(row.status, 'confirmed');
  t.ok(row.checked_in_at);
});

t.test('attendance lists: CSV and XLSX read back, with Chinese names, neutralised formulas, and contacts left out on request', async (t) => {
  const { app, db } = await build(t);
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const event = await db.selectFrom('events').select(['id', 'slug']).where('slug', '=', 'sme-seminar-2019').executeTakeFirstOrThrow();
  await db.insertInto('registrations').values([
    { event_id: event.id, name: '=HYPERLINK("http://evil.test","click")', email: 'formula@participant.test', organisation: '+cmd|/c calc', side: 'HK', status: 'confirmed', answers: '{}', token_hash: hashToken(newToken()) },
    { event_id: event.id, name: '李嘉欣, "Kitty"', email: 'kitty@participant.test', organisation: '@SUM(1)', side: 'GD', status: 'waitlisted', answers: '{}', token_hash: hashToken(newToken()) },
  ]).execute();
  const live = Number((await db.selectFrom('registrations').where('event_id', '=', event.id).where('status', '<>', 'cancelled')
    .select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  const csv = await organiser.get(`/manage/events/${event.slug}/attendance.csv`);
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /^text\/csv; charset=utf-8/);
  t.match(csv.headers['content-disposition'], /attachment; filename="sme-seminar-2019-attendance.csv"/);
  t.ok(csv.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'starts with the UTF-8 byte-order mark');
  const rows = parseCsv(csv.body.replace(/^\uFEFF/, ''));
  t.same(rows[0]?.slice(0, 8), ['No.', 'Name', 'Organisation', 'Side', 'Email', 'Status', 'Registered (HK time)', 'Checked in (HK time)']);
  t.equal(rows.length, live + 1, 'one row per live registration');
  const evil = rows.find((r) => r[4] === 'formula@participant.test');
  t.equal(evil?.[1], `'=HYPERLINK("http://evil.test","click")`, 'a formula is turned into text');
  t.equal(evil?.[2], "'+cmd|/c calc");
  const kitty = rows.find((r) => r[4] === 'kitty@participant.test');
  t.equal(kitty?.[1], '李嘉欣, "Kitty"', 'quotes and commas survive the round trip');
  t.equal(kitty?.[2], "'@SUM(1)");
  t.equal(kitty?.[5], 'waitlisted');
  t.match(csv.body, '\r\n', 'CRLF line ends');

  const omitted = await organiser.get(`/manage/events/${event.slug}/attendance.csv?contact=omit`);
  t.notMatch(omitted.body, '@participant.test');
  t.notOk(parseCsv(omitted.body.replace(/^\uFEFF/, ''))[0]?.includes('Email'));

  const xlsx = await organiser.get(`/manage/events/${event.slug}/attendance.xlsx`);
  t.equal(xlsx.statusCode, 200);
  t.match(xlsx.headers['content-type'], /spreadsheetml/);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
  const sheet = workbook.getWorksheet('Attendance');
  t.ok(sheet);
  t.equal(sheet?.getRow(1).getCell(2).value, 'Name');
  t.equal(sheet?.rowCount, live + 1);
  const values: string[] = [];
  sheet?.eachRow((row) => { values.push(row.getCell(2).text); });
  t.ok(values.includes(`'=HYPERLINK("http://evil.test","click")`), 'neutralised in the spreadsheet too');
  t.ok(values.includes('李嘉欣, "Kitty"'));
  t.equal(typeof sheet?.getRow(2).getCell(1).value, 'number', 'numbers stay numbers');

  const sheetPage = await organiser.get(`/manage/events/${event.slug}/sign-in-sheet`);
  t.equal(sheetPage.statusCode, 200);
  t.match(sheetPage.body, /Signature/);
  t.notMatch(sheetPage.body, 'kitty@participant.test', 'the printed sheet shows no emails');
});

t.test('bulk email goes through the outbox to the chosen audience, with progress; cancelling an event tells everyone', async (t) => {
  const { app, db } = await build(t);
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const event = await db.selectFrom('events').select(['id', 'slug', 'item_id']).where('slug', 'like', 'sme-seminar-20__-__').executeTakeFirstOrThrow();
  const waitlisted = await db.selectFrom('registrations').select('email').where('event_id', '=', event.id).where('status', '=', 'confirmed').execute();

  const bad = await organiser.post(`/manage/events/${event.slug}/email`, { audience: 'everyone', subject: '', body: '' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /id="f-subject-error">Enter a subject.</);
  const sent = await organiser.post(`/manage/events/${event.slug}/email`, { audience: 'confirmed', subject: 'Venue change', body: 'We have moved to Hall 5.' });
  t.equal(sent.statusCode, 303);
  const queued = await db.selectFrom('mail_outbox').select(['to_address', 'text_body', 'item_id']).where('subject', '=', 'Venue change').execute();
  t.equal(queued.length, waitlisted.length, 'one message per confirmed registrant');
  t.same(new Set(queued.map((m) => m.to_address)), new Set(waitlisted.map((r) => r.email)));
  t.match(queued[0]?.text_body, /We have moved to Hall 5/);
  t.equal(queued[0]?.item_id, event.item_id, 'the messages show in the organisers\' outbox');
  const page = await organiser.get(`/manage/events/${event.slug}/email`);
  t.match(page.body, new RegExp(`0 of ${waitlisted.length} sent`));
  t.equal(page.headers.refresh, '3', 'the page refreshes while delivery goes on');

  const live = await db.selectFrom('registrations').select('email').where('event_id', '=', event.id).where('status', '<>', 'cancelled').execute();
  t.equal((await organiser.post(`/manage/events/${event.slug}/status`, { status: 'cancelled' })).statusCode, 303);
  const cancelled = await db.selectFrom('mail_outbox').select('to_address').where('subject', 'like', 'Cancelled: %').execute();
  t.equal(cancelled.length, live.length);
  t.equal((await organiser.post(`/manage/events/${event.slug}/status`, { status: 'published' })).statusCode, 400, 'a cancelled event stays cancelled');
});
