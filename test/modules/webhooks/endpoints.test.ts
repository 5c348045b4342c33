import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { loadConfig } from '../../../src/config.ts';
import { parseForm } from '../../../src/lib/forms.ts';
import { isPublicAddress, resolveChecked } from '../../../src/modules/webhooks/address.ts';
import { endpointForm } from '../../../src/modules/webhooks/form.ts';
import { sendWebhook } from '../../../src/modules/webhooks/send.ts';
import { newSecret } from '../../../src/modules/webhooks/service.ts';
import { deliverDueWebhooks } from '../../../src/modules/webhooks/worker.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { INTRUDER, OWNER } from './fixtures.ts';
import { Receiver } from './receiver.ts';

/*
 * The organisers' endpoint pages: each organisation sees and changes only its own endpoints;
 * bad input is answered beside its field with nothing written. And requests never go to a
 * private, loopback or link-local address unless WEBHOOK_ALLOW_PRIVATE=1 (not set here).
 */

const { app, db, config } = await build(t);
const owner = await signedIn(app, OWNER);
const intruder = await signedIn(app, INTRUDER);
const admin = await signedIn(app, 'admin@ipcoop.test');
const endpoints = () => db.selectFrom('webhook_endpoints').selectAll().orderBy('id').execute();

t.test('who reaches the pages', async (t) => {
  const anonymous = await new Agent(app).get('/manage/webhooks');
  t.equal(anonymous.statusCode, 303, 'an anonymous visitor is sent to sign in');
  t.match(anonymous.headers.location, /^\/login/);
  const judge = await signedIn(app, 'judge1@ipcoop.test');
  t.equal((await judge.get('/manage/webhooks')).statusCode, 404, 'a judge is told there is no such page');
  const list = await owner.get('/manage/webhooks');
  t.equal(list.statusCode, 200);
  t.match(list.body, 'No endpoints yet.');
  t.match(list.body, 'href="/manage/webhooks/new"');
  const form = await owner.get('/manage/webhooks/new');
  t.equal(form.statusCode, 200);
  t.match(form.body, 'name="event_types" value="checkin.created" checked');
});

t.test('bad input is answered beside its field, and nothing is written', async (t) => {
  const cases: [Record<string, string | string[]>, string, RegExp][] = [
    [{ url: '', event_types: 'registration.created' }, 'url', /Enter the URL that receives the messages/],
    [{ url: 'ftp://example.org/x', event_types: 'registration.created' }, 'url', /beginning with https:\/\/ or http:\/\//],
    [{ url: 'not a url', event_types: 'registration.created' }, 'url', /beginning with https:\/\/ or http:\/\//],
    [{ url: `https://example.org/${'a'.repeat(2000)}`, event_types: 'registration.created' }, 'url', /at most 2000 characters/],
    [{ url: 'https://user:secret@example.org/', event_types: 'registration.created' }, 'url', /user name and password/],
    [{ url: 'http://127.0.0.1:8080/hook', event_types: 'registration.created' }, 'url', /only sent to public addresses/],
    [{ url: 'http://[::1]/hook', event_types: 'registration.created' }, 'url', /only sent to public addresses/],
    [{ url: 'http://169.254.169.254/latest', event_types: 'registration.created' }, 'url', /only sent to public addresses/],
    [{ url: 'http://localhost/hook', event_types: 'registration.created' }, 'url', /only sent to public addresses/],
    [{ url: 'https://example.org/hook' }, 'event_types', /Choose at least one event/],
    [{ url: 'https://example.org/hook', event_types: ['registration.created', 'order.paid'] }, 'event_types', /Choose at least one event/],
    [{ url: 'https://example.org/hook', event_types: 'registration.created', description: 'x'.repeat(501) }, 'description',
      /at most 500 characters/],
  ];
  for (const [form, field, text] of cases) {
    const res = await owner.post('/manage/webhooks', form);
    t.equal(res.statusCode, 400, `${JSON.stringify(form).slice(0, 80)}: 400`);
    const beside = new RegExp(`<p class="field__error" id="f-${field}-error">([^<]*)</p>`).exec(res.body)?.[1] ?? '';
    t.match(beside, text, `the message is beside ${field}`);
  }
  t.same(await endpoints(), [], 'nothing written');
});

t.test('HTTPS is required in production unless private addresses are allowed', async (t) => {
  t.equal(config.webhooks.requireHttps, false, 'not outside production');
  const production = loadConfig({ NODE_ENV: 'production' }).webhooks;
  t.equal(production.requireHttps, true);
  t.equal(loadConfig({ NODE_ENV: 'production', WEBHOOK_ALLOW_PRIVATE: '1' }).webhooks.requireHttps, false);
  const refused = parseForm(endpointForm(production), { url: 'http://example.org/hook', event_types: 'checkin.created' });
  t.same(refused.ok ? null : refused.errors, { url: 'webhooks.errors.https' });
  const taken = parseForm(endpointForm(production), { url: 'https://example.org/hook', event_types: 'checkin.created' });
  t.ok(taken.ok);
});

t.test('an organisation sees and changes only its own endpoints', async (t) => {
  const created = await owner.post('/manage/webhooks', {
    url: 'https://hooks.example.org/ipcoop', description: 'Door system', event_types: ['checkin.created', 'registration.created'], enabled: 'on',
  });
  t.equal(created.statusCode, 303);
  const [endpoint] = await endpoints();
  t.ok(endpoint);
  const id = endpoint?.id ?? 0;
  const ownerOrganisation = await db.selectFrom('users').where('email', '=', OWNER).select('organisation_id').executeTakeFirstOrThrow();
  t.match(endpoint, {
    url: 'https://hooks.example.org/ipcoop', description: 'Door system', event_types: ['registration.created', 'checkin.created'],
    enabled: true, organisation_id: ownerOrganisation.organisation_id,
  });
  t.match(endpoint?.secret, /^whsec_/);
  t.equal(created.headers.location, `/manage/webhooks/${id}`);
  t.match((await owner.get(`/manage/webhooks/${id}`)).body, 'The endpoint is registered.');

  t.notMatch((await intruder.get('/manage/webhooks')).body, 'hooks.example.org', 'not in another organisation\'s list');
  t.match((await admin.get('/manage/webhooks')).body, 'hooks.example.org', 'an administrator sees every endpoint');
  for (const [method, path] of [['GET', ''], ['POST', ''], ['POST', '/secret'], ['POST', '/rotate'], ['POST', '/delete']] as const) {
    const url = `/manage/webhooks/${id}${path}`;
    const res = method === 'GET' ? await intruder.get(url)
      : await intruder.post(url, { url: 'https://evil.example/', event_types: 'checkin.created', enabled: 'on' });
    t.equal(res.statusCode, 404, `${method} ${url}: another organisation is told it does not exist`);
    t.notMatch(res.body, endpoint?.secret ?? '-');
  }
  t.same(await endpoints(), [endpoint], 'unchanged');

  const revealed = await owner.post(`/manage/webhooks/${id}/secret`);
  t.equal(revealed.statusCode, 200);
  t.match(revealed.body, `<code id="webhook-secret">${endpoint?.secret}</code>`);

  const bad = await owner.post(`/manage/webhooks/${id}`, { url: 'http://10.0.0.7/hook', description: 'Door system', event_types: 'checkin.created' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /id="f-url-error">Messages are only sent to public addresses/);
  t.match(bad.body, 'value="http://10.0.0.7/hook"', 'what was typed is shown again');
  t.same(await endpoints(), [endpoint], 'nothing written');

  const saved = await owner.post(`/manage/webhooks/${id}`, { url: 'https://hooks.example.org/v2', description: '', event_types: 'checkin.created' });
  t.equal(saved.statusCode, 303);
  t.match((await endpoints())[0], { url: 'https://hooks.example.org/v2', description: '', event_types: ['checkin.created'], enabled: false });

  const rotated = await owner.post(`/manage/webhooks/${id}/rotate`);
  t.equal(rotated.statusCode, 200);
  const after = (await endpoints())[0]?.secret ?? '';
  t.not(after, endpoint?.secret, 'a new secret');
  t.match(rotated.body, after, 'shown once made');
  const audit = await db.selectFrom('audit_log').where('entity', '=', 'webhook_endpoint').select(['action', 'changes']).orderBy('id').execute();
  t.same(audit.map((a) => a.action), ['create', 'update', 'rotate_secret']);
  t.notOk(JSON.stringify(audit).includes('whsec_'), 'no secret in the audit log');

  t.equal((await owner.post(`/manage/webhooks/${id}/delete`)).statusCode, 303);
  t.same(await endpoints(), []);
  t.equal((await owner.get(`/manage/webhooks/${id}`)).statusCode, 404);
});

t.test('addresses that are not public are refused after resolution', async (t) => {
  for (const address of ['127.0.0.1', '::1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    'fe80::1', 'fc00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::7f00:1', '2002:7f00:1::', '224.0.0.1']) {
    t.notOk(isPublicAddress(address), `${address} is not public`);
  }
  for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) t.ok(isPublicAddress(address), `${address} is public`);

  for (const url of ['http://127.0.0.1/', 'http://[::1]/', 'http://10.0.0.1/', 'http://169.254.169.254/', 'http://localhost/',
    'http://[::ffff:7f00:1]/']) {
    await t.rejects(resolveChecked(new URL(url), false), { name: 'AddressRefused', message: /not a public address/ }, `${url} refused`);
  }
  t.same(await resolveChecked(new URL('http://localhost/'), true).then((a) => isPublicAddress(a.address)), false,
    'allowed when private addresses are');
  t.same(await resolveChecked(new URL('https://93.184.216.34/'), false), { address: '93.184.216.34', family: 4 });
});

t.test('a delivery to an endpoint that resolves to this machine is refused; nothing reaches it', async (t) => {
  const receiver = await new Receiver().start(t);
  // Written directly: the form would have refused the address already.
  const organisation = await db.selectFrom('users').where('email', '=', OWNER).select('organisation_id').executeTakeFirstOrThrow();
  const secret = newSecret();
  receiver.secret = secret;
  const urls = [`http://localhost:${receiver.port}/hooks`, receiver.url, `http://[::1]:${receiver.port}/hooks`];
  const endpointIds: number[] = [];
  for (const url of urls) {
    const row = await db.insertInto('webhook_endpoints').values({
      organisation_id: organisation.organisation_id, url, event_types: ['checkin.created'], secret,
    }).returning('id').executeTakeFirstOrThrow();
    endpointIds.push(row.id);
  }
  const event = await db.insertInto('webhook_events').values({ message_id: 'msg_ssrf', type: 'checkin.created', payload: '{"type":"checkin.created"}' })
    .returning('id').executeTakeFirstOrThrow();
  await db.insertInto('webhook_deliveries').values(endpointIds.map((endpoint_id) => ({ endpoint_id, event_id: event.id }))).execute();

  const report = await deliverDueWebhooks(db, config.webhooks, { baseUrl: config.baseUrl, domain: 'ipcoop.test' });
  t.same(report, { delivered: 0, retried: 3, failed: 0 });
  t.equal(receiver.received.length, 0, 'no request reached the receiver');
  const attempts = await db.selectFrom('webhook_attempts').select(['status_code', 'error']).orderBy('id').execute();
  t.equal(attempts.length, 3);
  for (const a of attempts) {
    t.equal(a.status_code, null);
    t.match(a.error, /is not a public address/);
  }
});

t.test('redirects are not followed; answers are capped; a receiver that never answers is given up on', async (t) => {
  let followed = 0;
  const server = createServer((request, response) => {
    if (request.url === '/elsewhere') followed++;
    if (request.url === '/silent') return;
    if (request.url === '/nul') return response.writeHead(200).end('fine\u0000\u0007 thanks');
    if (request.url === '/huge') return response.writeHead(200).end('x'.repeat(1024 * 1024));
    response.writeHead(302, { location: '/elsewhere' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  const message = { messageId: 'msg_x', payload: '{}', secret: newSecret(), timestamp: new Date() };
  const redirected = await sendWebhook(`http://127.0.0.1:${port}/hook`, message, { allowPrivate: true, timeoutMs: 5000 });
  t.equal(redirected.statusCode, 302);
  t.match(redirected.error, /answered 302/);
  t.equal(followed, 0, 'the redirect was not followed');
  const nul = await sendWebhook(`http://127.0.0.1:${port}/nul`, message, { allowPrivate: true, timeoutMs: 5000 });
  t.same([nul.statusCode, nul.error, nul.body], [200, null, 'fine thanks'], 'control characters are dropped from the logged answer');
  const huge = await sendWebhook(`http://127.0.0.1:${port}/huge`, message, { allowPrivate: true, timeoutMs: 5000 });
  t.same([huge.statusCode, huge.error, huge.body?.length], [200, null, 500], 'a long answer is cut off, and only its opening kept');
  const silent = await sendWebhook(`http://127.0.0.1:${port}/silent`, message, { allowPrivate: true, timeoutMs: 300 });
  t.equal(silent.statusCode, null);
  t.match(silent.error, /no answer within/);
});
