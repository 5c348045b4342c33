import { execFileSync } from 'node:child_process';
import t from 'tap';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

/*
 * Badges and table cards: the layouts, the three filters, printing recorded (and a preview that
 * records nothing), names in Chinese drawn with a CJK font, scope, and bad input refused with
 * nothing written.
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
