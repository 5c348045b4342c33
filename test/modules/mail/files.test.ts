import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig } from '../../../src/config.ts';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { Agent } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

/*
 * Without SMTP_URL, sent mail is written under DATA_DIR/mail as .eml files (issue 16, finding 1):
 * they are the recipients' messages, private links included, so only the server's user may read
 * them, and they are removed after MAIL_FILE_DAYS.
 */

t.test('mail written as files is private to the server and removed after MAIL_FILE_DAYS', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ipcoop-mail-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const { app, db } = await build(t, { env: { DATA_DIR: dataDir, MAIL_FILE_DAYS: '3' } });
  const mailDir = join(dataDir, 'mail');

  // A file of an earlier run, written four days ago, and one of yesterday.
  await mkdir(mailDir, { recursive: true });
  const old = join(mailDir, 'earlier-old.eml');
  const recent = join(mailDir, 'earlier-recent.eml');
  await writeFile(old, 'Subject: old\n\nhttp://ipcoop.test/registrations/x\n');
  await writeFile(recent, 'Subject: recent\n\nhello\n');
  const day = 86_400;
  const now = Date.now() / 1000;
  await utimes(old, now - 4 * day, now - 4 * day);
  await utimes(recent, now - day, now - day);

  const event = await db.selectFrom('events').select('slug').where('status', '=', 'published').where('starts_at', '>', new Date())
    .where('slug', 'like', 'sme-seminar-%').executeTakeFirstOrThrow();
  const person = new Agent(app);
  await person.get(`/events/${event.slug}`);
  const res = await person.post(`/events/${event.slug}/register`, {
    name: 'Chan Tai-man', email: 'files@participant.test', organisation: 'HKPC', side: 'HK', consent: 'on',
  });
  t.equal(res.statusCode, 303);

  const report = await deliverDueMail(db, app.mail.transport);
  t.ok(report.sent >= 1, 'the confirmation was delivered');
  t.equal(report.failed, 0);

  const files = (await readdir(mailDir)).filter((f) => f.endsWith('.eml'));
  t.notOk(files.includes('earlier-old.eml'), 'the file older than MAIL_FILE_DAYS is removed');
  t.ok(files.includes('earlier-recent.eml'), 'a younger one stays');
  const sent = await db.selectFrom('mail_outbox').select('id').where('to_address', '=', 'files@participant.test')
    .executeTakeFirstOrThrow();
  const file = join(mailDir, `${String(sent.id).padStart(6, '0')}.eml`);
  t.match(await readFile(file, 'utf8'), /files@participant\.test/, 'the message is written as a file');
  t.equal((await stat(file)).mode & 0o777, 0o600, 'readable by the server\'s user only');
  t.equal((await stat(mailDir)).mode & 0o777, 0o700, 'and so is its folder');
});

t.test('MAIL_FILE_DAYS must be a whole number of days', (t) => {
  t.throws(() => loadConfig({ MAIL_FILE_DAYS: '0' }), /MAIL_FILE_DAYS/);
  t.throws(() => loadConfig({ MAIL_FILE_DAYS: 'week' }), /MAIL_FILE_DAYS/);
  t.equal(loadConfig({}).mailFileDays, 7, 'a week by default');
  t.end();
});
