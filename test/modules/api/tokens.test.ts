import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { openDatabase } from '../../../src/db/index.ts';
import { hashToken } from '../../../src/lib/tokens.ts';
import { signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { ensureTemplate, TEST_DATABASE_URL } from '../../helpers/database.ts';

/*
 * Personal API tokens from the account page: made with a name, scopes and an expiry, shown
 * once, stored hashed, listed, revoked; every token on the administrators' list; the command
 * line for automation; and never a token in the log.
 */

const lines: string[] = [];
const stream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});
const { app, db } = await build(t, { logger: { level: 'info', stream } });
const TOKEN = /ipcoop_[A-Za-z0-9_-]{43}/;

t.test('a user makes a token on their account page: shown once, stored hashed, and it works as them', async (t) => {
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const account = await organiser.get('/account');
  t.match(account.body, 'href="/account/tokens"', 'the account page leads to the tokens');
  const page = await organiser.get('/account/tokens');
  t.equal(page.statusCode, 200);

  const refused = await organiser.post('/account/tokens', { name: '', days: '90' });
  t.equal(refused.statusCode, 400);
  t.match(refused.body, 'Give the token a name.');
  t.match(refused.body, 'Choose at least one scope.');
  const badExpiry = await organiser.post('/account/tokens', { name: 'x', scopes: 'read', days: '10000' });
  t.equal(badExpiry.statusCode, 400, 'an expiry not offered');
  t.equal((await db.selectFrom('api_tokens').select('id').execute()).length, 0, 'nothing made');

  const made = await organiser.post('/account/tokens', { name: 'Door scanners', scopes: ['read', 'checkin'], days: '30' });
  t.equal(made.statusCode, 200);
  t.match(made.headers['cache-control'], /no-store/, 'the page with the token is kept by no cache');
  const token = TOKEN.exec(made.body)?.[0] ?? '';
  t.ok(token, 'the token is shown');
  const row = await db.selectFrom('api_tokens').selectAll().executeTakeFirstOrThrow();
  t.equal(row.token_hash, hashToken(token), 'only its hash is stored');
  t.same(row.scopes, ['read', 'checkin']);
  const days = (row.expires_at.getTime() - row.created_at.getTime()) / 86_400_000;
  t.ok(days > 29.9 && days < 30.1, 'expires after 30 days');
  t.notMatch((await organiser.get('/account/tokens')).body, token, 'never shown again');

  const res = await app.inject({ method: 'GET', url: '/api/v1/events', headers: { authorization: `Bearer ${token}` } });
  t.equal(res.statusCode, 200);
  const list = (await organiser.get('/account/tokens')).body;
  t.match(list, 'Door scanners');
  t.notMatch(list, 'Never', 'last use is shown');

  const other = await signedIn(app, 'organiser@customs.test');
  const theirs = await other.post(`/account/tokens/${row.id}/revoke`);
  t.equal(theirs.statusCode, 404, 'another user cannot revoke it');
  const revoked = await organiser.post(`/account/tokens/${row.id}/revoke`);
  t.equal(revoked.statusCode, 303);
  const after = await app.inject({ method: 'GET', url: '/api/v1/events', headers: { authorization: `Bearer ${token}` } });
  t.equal(after.statusCode, 401, 'refused once revoked');
  t.match((await organiser.get('/account/tokens')).body, 'Revoked');

  const log = lines.join('\n');
  t.ok(lines.length > 5, 'requests were logged');
  t.notOk(log.includes(token), 'the token appears nowhere in the log');
  t.notOk(log.includes(token.slice(7)), 'not even without its prefix');
});

t.test('administrators list every token and revoke any', async (t) => {
  const judge = await signedIn(app, 'judge1@ipcoop.test');
  const made = await judge.post('/account/tokens', { name: 'Judge sheet export', scopes: 'read', days: '7' });
  const token = TOKEN.exec(made.body)?.[0] ?? '';
  const row = await db.selectFrom('api_tokens').select('id').where('name', '=', 'Judge sheet export').executeTakeFirstOrThrow();

  const organiser = await signedIn(app, 'organiser@hkipd.test');
  t.equal((await organiser.get('/manage/tokens')).statusCode, 404, 'not for organisers');
  t.equal((await organiser.post(`/manage/tokens/${row.id}/revoke`)).statusCode, 404);

  const admin = await signedIn(app, 'admin@ipcoop.test');
  const list = await admin.get('/manage/tokens');
  t.equal(list.statusCode, 200);
  t.match(list.body, 'Judge sheet export');
  t.match(list.body, 'judge1@ipcoop.test');
  t.match(list.body, 'Door scanners', 'revoked tokens are listed too');
  t.equal((await admin.post(`/manage/tokens/${row.id}/revoke`)).statusCode, 303);
  const res = await app.inject({ method: 'GET', url: '/api/v1/judging/assignments', headers: { authorization: `Bearer ${token}` } });
  t.equal(res.statusCode, 401);
  const audit = await db.selectFrom('audit_log').where('entity', '=', 'api_token').select('action').orderBy('id').execute();
  t.same(audit.map((a) => a.action), ['create', 'revoke', 'create', 'revoke'], 'made and revoked in the audit log');
});

t.test('the command line makes a token, printed on its last line', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ipcoop-token-cli-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const run = (script: string, args: string[], input = '') => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn('node_modules/.bin/tsx', [script, ...args], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => resolve({ code, out, err }));
    child.stdin.end(input);
  });
  const usage = await run('src/cli/token-create.ts', ['--email', 'ops@example.org', '--scopes', 'read,everything']);
  t.equal(usage.code, 2);
  t.match(usage.err, /usage: npm run token:create/);
  // A copy of the seeded test database when it is PGlite (quick); else a new one, with its first account.
  if (TEST_DATABASE_URL) {
    const made = await run('src/cli/user-create.ts', ['--email', 'ops@example.org', '--role', 'admin'], 'correct horse battery staple\n');
    t.equal(made.code, 0, made.err);
  } else {
    await cp((await ensureTemplate()).dir, join(dataDir, 'pglite'), { recursive: true });
    await run('src/cli/user-create.ts', ['--email', 'ops@example.org', '--role', 'admin'], 'correct horse battery staple\n');
  }
  const nobody = await run('src/cli/token-create.ts', ['--email', 'nobody@example.org', '--scopes', 'read']);
  t.equal(nobody.code, 2);
  t.match(nobody.err, /no active account/);
  const created = await run('src/cli/token-create.ts', ['--email', 'ops@example.org', '--scopes', 'read,figures', '--expires', '7']);
  t.equal(created.code, 0, created.err);
  const last = created.out.trim().split('\n').at(-1) ?? '';
  t.match(last, /^ipcoop_[A-Za-z0-9_-]{43}$/, 'the token alone on the last line');

  const handle = await openDatabase({ pgliteDir: join(dataDir, 'pglite') });
  t.teardown(() => handle.close());
  const row = await handle.db.selectFrom('api_tokens').select(['scopes', 'expires_at']).where('token_hash', '=', hashToken(last))
    .executeTakeFirstOrThrow();
  t.same(row.scopes, ['read', 'figures']);
  t.ok(row.expires_at.getTime() < Date.now() + 7.01 * 86_400_000, 'expires in 7 days');
});
