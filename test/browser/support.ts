import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/index.ts';
import { cloneTemplate, DEMO_PASSWORD } from '../helpers/database.ts';
import { type Inbox, startSmtp } from '../helpers/mail.ts';

/*
 * The real-browser suite: the whole app listening on 127.0.0.1 over a private copy of the seeded
 * database, driven by the system's headless Chromium (never a downloaded browser).
 */

type Tap = { teardown: (fn: () => unknown) => void };

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));

export type Site = {
  app: FastifyInstance;
  db: Database;
  url: string;
  browser: Browser;
  /** Mail the app sent, when started with `mail: true` (a real SMTP server and the mail worker). */
  inbox: Inbox | undefined;
  /** A fresh browser context (its own cookies) with one page, closed when the test ends. */
  page(t: Tap, options?: Parameters<Browser['newContext']>[0]): Promise<Page>;
};

/** A port nothing listens on, for a site of a test's own. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the app on a random loopback port and launches the browser; both end with the test.
 * `browserArgs`: more Chromium switches (a fake camera, for instance).
 */
export async function startSite(t: Tap, options: { mail?: boolean; browserArgs?: string[] } = {}): Promise<Site> {
  const handle = await cloneTemplate();
  const inbox = options.mail ? await startSmtp(t) : undefined;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({ DEMO_PASSWORD, LOG_LEVEL: 'silent', BASE_URL: url });
  const app = await buildApp({
    config, db: handle.db, logger: process.env.TEST_LOG ? { level: 'error' } : false,
    mailTransport: inbox?.transport, runMailWorker: Boolean(inbox),
  });
  await app.listen({ port, host: '127.0.0.1' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', ...(options.browserArgs ?? [])] });
  t.teardown(async () => {
    await browser.close();
    await app.close();
    await handle.close();
  });
  const contexts: BrowserContext[] = [];
  return {
    app, db: handle.db, url, browser, inbox,
    async page(test, contextOptions = {}) {
      const context = await browser.newContext({ baseURL: url, ...contextOptions });
      context.setDefaultTimeout(15_000);
      contexts.push(context);
      test.teardown(() => context.close());
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
      // A page answered with 4xx on purpose (a form sent back with its errors) logs "Failed to load
      // resource"; what counts is a script, style, image or fetch that failed.
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
      });
      page.on('response', (response) => {
        if (response.status() >= 400 && response.request().resourceType() !== 'document') {
          problems.push(`${response.status()} for ${response.request().resourceType()} ${response.url()}`);
        }
      });
      (page as Page & { problems: string[] }).problems = problems;
      return page;
    },
  };
}

/** Script errors and console errors the page reported (CSP refusals show up here too). */
export const problemsOf = (page: Page): string[] => (page as Page & { problems?: string[] }).problems ?? [];

/** Signs in through the login form with the mouse. */
export async function signIn(page: Page, email: string) {
  await page.goto('/login');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/login'), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** A short description of the focused element, for failure messages. */
const describeFocus = (page: Page) => page.evaluate(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return '(body)';
  const label = el.getAttribute('aria-label') || (el as HTMLElement).innerText || el.getAttribute('name') || el.id;
  return `<${el.tagName.toLowerCase()}> ${String(label).trim().slice(0, 60)}`;
});

/**
 * Presses Tab (or Shift+Tab) until the focused element matches `selector`, as a keyboard user
 * would; fails after `max` presses, so an element that focus never reaches fails the test.
 */
export async function tabTo(page: Page, selector: string, options: { back?: boolean; max?: number } = {}) {
  const key = options.back ? 'Shift+Tab' : 'Tab';
  const max = options.max ?? 60;
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return i;
    await page.keyboard.press(key);
  }
  if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return max;
  throw new Error(`${key} never reached ${selector} in ${max} presses; focus is on ${await describeFocus(page)}`);
}

/** Focus goes to the page's main content through the skip link, as the first Tab of a page offers. */
export async function skipToMain(page: Page) {
  await page.keyboard.press('Tab');
  const skip = await page.evaluate(() => document.activeElement?.classList.contains('skip-link') ?? false);
  if (!skip) throw new Error(`the first Tab should reach the skip link, not ${await describeFocus(page)}`);
  await page.keyboard.press('Enter');
}

/** Presses Enter on the focused element and waits for the navigation it starts. */
export async function enterAndWait(page: Page, path: string | RegExp | ((u: URL) => boolean)) {
  await Promise.all([page.waitForURL(path), page.keyboard.press('Enter')]);
}

/** Signs in with the keyboard alone: skip link, Tab to each field, type, Enter. */
export async function signInByKeyboard(page: Page, email: string) {
  await page.goto('/login');
  await skipToMain(page);
  await tabTo(page, '#f-email');
  await page.keyboard.type(email);
  await tabTo(page, '#f-password');
  await page.keyboard.type(DEMO_PASSWORD);
  await tabTo(page, 'form[action="/login"] button[type=submit]');
  await enterAndWait(page, (u) => u.pathname !== '/login');
}

export type AxeViolation = {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  helpUrl: string;
  nodes: { target: string[]; html: string; failureSummary?: string }[];
};

let axeSource: string | undefined;

/**
 * Runs axe-core on the page as it stands, limited to WCAG 2.0/2.1 A and AA. The page's strict
 * Content-Security-Policy refuses injected scripts, so the page's context must be made with
 * `bypassCSP: true`.
 */
export async function axeScan(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(AXE, 'utf8');
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, o: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html.slice(0, 200), failureSummary: n.failureSummary })),
    }));
  });
}

export const isSerious = (v: AxeViolation) => v.impact === 'serious' || v.impact === 'critical';

export const formatViolations = (violations: AxeViolation[]) => violations.map((v) =>
  `${v.impact} ${v.id}: ${v.help}\n${v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}  ${n.html}`).join('\n')}`).join('\n');

export async function artifactsDir(sub = '') {
  const dir = `${ARTIFACTS}${sub}`;
  await mkdir(dir, { recursive: true });
  return dir;
}
