import { execFileSync } from 'node:child_process';
import t from 'tap';
import { runCertificates } from '../../../src/modules/certificates/service.ts';
import { ERASED, eraseRegistrations } from '../../../src/modules/privacy/queries.ts';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { startSmtp } from '../../helpers/mail.ts';

/*
 * Attendance certificates: the organisers' settings, issuing after the event (once per participant,
 * even with two instances at work), the PDF in the participant's language and its mail, the public
 * verification page, reissue and revocation; and the award certificates that share the module.
 */

const pdfText = (pdf: Buffer) => execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf }).toString('utf8');

const inbox = await startSmtp(t);
const { app, db, config } = await build(t, { mailTransport: inbox.transport });
const site = { baseUrl: config.baseUrl, domain: 'ipcoop.test' };

/** Events of items the HKIPD organiser's organisation is a party to, with people in a given state. */
const hkipdEvents = () => db.selectFrom('events as e')
  .where('e.item_id', 'in', db.selectFrom('item_parties as ip').innerJoin('organisations as o', 'o.id', 'ip.organisation_id')
    .where('o.code', '=', 'HKIPD').select('ip.item_id'))
  .where('e.item_id', 'not in', db.selectFrom('item_parties as ip').innerJoin('organisations as o', 'o.id', 'ip.organisation_id')
    .innerJoin('users as u', 'u.organisation_id', 'o.id').where('u.email', '=', 'organiser@customs.test').select('ip.item_id'));
// The demo's seminar held a few days ago, with its attendance taken at the door.
const event = await hkipdEvents().selectAll('e').where('e.ends_at', '<', new Date()).where('e.status', 'in', ['published', 'closed'])
  .where((eb) => eb.exists(eb.selectFrom('registrations as r').whereRef('r.event_id', '=', 'e.id').where('r.checked_in_at', 'is not', null)
    .select('r.id')))
  .orderBy('e.ends_at', 'desc').executeTakeFirstOrThrow();
const SLUG = event.slug;
const base = `/manage/events/${SLUG}/certificates`;
// Three people checked in (a Chinese name registered in Chinese among them); the rest not, to keep the file quick.
const attended = await db.selectFrom('registrations').select(['id']).where('event_id', '=', event.id)
  .where('checked_in_at', 'is not', null).orderBy('id').execute();
const [chinese, english, third] = attended.map((r) => r.id);
await db.updateTable('registrations').set({ checked_in_at: null }).where('event_id', '=', event.id)
  .where('id', 'not in', [chinese!, english!, third!]).execute();
await db.updateTable('registrations').set({ name: '陳大文', language: 'zh-Hant', email: 'chan@example.test' }).where('id', '=', chinese!).execute();
await db.updateTable('registrations').set({ name: 'Mary Lee', language: 'en', email: 'mary@example.test' }).where('id', '=', english!).execute();
const notCheckedIn = await db.selectFrom('registrations').select('id').where('event_id', '=', event.id)
  .where('checked_in_at', 'is', null).executeTakeFirstOrThrow();

const organiser = await signedIn(app, 'organiser@hkipd.test');
const count = async (table: 'certificates' | 'mail_outbox' | 'audit_log') =>
  Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

t.test('settings: bad hours are refused beside the field, nothing written; good ones are saved and audited', async (t) => {
  const page = await organiser.get(base);
  t.equal(page.statusCode, 200);
  t.match(page.body, 'name="cpd_hours"');
  t.match(page.body, '陳大文', 'the checked-in participants are listed');

  for (const bad of ['abc', '0', '1000', '3.25', '-2']) {
    const res = await organiser.post(`${base}/settings`, { certificates_enabled: 'on', cpd_hours: bad });
    t.equal(res.statusCode, 400, `hours ${bad}`);
    t.match(res.body, 'Enter the hours as a number');
  }
  const unchanged = await db.selectFrom('events').select(['certificates_enabled', 'cpd_hours']).where('id', '=', event.id).executeTakeFirstOrThrow();
  t.same(unchanged, { certificates_enabled: false, cpd_hours: null }, 'nothing written');

  const audits = await count('audit_log');
  const saved = await organiser.post(`${base}/settings`, { certificates_enabled: 'on', cpd_hours: '3.5' });
  t.equal(saved.statusCode, 303);
  const row = await db.selectFrom('events').select(['certificates_enabled', 'cpd_hours']).where('id', '=', event.id).executeTakeFirstOrThrow();
  t.same(row, { certificates_enabled: true, cpd_hours: 3.5 });
  t.equal(await count('audit_log'), audits + 1, 'audited');
});

t.test('after the event, each checked-in participant gets one certificate, mailed once, in their language', async (t) => {
  const outbox = await count('mail_outbox');
  // Two instances at once: the unique index and the conditional "mailed" let each certificate through once.
  const [a, b] = await Promise.all([runCertificates(db, site, new Date()), runCertificates(db, site, new Date())]);
  t.equal(a.issued + b.issued, 3, 'three issued between them');
  t.equal(a.mailed + b.mailed, 3, 'three mailed between them');
  const again = await runCertificates(db, site, new Date());
  t.same([again.issued, again.mailed], [0, 0], 'a later round finds nothing owed');

  const certificates = await db.selectFrom('certificates').selectAll().where('kind', '=', 'attendance').orderBy('registration_id').execute();
  t.same(certificates.map((c) => c.registration_id), [chinese, english, third]);
  t.notOk(certificates.some((c) => c.registration_id === notCheckedIn.id), 'nobody who was not checked in');
  t.ok(certificates.every((c) => /^[A-Za-z0-9_-]{22}$/.test(c.code) && c.hours === 3.5 && c.mailed_at));
  t.equal(await count('mail_outbox'), outbox + 3);

  t.same(await deliverDueMail(db, inbox.transport), { sent: 3, failed: 0 });
  const toChan = inbox.messages.find((m) => m.to && JSON.stringify(m.to).includes('chan@example.test'))!;
  t.ok(toChan, 'the Chinese participant was mailed');
  t.match(toChan.subject, '你的出席證書');
  const code = certificates.find((c) => c.registration_id === chinese)!.code;
  t.match(toChan.text, `http://ipcoop.test/certificates/${code}`);
  const attachment = toChan.attachments.find((f) => f.contentType === 'application/pdf')!;
  t.ok(attachment, 'the certificate is attached');
  const text = pdfText(attachment.content);
  t.match(text, '陳大文', 'the Chinese name is drawn');
  t.match(text, '出席證書');
  t.match(text, '3.5');
  t.match(text, code);

  const toMary = inbox.messages.find((m) => JSON.stringify(m.to).includes('mary@example.test'))!;
  t.match(toMary.subject, 'Your certificate of attendance');
  const englishText = pdfText(toMary.attachments[0]!.content);
  t.match(englishText, 'Certificate of Attendance');
  t.match(englishText, 'Mary Lee');
  t.match(englishText, 'Continuing professional development: 3.5 hours');
});

t.test('the verification page: valid, unknown, malformed', async (t) => {
  const { code } = await db.selectFrom('certificates').select('code').where('registration_id', '=', english!).executeTakeFirstOrThrow();
  const visitor = new Agent(app);
  const page = await visitor.get(`/certificates/${code}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, 'This certificate is valid.');
  t.match(page.body, 'Mary Lee');
  t.match(page.body, event.title.replace(/&/g, '&amp;').replace(/'/g, '&#39;'));
  t.match(page.body, '3.5');
  t.notMatch(page.body, 'mary@example.test', 'nothing more than the certificate states');
  t.equal(page.headers['x-robots-tag'], 'noindex');
  const zh = await visitor.get(`/certificates/${code}?lang=zh-Hant`);
  t.match(zh.body, '本證書有效。');

  t.equal((await visitor.get('/certificates/AAAAAAAAAAAAAAAAAAAAAA')).statusCode, 404, 'an unknown code');
  t.equal((await visitor.get('/certificates/not-a-code')).statusCode, 404, 'a malformed code');
  t.equal((await visitor.get(`/certificates/${'x'.repeat(80)}`)).statusCode, 404);
});

t.test('reissue with a corrected name: the old code shows as superseded; revoke: the page says revoked', async (t) => {
  const old = await db.selectFrom('certificates').selectAll().where('registration_id', '=', chinese!).executeTakeFirstOrThrow();
  const before = { certificates: await count('certificates'), outbox: await count('mail_outbox'), audit: await count('audit_log') };

  // Bad input first: nothing written.
  const empty = await organiser.post(`${base}/${chinese}/reissue`, { name: '' });
  t.equal(empty.statusCode, 400);
  t.match(empty.body, 'Enter the name as it should read');
  const long = await organiser.post(`${base}/${chinese}/reissue`, { name: 'x'.repeat(201) });
  t.equal(long.statusCode, 400);
  const elsewhere = await db.selectFrom('registrations').select('id').where('event_id', '<>', event.id).executeTakeFirstOrThrow();
  t.equal((await organiser.post(`${base}/${elsewhere.id}/reissue`, { name: 'Someone' })).statusCode, 409, 'a person of another event');
  t.equal((await organiser.post(`${base}/${notCheckedIn.id}/revoke`, { reason: '' })).statusCode, 409, 'nobody with a certificate');
  t.equal((await organiser.post(`${base}/abc/revoke`, { reason: '' })).statusCode, 404, 'a malformed id');
  t.equal((await organiser.post(`${base}/${chinese}/revoke`, { reason: 'x'.repeat(501) })).statusCode, 400);
  t.same({ certificates: await count('certificates'), outbox: await count('mail_outbox'), audit: await count('audit_log') }, before,
    'nothing written');

  const res = await organiser.post(`${base}/${chinese}/reissue`, { name: '陳大民 (Chan Tai Man)' });
  t.equal(res.statusCode, 303);
  const now = await db.selectFrom('certificates').selectAll().where('registration_id', '=', chinese!).where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  t.equal(now.replaces, old.id);
  t.equal(now.name, '陳大民 (Chan Tai Man)');
  t.not(now.code, old.code);
  t.equal(await count('mail_outbox'), before.outbox + 1, 'the new certificate is mailed');
  t.equal(await count('audit_log'), before.audit + 1, 'audited');

  const superseded = await new Agent(app).get(`/certificates/${old.code}`);
  t.equal(superseded.statusCode, 200);
  t.match(superseded.body, 'replaced by a corrected one');
  const current = await new Agent(app).get(`/certificates/${now.code}`);
  t.match(current.body, 'This certificate is valid.');
  t.match(current.body, '陳大民 (Chan Tai Man)');

  await deliverDueMail(db, inbox.transport);
  const reissued = inbox.messages.at(-1)!;
  t.match(reissued.text, '重新發出');
  t.match(pdfText(reissued.attachments[0]!.content), '陳大民');

  const revoked = await organiser.post(`${base}/${english}/revoke`, { reason: 'Left after ten minutes' });
  t.equal(revoked.statusCode, 303);
  const { code } = await db.selectFrom('certificates').select('code').where('registration_id', '=', english!).executeTakeFirstOrThrow();
  t.match((await new Agent(app).get(`/certificates/${code}`)).body, 'has been revoked');
  t.equal((await runCertificates(db, site, new Date())).issued, 0, 'a revoked certificate is not issued again');
  const list = await organiser.get(base);
  t.match(list.body, 'Left after ten minutes');
  t.equal((await organiser.post(`${base}/${english}/revoke`, { reason: '' })).statusCode, 409, 'revoked already');

  // Revoked by mistake: a reissue gives a new valid certificate, and the revoked one reads as replaced.
  t.equal((await organiser.post(`${base}/${english}/reissue`, { name: 'Mary Lee' })).statusCode, 303);
  const live = await db.selectFrom('certificates').select(['code', 'replaces']).where('registration_id', '=', english!)
    .where('revoked_at', 'is', null).executeTakeFirstOrThrow();
  t.match((await new Agent(app).get(`/certificates/${live.code}`)).body, 'This certificate is valid.');
  t.match((await new Agent(app).get(`/certificates/${code}`)).body, 'replaced by a corrected one');
});

t.test('another organisation\'s event is not found; signed-out visitors are sent to sign in', async (t) => {
  const outsider = await signedIn(app, 'organiser@customs.test');
  t.equal((await outsider.get(base)).statusCode, 404);
  const before = await count('certificates');
  t.equal((await outsider.post(`${base}/${third}/revoke`, { reason: '' })).statusCode, 404);
  t.equal((await outsider.post(`${base}/settings`, { cpd_hours: '' })).statusCode, 404);
  t.equal(await count('certificates'), before);
  t.equal((await db.selectFrom('certificates').select('revoked_at').where('registration_id', '=', third!).executeTakeFirstOrThrow()).revoked_at, null);
  const anonymous = await new Agent(app).get(base);
  t.equal(anonymous.statusCode, 303);
  t.match(anonymous.headers.location, '/login');
});

t.test('issuing now is refused before the end, and when certificates are off', async (t) => {
  const future = await hkipdEvents().select('e.slug as slug').where('e.starts_at', '>', new Date()).where('e.status', '=', 'published')
    .orderBy('e.starts_at').executeTakeFirstOrThrow();
  await db.updateTable('events').set({ certificates_enabled: false }).where('slug', '=', future.slug).execute();
  const off = await organiser.post(`/manage/events/${future.slug}/certificates/issue`);
  t.equal(off.statusCode, 409, 'certificates are off');
  t.match(off.body, 'does not give certificates');
  await db.updateTable('events').set({ certificates_enabled: true }).where('slug', '=', future.slug).execute();
  const early = await organiser.post(`/manage/events/${future.slug}/certificates/issue`);
  t.equal(early.statusCode, 409, 'not ended');
  t.match(early.body, 'once the event has ended');
  const done = await organiser.post(`${base}/issue`);
  t.equal(done.statusCode, 303, 'an ended event issues at once');
});

t.test('award certificates carry a code and the same verification page', async (t) => {
  await runCertificates(db, site, new Date());
  const grant = await db.selectFrom('certificates as c').innerJoin('award_grants as g', 'g.id', 'c.award_grant_id')
    .innerJoin('award_tiers as t', 't.id', 'g.tier_id').innerJoin('contests as k', 'k.id', 't.contest_id')
    .where('c.kind', '=', 'award').select(['c.code', 'g.id', 'k.slug', 't.name as tier']).orderBy('g.id').executeTakeFirstOrThrow();
  const admin = await signedIn(app, 'admin@ipcoop.test');
  const pdf = await admin.get(`/manage/contests/${grant.slug}/certificates/${grant.id}.pdf`);
  t.equal(pdf.statusCode, 200);
  const text = pdfText(pdf.rawPayload);
  t.match(text, grant.code);
  t.match(text, `/certificates/${grant.code}`);
  const page = await new Agent(app).get(`/certificates/${grant.code}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, grant.tier.replace(/&/g, '&amp;'));
  t.match(page.body, 'This certificate is valid.');
});

t.test('erasing a participant\'s personal data erases the name on their certificates', async (t) => {
  const { code } = await db.selectFrom('certificates').select('code').where('registration_id', '=', third!).executeTakeFirstOrThrow();
  const { name } = await db.selectFrom('registrations').select('name').where('id', '=', third!).executeTakeFirstOrThrow();
  await eraseRegistrations(db, new Date(), { registrationId: third! });
  const stored = await db.selectFrom('certificates').select('name').where('registration_id', '=', third!).executeTakeFirstOrThrow();
  t.equal(stored.name, ERASED);
  const after = await new Agent(app).get(`/certificates/${code}`);
  t.equal(after.statusCode, 200);
  t.notMatch(after.body, name);
  t.match(after.body, ERASED);
});

t.test('the verification page is rate-limited per address', async (t) => {
  const visitor = new Agent(app);
  let status = 0;
  for (let i = 0; i < 40 && status !== 429; i++) status = (await visitor.get('/certificates/AAAAAAAAAAAAAAAAAAAAAB')).statusCode;
  t.equal(status, 429);
});
