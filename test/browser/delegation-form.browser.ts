import type { Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { enterAndWait, problemsOf, skipToMain, startSite, tabTo } from './support.ts';

/*
 * public/delegation-form.js: with it, "Add a member" and "Remove member N" change the rows in
 * place instead of posting the form back; the delegation is then registered with the rows the
 * page shows.
 */

const site = await startSite(t);
const { db } = site;

const programme = await db.selectFrom('programmes').where('public_registration', '=', true).where('status', '=', 'open')
  .select(['slug']).orderBy('starts_on', 'desc').executeTakeFirstOrThrow();

/** Counts the form posts the page makes, and marks the window so that a reload would show. */
async function watch(page: Page) {
  const posts: string[] = [];
  page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.url()); });
  await page.evaluate(() => { (window as unknown as { kept: boolean }).kept = true; });
  return {
    posts,
    kept: () => page.evaluate(() => (window as unknown as { kept?: boolean }).kept === true),
  };
}

const rowIds = (page: Page) => page.locator('#f-members fieldset.row').evaluateAll((rows) => rows.map((r) => r.id));
const legends = (page: Page) => page.locator('#f-members fieldset.row > legend').allTextContents();
const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

async function registered(tt: Test, page: Page, email: string) {
  tt.match(new URL(page.url()).pathname, /^\/delegations\/[\w-]{20,}$/, 'lands on the private delegation page');
  const delegation = await db.selectFrom('delegations').where('contact_email', '=', email)
    .select(['id', 'name', 'from_side', 'to_side']).executeTakeFirstOrThrow();
  const members = await db.selectFrom('delegation_members').where('delegation_id', '=', delegation.id)
    .select(['name', 'role', 'is_minor', 'guardian_consent_at']).orderBy('position').execute();
  return { delegation, members };
}

t.test('"Add a member" adds a row in place, and the new row is registered (mouse)', async (tt) => {
  const page = await site.page(tt);
  await page.goto(`/programmes/${programme.slug}/register`);
  const seen = await watch(page);
  tt.same(await rowIds(page), ['member-0', 'member-1', 'member-2'], 'the form starts with three rows');

  await page.getByRole('button', { name: 'Add a member' }).click();
  tt.same(await rowIds(page), ['member-0', 'member-1', 'member-2', 'member-3'], 'a fourth row appears');
  tt.same(seen.posts, [], 'without posting the form');
  tt.ok(await seen.kept(), 'and without reloading the page');
  tt.same(await legends(page), ['Member 1', 'Member 2', 'Member 3', 'Member 4']);
  tt.equal(await focusedId(page), 'f-member_3_name', 'focus moves to the new row\'s first field');
  const added = page.locator('#member-3');
  tt.equal(await added.getByLabel('Role').inputValue(), 'member', 'the new row starts as a plain member');
  tt.equal(await added.getByRole('button').textContent(), 'Remove member 4');

  await page.getByLabel('Name of the delegation').fill('Sha Tin Robotics Club delegation');
  await page.getByLabel('Travelling from').selectOption('HK');
  await page.getByLabel('Travelling to').selectOption('GD');
  await page.getByLabel('Contact person').fill('Mr Wong Chi Keung');
  await page.getByLabel('Contact email').fill('robotics@example.edu.hk');
  await page.locator('#member-0').getByLabel('Name', { exact: true }).fill('Wong Chi Keung');
  await page.locator('#member-1').getByLabel('Name', { exact: true }).fill('Lau Mei Ling');
  // The added row's labels point at its own fields.
  await added.getByLabel('Name', { exact: true }).fill('Cheung Ho Yin');
  await added.getByLabel('Role').selectOption('student');
  await added.getByLabel('Under 18', { exact: true }).check();
  await added.getByLabel('A parent or guardian has consented').check();

  // Remove the blank third row: the rows close up and are numbered again.
  await page.getByRole('button', { name: 'Remove member 3' }).click();
  tt.same(await rowIds(page), ['member-0', 'member-1', 'member-3']);
  tt.same(await legends(page), ['Member 1', 'Member 2', 'Member 3']);
  tt.equal(await added.getByRole('button').textContent(), 'Remove member 3');
  tt.same(seen.posts, [], 'still nothing posted');

  await Promise.all([page.waitForURL('**/delegations/*'), page.getByRole('button', { name: 'Register the delegation' }).click()]);
  const { delegation, members } = await registered(tt, page, 'robotics@example.edu.hk');
  tt.equal(delegation.name, 'Sha Tin Robotics Club delegation');
  tt.same(members.map((m) => [m.name, m.role, m.is_minor]), [
    ['Wong Chi Keung', 'head', false], ['Lau Mei Ling', 'member', false], ['Cheung Ho Yin', 'student', true],
  ]);
  tt.ok(members[2]?.guardian_consent_at, 'the consent ticked in the added row is recorded');
  tt.same(problemsOf(page), [], 'no script or console errors');
});

t.test('rows are added and removed with the keyboard alone, and focus follows', async (tt) => {
  const page = await site.page(tt);
  await page.goto(`/programmes/${programme.slug}/register`);
  const seen = await watch(page);
  await skipToMain(page);
  await tabTo(page, '#f-name');
  await page.keyboard.type('Macao Young Inventors delegation');
  await tabTo(page, '#f-from_side');
  await page.keyboard.type('Macao');
  await tabTo(page, '#f-to_side');
  await page.keyboard.type('Guangdong');
  await tabTo(page, '#f-contact_name');
  await page.keyboard.type('Ms Leong Sok Ian');
  await tabTo(page, '#f-contact_email');
  await page.keyboard.type('inventors@example.edu.mo');
  await tabTo(page, '#f-member_0_name');
  await page.keyboard.type('Leong Sok Ian');

  await tabTo(page, 'button[name=add_member]');
  await page.keyboard.press('Enter');
  tt.same(await rowIds(page), ['member-0', 'member-1', 'member-2', 'member-3'], 'Enter on "Add a member" adds a row');
  tt.equal(await focusedId(page), 'f-member_3_name', 'and puts focus in it');
  await page.keyboard.type('Chan Weng Hou');

  // Remove the blank second row: focus goes to the next row's first field, not the top of the page.
  await tabTo(page, '#member-1 button[name=remove_member]', { back: true });
  await page.keyboard.press('Space');
  tt.same(await rowIds(page), ['member-0', 'member-2', 'member-3']);
  tt.equal(await focusedId(page), 'f-member_2_name', 'focus moves to the next row');
  // And again from the keyboard with Enter: the row that held the blank third member goes too.
  await tabTo(page, '#member-2 button[name=remove_member]');
  await page.keyboard.press('Enter');
  tt.equal(await focusedId(page), 'f-member_3_name');
  tt.same(await legends(page), ['Member 1', 'Member 2']);
  tt.same(seen.posts, [], 'nothing posted while the rows changed');
  tt.ok(await seen.kept(), 'the page was not reloaded');

  await tabTo(page, 'button[name=save]:not(.sr-only)');
  await enterAndWait(page, '**/delegations/*');
  const { delegation, members } = await registered(tt, page, 'inventors@example.edu.mo');
  tt.same([delegation.from_side, delegation.to_side], ['MO', 'GD']);
  tt.same(members.map((m) => [m.name, m.role]), [['Leong Sok Ian', 'head'], ['Chan Weng Hou', 'member']]);
  tt.same(problemsOf(page), [], 'no script or console errors');
});

t.test('removing a row in the middle keeps focus in the form (regression)', async (tt) => {
  const page = await site.page(tt);
  await page.goto(`/programmes/${programme.slug}/register`);
  await page.getByRole('button', { name: 'Remove member 1' }).click();
  tt.equal(await focusedId(page), 'f-member_1_name', 'focus is on the row that moved up, not on the page body');
  await page.getByRole('button', { name: 'Remove member 2' }).click();
  tt.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'add_member', 'after the last row, on "Add a member"');
});
