import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import t, { type Test } from 'tap';
import type { Database } from '../../src/db/index.ts';
import { enterAndWait, problemsOf, signIn, signInByKeyboard, skipToMain, startSite, tabTo } from './support.ts';

/*
 * The participant's, the organiser's and the judge's main jobs in a real browser: each once
 * with the mouse and once with the keyboard alone (Tab, Shift+Tab, Enter, Space, typing).
 */

const site = await startSite(t, { mail: true });
const { db } = site;

/** An upcoming published event open for registration that asks no extra questions. */
async function openEvent() {
  const now = new Date();
  return db.selectFrom('events as e')
    .where('e.status', '=', 'published')
    .where('e.starts_at', '>', now)
    .where('e.registration_opens_at', '<=', now)
    .where('e.registration_closes_at', '>', now)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('event_questions as q').whereRef('q.event_id', '=', 'e.id').select('q.id'))))
    .select(['e.id', 'e.slug', 'e.title'])
    .orderBy('e.starts_at')
    .executeTakeFirstOrThrow();
}

const registrationOf = (eventId: number, email: string) => db.selectFrom('registrations')
  .where('event_id', '=', eventId).where('email', '=', email)
  .select(['id', 'status', 'name', 'organisation', 'side', 'cancelled_at', 'checked_in_at'])
  .executeTakeFirstOrThrow();

async function mailTo(address: string, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = site.inbox?.messages.find((m) => m.to && [m.to].flat().some((a) => a.text.includes(address)));
    if (found) return found;
    if (Date.now() > until) throw new Error(`no mail reached ${address}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const noProblems = (tt: Test, page: Page) => tt.same(problemsOf(page), [], 'no script or console errors');

type Checked = { event: Awaited<ReturnType<typeof openEvent>>; email: string; managePath: string };

async function assertRegisteredThenCancelled(tt: Test, page: Page, c: Checked, confirmed: { name: string; side: string }) {
  tt.match(c.managePath, /^\/registrations\/[\w-]{20,}$/, 'lands on the private manage page');
  const row = await registrationOf(c.event.id, c.email);
  tt.equal(row.status, 'cancelled');
  tt.equal(row.name, confirmed.name);
  tt.equal(row.side, confirmed.side);
  tt.ok(row.cancelled_at, 'the cancellation time is kept');
  await tt.resolves(page.getByText('This registration is cancelled').waitFor(), 'the manage page says it is cancelled');
  const mail = await mailTo(c.email);
  tt.match(mail.text ?? '', `${site.url}${c.managePath}`, 'the confirmation email carries the manage link');
}

t.test('participant registers for an open event and cancels on the manage page (mouse)', async (tt) => {
  const page = await site.page(tt);
  const event = await openEvent();
  const email = 'mouse.participant@example.org';
  await page.goto('/events');
  await Promise.all([page.waitForURL(`**/events/${event.slug}`), page.locator(`main a[href="/events/${event.slug}"]`).first().click()]);
  await page.getByLabel('Full name').fill('Chan Tai Man');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Organisation').fill('Kowloon Patent Studio');
  await page.getByLabel('Where you come from').selectOption('HK');
  await page.getByLabel('I agree to my details being used').check();
  await Promise.all([page.waitForURL('**/registrations/*'), page.getByRole('button', { name: 'Register' }).click()]);
  const managePath = new URL(page.url()).pathname;
  await page.getByText('Your place is confirmed.').waitFor();
  tt.equal((await registrationOf(event.id, email)).status, 'confirmed', 'the row is confirmed before cancelling');

  await Promise.all([page.waitForURL('**/cancel'), page.getByRole('link', { name: 'Cancel my registration' }).click()]);
  await Promise.all([page.waitForURL(`**${managePath}`), page.getByRole('button', { name: 'Yes, cancel my registration' }).click()]);
  await assertRegisteredThenCancelled(tt, page, { event, email, managePath }, { name: 'Chan Tai Man', side: 'HK' });
  tt.equal((await registrationOf(event.id, email)).organisation, 'Kowloon Patent Studio');
  noProblems(tt, page);
});

t.test('participant registers and cancels with the keyboard alone', async (tt) => {
  const page = await site.page(tt);
  const event = await openEvent();
  const email = 'keyboard.participant@example.org';
  await page.goto('/events');
  await skipToMain(page);
  await tabTo(page, `a[href="/events/${event.slug}"]`);
  await enterAndWait(page, `**/events/${event.slug}`);

  await skipToMain(page);
  await tabTo(page, '#f-name');
  await page.keyboard.type('Li Siu Ming');
  await tabTo(page, '#f-email');
  await page.keyboard.type(email);
  await tabTo(page, '#f-organisation');
  await page.keyboard.type('Foshan Design Centre');
  await tabTo(page, '#f-side');
  await page.keyboard.type('Guangdong'); // type-ahead picks the option on a closed select
  tt.equal(await page.locator('#f-side').inputValue(), 'GD', 'type-ahead chose the side');
  await tabTo(page, '#f-consent');
  await page.keyboard.press('Space');
  tt.ok(await page.locator('#f-consent').isChecked(), 'Space ticks the consent box');
  // Back and forth: Shift+Tab returns to the side, Tab comes back to the consent box.
  await tabTo(page, '#f-side', { back: true });
  await tabTo(page, '#f-consent');
  await tabTo(page, 'form[action$="/register"] button[type=submit]');
  await enterAndWait(page, '**/registrations/*');
  const managePath = new URL(page.url()).pathname;
  await page.getByText('Your place is confirmed.').waitFor();
  tt.equal((await registrationOf(event.id, email)).status, 'confirmed', 'the row is confirmed before cancelling');

  await skipToMain(page);
  await tabTo(page, 'a[href$="/cancel"]');
  await enterAndWait(page, '**/cancel');
  await skipToMain(page);
  await tabTo(page, 'button[type=submit]');
  await enterAndWait(page, `**${managePath}`);
  await assertRegisteredThenCancelled(tt, page, { event, email, managePath }, { name: 'Li Siu Ming', side: 'GD' });
  noProblems(tt, page);
});

/** An event of HKIPD's with confirmed people not yet checked in. */
async function deskEvent() {
  const event = await db.selectFrom('events as e')
    .innerJoin('item_parties as p', 'p.item_id', 'e.item_id')
    .innerJoin('organisations as o', 'o.id', 'p.organisation_id')
    .innerJoin('registrations as r', 'r.event_id', 'e.id')
    .where('o.code', '=', 'HKIPD').where('e.status', '=', 'published').where('e.starts_at', '>', new Date())
    .where('r.status', '=', 'confirmed').where('r.checked_in_at', 'is', null)
    .groupBy(['e.id', 'e.slug', 'e.title', 'e.starts_at'])
    .having((eb) => eb.fn.countAll(), '>=', 2)
    .select(['e.id', 'e.slug', 'e.title'])
    .orderBy('e.starts_at')
    .executeTakeFirstOrThrow();
  return event;
}

/** A confirmed, not checked-in person at the event whose name no other registration shares. */
async function personToCheckIn(eventId: number, skip: number) {
  const people = await db.selectFrom('registrations').where('event_id', '=', eventId)
    .where('status', '=', 'confirmed').where('checked_in_at', 'is', null)
    .select(['id', 'name', 'email']).orderBy('id').execute();
  const all = await db.selectFrom('registrations').where('event_id', '=', eventId).select('name').execute();
  const unique = people.filter((p) => all.filter((a) => a.name.toLowerCase().includes(p.name.toLowerCase())).length === 1);
  const person = unique[skip];
  if (!person) throw new Error('no person to check in');
  return person;
}

/** RFC 4180 rows, the byte-order mark dropped. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const body = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; } else if (ch === '\r') { /* CRLF */ } else if (ch === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; } else cell += ch;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

async function assertAttendanceCsv(tt: Test, file: string, eventId: number, person: { name: string; email: string }) {
  const rows = parseCsv(await readFile(file, 'utf8'));
  const [header, ...data] = rows;
  tt.same(header?.slice(0, 8), ['No.', 'Name', 'Organisation', 'Side', 'Email', 'Status', 'Registered (HK time)', 'Checked in (HK time)']);
  const expected = await db.selectFrom('registrations').where('event_id', '=', eventId)
    .where('status', 'in', ['confirmed', 'waitlisted']).select(['email']).execute();
  tt.equal(data.length, expected.length, 'one row per confirmed or waitlisted registration');
  tt.same(data.map((r) => r[0]), data.map((_, i) => String(i + 1)), 'rows are numbered');
  const line = data.find((r) => r[4] === person.email);
  tt.ok(line, 'the person checked in is listed');
  tt.equal(line?.[1], person.name);
  tt.equal(line?.[5], 'confirmed');
  tt.match(line?.[7] ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/, 'with the check-in time');
  const present = data.filter((r) => r[7]).length;
  const inDb = await db.selectFrom('registrations').where('event_id', '=', eventId).where('checked_in_at', 'is not', null)
    .select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  tt.equal(present, Number(inDb.n), 'the list has as many check-in times as the database');
}

async function assertCheckedIn(tt: Test, page: Page, registrationId: number, name: string) {
  await page.getByRole('status').filter({ hasText: `${name} is checked in.` }).waitFor();
  const row = await db.selectFrom('registrations').where('id', '=', registrationId).select(['checked_in_at', 'status']).executeTakeFirstOrThrow();
  tt.ok(row.checked_in_at, 'checked_in_at is set');
  tt.equal(row.status, 'confirmed');
}

t.test('organiser checks a person in at the desk and downloads the attendance list (mouse)', async (tt) => {
  const page = await site.page(tt, { acceptDownloads: true });
  const event = await deskEvent();
  const person = await personToCheckIn(event.id, 0);
  await signIn(page, 'organiser@hkipd.test');
  await Promise.all([page.waitForURL('**/manage/events'), page.locator('nav.subnav').getByRole('link', { name: 'Events' }).click()]);
  await Promise.all([page.waitForURL(`**/manage/events/${event.slug}`), page.getByRole('link', { name: event.title }).click()]);
  await Promise.all([page.waitForURL('**/checkin'), page.getByRole('link', { name: 'Check-in desk' }).click()]);
  await page.getByLabel('Find by name, email or organisation').fill(person.name);
  await Promise.all([page.waitForURL('**/checkin?q=*'), page.getByRole('button', { name: 'Search' }).click()]);
  const rows = page.locator('table tbody tr');
  tt.equal(await rows.count(), 1, 'the search finds the one person');
  await Promise.all([page.waitForURL('**/checkin/*'), rows.first().getByRole('button', { name: 'Check in' }).click()]);
  await assertCheckedIn(tt, page, person.id, person.name);

  await page.goto(`/manage/events/${event.slug}`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`a[href$="/attendance.csv"]`).first().click()]);
  tt.equal(download.suggestedFilename(), `${event.slug}-attendance.csv`);
  await assertAttendanceCsv(tt, await download.path(), event.id, person);
  noProblems(tt, page);
});

t.test('organiser checks a person in and downloads the list with the keyboard alone', async (tt) => {
  const page = await site.page(tt, { acceptDownloads: true });
  const event = await deskEvent();
  const person = await personToCheckIn(event.id, 1);
  await signInByKeyboard(page, 'organiser@hkipd.test');
  tt.equal(new URL(page.url()).pathname, '/manage');
  await skipToMain(page);
  await tabTo(page, 'nav.subnav a[href="/manage/events"]');
  await enterAndWait(page, '**/manage/events');
  await skipToMain(page);
  await tabTo(page, `a[href="/manage/events/${event.slug}"]`);
  await enterAndWait(page, `**/manage/events/${event.slug}`);
  await skipToMain(page);
  await tabTo(page, 'a[href$="/checkin"]');
  await enterAndWait(page, '**/checkin');

  // The desk focuses the scan field on arrival; the search field is the next stop.
  tt.equal(await page.evaluate(() => document.activeElement?.id), 'f-code', 'the scan field has focus');
  await tabTo(page, '#f-q');
  await page.keyboard.type(person.name);
  await enterAndWait(page, '**/checkin?q=*');
  tt.equal(await page.locator('table tbody tr').count(), 1, 'the search finds the one person');
  await tabTo(page, 'table tbody button[type=submit]');
  await enterAndWait(page, '**/checkin/*');
  await assertCheckedIn(tt, page, person.id, person.name);

  // On to the walk-in form, then Shift+Tab back up to the breadcrumb's link to the event.
  await tabTo(page, '#f-name');
  await tabTo(page, `nav.breadcrumbs a[href="/manage/events/${event.slug}"]`, { back: true });
  await enterAndWait(page, `**/manage/events/${event.slug}`);
  await skipToMain(page);
  await tabTo(page, 'a[href$="/attendance.csv"]');
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  await assertAttendanceCsv(tt, await download.path(), event.id, person);
  noProblems(tt, page);
});

/**
 * An assignment of judge1 that is still to be opened, in a round open for judging, without an
 * automatic conflict. The demo data has some; if it ever has none, one is made ready here.
 */
async function openAssignment(database: Database, exclude: number[] = []) {
  const base = database.selectFrom('assignments as a')
    .innerJoin('users as u', 'u.id', 'a.judge_id')
    .innerJoin('contest_rounds as r', 'r.id', 'a.round_id')
    .innerJoin('entries as e', 'e.id', 'a.entry_id')
    .where('u.email', '=', 'judge1@ipcoop.test')
    .where((eb) => eb.or([eb('u.organisation_id', 'is', null), eb('e.organisation_id', 'is', null), eb('u.organisation_id', '<>', eb.ref('e.organisation_id'))]))
    .select(['a.id', 'a.round_id', 'a.status', 'e.reference', 'e.title'])
    .orderBy('a.id');
  const ready = (await base.where('r.status', '=', 'open').where('a.status', '=', 'assigned').execute())
    .filter((a) => !exclude.includes(a.id));
  if (ready[0]) return ready[0];
  const any = (await base.execute()).filter((a) => !exclude.includes(a.id))[0];
  if (!any) throw new Error('judge1 has no assignment to prepare');
  await database.updateTable('contest_rounds').set({ status: 'open' }).where('id', '=', any.round_id).execute();
  await database.deleteFrom('scores').where('assignment_id', '=', any.id).execute();
  await database.updateTable('assignments').set({ status: 'assigned', submitted_at: null, conflict_reason: null }).where('id', '=', any.id).execute();
  return { ...any, status: 'assigned' as const };
}

const criteriaOf = (roundId: number) => db.selectFrom('criteria').where('round_id', '=', roundId)
  .select(['id', 'name', 'max_score', 'step']).orderBy('position').execute();

/** A valid score for each criterion: a step below the maximum, or the maximum if that is all there is. */
const scoreFor = (c: { max_score: number; step: number }, i: number) => {
  const max = Number(c.max_score);
  const step = Number(c.step) || 1;
  return Math.max(0, max - step * (i % 3));
};

async function assertSubmitted(tt: Test, page: Page, assignmentId: number, expected: Map<number, number>) {
  await page.getByText('Your scores are submitted. Thank you.').waitFor();
  const a = await db.selectFrom('assignments').where('id', '=', assignmentId).select(['status', 'submitted_at']).executeTakeFirstOrThrow();
  tt.equal(a.status, 'submitted');
  tt.ok(a.submitted_at, 'submitted_at is set');
  const scores = await db.selectFrom('scores').where('assignment_id', '=', assignmentId).select(['criterion_id', 'score', 'comment']).execute();
  tt.equal(scores.length, expected.size, 'one score per criterion');
  for (const s of scores) tt.equal(Number(s.score), expected.get(s.criterion_id), `score of criterion ${s.criterion_id}`);
  return scores;
}

t.test('judge declares no conflict, scores each criterion and submits (mouse)', async (tt) => {
  const page = await site.page(tt);
  const assignment = await openAssignment(db);
  const criteria = await criteriaOf(assignment.round_id);
  tt.ok(criteria.length > 0, 'the round has criteria');
  await signIn(page, 'judge1@ipcoop.test');
  tt.equal(new URL(page.url()).pathname, '/judging');
  await Promise.all([page.waitForURL(`**/judging/assignments/${assignment.id}`), page.locator(`a[href="/judging/assignments/${assignment.id}"]`).click()]);
  await page.getByLabel('I have no conflict of interest with this entry').check();
  await Promise.all([page.waitForURL('**?saved=declared'), page.getByRole('button', { name: 'Declare' }).click()]);
  const expected = new Map<number, number>();
  for (const [i, c] of criteria.entries()) {
    const value = scoreFor(c, i);
    expected.set(c.id, value);
    await page.locator(`#f-score-${c.id}`).fill(String(value));
    if (i === 0) await page.locator(`#f-comment-${c.id}`).fill('Clear and well argued.');
  }
  await Promise.all([page.waitForURL('**?saved=submitted'), page.getByRole('button', { name: 'Submit scores' }).click()]);
  const scores = await assertSubmitted(tt, page, assignment.id, expected);
  tt.equal(scores.find((s) => s.criterion_id === criteria[0]?.id)?.comment, 'Clear and well argued.');
  await page.goto('/judging');
  await tt.resolves(page.locator('tr', { has: page.locator(`a[href="/judging/assignments/${assignment.id}"]`) }).getByText('Submitted').waitFor(),
    'the list shows it submitted');
  noProblems(tt, page);
});

t.test('judge declares, scores and submits with the keyboard alone', async (tt) => {
  const page = await site.page(tt);
  const done = await db.selectFrom('assignments').where('status', '=', 'submitted').select('id').execute();
  const assignment = await openAssignment(db, done.map((d) => d.id));
  const criteria = await criteriaOf(assignment.round_id);
  await signInByKeyboard(page, 'judge1@ipcoop.test');
  tt.equal(new URL(page.url()).pathname, '/judging');
  await skipToMain(page);
  await tabTo(page, `a[href="/judging/assignments/${assignment.id}"]`, { max: 400 });
  await enterAndWait(page, `**/judging/assignments/${assignment.id}`);

  await skipToMain(page);
  await tabTo(page, 'input[name=conflict][value=none]');
  await page.keyboard.press('Space');
  tt.ok(await page.locator('input[name=conflict][value=none]').isChecked(), 'Space chooses "no conflict"');
  await tabTo(page, 'form[action$="/declaration"] button[type=submit]');
  await enterAndWait(page, '**?saved=declared');

  await skipToMain(page);
  const expected = new Map<number, number>();
  for (const [i, c] of criteria.entries()) {
    const value = scoreFor(c, i);
    expected.set(c.id, value);
    await tabTo(page, `#f-score-${c.id}`);
    await page.keyboard.type(String(value));
  }
  await tabTo(page, 'button[name=action][value=submit]');
  await enterAndWait(page, '**?saved=submitted');
  await assertSubmitted(tt, page, assignment.id, expected);
  noProblems(tt, page);
});
