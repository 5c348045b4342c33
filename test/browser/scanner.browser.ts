import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import QRCode from 'qrcode';
import t, { type Test } from 'tap';
import { hashToken, newToken } from '../../src/lib/tokens.ts';
import { ticketCode } from '../../src/modules/registrations/ticket.ts';
import { DEMO_PASSWORD } from '../helpers/database.ts';
import { artifactsDir, problemsOf, startSite } from './support.ts';

/*
 * The phone scanner in Chromium with a fake camera that films one real ticket: checked in
 * online; loaded from its service worker with the network gone, scans kept and sent when it
 * returns; and two phones that scanned the same ticket offline give one check-in and one logged
 * duplicate.
 */

/**
 * A Y4M video (4:2:0, full range) of a QR code on white: what Chromium's fake camera plays in a
 * loop. Each module of the code's matrix (from the `qrcode` package) is drawn as a square of pixels.
 */
function y4m(text: string, width = 640, height = 480, scale = 8): Buffer {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const quiet = 4;
  const side = (modules.size + 2 * quiet) * scale;
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  const luma = Buffer.alloc(width * height, 255);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const row = Math.floor(y / scale) - quiet;
      const col = Math.floor(x / scale) - quiet;
      const dark = row >= 0 && col >= 0 && row < modules.size && col < modules.size && modules.get(row, col);
      if (dark) luma[(top + y) * width + left + x] = 0;
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma]);
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`), frame, frame]);
}

// One printed ticket in front of the camera for the whole file; between the scenes it is given
// to another person, so that each scene scans someone not yet checked in.
const token = newToken();
const ticketHash = hashToken(token);
const video = join(await artifactsDir('scanner'), `ticket-${process.pid}.y4m`);
await writeFile(video, y4m(ticketCode(ticketHash)));
t.teardown(() => rm(video, { force: true }));

const site = await startSite(t, {
  browserArgs: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`],
});
const { db } = site;
const event = await db.selectFrom('events').select(['id', 'slug']).where('slug', '=', 'sme-seminar-2019').executeTakeFirstOrThrow();
const scanner = `/manage/events/${event.slug}/scan`;

async function person(name: string) {
  const row = await db.insertInto('registrations').values({
    event_id: event.id, name, email: `${randomUUID()}@scanner.test`, organisation: `${name} Studio`, side: 'GD', status: 'confirmed',
    answers: '{}', token_hash: hashToken(newToken()),
  }).returning('id').executeTakeFirstOrThrow();
  return { id: row.id, name };
}

/** The printed ticket now belongs to `to`. */
async function giveTicket(to: { id: number }) {
  await db.updateTable('registrations').set({ token_hash: hashToken(newToken()) }).where('token_hash', '=', ticketHash).execute();
  await db.updateTable('registrations').set({ token_hash: ticketHash }).where('id', '=', to.id).execute();
}

const checkIns = (id: number) => db.selectFrom('checkins').select(['action', 'outcome', 'device', 'scanned_at'])
  .where('registration_id', '=', id).orderBy('scanned_at').execute();
const checkedInAt = async (id: number) =>
  (await db.selectFrom('registrations').select('checked_in_at').where('id', '=', id).executeTakeFirstOrThrow()).checked_in_at;

/** A signed-in organiser's scanner, with the device named and the list downloaded. */
async function openScanner(tt: Test, device: string): Promise<{ page: Page; context: BrowserContext }> {
  const page = await site.page(tt);
  await page.goto('/login');
  await page.getByLabel('Email address').fill('organiser@hkipd.test');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/login'), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
  await page.goto(scanner);
  await page.getByLabel('Name of this device').fill(device);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('[data-scanner][data-ready="true"]').waitFor();
  return { page, context: page.context() };
}

/** Until the service worker controls the page (it installs on the first visit). */
const controlled = (page: Page) => page.waitForFunction(() => navigator.serviceWorker.controller !== null);

async function goOffline(context: BrowserContext) {
  await context.setOffline(true);
  // The service worker's own requests too: nothing reaches the server.
  await context.route('**/*', (route) => route.abort('internetdisconnected'));
}
async function goOnline(context: BrowserContext) {
  await context.unrouteAll();
  await context.setOffline(false);
}

const result = (page: Page) => page.locator('#result');
const pending = (page: Page) => page.locator('[data-count="pending"]');
const noProblems = (tt: Test, page: Page) =>
  tt.same(problemsOf(page).filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::/.test(p)), [], 'no script or console errors');

t.test('online: the camera reads the ticket and the person is checked in, on the page and in the database', async (tt) => {
  const holder = await person('Chan Online');
  await giveTicket(holder);
  const { page } = await openScanner(tt, 'Door 1');
  const before = Number(await page.locator('[data-count="checked_in"]').textContent());
  await page.getByRole('button', { name: 'Start the camera' }).click();
  await result(page).and(page.locator('[data-result="checked_in"]')).waitFor();
  tt.equal(await result(page).locator('[data-verdict]').textContent(), 'Checked in');
  tt.equal(await result(page).locator('[data-name]').textContent(), 'Chan Online');
  tt.match(await result(page).locator('[data-detail]').textContent(), 'Chan Online Studio');
  tt.match(await result(page).getAttribute('class'), /scan-result--ok/, 'green');
  tt.equal(Number(await page.locator('[data-count="checked_in"]').textContent()), before + 1, 'the live count moved');
  tt.ok(await checkedInAt(holder.id), 'checked in in the database');
  tt.match(await checkIns(holder.id), [{ action: 'in', outcome: 'accepted', device: 'Door 1' }]);
  tt.equal((await checkIns(holder.id)).length, 1, 'a ticket held in front of the camera is one scan');
  await page.getByRole('button', { name: 'Stop the camera' }).click();
  noProblems(tt, page);
});

t.test('offline: the scanner loads from its service worker, keeps scans and undo, and sends them when the network returns', async (tt) => {
  const holder = await person('Leung Offline');
  const walker = await person('Cheung Bytheway');
  await giveTicket(holder);
  const { page, context } = await openScanner(tt, 'Door 2');
  await controlled(page);

  await goOffline(context);
  const [worker] = context.serviceWorkers();
  tt.ok(worker, 'a service worker runs for the scanner');
  tt.equal(await worker?.evaluate(() => fetch('/healthz').then(() => 'reached', () => 'unreachable')), 'unreachable',
    'the service worker cannot reach the server either');
  const reloaded = await page.reload();
  tt.ok(reloaded?.fromServiceWorker(), 'the page came from the service worker');
  await page.locator('[data-scanner][data-ready="true"]').waitFor();
  await page.getByText('Offline: scans are kept on this device').waitFor();

  await page.getByRole('button', { name: 'Start the camera' }).click();
  await result(page).and(page.locator('[data-result="checked_in"]')).waitFor();
  tt.equal(await result(page).locator('[data-name]').textContent(), 'Leung Offline', 'judged on the device from its list');
  tt.match(await result(page).locator('[data-note]').textContent(), /Kept on this device/);
  await page.getByRole('button', { name: 'Stop the camera' }).click();

  await page.getByRole('searchbox', { name: 'Find by name or organisation' }).fill('Bytheway');
  await page.locator('#matches').getByRole('button', { name: 'Check in' }).click();
  await result(page).locator('[data-name]', { hasText: 'Cheung Bytheway' }).waitFor();
  await result(page).getByRole('button', { name: 'Undo' }).click();
  await result(page).and(page.locator('[data-result="undone"]')).waitFor();
  tt.equal(await pending(page).textContent(), '3', 'three scans kept');
  tt.equal(await checkedInAt(holder.id), null, 'nothing has reached the server');
  tt.same(await checkIns(walker.id), []);

  await goOnline(context);
  await page.locator('[data-count="pending"]', { hasText: /^0$/ }).waitFor();
  tt.ok(await checkedInAt(holder.id), 'the kept scan checked the ticket holder in');
  tt.match(await checkIns(holder.id), [{ action: 'in', outcome: 'accepted', device: 'Door 2' }]);
  tt.equal(await checkedInAt(walker.id), null, 'the undo kept offline undid the check-in');
  tt.match(await checkIns(walker.id), [{ action: 'in', outcome: 'undone', device: 'Door 2' }, { action: 'out', outcome: 'accepted' }]);
  noProblems(tt, page);
});

t.test('two phones scan the same ticket offline: one check-in, the earliest, and one logged duplicate', async (tt) => {
  const holder = await person('Wong Twice');
  await giveTicket(holder);
  const first = await openScanner(tt, 'Door 3');
  const second = await openScanner(tt, 'Door 4');
  await controlled(first.page);
  await controlled(second.page);
  await goOffline(first.context);
  await goOffline(second.context);

  for (const { page } of [first, second]) {
    await page.getByRole('button', { name: 'Start the camera' }).click();
    await result(page).and(page.locator('[data-result="checked_in"]')).waitFor();
    tt.equal(await result(page).locator('[data-name]').textContent(), 'Wong Twice', 'each phone alone says green');
    await page.getByRole('button', { name: 'Stop the camera' }).click();
  }

  await goOnline(first.context);
  await pending(first.page).filter({ hasText: /^0$/ }).waitFor();
  await goOnline(second.context);
  await pending(second.page).filter({ hasText: /^0$/ }).waitFor();

  const rows = await checkIns(holder.id);
  tt.match(rows, [{ outcome: 'accepted', device: 'Door 3' }, { outcome: 'duplicate', device: 'Door 4' }]);
  tt.equal((await checkedInAt(holder.id))?.getTime(), rows[0]?.scanned_at.getTime(), 'checked in at the earliest scan');

  await second.page.goto(`/manage/events/${event.slug}/checkin-log?show=duplicate`);
  await second.page.locator('table').getByText('Door 4').waitFor();
  tt.ok(await second.page.locator('table').getByText('Wong Twice').isVisible(), 'the duplicate is in the log, with its device');
  noProblems(tt, first.page);
  noProblems(tt, second.page);
});
