import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { hashToken, newToken } from '../../../src/lib/tokens.ts';
import { ticketKey } from '../../../src/modules/checkin/service.ts';
import { ticketCode } from '../../../src/modules/registrations/ticket.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

/*
 * The phone scanner's side of the server: its page, manifest, service worker and list, and the
 * endpoint its kept scans are sent to. Idempotent on the scan's id, one check-in from two
 * devices (the earliest), the other scan logged, undo in scan order, and every bad batch refused
 * with nothing written.
 */

const { app, db } = await build(t);
const organiser = await signedIn(app, 'organiser@hkipd.test');
await organiser.get('/manage/events');
const event = await db.selectFrom('events').select(['id', 'slug']).where('slug', '=', 'sme-seminar-2019').executeTakeFirstOrThrow();
const base = `/manage/events/${event.slug}`;
const other = await db.selectFrom('events').select(['id', 'slug']).where('id', '<>', event.id).orderBy('id').executeTakeFirstOrThrow();

/** A registration with a ticket whose code the test knows. */
async function person(name: string, status: 'confirmed' | 'waitlisted' | 'cancelled' | 'unconfirmed' = 'confirmed', eventId = event.id) {
  const token = newToken();
  const row = await db.insertInto('registrations').values({
    event_id: eventId, name, email: `${randomUUID()}@scan.test`, organisation: `${name} Ltd`, side: 'HK', status, answers: '{}',
    token_hash: hashToken(token), cancelled_at: status === 'cancelled' ? new Date() : null,
  }).returning(['id', 'token_hash']).executeTakeFirstOrThrow();
  return { id: row.id, name, code: ticketCode(row.token_hash), token };
}

type Result = { id: string; result: string; person?: { id: number; name: string }; at?: string; by?: string | null };
type Answer = { results: Result[]; counts: { checked_in: number; confirmed: number } };

/** Sends a batch as the scanner does: JSON, with the page's CSRF token in a header. */
function sync(body: unknown, agent: Agent = organiser, slug = event.slug, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST', url: `/manage/events/${slug}/scan/sync`, payload: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'x-csrf-token': agent.csrf, cookie: agent.cookieHeader, ...headers },
  });
}
const scanOf = (code: string, at: string, extra: Record<string, unknown> = {}) => ({ id: randomUUID(), action: 'in', code, at, ...extra });
const answer = (res: { body: string }) => JSON.parse(res.body) as Answer;
const rowsOf = (registrationId: number) => db.selectFrom('checkins').selectAll().where('registration_id', '=', registrationId)
  .orderBy('scanned_at').execute();
const registration = (id: number) => db.selectFrom('registrations').select(['status', 'checked_in_at']).where('id', '=', id)
  .executeTakeFirstOrThrow();
const logSize = async () => Number((await db.selectFrom('checkins').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

t.test('the scanner page, its manifest, its service worker and its list', async (t) => {
  const page = await organiser.get(`${base}/scan`);
  t.equal(page.statusCode, 200);
  t.match(page.body, `<link rel="manifest" href="${base}/scan/manifest.webmanifest" crossorigin="use-credentials">`);
  t.match(page.body, '<script src="/static/jsqr.js" defer></script>', 'the decoder is served from the app itself');
  t.match(page.body, /data-strings="\{&quot;checkedIn&quot;:&quot;Checked in&quot;/, 'the script takes its words from the page');
  t.match(page.body, 'name="device"', 'the device is named on the page');
  const chinese = await organiser.get(`${base}/scan?lang=zh-Hant`);
  t.match(chinese.body, '掃描門票');
  t.match(chinese.body, '已於 {time} 由{by}簽到', 'the amber answer in Chinese, its values filled in by the script');
  await organiser.get(`${base}/scan?lang=en`);

  const manifest = await organiser.get(`${base}/scan/manifest.webmanifest`);
  t.equal(manifest.statusCode, 200);
  t.match(manifest.headers['content-type'], /^application\/manifest\+json/);
  t.match(JSON.parse(manifest.body), { start_url: `${base}/scan`, scope: `${base}/scan`, display: 'standalone', icons: [{ src: '/static/favicon.svg' }] });

  const worker = await organiser.get(`${base}/scan-sw.js`);
  t.equal(worker.statusCode, 200);
  t.match(worker.headers['content-type'], /^(text|application)\/javascript/);
  t.match(worker.body, "addEventListener('fetch'");
  const decoder = await app.inject({ method: 'GET', url: '/static/jsqr.js' });
  t.equal(decoder.statusCode, 200);
  t.equal(decoder.body, await readFile(new URL('../../../node_modules/jsqr/dist/jsQR.js', import.meta.url), 'utf8'),
    'the served decoder is the installed jsqr (copy it again after an upgrade)');
  t.match(page.headers['content-security-policy'], "script-src 'self'", 'the page runs under the strict policy');

  const waiting = await person('Lam Waiting', 'waitlisted');
  const gone = await person('Ho Cancelled', 'cancelled');
  const here = await person('Yip Confirmed');
  const elsewhere = await person('Fung Elsewhere', 'confirmed', other.id);
  const list = await organiser.get(`${base}/scan/people.json`);
  t.equal(list.statusCode, 200);
  const data = JSON.parse(list.body) as { people: { id: number; keys: string[]; name?: string; email?: string; status: string }[] };
  const byId = new Map(data.people.map((p) => [p.id, p]));
  const hashOf = async (id: number) => (await db.selectFrom('registrations').select('token_hash').where('id', '=', id).executeTakeFirstOrThrow()).token_hash;
  t.same(byId.get(here.id)?.keys, [ticketKey(await hashOf(here.id))], 'a ticket is known by a hash of its code');
  t.equal(byId.get(here.id)?.name, 'Yip Confirmed');
  t.same(byId.get(waiting.id), { id: waiting.id, keys: [ticketKey(await hashOf(waiting.id))], status: 'waitlisted' }, 'no details of the waiting list');
  t.same(byId.get(gone.id), { id: gone.id, keys: [ticketKey(await hashOf(gone.id))], status: 'cancelled' });
  t.notOk(byId.has(elsewhere.id), "another event's people are not sent");
  t.notMatch(list.body, /@|email|token_hash/, 'no emails and no ticket codes leave the server');
  t.notMatch(list.body, await hashOf(here.id), 'the code itself is not in the list');
  t.equal(list.headers['cache-control'], 'no-store');
});

t.test('a scan checks in once; the same batch again changes nothing; a copied ticket is a logged duplicate', async (t) => {
  const p = await person('Chan Door One');
  const scan = scanOf(p.code, '2026-06-01T01:12:00.000Z');
  const res = await sync({ device: 'Door 1', scans: [scan] });
  t.equal(res.statusCode, 200);
  const first = answer(res);
  t.match(first.results, [{ id: scan.id, result: 'checked_in', person: { id: p.id, name: 'Chan Door One' }, at: scan.at }]);
  t.equal((await registration(p.id)).checked_in_at?.toISOString(), scan.at, 'the scan time is the check-in time');
  const rows = await rowsOf(p.id);
  t.match(rows, [{ id: scan.id, action: 'in', outcome: 'accepted', device: 'Door 1', event_id: event.id }]);
  const organiserId = (await db.selectFrom('users').select('id').where('email', '=', 'organiser@hkipd.test').executeTakeFirstOrThrow()).id;
  t.equal(rows[0]?.user_id, organiserId, 'who sent it is kept');

  const before = await logSize();
  const again = answer(await sync({ device: 'Door 1', scans: [scan] }));
  t.same(again.results, first.results, 'a batch sent twice is answered the same');
  t.equal(await logSize(), before, 'and recorded once');

  const copy = scanOf(p.code, '2026-06-01T01:40:00.000Z');
  const copied = answer(await sync({ device: 'Door 3', scans: [copy] }));
  t.match(copied.results, [{ result: 'already', at: scan.at, by: 'Door 1' }], 'amber: already checked in at 09:12 by Door 1');
  t.match(await rowsOf(p.id), [{ outcome: 'accepted', device: 'Door 1' }, { outcome: 'duplicate', device: 'Door 3' }]);
  t.equal((await registration(p.id)).checked_in_at?.toISOString(), scan.at, 'checked in once');
  const link = answer(await sync({ device: 'Door 3', scans: [scanOf(`https://ipcoop.test/registrations/${p.token}`, copy.at)] }));
  t.match(link.results, [{ result: 'already' }], 'the manage link names the same person');
});

t.test('two devices offline: the earliest scan checks in, the other is logged with its device', async (t) => {
  const p = await person('Lee Two Devices');
  const later = scanOf(p.code, '2026-06-01T01:12:00.000Z');
  const earlier = scanOf(p.code, '2026-06-01T01:10:30.000Z');
  t.match(answer(await sync({ device: 'Door 2', scans: [later] })).results, [{ result: 'checked_in' }]);
  const res = answer(await sync({ device: 'Side door', scans: [earlier] }));
  t.match(res.results, [{ result: 'checked_in', at: earlier.at }], 'the earlier scan, sent later, is the check-in');
  t.equal((await registration(p.id)).checked_in_at?.toISOString(), earlier.at);
  t.match(await rowsOf(p.id), [{ id: earlier.id, outcome: 'accepted', device: 'Side door' }, { id: later.id, outcome: 'duplicate', device: 'Door 2' }]);
  const replay = answer(await sync({ device: 'Door 2', scans: [later] }));
  t.match(replay.results, [{ result: 'already', by: 'Side door', at: earlier.at }], "the later device's scan now reads as a duplicate");
  t.equal((await db.selectFrom('checkins').select('id').where('registration_id', '=', p.id).where('outcome', '=', 'accepted').execute()).length, 1);

  const log = await organiser.get(`${base}/checkin-log?show=duplicate`);
  t.equal(log.statusCode, 200);
  t.match(log.body, 'Lee Two Devices');
  t.match(log.body, 'Door 2');
  t.match(log.body, 'Duplicate');
  t.notMatch(log.body, 'Side door', 'the duplicates only');
  t.match((await organiser.get(`${base}/checkin-log`)).body, 'Side door');
});

t.test('undo, online or kept offline, takes effect in scan order', async (t) => {
  const p = await person('Ng Undo');
  const scan = scanOf(p.code, '2026-06-01T02:00:00.000Z');
  const undo = { id: randomUUID(), action: 'out', registration: p.id, undoes: scan.id, at: '2026-06-01T02:01:00.000Z' };
  const res = answer(await sync({ device: 'Door 1', scans: [scan, undo] }));
  // The batch is answered as it stands once settled: that check-in is undone.
  t.match(res.results, [{ result: 'undone', id: scan.id }, { result: 'undone', person: { id: p.id } }]);
  t.equal((await registration(p.id)).checked_in_at, null);
  t.match(await rowsOf(p.id), [{ action: 'in', outcome: 'undone' }, { action: 'out', outcome: 'accepted', undoes: scan.id }]);
  t.match(answer(await sync({ device: 'Door 1', scans: [undo] })).results, [{ result: 'undone' }], 'an undo sent twice is one undo');

  // Another device scanned the person after the undo, and syncs last: they are checked in, at that time.
  const after = scanOf(p.code, '2026-06-01T02:05:00.000Z');
  t.match(answer(await sync({ device: 'Door 2', scans: [after] })).results, [{ result: 'checked_in' }]);
  t.equal((await registration(p.id)).checked_in_at?.toISOString(), after.at);
  const nothing = { id: randomUUID(), action: 'out', registration: p.id, at: '2026-06-01T01:00:00.000Z' };
  t.match(answer(await sync({ device: 'Door 1', scans: [nothing] })).results, [{ result: 'not_checked_in' }], 'nothing to undo before any check-in');
  t.equal((await registration(p.id)).checked_in_at?.toISOString(), after.at);

  const byList = await person('Ko Manual');
  const manual = { id: randomUUID(), action: 'in', registration: byList.id, at: new Date(Date.now() + 3_600_000).toISOString() };
  const chosen = answer(await sync({ device: 'Door 1', scans: [manual] }));
  t.match(chosen.results, [{ result: 'checked_in' }], 'a person chosen from the list');
  const at = (await registration(byList.id)).checked_in_at;
  t.ok(at && at.getTime() <= Date.now(), 'a time in the future counts as now');
});

t.test('the desk writes to the same log; a check-in from before the log reads as the desk', async (t) => {
  const p = await person('Tse Desk');
  await organiser.post(`${base}/checkin/${p.id}`, { present: 'yes', q: '' });
  t.match(await rowsOf(p.id), [{ action: 'in', outcome: 'accepted', device: null }]);
  await organiser.post(`${base}/checkin/${p.id}`, { present: 'no', q: '' });
  t.match(await rowsOf(p.id), [{ outcome: 'undone' }, { action: 'out', outcome: 'accepted' }]);
  t.equal((await registration(p.id)).checked_in_at, null);

  const old = await person('Yeung Seeded');
  await db.updateTable('registrations').set({ checked_in_at: new Date('2026-06-01T00:30:00Z') }).where('id', '=', old.id).execute();
  const res = answer(await sync({ device: 'Door 1', scans: [scanOf(old.code, '2026-06-01T01:00:00.000Z')] }));
  t.match(res.results, [{ result: 'already', by: null, at: '2026-06-01T00:30:00.000Z' }]);
  t.match(await rowsOf(old.id), [{ outcome: 'accepted', device: null }, { outcome: 'duplicate', device: 'Door 1' }]);
});

t.test('red answers write nothing: waiting list, cancelled, another event, forged, not a ticket, a reused id', async (t) => {
  const waiting = await person('Au Waiting', 'waitlisted');
  const gone = await person('Pang Gone', 'cancelled');
  const elsewhere = await person('Sin Elsewhere', 'confirmed', other.id);
  const checked = await person('Mok Checked');
  const first = scanOf(checked.code, '2026-06-01T03:00:00.000Z');
  await sync({ device: 'Door 1', scans: [first] });
  const before = await logSize();
  const scans = [
    scanOf(waiting.code, '2026-06-01T03:01:00.000Z'), scanOf(gone.code, '2026-06-01T03:01:00.000Z'),
    scanOf(elsewhere.code, '2026-06-01T03:01:00.000Z'), scanOf(`IPCOOP-TICKET:${'ab'.repeat(32)}`, '2026-06-01T03:01:00.000Z'),
    scanOf('https://example.com/not-a-ticket', '2026-06-01T03:01:00.000Z'), scanOf(`IPCOOP-TICKET:\u0000${'ab'.repeat(32)}`, '2026-06-01T03:01:00.000Z'),
    { id: randomUUID(), action: 'in', registration: elsewhere.id, at: '2026-06-01T03:01:00.000Z' },
    { ...scanOf(waiting.code, '2026-06-01T03:02:00.000Z'), id: first.id, code: (await person('Kwok Other')).code },
  ];
  const res = await sync({ device: 'Door\u0000 1', scans });
  t.equal(res.statusCode, 200);
  t.same(answer(res).results.map((r) => r.result),
    ['waitlisted', 'cancelled', 'other_event', 'unknown', 'not_ticket', 'not_ticket', 'unknown', 'rejected']);
  t.notOk(answer(res).results.some((r) => r.person), 'no details come back for a red answer');
  t.equal(await logSize(), before, 'nothing written');
  for (const p of [waiting, gone, elsewhere]) t.equal((await registration(p.id)).checked_in_at, null);
});

t.test('malformed batches, missing tokens and events out of scope are refused in JSON, with nothing written', async (t) => {
  const p = await person('Wu Malformed');
  const good = scanOf(p.code, '2026-06-01T04:00:00.000Z');
  const before = await logSize();
  const bad: [string, unknown][] = [
    ['not JSON', '{"device":'],
    ['an array', [good]],
    ['no device', { scans: [good] }],
    ['an empty device', { device: '   ', scans: [good] }],
    ['a long device name', { device: 'x'.repeat(61), scans: [good] }],
    ['no scans', { device: 'Door 1', scans: [] }],
    ['too many scans', { device: 'Door 1', scans: Array.from({ length: 501 }, () => scanOf(p.code, good.at)) }],
    ['a bad id', { device: 'Door 1', scans: [{ ...good, id: '123' }] }],
    ['a bad time', { device: 'Door 1', scans: [{ ...good, at: 'yesterday' }] }],
    ['a time without zone', { device: 'Door 1', scans: [{ ...good, at: '2026-06-01T04:00:00' }] }],
    ['an unknown action', { device: 'Door 1', scans: [{ ...good, action: 'delete' }] }],
    ['both a code and a person', { device: 'Door 1', scans: [{ ...good, registration: p.id }] }],
    ['neither', { device: 'Door 1', scans: [{ id: good.id, action: 'in', at: good.at }] }],
    ['an extra field', { device: 'Door 1', scans: [{ ...good, checked_in_at: good.at }] }],
    ['a long code', { device: 'Door 1', scans: [{ ...good, code: 'x'.repeat(301) }] }],
    ['a negative person', { device: 'Door 1', scans: [{ id: good.id, action: 'in', registration: -1, at: good.at }] }],
    ['a good scan after a bad one', { device: 'Door 1', scans: [good, { ...good, id: 'nope' }] }],
  ];
  for (const [what, body] of bad) {
    const res = await sync(body);
    t.equal(res.statusCode, 400, what);
    t.match(res.headers['content-type'], /^application\/json/, `${what}: answered in JSON`);
    // Text that is no JSON is refused by the body parser, in its own words.
    t.match(JSON.parse(res.body), { statusCode: 400, message: what === 'not JSON' ? /could not be read/ : /cannot be taken/ }, what);
  }
  const huge = await sync({ device: 'Door 1', scans: [{ ...good, code: 'x'.repeat(300_000) }] });
  t.equal(huge.statusCode, 413, 'a body past the limit');
  const form = await app.inject({ method: 'POST', url: `${base}/scan/sync`, payload: `_csrf=${organiser.csrf}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: organiser.cookieHeader } });
  t.equal(form.statusCode, 400, 'a form is not a batch');
  t.match(form.headers['content-type'], /^application\/json/);
  const noToken = await sync({ device: 'Door 1', scans: [good] }, organiser, event.slug, { 'x-csrf-token': '' });
  t.equal(noToken.statusCode, 403, 'the CSRF token is required');
  t.match(noToken.headers['content-type'], /^application\/json/);

  const intruder = await signedIn(app, 'organiser@customs.test');
  await intruder.get('/manage/events');
  const outside = await sync({ device: 'Door 1', scans: [good] }, intruder);
  t.equal(outside.statusCode, 404, "another organisation's event does not exist for them");
  t.match(JSON.parse(outside.body), { statusCode: 404 });
  t.equal((await intruder.get(`${base}/scan/people.json`)).statusCode, 404);
  t.equal((await intruder.get(`${base}/scan`)).statusCode, 404);
  const judge = await signedIn(app, 'judge1@ipcoop.test');
  await judge.get('/judging');
  t.equal((await sync({ device: 'Door 1', scans: [good] }, judge)).statusCode, 404);
  const anonymous = new Agent(app);
  await anonymous.get('/login');
  const nobody = await sync({ device: 'Door 1', scans: [good] }, anonymous);
  t.equal(nobody.statusCode, 401);
  t.match(nobody.headers['content-type'], /^application\/json/);
  t.equal((await sync({ device: 'Door 1', scans: [good] }, organiser, 'no-such-event')).statusCode, 404);

  t.equal(await logSize(), before, 'nothing written by any of them');
  t.equal((await registration(p.id)).checked_in_at, null);
  t.match(answer(await sync({ device: 'Door 1', scans: [good] })).results, [{ result: 'checked_in' }], 'the good scan alone is taken');
});

t.test('one scan id twice in a batch: the same scan is one, another scan under its id is refused', async (t) => {
  const p = await person('Yu Twice In Batch');
  const q = await person('Ma Other Person');
  const scan = scanOf(p.code, '2026-06-01T05:00:00.000Z');
  const res = answer(await sync({ device: 'Door 1', scans: [scan, scan, { ...scan, code: q.code }] }));
  t.same(res.results.map((r) => r.result), ['checked_in', 'checked_in', 'rejected']);
  t.equal((await rowsOf(p.id)).length, 1);
  t.same(await rowsOf(q.id), [], 'nothing written for the other person');
  t.equal((await registration(q.id)).checked_in_at, null);
});

t.test('the counts come back with every batch', async (t) => {
  const p = await person('Siu Counted');
  const before = (await organiser.get(`${base}/counts.json`, { accept: 'application/json' })).body;
  const res = answer(await sync({ device: 'Door 1', scans: [scanOf(p.code, new Date().toISOString())] }));
  t.equal(res.counts.checked_in, (JSON.parse(before) as { checked_in: number }).checked_in + 1);
});
