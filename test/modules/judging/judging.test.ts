import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, PDFName, PDFString } from 'pdf-lib';
import t from 'tap';
import { saveAttachmentFile } from '../../../src/lib/pdf-files.ts';
import type { Database } from '../../../src/db/index.ts';
import { signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

/** The demo's contest being judged (blind, one open round) and a judge's assignments in it. */
async function judgingContext(db: Database, email: string) {
  const contest = await db.selectFrom('contests').selectAll().where('slug', 'like', 'gd-youth-invention-%')
    .where('status', '=', 'judging').executeTakeFirstOrThrow();
  const judge = await db.selectFrom('users').select(['id', 'organisation_id']).where('email', '=', email).executeTakeFirstOrThrow();
  const assignments = await db.selectFrom('assignments as a').innerJoin('contest_rounds as r', 'r.id', 'a.round_id')
    .innerJoin('entries as e', 'e.id', 'a.entry_id')
    .where('r.contest_id', '=', contest.id).where('a.judge_id', '=', judge.id)
    .select(['a.id', 'a.status', 'a.round_id', 'a.entry_id', 'e.applicant_name', 'e.details', 'e.organisation_id', 'e.reference'])
    .orderBy('a.id').execute();
  const criteria = await db.selectFrom('criteria').selectAll().where('round_id', '=', assignments[0]!.round_id).orderBy('position').execute();
  return { contest, judge, assignments, criteria };
}

const scoreCount = async (db: Database, assignmentId: number) =>
  (await db.selectFrom('scores').select((eb) => eb.fn.countAll<number>().as('n')).where('assignment_id', '=', assignmentId)
    .where('score', 'is not', null).executeTakeFirstOrThrow()).n;

t.test('a judge declares, scores within range and step, saves a draft and submits', async (t) => {
  const { app, db } = await build(t);
  const { assignments, criteria } = await judgingContext(db, 'judge1@ipcoop.test');
  const fresh = assignments.find((a) => a.status === 'assigned');
  if (!fresh) throw new Error('the demo gives judge1 an unopened assignment');
  const judge = await signedIn(app, 'judge1@ipcoop.test');

  const list = await judge.get('/judging');
  t.equal(list.statusCode, 200);
  t.match(list.body, `/judging/assignments/${fresh.id}`);

  const closed = await judge.get(`/judging/assignments/${fresh.id}`);
  t.equal(closed.statusCode, 200);
  t.match(closed.body, 'Conflict of interest');
  t.notMatch(closed.body, 'Your scores', 'the entry does not open before the declaration');

  const noChoice = await judge.post(`/judging/assignments/${fresh.id}/declaration`, {});
  t.equal(noChoice.statusCode, 400);
  t.match(noChoice.body, 'Choose whether you have a conflict of interest.');

  const declared = await judge.post(`/judging/assignments/${fresh.id}/declaration`, { conflict: 'none' });
  t.equal(declared.statusCode, 303);
  const open = await judge.get(`/judging/assignments/${fresh.id}`);
  t.match(open.body, 'Your scores');

  const [first, second] = criteria;
  if (!first || !second) throw new Error('two criteria at least');
  const tooHigh = await judge.post(`/judging/assignments/${fresh.id}`, { action: 'draft', [`score-${first.id}`]: String(first.max_score + 1) });
  t.equal(tooHigh.statusCode, 400);
  t.match(tooHigh.body, new RegExp(`id="f-score-${first.id}-error">${first.name}: Give a score from 0 to ${first.max_score}.`));
  t.match(tooHigh.body, `value="${first.max_score + 1}"`, 'what was typed is kept');
  const offStep = await judge.post(`/judging/assignments/${fresh.id}`, { action: 'draft', [`score-${first.id}`]: '7.5' });
  t.equal(offStep.statusCode, 400);
  t.match(offStep.body, `Scores go in steps of ${first.step}.`);
  const notANumber = await judge.post(`/judging/assignments/${fresh.id}`, { action: 'draft', [`score-${first.id}`]: '-3' });
  t.equal(notANumber.statusCode, 400);
  t.equal(await scoreCount(db, fresh.id), 0, 'nothing stored for bad scores');

  const draft = await judge.post(`/judging/assignments/${fresh.id}`, {
    action: 'draft', [`score-${first.id}`]: '7', [`comment-${first.id}`]: 'Clever, simple mechanism.',
  });
  t.equal(draft.statusCode, 303);
  t.equal(await scoreCount(db, fresh.id), 1);
  const stored = await db.selectFrom('scores').selectAll().where('assignment_id', '=', fresh.id).executeTakeFirstOrThrow();
  t.equal(stored.score, 7);
  t.equal(stored.comment, 'Clever, simple mechanism.');

  const incomplete = await judge.post(`/judging/assignments/${fresh.id}`, { action: 'submit', [`score-${first.id}`]: '7' });
  t.equal(incomplete.statusCode, 400);
  t.match(incomplete.body, `Give a score for ${second.name} before submitting.`);
  t.equal((await db.selectFrom('assignments').select('status').where('id', '=', fresh.id).executeTakeFirstOrThrow()).status, 'draft');

  const full = Object.fromEntries(criteria.map((c, i) => [`score-${c.id}`, String(5 + i)]));
  const submitted = await judge.post(`/judging/assignments/${fresh.id}`, { action: 'submit', ...full });
  t.equal(submitted.statusCode, 303);
  const row = await db.selectFrom('assignments').select(['status', 'submitted_at']).where('id', '=', fresh.id).executeTakeFirstOrThrow();
  t.equal(row.status, 'submitted');
  t.ok(row.submitted_at);
  t.equal(await scoreCount(db, fresh.id), criteria.length);

  const again = await judge.post(`/judging/assignments/${fresh.id}`, { action: 'submit', ...Object.fromEntries(criteria.map((c) => [`score-${c.id}`, '1'])) });
  t.equal(again.statusCode, 409, 'a submitted sheet is locked');
  const after = await db.selectFrom('scores').select('score').where('assignment_id', '=', fresh.id).orderBy('criterion_id').execute();
  t.same(after.map((s) => s.score), criteria.map((_, i) => 5 + i), 'scores unchanged after the refused change');
  const audit = await db.selectFrom('audit_log').select('action').where('entity', '=', 'assignment').where('entity_id', '=', String(fresh.id)).execute();
  t.same(audit.map((a) => a.action).sort(), ['declare_no_conflict', 'save_scores', 'submit_scores']);
});

t.test("a judge can neither read nor score another judge's assignment, nor guess ids", async (t) => {
  const { app, db } = await build(t);
  const mine = await judgingContext(db, 'judge1@ipcoop.test');
  const theirs = await judgingContext(db, 'judge2@ipcoop.test');
  const judge = await signedIn(app, 'judge1@ipcoop.test');
  const list = await judge.get('/judging');
  const ownIds = new Set((await db.selectFrom('assignments').select('id').where('judge_id', '=', mine.judge.id).execute()).map((a) => a.id));
  const linked = [...list.body.matchAll(/\/judging\/assignments\/(\d+)/g)].map((m) => Number(m[1]));
  t.ok(linked.length > 0);
  t.ok(linked.every((id) => ownIds.has(id)), 'the list links only to the judge\'s own assignments');

  const other = theirs.assignments.find((a) => !mine.assignments.some((m) => m.entry_id === a.entry_id)) ?? theirs.assignments[0]!;
  const before = await scoreCount(db, other.id);
  t.equal((await judge.get(`/judging/assignments/${other.id}`)).statusCode, 404);
  t.equal((await judge.post(`/judging/assignments/${other.id}/declaration`, { conflict: 'none' })).statusCode, 404);
  const scores = Object.fromEntries(mine.criteria.map((c) => [`score-${c.id}`, '1']));
  t.equal((await judge.post(`/judging/assignments/${other.id}`, { action: 'submit', ...scores })).statusCode, 404);
  t.equal((await judge.get(`/judging/assignments/${other.id}/attachments/1`)).statusCode, 404);
  t.equal(await scoreCount(db, other.id), before, 'nothing written to the other judge\'s sheet');
  t.equal((await db.selectFrom('assignments').select('status').where('id', '=', other.id).executeTakeFirstOrThrow()).status, other.status);
  for (const guess of ['999999', '0', 'abc', '1e3', '-1']) {
    t.equal((await judge.get(`/judging/assignments/${guess}`)).statusCode, 404, `id ${guess}`);
  }

  const organiser = await signedIn(app, 'organiser@hkipd.test');
  t.equal((await organiser.get('/judging')).statusCode, 404, 'organisers are not judges');
});

t.test('blind judging shows nothing that names the entrant', async (t) => {
  const { app, db } = await build(t);
  const { contest, assignments } = await judgingContext(db, 'judge1@ipcoop.test');
  t.ok(contest.blind);
  const judge = await signedIn(app, 'judge1@ipcoop.test');
  const pages = [(await judge.get('/judging')).body];
  for (const a of assignments) {
    if (a.status === 'assigned') await judge.post(`/judging/assignments/${a.id}/declaration`, { conflict: 'none' });
    pages.push((await judge.get(`/judging/assignments/${a.id}`)).body);
  }
  t.match(pages[1], 'Your scores', 'the entry itself is shown');
  for (const a of assignments) {
    const details = a.details as { school?: string; teacher?: string; students?: string[] };
    const identities = [a.applicant_name, details.school, details.teacher, ...(details.students ?? [])].filter((s): s is string => !!s);
    for (const [i, body] of pages.entries()) {
      for (const name of identities) t.notMatch(body, name, `page ${i} does not show ${name}`);
    }
  }
});

t.test('conflicts: declared with a reason, and automatic when the judge works for the entrant', async (t) => {
  const { app, db } = await build(t);
  const { assignments, criteria, judge: judgeRow } = await judgingContext(db, 'judge3@ipcoop.test');
  const unopened = assignments.filter((a) => a.status === 'assigned');
  const [declaring, automatic] = unopened;
  if (!declaring || !automatic) throw new Error('judge3 has two unopened assignments in the demo');
  const judge = await signedIn(app, 'judge3@ipcoop.test');

  const noReason = await judge.post(`/judging/assignments/${declaring.id}/declaration`, { conflict: 'conflict', reason: '' });
  t.equal(noReason.statusCode, 400);
  t.match(noReason.body, /id="f-reason-error">Say briefly why you have a conflict of interest./);
  const declared = await judge.post(`/judging/assignments/${declaring.id}/declaration`, { conflict: 'conflict', reason: 'I taught at this school.' });
  t.equal(declared.statusCode, 303);
  const row = await db.selectFrom('assignments').select(['status', 'conflict_reason']).where('id', '=', declaring.id).executeTakeFirstOrThrow();
  t.same(row, { status: 'conflicted', conflict_reason: 'I taught at this school.' });
  const scores = Object.fromEntries(criteria.map((c) => [`score-${c.id}`, '5']));
  t.equal((await judge.post(`/judging/assignments/${declaring.id}`, { action: 'submit', ...scores })).statusCode, 409);
  t.equal(await scoreCount(db, declaring.id), 0);

  // Make judge3 a member of the entrant's organisation: the conflict is then automatic.
  const org = await db.selectFrom('organisations').select('id').where('code', '=', 'HKIPD').executeTakeFirstOrThrow();
  await db.updateTable('entries').set({ organisation_id: org.id }).where('id', '=', automatic.entry_id).execute();
  await db.updateTable('users').set({ organisation_id: org.id }).where('id', '=', judgeRow.id).execute();
  const page = await judge.get(`/judging/assignments/${automatic.id}`);
  t.match(page.body, 'a conflict of interest was found automatically');
  t.notMatch(page.body, 'I have no conflict of interest', 'no declaration is offered');
  const refused = await judge.post(`/judging/assignments/${automatic.id}/declaration`, { conflict: 'none' });
  t.equal(refused.statusCode, 400);
  t.match(refused.body, 'you are conflicted automatically');
  t.equal((await db.selectFrom('assignments').select('status').where('id', '=', automatic.id).executeTakeFirstOrThrow()).status, 'assigned');
  t.equal((await judge.post(`/judging/assignments/${automatic.id}`, { action: 'draft', ...scores })).statusCode, 409);
  t.equal(await scoreCount(db, automatic.id), 0);
});

t.test('blind judges get attachments without the metadata that names the entrant', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ipcoop-blind-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const { app, db } = await build(t, { env: { DATA_DIR: dataDir } });
  const { assignments } = await judgingContext(db, 'judge1@ipcoop.test');
  const opened = assignments.find((a) => a.status === 'draft' || a.status === 'submitted');
  if (!opened) throw new Error('judge1 has an opened assignment in the demo');
  const name = 'Wong Tai Sin Inventors Ltd';

  // A PDF whose information dictionary, XMP packet and annotation all carry the entrant's name.
  const pdf = await PDFDocument.create();
  pdf.setAuthor(name);
  pdf.setTitle(`Portfolio of ${name}`);
  pdf.setCreator(name);
  pdf.setSubject(name);
  pdf.setKeywords([name]);
  const page = pdf.addPage([300, 300]);
  page.drawText('The invention, described without names.', { x: 20, y: 150, size: 10 });
  const xmp = pdf.context.stream(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>${name}</dc:creator></x:xmpmeta>`, { Type: 'Metadata', Subtype: 'XML' });
  pdf.catalog.set(PDFName.of('Metadata'), pdf.context.register(xmp));
  const note = pdf.context.obj({ Type: 'Annot', Subtype: 'Text', Rect: [10, 10, 30, 30], T: PDFString.of(name), Contents: PDFString.of('See page 2') });
  page.node.set(PDFName.of('Annots'), pdf.context.obj([pdf.context.register(note)]));
  const original = Buffer.from(await pdf.save({ useObjectStreams: false }));
  t.ok(original.includes(name), 'the original names the entrant in plain bytes');

  const attach = async (bytes: Buffer, filename: string) => {
    const key = await saveAttachmentFile(dataDir, bytes);
    return (await db.insertInto('entry_attachments').values({
      entry_id: opened.entry_id, filename, content_type: 'application/pdf', size_bytes: bytes.length, storage_key: key,
    }).returning('id').executeTakeFirstOrThrow()).id;
  };
  const clean = await attach(original, `${name}.pdf`);
  const broken = await attach(Buffer.from('%PDF-1.7\nnot really a pdf'), 'broken.pdf');

  const judge = await signedIn(app, 'judge1@ipcoop.test');
  const res = await judge.get(`/judging/assignments/${opened.id}/attachments/${clean}`);
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/pdf');
  t.notMatch(res.headers['content-disposition'], 'Wong', 'the file name is the reference');
  t.notOk(res.rawPayload.includes(name), 'no byte of the served file names the entrant');
  t.notOk(res.rawPayload.includes('Wong'));
  const served = await PDFDocument.load(res.rawPayload, { updateMetadata: false });
  t.equal(served.getPageCount(), 1, 'the content is intact');
  t.equal(served.getAuthor(), undefined);
  t.equal(served.getTitle(), undefined);

  const refused = await judge.get(`/judging/assignments/${opened.id}/attachments/${broken}`);
  t.equal(refused.statusCode, 409, 'a file that cannot be cleaned is withheld');
  t.match(refused.body, 'cannot be shown without revealing who sent it');

  // Organisers get the file as it was sent, and the stored copy is untouched.
  const contest = await db.selectFrom('contests as c').innerJoin('entries as e', 'e.contest_id', 'c.id')
    .where('e.id', '=', opened.entry_id).select('c.slug').executeTakeFirstOrThrow();
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const asSent = await organiser.get(`/manage/contests/${contest.slug}/entries/${opened.entry_id}/attachments/${clean}`);
  t.equal(asSent.statusCode, 200);
  t.ok(asSent.rawPayload.equals(original));
});
