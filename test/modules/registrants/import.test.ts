import ExcelJS from 'exceljs';
import t from 'tap';
import { Agent, type FilePart, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

/*
 * Importing a list of people into an event (issue 18, item 2): a CSV or Excel file is read,
 * checked row by row and previewed; nothing is registered until the organiser confirms, and
 * then everyone or no one. The contract: POST /manage/events/:slug/import (multipart `file`,
 * `_csrf`), header `name,email,organisation,side`; a bad row → 400 with its line number.
 */

type Ctx = Awaited<ReturnType<typeof build>>;

// One app for the file: each test works on an event of its own making where it changes places.
const ctx: Ctx = await build(t);
const { app, db } = ctx;

const event = await db.selectFrom('events').selectAll().where('slug', 'like', 'sme-seminar-20__-__').where('status', '=', 'published')
  .where('starts_at', '>', new Date()).executeTakeFirstOrThrow();
const base = `/manage/events/${event.slug}`;
const organiser = await signedIn(app, 'organiser@hkipd.test');

type ListFile = FilePart;
const csv = (text: string): ListFile => ({ name: 'file', filename: 'invitees.csv', content: Buffer.from(text), type: 'text/csv' });
const send = async (agent: Agent, file: ListFile, fields: Record<string, string> = {}) => {
  await agent.get(`${base}/import`);
  return agent.postFile(`${base}/import`, { notify: 'on', ...fields }, file);
};
const countOf = async (table: 'registrations' | 'registration_imports' | 'mail_outbox') =>
  Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
const importIdIn = (body: string) => /name="import" value="([0-9a-f-]{36})"/.exec(body)?.[1] ?? '';

t.test('a clean list is previewed, registers nobody until confirmed, then everyone, once', async (t) => {
  const before = { registrations: await countOf('registrations'), mail: await countOf('mail_outbox') };
  const list = csv('name,email,organisation,side\n'
    + 'Chan Tai-man,chan.import@example.hk,HKPC,HK\n'
    + '"Lee, Siu-ming",lee.import@example.hk,"Hong Kong ""IP"" Society",hk\n'
    + '李明,li.import@example.cn,广东省知识产权保护中心,GD\n');
  const preview = await send(organiser, list);
  t.equal(preview.statusCode, 200);
  t.match(preview.body, 'invitees.csv: 3 people to register, 3 with a place and 0 on the waiting list.');
  t.match(preview.body, 'Lee, Siu-ming');
  t.match(preview.body, 'Hong Kong &quot;IP&quot; Society', 'quoted fields read as written, and escaped on the page');
  t.equal(await countOf('registrations'), before.registrations, 'nothing registered by the preview');
  const id = importIdIn(preview.body);
  t.ok(id, 'the preview carries the list to confirm');

  const confirmed = await organiser.post(`${base}/import/confirm`, { import: id, language: 'en' });
  t.equal(confirmed.statusCode, 303);
  t.equal(confirmed.headers.location, `${base}/registrations`);
  t.match((await organiser.get(`${base}/registrations`)).body, 'Imported: 3 with a place, 0 on the waiting list, 0 already registered.');
  const rows = await db.selectFrom('registrations').select(['name', 'email', 'organisation', 'side', 'status', 'import_id'])
    .where('import_id', '=', id).orderBy('id').execute();
  t.same(rows.map((r) => [r.name, r.email, r.organisation, r.side, r.status]), [
    ['Chan Tai-man', 'chan.import@example.hk', 'HKPC', 'HK', 'confirmed'],
    ['Lee, Siu-ming', 'lee.import@example.hk', 'Hong Kong "IP" Society', 'HK', 'confirmed'],
    ['李明', 'li.import@example.cn', '广东省知识产权保护中心', 'GD', 'confirmed'],
  ]);
  t.equal(await countOf('mail_outbox'), before.mail + 3, 'each person is sent their confirmation');
  const seats = await db.selectFrom('events').select('confirmed_count').where('id', '=', event.id).executeTakeFirstOrThrow();
  t.equal(seats.confirmed_count, event.confirmed_count + 3, 'their places are taken');
  const audit = await db.selectFrom('audit_log').select(['action', 'changes']).where('entity', '=', 'event')
    .where('entity_id', '=', String(event.id)).where('action', '=', 'import').executeTakeFirstOrThrow();
  t.match(audit.changes, { confirmed: 3, waitlisted: 0, file: 'invitees.csv' });

  const again = await organiser.post(`${base}/import/confirm`, { import: id, language: 'en' });
  t.equal(again.statusCode, 303, 'confirming twice');
  t.match((await organiser.get(`${base}/registrations`)).body, 'This list was imported already.');

  // The same file once more: everyone is registered already, so nothing is imported.
  const repeat = await send(organiser, list);
  t.equal(repeat.statusCode, 200);
  t.match(repeat.body, '3 already registered for this event');
  t.match(repeat.body, 'there is nothing to import');
  t.equal(await countOf('registrations'), before.registrations + 3, 'importing the same file twice changes nothing');
});

t.test('a list with bad rows is refused with each bad row\'s line, and nothing is written', async (t) => {
  const before = { registrations: await countOf('registrations'), imports: await countOf('registration_imports') };
  const res = await send(organiser, csv('name,email,organisation,side\n'
    + 'Good Person,good.person@example.hk,HKPC,HK\n'
    + ',no.name@example.hk,HKPC,HK\n'
    + 'Bad Email,not-an-address,HKPC,HK\n'
    + '"Two\nLines",two.lines@example.hk,HKPC,Atlantis\n'));
  t.equal(res.statusCode, 400);
  t.match(res.body, 'Rows to correct: 3. Nothing was imported');
  t.match(res.body, 'Line 3');
  t.match(res.body, 'Line 4');
  t.match(res.body, 'Line 5', 'a row with a line break inside quotes is reported at the line it starts on');
  t.notMatch(res.body, 'Line 2<');
  t.equal(await countOf('registrations'), before.registrations);
  t.equal(await countOf('registration_imports'), before.imports, 'not even a preview is kept');
});

t.test('headers in Chinese, sides in words, a byte order mark, repeated addresses', async (t) => {
  const res = await send(organiser, csv('\uFEFF姓名,電郵,機構,地區\n'
    + '陳小明,chan.siuming@example.hk,香港生產力促進局,香港\n'
    + '王芳,wang.fang@example.cn,广州知识产权局,Guangdong\n'
    + '陳小明,CHAN.SIUMING@example.hk,香港生產力促進局,HK\n'));
  t.equal(res.statusCode, 200);
  t.match(res.body, '2 people to register');
  t.match(res.body, 'line 4: chan.siuming@example.hk, as on line 2');
});

t.test('encodings: Big5 is asked about, then read when named', async (t) => {
  // 陳大文 in Big5, which is not valid UTF-8.
  const big5 = Buffer.concat([Buffer.from('name,email,organisation,side\n'), Buffer.from([0xb3, 0xaf, 0xa4, 0x6a, 0xa4, 0xe5]),
    Buffer.from(',big5.person@example.hk,HKPC,HK\n')]);
  const file = { name: 'file', filename: 'big5.csv', content: big5, type: 'text/csv' };
  const asked = await send(organiser, file);
  t.equal(asked.statusCode, 400);
  t.match(asked.body, 'The file is not in UTF-8');
  t.match(asked.body, 'name="encoding"', 'the form asks for the encoding');
  const read = await send(organiser, file, { encoding: 'big5' });
  t.equal(read.statusCode, 200);
  t.match(read.body, '陳大文');
});

t.test('an Excel workbook is read from its first sheet; a formula is refused on its row', async (t) => {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Invitees');
  sheet.addRow(['Name', 'Email', 'Organisation', 'Side']);
  sheet.addRow(['Ho Ka-yan', 'ho.kayan@example.hk', 'HKU', 'HK']);
  sheet.addRow(['Zhou Min', { formula: 'LOWER("ZHOU@EXAMPLE.CN")', result: 'zhou@example.cn' }, 'SCUT', 'GD']);
  const xlsx = (content: Buffer) => ({
    name: 'file', filename: 'invitees.xlsx', content, type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  });
  const refused = await send(organiser, xlsx(Buffer.from(await workbook.xlsx.writeBuffer())));
  t.equal(refused.statusCode, 400);
  t.match(refused.body, 'Line 3');
  t.match(refused.body, 'This row holds a formula');
  sheet.getRow(3).getCell(2).value = 'zhou@example.cn';
  const read = await send(organiser, xlsx(Buffer.from(await workbook.xlsx.writeBuffer())));
  t.equal(read.statusCode, 200);
  t.match(read.body, '2 people to register');
  t.match(read.body, 'Zhou Min');
});

t.test('files that are not lists, too long, or missing columns get a clear message', async (t) => {
  const before = await countOf('registration_imports');
  const cases: [string, ListFile, RegExp | string][] = [
    ['a PDF', { ...csv(''), content: Buffer.from('%PDF-1.7\n\u0000\u0001binary') }, 'This is not a CSV file or an Excel workbook'],
    ['an old .xls', { ...csv(''), content: Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) }, 'old Excel file (.xls)'],
    ['an empty file', csv(''), 'The file has no rows to read'],
    ['a header only', csv('name,email,organisation,side\n'), 'The file has no rows to read'],
    ['an unclosed quote', csv('name,email,organisation,side\n"Chan,chan@example.hk,HKPC,HK\n'), 'cannot be read as CSV near line'],
    ['100 001 rows', csv(`name,email,organisation,side\n${'A,a@example.hk,B,HK\n'.repeat(100_001)}`), 'more than 10000 rows'],
  ];
  for (const [what, file, expected] of cases) {
    const res = await send(organiser, file);
    t.equal(res.statusCode, 400, what);
    t.match(res.body, expected, what);
  }
  const missing = await send(organiser, csv('Full name,Mail,Company,Place\nChan,chan.cols@example.hk,HKPC,HK\n'));
  t.equal(missing.statusCode, 400);
  t.match(missing.body, 'Columns not found: side.');
  t.match(missing.body, 'name="column_side"', 'the columns can be chosen');
  const chosen = await send(organiser, csv('Full name,Mail,Company,Place\nChan,chan.cols@example.hk,HKPC,HK\n'), { column_side: 'Place' });
  t.equal(chosen.statusCode, 200, 'and with the column chosen, the list is read');
  t.equal(await countOf('registration_imports'), before + 1, 'only the good list waits for confirmation');
});

t.test('an event that cannot take the list refuses it whole', async (t) => {
  const small = await db.insertInto('events').values({
    item_id: event.item_id, slug: `import-small-${Date.now()}`, kind: 'seminar', title: 'A small workshop', starts_at: event.starts_at,
    ends_at: event.ends_at, capacity: 1, waitlist_enabled: false, status: 'published',
  }).returning(['id', 'slug']).executeTakeFirstOrThrow();
  await organiser.get(`/manage/events/${small.slug}/import`);
  const res = await organiser.postFile(`/manage/events/${small.slug}/import`, { notify: 'on' },
    csv('name,email,organisation,side\nOne,one.small@example.hk,,HK\nTwo,two.small@example.hk,,HK\n'));
  t.equal(res.statusCode, 400);
  t.match(res.body, 'The event cannot take 2 more people: 1 places are left and it keeps no waiting list.');
  const n = await db.selectFrom('registrations').select('id').where('event_id', '=', small.id).execute();
  t.equal(n.length, 0);
});

t.test('another organisation\'s event, a forged form, a stale list: refused, nothing written', async (t) => {
  const before = await countOf('registration_imports');
  const customs = await signedIn(app, 'organiser@customs.test');
  await customs.get('/manage/events');
  const list = csv('name,email,organisation,side\nChan,chan.scope@example.hk,HKPC,HK\n');
  t.equal((await customs.postFile(`${base}/import`, {}, list)).statusCode, 404, 'not in their scope');
  t.equal((await organiser.postFile(`${base}/import`, { _csrf: 'forged' }, list)).statusCode, 403, 'no valid CSRF token');
  const anonymous = new Agent(app);
  await anonymous.get('/login');
  t.equal((await anonymous.postFile(`${base}/import`, {}, list)).statusCode, 401);
  t.equal(await countOf('registration_imports'), before);
  const stale = await organiser.post(`${base}/import/confirm`, { import: '00000000-0000-4000-8000-000000000000' });
  t.equal(stale.statusCode, 404);
  t.match(stale.body, 'This list is no longer waiting');
});

// Long lists are read a piece at a time and staged in batches: what is found far down a file
// counts as much as what is found at its top, and a list refused for it leaves nothing staged.
const longEvent = async (label: string) => {
  const created = await db.insertInto('events').values({
    item_id: event.item_id, slug: `import-${label}-${Date.now()}`, kind: 'seminar', title: 'A long list', starts_at: event.starts_at,
    ends_at: event.ends_at, capacity: null, waitlist_enabled: false, status: 'published',
  }).returning(['id', 'slug']).executeTakeFirstOrThrow();
  const path = `/manage/events/${created.slug}`;
  await organiser.get(`${path}/import`);
  return { ...created, path, send: (file: ListFile) => organiser.postFile(`${path}/import`, {}, file) };
};
const people = (label: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `Person ${from + i},${label}.${from + i}@example.hk,Org ${(from + i) % 7},HK\n`).join('');

t.test('a long list is checked across its batches and staged whole, in the file\'s order', async (t) => {
  const long = await longEvent('long');
  // Two of the list registered already, one in the first batch and one far down.
  const earlier = await long.send(csv(`name,email,organisation,side\n${people('long', 10, 11)}${people('long', 1100, 1101)}`));
  t.equal(earlier.statusCode, 200);
  t.equal((await organiser.post(`${long.path}/import/confirm`, { import: importIdIn(earlier.body), language: 'en' })).statusCode, 303);

  const list = `name,email,organisation,side\n${people('long', 0, 1203)}Again,LONG.5@example.hk,Org,HK\n`;
  const preview = await long.send({ ...csv(list), filename: 'long.csv' });
  t.equal(preview.statusCode, 200);
  t.match(preview.body, 'long.csv: 1201 people to register, 1201 with a place and 0 on the waiting list.');
  t.match(preview.body, '2 already registered for this event');
  t.match(preview.body, 'line 1205: long.5@example.hk, as on line 7', 'a repeat far down is found');
  t.match(preview.body, 'long.200@example.hk', 'the first rows are shown');
  t.notMatch(preview.body, 'long.201@example.hk', 'and no more than those');
  t.match(preview.body, 'And 1001 more.');
  const id = importIdIn(preview.body);
  const staged = await db.selectFrom('registration_imports').select('rows').where('id', '=', id).executeTakeFirstOrThrow();
  t.equal(staged.rows.length, 1201, 'everyone new is staged, once');
  t.same(staged.rows.slice(0, 3).map((p) => p.line), [2, 3, 4]);
  t.same(staged.rows.at(-1), { line: 1204, name: 'Person 1202', email: 'long.1202@example.hk', organisation: 'Org 5', side: 'HK' });
  t.ok(staged.rows.every((p, i) => i === 0 || p.line > staged.rows[i - 1]!.line), 'in the file\'s order');
  t.notOk(staged.rows.some((p) => p.email === 'long.10@example.hk' || p.email === 'long.1100@example.hk'), 'without those registered');

  t.equal((await organiser.post(`${long.path}/import/confirm`, { import: id, language: 'en' })).statusCode, 303);
  const registered = await db.selectFrom('registrations').select((eb) => eb.fn.countAll().as('n')).where('event_id', '=', long.id)
    .executeTakeFirstOrThrow();
  t.equal(Number(registered.n), 1203);
});

t.test('a bad row far down a long list is reported, and nothing is staged', async (t) => {
  const long = await longEvent('late-error');
  const before = await countOf('registration_imports');
  const late = await long.send(csv(`name,email,organisation,side\n${people('late', 0, 1500)}Late Person,not-an-address,Org,HK\n`
    + people('late', 1500, 1510)));
  t.equal(late.statusCode, 400);
  t.match(late.body, 'Rows to correct: 1. Nothing was imported');
  t.match(late.body, 'Line 1502<');
  t.equal(await countOf('registration_imports'), before, 'the batches written before the bad row are undone');

  const many = await long.send(csv(`name,email,organisation,side\n${'Nobody,nowhere,Org,HK\n'.repeat(600)}`));
  t.equal(many.statusCode, 400);
  t.match(many.body, 'Rows to correct: 600.');
  t.match(many.body, 'Line 501<', 'the first 500 problems are listed');
  t.notMatch(many.body, 'Line 502<');
  t.match(many.body, 'And 100 more.');
  t.equal(await countOf('registration_imports'), before);
});

t.test('a file unreadable far down, or too long, is refused whole, with nothing staged', async (t) => {
  const long = await longEvent('refused');
  const before = { imports: await countOf('registration_imports'), registrations: await countOf('registrations') };
  const unreadable = await long.send(csv(`name,email,organisation,side\n${people('unreadable', 0, 1200)}"Chan,chan@example.hk,HKPC,HK\n`));
  t.equal(unreadable.statusCode, 400);
  t.match(unreadable.body, 'The file cannot be read as CSV near line 1202');
  // Ten thousand good rows are staged before the next one is found to be one too many.
  const tooLong = await long.send(csv(`name,email,organisation,side\n${people('too-long', 0, 10_001)}`));
  t.equal(tooLong.statusCode, 400);
  t.match(tooLong.body, 'The file has more than 10000 rows');
  // Columns missing, and unreadable further down: the file is refused for what makes it unreadable, as before.
  const both = await long.send(csv(`Full name,Mail\n${'Chan,chan@example.hk\n'.repeat(700)}"Chan,chan@example.hk\n`));
  t.equal(both.statusCode, 400);
  t.match(both.body, 'The file cannot be read as CSV near line 702');
  t.same({ imports: await countOf('registration_imports'), registrations: await countOf('registrations') }, before);
});

t.test('a workbook as Excel writes it (the sheet before its shared strings) is read; one cut short is refused', async (t) => {
  const { default: JSZip } = await import('jszip');
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet('Invitees').addRows([['Name', 'Email', 'Organisation', 'Side'], ['Ho Ka-yan', 'ho.order@example.hk', 'HKU', 'HK'],
    ['Zhou Min', 'zhou.order@example.cn', 'SCUT', 'GD']]);
  workbook.addWorksheet('Notes').addRow(['Not the list']);
  const zip = await JSZip.loadAsync(await workbook.xlsx.writeBuffer());
  const parts = ['xl/worksheets/sheet1.xml', 'xl/sharedStrings.xml'];
  const contents = await Promise.all(parts.map((p) => zip.file(p)!.async('nodebuffer')));
  for (const p of parts) zip.remove(p);
  parts.forEach((p, i) => zip.file(p, contents[i]!));
  const file = (content: Buffer) => ({
    name: 'file', filename: 'excel.xlsx', content, type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  });
  const reordered = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', streamFiles: true });
  t.ok(reordered.indexOf('xl/worksheets/sheet1.xml') < reordered.indexOf('xl/sharedStrings.xml'), 'the sheet comes first');
  const read = await send(organiser, file(reordered));
  t.equal(read.statusCode, 200);
  t.match(read.body, 'excel.xlsx: 2 people to register');
  t.match(read.body, 'zhou.order@example.cn');
  t.notMatch(read.body, 'Not the list');

  const before = await countOf('registration_imports');
  const sheet = contents[0]!.toString('utf8');
  zip.file('xl/worksheets/sheet1.xml', sheet.slice(0, sheet.indexOf('<row r="3"')));
  const cut = await send(organiser, file(await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' })));
  t.equal(cut.statusCode, 400);
  t.match(cut.body, 'This is not a CSV file or an Excel workbook');
  t.equal(await countOf('registration_imports'), before);
});
