import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { hashToken } from '../../../src/lib/tokens.ts';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { Agent, type FilePart, multipart, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { startSmtp } from '../../helpers/mail.ts';

type Upload = FilePart;


async function postMultipart(agent: Agent, url: string, fields: Record<string, string>, files: Upload[] = []) {
  const body = multipart({ _csrf: agent.csrf, ...fields }, files);
  return agent.app.inject({ method: 'POST', url, payload: body.payload, headers: { 'content-type': body.contentType, cookie: agent.cookieHeader } });
}

/** A small PDF of one blank page that can be read (and so cleaned: a file that cannot is refused), carrying `text` in a comment. */
const pdf = (text: string) => Buffer.from(`%PDF-1.4\n% ${text}\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n`
  + '2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 300 300]>> endobj\n'
  + 'trailer <</Root 1 0 R>>\n%%EOF\n');

const portfolio = {
  applicant_name: 'Lion Rock Robotics Limited', applicant_type: 'enterprise', side: 'HK', title: 'Portfolio for warehouse robots',
  patent_numbers: 'HK1234567\nZL201810123456.7', contact_person: 'Ms. Wong Mei-ling', category: 'manufacturing',
  summary: 'Eight invention patents on autonomous shuttles.', email: 'ip@lionrock.example',
};

t.test('an entrant submits a portfolio with a PDF, gets a private link by email, and edits until entries close', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ipcoop-entries-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const inbox = await startSmtp(t);
  const { app, db } = await build(t, { env: { DATA_DIR: dataDir }, mailTransport: inbox.transport });
  const contest = await db.selectFrom('contests').selectAll().where('slug', 'like', 'hvpp-contest-20__-__').where('status', '=', 'open').executeTakeFirstOrThrow();
  const entriesBefore = (await db.selectFrom('entries').select('id').where('contest_id', '=', contest.id).execute()).length;
  const entrant = new Agent(app);
  const page = await entrant.get(`/contests/${contest.slug}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, 'enctype="multipart/form-data"');
  t.match(page.body, 'Applicant organisation');

  const url = `/contests/${contest.slug}/entries`;
  const missing = await postMultipart(entrant, url, { title: '' });
  t.equal(missing.statusCode, 400);
  t.match(missing.body, /id="f-applicant_name-error">Enter the applicant organisation./);
  t.match(missing.body, /id="f-category-error">Choose a category./);

  const notPdf = await postMultipart(entrant, url, portfolio, [{ name: 'attachments', filename: 'portfolio.pdf', content: Buffer.from('MZ this is not a pdf') }]);
  t.equal(notPdf.statusCode, 400);
  t.match(notPdf.body, 'portfolio.pdf is not a PDF file.');
  t.match(notPdf.body, 'value="Lion Rock Robotics Limited"', 'values kept');
  const tooBig = Buffer.concat([pdf('big'), Buffer.alloc(5 * 1024 * 1024)]);
  const big = await postMultipart(entrant, url, portfolio, [{ name: 'attachments', filename: 'big.pdf', content: tooBig }]);
  t.equal(big.statusCode, 400);
  t.match(big.body, 'big.pdf is larger than 5 MB.');
  t.equal((await db.selectFrom('entries').select('id').where('contest_id', '=', contest.id).execute()).length, entriesBefore, 'nothing stored');
  t.same(await readdir(join(dataDir, 'attachments')).catch(() => []), [], 'no file written');

  const noCsrf = await entrant.app.inject({ method: 'POST', url, ...(() => { const b = multipart(portfolio); return { payload: b.payload, headers: { 'content-type': b.contentType, cookie: entrant.cookieHeader } }; })() });
  t.equal(noCsrf.statusCode, 403, 'the CSRF check covers multipart forms');

  const ok = await postMultipart(entrant, url, portfolio, [{ name: 'attachments', filename: 'claims.pdf', content: pdf('claims') }]);
  t.equal(ok.statusCode, 303);
  const token = String(ok.headers.location).replace('/entries/', '');
  const entry = await db.selectFrom('entries').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
  t.equal(entry.title, portfolio.title);
  t.equal(entry.applicant_type, 'enterprise');
  t.same(entry.details, { patent_numbers: ['HK1234567', 'ZL201810123456.7'], contact_person: 'Ms. Wong Mei-ling' });
  t.match(entry.reference, /^HVPP\d{4}-\d{3}$/);
  const files = await db.selectFrom('entry_attachments').selectAll().where('entry_id', '=', entry.id).execute();
  t.equal(files.length, 1);
  t.ok(files[0]!.clean_storage_key, 'its anonymised copy (for blind judges) is made at upload');
  t.same((await readdir(join(dataDir, 'attachments'))).sort(), [files[0]!.storage_key, files[0]!.clean_storage_key].sort(),
    'stored, with its clean copy, under DATA_DIR/attachments by random keys');

  await deliverDueMail(db, inbox.transport);
  const mail = inbox.messages.find((m) => m.subject?.includes(entry.reference));
  t.ok(mail, 'confirmation sent');
  t.match(mail?.text ?? '', `http://ipcoop.test/entries/${token}`);

  const mine = await entrant.get(`/entries/${token}`);
  t.equal(mine.statusCode, 200);
  t.match(mine.body, 'Change your entry');
  const download = await entrant.get(`/entries/${token}/attachments/${files[0]!.id}`);
  t.equal(download.statusCode, 200);
  t.equal(download.headers['content-type'], 'application/pdf');
  t.same(download.rawPayload, pdf('claims'));
  t.equal((await entrant.get(`/entries/${'x'.repeat(43)}`)).statusCode, 404);
  t.equal((await entrant.get(`/entries/${token}/attachments/${files[0]!.id + 1000}`)).statusCode, 404);

  const edited = await postMultipart(entrant, `/entries/${token}`, { ...portfolio, title: 'Portfolio for warehouse and port robots', [`remove_${files[0]!.id}`]: 'on' },
    [{ name: 'attachments', filename: 'claims-v2.pdf', content: pdf('claims v2') }]);
  t.equal(edited.statusCode, 303);
  t.equal((await db.selectFrom('entries').select('title').where('id', '=', entry.id).executeTakeFirstOrThrow()).title, 'Portfolio for warehouse and port robots');
  const after = await db.selectFrom('entry_attachments').select(['id', 'filename', 'storage_key', 'clean_storage_key'])
    .where('entry_id', '=', entry.id).execute();
  t.same(after.map((a) => a.filename), ['claims-v2.pdf']);
  t.same((await readdir(join(dataDir, 'attachments'))).sort(), [after[0]!.storage_key, after[0]!.clean_storage_key].sort(),
    'the removed file and its clean copy are deleted');

  // Who else may read the attachment: the contest's organisers, and assigned judges once they declared no conflict.
  const fileUrl = `/manage/contests/${contest.slug}/entries/${entry.id}/attachments/${after[0]!.id}`;
  t.equal((await new Agent(app).get(fileUrl)).statusCode, 303, 'anonymous: sign in first');
  t.equal((await (await signedIn(app, 'organiser@customs.test')).get(fileUrl)).statusCode, 404, 'organiser out of scope');
  t.equal((await (await signedIn(app, 'organiser@gdipa.test')).get(fileUrl)).statusCode, 200);
  const round = await db.selectFrom('contest_rounds').select('id').where('contest_id', '=', contest.id).where('position', '=', 1).executeTakeFirstOrThrow();
  await db.updateTable('contest_rounds').set({ status: 'open' }).where('id', '=', round.id).execute();
  await db.insertInto('round_entries').values({ round_id: round.id, entry_id: entry.id }).execute();
  const judge1 = await db.selectFrom('users').select('id').where('email', '=', 'judge1@ipcoop.test').executeTakeFirstOrThrow();
  const assignment = await db.insertInto('assignments').values({ round_id: round.id, entry_id: entry.id, judge_id: judge1.id }).returning('id').executeTakeFirstOrThrow();
  const judge = await signedIn(app, 'judge1@ipcoop.test');
  const judgeFile = `/judging/assignments/${assignment.id}/attachments/${after[0]!.id}`;
  t.equal((await judge.get(judgeFile)).statusCode, 404, 'not before the conflict declaration');
  await judge.post(`/judging/assignments/${assignment.id}/declaration`, { conflict: 'none' });
  const judged = await judge.get(judgeFile);
  t.equal(judged.statusCode, 200);
  t.match(String(judged.headers['content-disposition']), 'claims-v2.pdf');
  t.equal((await (await signedIn(app, 'judge2@ipcoop.test')).get(judgeFile)).statusCode, 404, 'another judge');

  await db.updateTable('contests').set({ entry_opens_at: new Date(Date.now() - 3 * 86400_000), entry_closes_at: new Date(Date.now() - 60_000) }).where('id', '=', contest.id).execute();
  const late = await postMultipart(entrant, `/entries/${token}`, { ...portfolio, title: 'Too late' });
  t.equal(late.statusCode, 409);
  t.equal((await db.selectFrom('entries').select('title').where('id', '=', entry.id).executeTakeFirstOrThrow()).title, 'Portfolio for warehouse and port robots');
  t.equal((await postMultipart(entrant, url, portfolio)).statusCode, 409, 'no new entries after the close');
});

t.test('a youth invention names its students and needs a guardian\'s consent', async (t) => {
  const { app, db } = await build(t);
  const contest = await db.selectFrom('contests').selectAll().where('slug', 'like', 'gd-youth-invention-20__-__').executeTakeFirstOrThrow();
  await db.updateTable('contests').set({ status: 'open', entry_opens_at: new Date(Date.now() - 86400_000), entry_closes_at: new Date(Date.now() + 86400_000) })
    .where('id', '=', contest.id).execute();
  const entrant = new Agent(app);
  await entrant.get(`/contests/${contest.slug}`);
  const fields = {
    school: 'Sha Tin Inventors College', side: 'HK', student_1_name: 'Chan Tai-man', student_1_age: '13', student_1_grade: 'Form 2',
    student_2_name: 'Lee Ka-yan', student_2_age: '4', teacher: 'Mr. Ho', title: 'Self-watering plant pot', category: 'junior-secondary',
    summary: 'A pot that waters itself.', email: 'teacher@school.example',
  };
  const refused = await postMultipart(entrant, `/contests/${contest.slug}/entries`, fields);
  t.equal(refused.statusCode, 400);
  t.match(refused.body, /id="f-guardian_consent-error">A parent or guardian of every student must consent/);
  t.match(refused.body, /id="f-student_2_age-error">Enter the age of student 2, from 5 to 19./);
  const ok = await postMultipart(entrant, `/contests/${contest.slug}/entries`, { ...fields, student_2_age: '12', guardian_consent: 'on' });
  t.equal(ok.statusCode, 303);
  const entry = await db.selectFrom('entries').selectAll().where('contest_id', '=', contest.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
  t.equal(entry.applicant_name, 'Chan Tai-man, Lee Ka-yan');
  t.same((entry.details as { students: unknown }).students, [
    { name: 'Chan Tai-man', age: 13, grade: 'Form 2' }, { name: 'Lee Ka-yan', age: 12, grade: '' },
  ]);
  const outbox = await db.selectFrom('mail_outbox').select(['to_address', 'item_id']).where('to_address', '=', 'teacher@school.example').execute();
  t.same(outbox, [{ to_address: 'teacher@school.example', item_id: contest.item_id }]);
});

t.test('files are read only after the CSRF check and the contest\'s state, to disk, and within the contest\'s quota', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ipcoop-entries-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const { app, db } = await build(t, { env: { DATA_DIR: dataDir } });
  const contest = await db.selectFrom('contests').selectAll().where('slug', 'like', 'hvpp-contest-20__-__').where('status', '=', 'open').executeTakeFirstOrThrow();
  const url = `/contests/${contest.slug}/entries`;
  const entrant = new Agent(app);
  await entrant.get(`/contests/${contest.slug}`);
  const entries = async () => (await db.selectFrom('entries').select('id').where('contest_id', '=', contest.id).execute()).length;
  const filesOnDisk = async () => [
    ...await readdir(join(dataDir, 'attachments')).catch(() => []), ...await readdir(join(dataDir, 'incoming')).catch(() => []),
  ];
  const before = await entries();

  // A body cut short inside a 6 MB file: a server that read the file before refusing would find
  // the body unreadable (400) rather than answer the refusal.
  const cutShort = (fields: Record<string, string>) => {
    const body = multipart(fields, [{ name: 'attachments', filename: 'claims.pdf', content: Buffer.concat([pdf('x'), Buffer.alloc(6 * 1024 * 1024)]) }]);
    return { payload: body.payload.subarray(0, body.payload.length - 1024), contentType: body.contentType };
  };
  const send = (path: string, body: { payload: Buffer; contentType: string }) => app.inject({
    method: 'POST', url: path, payload: body.payload, headers: { 'content-type': body.contentType, cookie: entrant.cookieHeader },
  });

  const forged = await send(url, cutShort({ _csrf: 'forged-token', ...portfolio }));
  t.equal(forged.statusCode, 403, 'a bad CSRF token is refused before the file is read');
  t.match(forged.body, 'This form has expired or did not come from this site.');
  const fileFirst = multipart(portfolio, [{ name: 'attachments', filename: 'claims.pdf', content: pdf('claims') }]);
  const boundary = fileFirst.contentType.replace(/^.*boundary=/, '');
  const tokenLast = Buffer.concat([
    fileFirst.payload.subarray(0, fileFirst.payload.length - `--${boundary}--\r\n`.length),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${entrant.csrf}\r\n--${boundary}--\r\n`),
  ]);
  const late = await send(url, { payload: tokenLast, contentType: fileFirst.contentType });
  t.equal(late.statusCode, 403, 'so is a good token sent only after the file: files are read after a checked token only');
  const readOn = await send(url, cutShort({ _csrf: entrant.csrf, ...portfolio }));
  t.equal(readOn.statusCode, 400, 'with a good token the file is read, and the body found cut short');
  t.match(readOn.body, 'The form could not be read.');
  t.same(await filesOnDisk(), [], 'no file written, not even the part received before the body broke off');

  // The contest's quota: two stored gigabytes already (rows only, for the test), then a 1 KB file is too much.
  const seeded = await db.selectFrom('entries').select('id').where('contest_id', '=', contest.id).executeTakeFirstOrThrow();
  await db.insertInto('entry_attachments').values([1, 2].map((n) => ({
    entry_id: seeded.id, filename: `huge-${n}.pdf`, content_type: 'application/pdf', size_bytes: 1024 ** 3, storage_key: `${n}`.repeat(32),
  }))).execute();
  const full = await postMultipart(entrant, url, portfolio, [{ name: 'attachments', filename: 'claims.pdf', content: pdf('claims') }]);
  t.equal(full.statusCode, 400);
  t.match(full.body, /id="f-attachments"[\s\S]*class="field__error">This contest has no room left for more files: its entries already hold the 2 GB it takes\./);
  t.match(full.body, 'value="Lion Rock Robotics Limited"', 'values kept');
  t.equal(await entries(), before, 'no entry');
  t.same(await filesOnDisk(), [], 'no file kept');
  const withoutFiles = await postMultipart(entrant, url, portfolio);
  t.equal(withoutFiles.statusCode, 303, 'an entry without files is still taken');
  const token = String(withoutFiles.headers.location).replace('/entries/', '');
  const change = await postMultipart(entrant, `/entries/${token}`, portfolio, [{ name: 'attachments', filename: 'more.pdf', content: pdf('more') }]);
  t.equal(change.statusCode, 400, 'nor can a change add files');
  t.match(change.body, 'This contest has no room left for more files');
  await db.deleteFrom('entry_attachments').where('filename', 'like', 'huge-%').execute();

  // Closed: refused before the file is read, for a new entry and for a change.
  await db.updateTable('contests').set({ entry_opens_at: new Date(Date.now() - 3 * 86400_000), entry_closes_at: new Date(Date.now() - 60_000) })
    .where('id', '=', contest.id).execute();
  const closed = await send(url, cutShort({ _csrf: entrant.csrf, ...portfolio }));
  t.equal(closed.statusCode, 409);
  t.match(closed.body, 'Entries to this contest are closed.');
  const closedChange = await send(`/entries/${token}`, cutShort({ _csrf: entrant.csrf, ...portfolio }));
  t.equal(closedChange.statusCode, 409);
  t.match(closedChange.body, 'Entries are closed: this entry can no longer be changed.');
  t.equal(await entries(), before + 1, 'nothing more stored');
  t.same(await filesOnDisk(), [], 'no file written');
});
