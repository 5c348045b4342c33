import { writeFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import t from 'tap';
import {
  artifactsDir, type AxeViolation, axeScan, formatViolations, isSerious, problemsOf, signIn, skipToMain, startSite, tabTo,
} from './support.ts';

/*
 * The main pages, as each kind of visitor sees them, on a phone and on a desktop: an axe-core
 * scan against WCAG 2.0/2.1 A and AA (no serious or critical violation may remain) and a
 * full-page screenshot of each in test/artifacts/.
 */

const site = await startSite(t);
const { db } = site;

const VIEWPORTS = [
  { name: 'phone', viewport: { width: 390, height: 844 } },
  { name: 'desktop', viewport: { width: 1366, height: 900 } },
] as const;

const upcoming = await db.selectFrom('events').where('status', '=', 'published').where('starts_at', '>', new Date())
  .where('registration_closes_at', '>', new Date()).select(['slug']).orderBy('starts_at').executeTakeFirstOrThrow();
const programme = await db.selectFrom('programmes').where('slug', 'like', 'copyright-students-exchange-%')
  .select('slug').orderBy('starts_on', 'desc').executeTakeFirstOrThrow();
const judged = await db.selectFrom('assignments as a').innerJoin('users as u', 'u.id', 'a.judge_id')
  .innerJoin('contest_rounds as r', 'r.id', 'a.round_id')
  .where('u.email', '=', 'judge1@ipcoop.test').where('r.status', '=', 'open').where('a.status', '=', 'draft')
  .select('a.id').orderBy('a.id').executeTakeFirst();

/** Registers through the form and returns the manage page's path. */
async function registration(page: Page, email: string) {
  await page.goto(`/events/${upcoming.slug}`);
  await page.getByLabel('Full name').fill('Ho Ka Yan');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Where you come from').selectOption('MO');
  await page.getByLabel('I agree to my details being used').check();
  await Promise.all([page.waitForURL('**/registrations/*'), page.getByRole('button', { name: 'Register' }).click()]);
  return new URL(page.url()).pathname;
}

type Visit = { name: string; path: string; as: 'public' | 'organiser' | 'judge'; before?: (page: Page) => Promise<void> };

const report: { viewport: string; page: string; path: string; violations: AxeViolation[] }[] = [];

for (const { name: viewportName, viewport } of VIEWPORTS) {
  t.test(`main pages on a ${viewportName} (${viewport.width}×${viewport.height}): axe scan and screenshots`, async (tt) => {
    const dir = await artifactsDir('screenshots/');
    const pages: Record<Visit['as'], Page> = {
      public: await site.page(tt, { bypassCSP: true, viewport }),
      organiser: await site.page(tt, { bypassCSP: true, viewport }),
      judge: await site.page(tt, { bypassCSP: true, viewport }),
    };
    await signIn(pages.organiser, 'organiser@hkipd.test');
    await signIn(pages.judge, 'judge1@ipcoop.test');
    const manage = await registration(pages.public, `axe.${viewportName}@example.org`);

    const visits: Visit[] = [
      { name: 'home', path: '/', as: 'public' },
      { name: 'events', path: '/events', as: 'public' },
      { name: 'event', path: `/events/${upcoming.slug}`, as: 'public' },
      {
        name: 'event-form-errors', path: `/events/${upcoming.slug}`, as: 'public',
        before: async (page) => {
          await Promise.all([page.waitForURL('**/register'), page.getByRole('button', { name: 'Register' }).click()]);
          tt.ok(await page.evaluate(() => document.activeElement?.classList.contains('error-summary')), 'focus starts on the list of problems');
        },
      },
      { name: 'summary-2018-19', path: '/periods/2018-19', as: 'public' },
      { name: 'login', path: '/login', as: 'public' },
      { name: 'contest', path: '/contests/hvpp-contest-2019', as: 'public' },
      { name: 'programme', path: `/programmes/${programme.slug}`, as: 'public' },
      { name: 'registration', path: manage, as: 'public' },
      { name: 'judging', path: '/judging', as: 'judge' },
      ...(judged ? [{ name: 'judging-assignment', path: `/judging/assignments/${judged.id}`, as: 'judge' as const }] : []),
      { name: 'manage', path: '/manage', as: 'organiser' },
      { name: 'checkin', path: `/manage/events/${upcoming.slug}/checkin`, as: 'organiser' },
      { name: 'sign-in-sheet', path: `/manage/events/${upcoming.slug}/sign-in-sheet`, as: 'organiser' },
      { name: 'audit-log', path: '/manage/audit', as: 'organiser' },
      { name: 'contest-results', path: '/contests/hvpp-contest-2019/results', as: 'public' },
    ];

    for (const visit of visits) {
      const page = pages[visit.as];
      const response = await page.goto(visit.path);
      tt.equal(response?.status(), 200, `${visit.path} answers 200`);
      if (visit.before) await visit.before(page);
      await page.screenshot({ path: `${dir}${visit.name}-${viewportName}.png`, fullPage: true });
      const violations = await axeScan(page);
      report.push({ viewport: viewportName, page: visit.name, path: visit.path, violations });
      const serious = violations.filter(isSerious);
      tt.same(serious.map((v) => v.id), [], `${visit.name} (${visit.path}): no serious or critical violation`, {
        diagnostic: serious.length > 0, violations: formatViolations(serious),
      });
      const other = violations.filter((v) => !isSerious(v));
      if (other.length) tt.comment(`${visit.name} ${viewportName}: ${other.length} minor or moderate\n${formatViolations(other)}`);
    }
    for (const page of Object.values(pages)) tt.same(problemsOf(page), [], 'no script or console errors');
    tt.comment(`${visits.length} pages scanned, ${visits.length} screenshots on the ${viewportName}`);
  });
}

t.test('a table too wide for a phone scrolls from the keyboard', async (tt) => {
  const page = await site.page(tt, { viewport: VIEWPORTS[0].viewport });
  await page.goto('/contests/hvpp-contest-2019/results');
  const region = page.locator('main .table-scroll').first();
  tt.ok(await page.locator('main .table-scroll').count() >= 1, 'the results table is wrapped in a scrolling region');
  tt.equal(await region.getAttribute('role'), 'region');
  tt.match(await region.getAttribute('aria-label') ?? '', /\(table, scrolls sideways\)$/, 'with a name');
  tt.ok(await region.evaluate((el) => el.scrollWidth > el.clientWidth), 'the table is wider than the screen');
  await skipToMain(page);
  await tabTo(page, 'main .table-scroll');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('End');
  await page.waitForFunction(() => (document.querySelector('main .table-scroll')?.scrollLeft ?? 0) > 0);
  tt.pass('arrow keys scroll it sideways');

  await page.setViewportSize(VIEWPORTS[1].viewport);
  await page.goto('/contests/hvpp-contest-2019/results');
  tt.equal(await page.locator('main .table-scroll').count(), 0, 'on a desktop the table fits and is not wrapped');
  tt.same(problemsOf(page), [], 'no script or console errors');
});

t.teardown(async () => {
  const dir = await artifactsDir();
  await writeFile(`${dir}axe-report.json`, `${JSON.stringify(report, null, 2)}\n`);
});
