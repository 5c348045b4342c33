import { chromium } from 'playwright-core';
import t from 'tap';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { cloneTemplate, DEMO_PASSWORD } from '../helpers/database.ts';
import { CHROMIUM, freePort, problemsOf, signIn } from './support.ts';

/*
 * Passkeys in a real browser: Chromium's virtual authenticator (the DevTools protocol's WebAuthn
 * domain) stands in for a phone or a security key, with user verification. WebAuthn needs a host
 * name (an IP address cannot be a relying party), so the site is reached as localhost.
 */

t.test('a passkey is added on the account page, and signs in alone from the login page', async (t) => {
  const handle = await cloneTemplate();
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const app = await buildApp({ config: loadConfig({ DEMO_PASSWORD, LOG_LEVEL: 'silent', BASE_URL: url }), db: handle.db, logger: false });
  t.teardown(async () => {
    await app.close();
    await handle.close();
  });
  await app.listen({ port, host: '127.0.0.1' });
  const browser = await chromium.launch({
    executablePath: CHROMIUM, args: ['--no-sandbox', '--host-resolver-rules=MAP localhost 127.0.0.1'],
  });
  t.teardown(() => browser.close());
  const context = await browser.newContext({ baseURL: url });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });

  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });

  await signIn(page, 'organiser@hkipd.test');
  await page.goto('/account');
  await Promise.all([page.waitForURL('**/account/passkeys'), page.getByRole('link', { name: 'Manage passkeys' }).click()]);
  await page.getByLabel('Name', { exact: true }).fill('Virtual key');
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/account/passkeys') && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Create a passkey' }).click(),
  ]);
  await page.getByText('Passkey “Virtual key” added.').waitFor();
  t.equal(await page.locator('table.passkeys input[name=name]').inputValue(), 'Virtual key', 'listed by its name');

  const user = await handle.db.selectFrom('users').select('id').where('email', '=', 'organiser@hkipd.test').executeTakeFirstOrThrow();
  const stored = await handle.db.selectFrom('passkeys').selectAll().where('user_id', '=', user.id).execute();
  t.equal(stored.length, 1, 'one passkey stored');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  t.equal(credentials.length, 1, 'the authenticator holds one credential');
  t.equal(Buffer.from(credentials[0]?.credentialId ?? '', 'base64').toString('base64url'), stored[0]?.credential_id,
    'the stored credential is the authenticator\'s');
  t.equal(credentials[0]?.isResidentCredential, true, 'a discoverable credential: no email needed to sign in');

  await page.getByRole('button', { name: 'Sign out' }).first().click();
  await page.waitForURL((u) => u.pathname === '/');

  await page.goto('/login');
  t.equal(await page.locator('form[action="/login/passkey"]').isVisible(), true, 'the passkey button shows where WebAuthn works');
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/manage'),
    page.getByRole('button', { name: 'Use a passkey' }).click(),
  ]);
  const session = await handle.db.selectFrom('sessions').select(['auth_method']).where('user_id', '=', user.id)
    .orderBy('created_at', 'desc').executeTakeFirstOrThrow();
  t.equal(session.auth_method, 'passkey', 'the new session records the passkey');
  const used = await handle.db.selectFrom('passkeys').select(['last_used_at', 'counter']).where('user_id', '=', user.id)
    .executeTakeFirstOrThrow();
  t.ok(used.last_used_at, 'its last use is recorded');
  t.equal(await handle.db.selectFrom('webauthn_challenges').select('id').execute().then((r) => r.length), 0, 'no challenge left');
  await page.goto('/account');
  t.match(await page.locator('table').last().innerText(), /Passkey/, 'the session list says how it signed in');

  t.same([...problems, ...problemsOf(page)], [], 'no script errors, nothing refused by the CSP');
});
