import t from 'tap';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { templateForProcess } from '../../helpers/database.ts';
import { startSmtp } from '../../helpers/mail.ts';

const linkIn = (text: string, path: string) => {
  const match = new RegExp(`http://ipcoop\\.test(${path}/[A-Za-z0-9_-]{43})`).exec(text);
  if (!match?.[1]) throw new Error(`no ${path} link in: ${text}`);
  return match[1];
};

t.test('an organiser invites a judge, who accepts through a single-use link', async (t) => {
  const inbox = await startSmtp(t);
  const { app, db } = await build(t, { mailTransport: inbox.transport });
  const organiser = await signedIn(app, 'organiser@hkipd.test');

  const asAdmin = await organiser.post('/manage/users/invite', { name: 'Dr Lam', email: 'lam@example.org', role: 'admin' });
  t.equal(asAdmin.statusCode, 400, 'organisers invite judges only');
  t.match(asAdmin.body, 'You can invite judges only.');

  const res = await organiser.post('/manage/users/invite', { name: 'Dr Lam Ka-ming', email: 'Lam@Example.org', role: 'judge' });
  t.equal(res.statusCode, 200);
  t.match(res.body, 'An invitation is on its way to <strong>lam@example.org</strong>');
  const user = await db.selectFrom('users').selectAll().where('email', '=', 'lam@example.org').executeTakeFirstOrThrow();
  t.equal(user.role, 'judge');
  t.equal(user.password_hash, null);
  const token = await db.selectFrom('user_tokens').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
  t.match(token.token_hash, /^[0-9a-f]{64}$/, 'stored as a hash');

  t.same(await deliverDueMail(db, inbox.transport), { sent: 1, failed: 0 });
  const mail = inbox.messages.at(-1);
  t.equal(mail?.to && 'text' in mail.to ? mail.to.text : '', 'lam@example.org');
  const link = linkIn(mail?.text ?? '', '/invitations');
  t.notMatch(link, token.token_hash, 'the link carries the token, not its hash');
  const secret = link.split('/').at(-1) ?? '';
  t.equal(secret.length, 43, 'the delivered mail has the whole link');
  const kept = await db.selectFrom('mail_outbox').select(['status', 'text_body', 'html_body']).where('to_address', '=', 'lam@example.org')
    .executeTakeFirstOrThrow();
  t.equal(kept.status, 'sent');
  t.notMatch(`${kept.text_body}${kept.html_body ?? ''}`, secret, 'once sent, the outbox keeps no copy of the token');
  t.match(kept.text_body, '/invitations/[link removed]', 'only that a link was sent');

  const visitor = new Agent(app);
  const page = await visitor.get(link);
  t.equal(page.statusCode, 200);
  t.match(page.body, /invited as <strong>Judge<\/strong>/);
  const weak = await visitor.post(link, { password: 'password1234', confirm: 'password1234' });
  t.equal(weak.statusCode, 400);
  t.match(weak.body, /too common/);
  const mismatch = await visitor.post(link, { password: 'lantern river quietly', confirm: 'lantern river quiet' });
  t.match(mismatch.body, /do not match/);
  const accepted = await visitor.post(link, { password: 'lantern river quietly', confirm: 'lantern river quietly' });
  t.equal(accepted.statusCode, 303);
  t.equal(accepted.headers.location, '/judging');
  t.equal((await visitor.get('/judging')).statusCode, 200, 'signed in straight away');

  const reused = await new Agent(app).get(link);
  t.equal(reused.statusCode, 404, 'the link works once');
  t.match(reused.body, /This link no longer works/);

  const audit = await db.selectFrom('audit_log').select(['action', 'actor_user_id']).where('entity', '=', 'user')
    .where('entity_id', '=', String(user.id)).orderBy('id').execute();
  t.same(audit.map((a) => a.action), ['invite', 'accept_invitation']);
});

t.test('inviting an address that has an account answers the same and tells that address', async (t) => {
  const inbox = await startSmtp(t);
  const { app, db } = await build(t, { mailTransport: inbox.transport });
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const before = await db.selectFrom('users').select('id').execute();
  const res = await organiser.post('/manage/users/invite', { name: 'Someone', email: 'judge3@ipcoop.test', role: 'judge' });
  t.equal(res.statusCode, 200);
  t.match(res.body, 'An invitation is on its way to <strong>judge3@ipcoop.test</strong>');
  t.equal((await db.selectFrom('users').select('id').execute()).length, before.length, 'no account created');
  await deliverDueMail(db, inbox.transport);
  t.match(inbox.messages.at(-1)?.subject ?? '', 'You already have an ipcoop account');
});

t.test('password reset: same answer for every address, a link that expires and works once', async (t) => {
  const inbox = await startSmtp(t);
  const { app, db } = await build(t, { mailTransport: inbox.transport });
  const visitor = new Agent(app);
  const known = await visitor.post('/password/forgot', { email: 'judge4@ipcoop.test' });
  const unknown = await visitor.post('/password/forgot', { email: 'stranger@example.org' });
  t.equal(known.statusCode, 200);
  t.equal(unknown.statusCode, 200);
  const neutral = (body: string, email: string) => body.replace(email, 'EMAIL').replace(/name="_csrf" value="[^"]+"/g, '');
  t.equal(neutral(known.body, 'judge4@ipcoop.test'), neutral(unknown.body, 'stranger@example.org'), 'the pages are identical');
  t.same(await deliverDueMail(db, inbox.transport), { sent: 1, failed: 0 }, 'only the real account gets mail');
  const link = linkIn(inbox.messages[0]?.text ?? '', '/password/reset');

  const elsewhere = await signedIn(app, 'judge4@ipcoop.test');
  t.equal((await visitor.post(link, { password: 'paper lantern festival', confirm: 'paper lantern festival' })).statusCode, 303);
  t.equal((await elsewhere.get('/judging')).statusCode, 303, 'a reset ends every other session');
  t.equal((await new Agent(app).post('/login', { email: 'judge4@ipcoop.test', password: 'paper lantern festival' })).statusCode, 303);
  t.equal((await new Agent(app).post(link, { password: 'another long phrase', confirm: 'another long phrase' })).statusCode, 404);

  await visitor.post('/password/forgot', { email: 'judge5@ipcoop.test' });
  await deliverDueMail(db, inbox.transport);
  const second = linkIn(inbox.messages.at(-1)?.text ?? '', '/password/reset');
  await db.updateTable('user_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('used_at', 'is', null).execute();
  t.equal((await new Agent(app).get(second)).statusCode, 404, 'an expired link no longer works');
  t.equal((await new Agent(app).get('/password/reset/not-a-token')).statusCode, 404);
});

t.test('the command line creates the first administrator', async (t) => {
  const { spawn } = await import('node:child_process');
  // A copy of the seeded database on the suite's engine: what is under test is the command, not a first start.
  const database = await templateForProcess();
  t.teardown(database.remove);
  const run = (args: string[], input: string) => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, ['src/cli/user-create.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', ...database.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => resolve({ code, out, err }));
    child.stdin.end(input);
  });
  const weak = await run(['--email', 'first@example.org', '--role', 'admin'], 'short\n');
  t.equal(weak.code, 2);
  t.match(weak.err, /at least 12 characters/);
  const made = await run(['--email', 'First@Example.org', '--role', 'admin'], 'correct horse battery staple\n');
  t.equal(made.code, 0, made.err);
  t.match(made.out, 'created admin first@example.org');
  const again = await run(['--email', 'first@example.org', '--role', 'admin'], 'correct horse battery staple\n');
  t.equal(again.code, 2);
  t.match(again.err, /already has an account/);
  const usage = await run(['--role', 'admin'], '');
  t.equal(usage.code, 2);
  t.match(usage.err, /usage: npm run user:create/);

  const handle = await database.open();
  t.teardown(() => handle.close());
  const created = await handle.db.selectFrom('users').select(['email', 'role', 'password_hash']).where('email', 'ilike', 'first@example.org').execute();
  t.equal(created.length, 1, 'one account, under the address in lower case');
  t.equal(created[0]?.email, 'first@example.org');
  t.equal(created[0]?.role, 'admin');
  t.match(created[0]?.password_hash, /^\$argon2id\$/, 'the password stored as an Argon2id hash');
});
