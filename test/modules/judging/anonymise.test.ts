import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, createDeflate, inflateSync } from 'node:zlib';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFString } from 'pdf-lib';
import t from 'tap';
import type { Database } from '../../../src/db/index.ts';
import { cleanPdf, saveAttachmentFile } from '../../../src/lib/pdf-files.ts';
import { Agent, multipart, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

/*
 * Uploaded PDFs are cleaned once, at upload, in a worker thread with memory, time and
 * decompression limits (src/lib/pdf-worker.ts); blind judges are served the clean copy.
 */

const IDENTIFYING = ['Alice', 'Acme', 'Entrant'];

/** Every text a reader of the file could get at: its bytes, every Flate stream inflated, and hex strings decoded. */
function readableText(bytes: Buffer): string {
  const texts = [bytes.toString('latin1')];
  const raw = texts[0]!;
  for (const match of raw.matchAll(/stream\r?\n/g)) {
    if (raw.slice(match.index - 3, match.index) === 'end') continue;
    const start = match.index + match[0].length;
    const end = raw.indexOf('endstream', start);
    try {
      texts.push(inflateSync(bytes.subarray(start, end < 0 ? bytes.length : end), { finishFlush: constants.Z_SYNC_FLUSH }).toString('latin1'));
    } catch { /* not a Flate stream */ }
  }
  for (const text of [...texts]) {
    for (const hex of text.matchAll(/<([0-9A-Fa-f\s]{4,})>/g)) {
      const decoded = Buffer.from(hex[1]!.replace(/\s/g, ''), 'hex');
      texts.push(decoded.toString('latin1'), utf16(decoded));
    }
  }
  return texts.join('\n');
}

const utf16 = (bytes: Buffer) => {
  const even = Buffer.from(bytes.subarray(bytes[0] === 0xfe && bytes[1] === 0xff ? 2 : 0));
  const cut = even.subarray(0, even.length - (even.length % 2));
  return Buffer.from(cut).swap16().toString('utf16le');
};

/** A PDF that names Alice Entrant of Acme Corp everywhere but in its content. */
async function identifyingPdf(): Promise<Buffer> {
  const name = 'Alice Entrant of Acme Corp';
  const first = await PDFDocument.create();
  first.setAuthor(name);
  first.setTitle(`CV of ${name}`);
  first.setCreator('Acme Corp');
  const page = first.addPage([300, 300]);
  page.drawText('The invention, described without names.', { x: 20, y: 150, size: 10 });
  await first.attach(Buffer.from(`CV of ${name}`), 'Acme_Corp_Alice_Entrant_CV.txt', { mimeType: 'text/plain', description: name });
  const field = first.getForm().createTextField('Alice_Entrant_applicant');
  field.setText(name);
  field.addToPage(page, { x: 20, y: 200, width: 200, height: 20 });
  const pdf = await PDFDocument.load(await first.save({ useObjectStreams: false }), { updateMetadata: false });
  const { context } = pdf;
  const pageRef = pdf.getPages()[0]!.ref;
  // An outline titled with the name.
  const outlinesRef = context.nextRef();
  const itemRef = context.register(context.obj({ Title: PDFString.of('Alice Entrant, Acme Corp'), Parent: outlinesRef, Dest: [pageRef, 'Fit'] }));
  context.assign(outlinesRef, context.obj({ Type: 'Outlines', First: itemRef, Last: itemRef, Count: 1 }));
  pdf.catalog.set(PDFName.of('Outlines'), outlinesRef);
  // JavaScript: when the file opens, and in the document's name tree.
  const script = context.register(context.obj({ S: 'JavaScript', JS: PDFString.of(`app.alert('${name}')`) }));
  pdf.catalog.set(PDFName.of('OpenAction'), script);
  const names = pdf.catalog.lookup(PDFName.of('Names'), PDFDict);
  names.set(PDFName.of('JavaScript'), context.obj({ Names: [PDFString.of('Alice'), script] }));
  // Annotations: a note and a square, with their text, rich text and author.
  const note = context.register(context.obj({
    Type: 'Annot', Subtype: 'Text', Rect: [10, 10, 30, 30], T: PDFString.of('Alice Entrant'), Contents: PDFString.of(name),
  }));
  const square = context.register(context.obj({
    Type: 'Annot', Subtype: 'Square', Rect: [40, 10, 80, 30], T: PDFHexString.fromText('Alice Entrant'), Contents: PDFString.of(name),
    RC: PDFString.of(`<body><p>${name}</p></body>`), Popup: note,
  }));
  // A tagged structure tree whose alternate text, replacement text and titles name her, and a
  // portfolio (collection) schema titled with her company.
  const element = context.register(context.obj({
    Type: 'StructElem', S: 'Figure', Pg: pageRef, Alt: PDFString.of(`Photo of ${name}`),
    ActualText: PDFHexString.fromText('Alice Entrant'), T: PDFString.of('Acme Corp logo'),
  }));
  pdf.catalog.set(PDFName.of('StructTreeRoot'), context.register(context.obj({ Type: 'StructTreeRoot', K: [element] })));
  pdf.catalog.set(PDFName.of('MarkInfo'), context.obj({ Marked: true }));
  pdf.catalog.set(PDFName.of('Collection'), context.obj({
    Type: 'Collection', Schema: context.obj({ Owner: context.obj({ Subtype: 'S', N: PDFString.of('Acme Corp') }) }),
  }));
  const page1 = pdf.getPages()[0]!;
  const annots = page1.node.lookup(PDFName.of('Annots'), PDFArray);
  annots.push(note);
  annots.push(square);
  return Buffer.from(await pdf.save({ useObjectStreams: false }));
}

/** A one-page PDF whose content stream inflates to `megabytes` MiB of zeros, deflated a MiB at a time. */
async function pdfBomb(megabytes: number): Promise<Buffer> {
  const deflate = createDeflate({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < megabytes; i++) {
    if (!deflate.write(zeros)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await done;
  const stream = Buffer.concat(chunks);
  return Buffer.concat([
    Buffer.from('%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n'
      + '3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 4 0 R>> endobj\n'
      + `4 0 obj <</Length ${stream.length} /Filter /FlateDecode>>\nstream\n`),
    stream,
    Buffer.from('\nendstream\nendobj\ntrailer <</Root 1 0 R>>\n%%EOF\n'),
  ]);
}


const portfolio = {
  applicant_name: 'Lion Rock Robotics Limited', applicant_type: 'enterprise', side: 'HK', title: 'Portfolio for warehouse robots',
  patent_numbers: 'HK1234567', contact_person: 'Ms. Wong Mei-ling', category: 'manufacturing',
  summary: 'Eight invention patents on autonomous shuttles.', email: 'ip@lionrock.example',
};

async function upload(agent: Agent, db: Database, file: { filename: string; content: Buffer }) {
  const contest = await db.selectFrom('contests').selectAll().where('slug', 'like', 'hvpp-contest-20__-__').where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  await agent.get(`/contests/${contest.slug}`);
  const body = multipart({ _csrf: agent.csrf, ...portfolio }, [{ name: 'attachments', ...file }]);
  const response = await agent.app.inject({
    method: 'POST', url: `/contests/${contest.slug}/entries`, payload: body.payload,
    headers: { 'content-type': body.contentType, cookie: agent.cookieHeader },
  });
  return { contest, response };
}

const filesIn = async (dir: string) => (await readdir(dir).catch(() => [])).length;

t.test('the clean copy keeps nothing that names the entrant: metadata, embedded files, form, outline, JavaScript, annotations, structure tree', async (t) => {
  const original = await identifyingPdf();
  const before = readableText(original);
  for (const word of IDENTIFYING) t.match(before, word, `the original names ${word}`);
  t.match(before, 'Acme_Corp_Alice_Entrant_CV.txt');

  const clean = await cleanPdf(original);
  if (!clean.ok) throw new Error(`not cleaned: ${clean.reason}`);
  const after = readableText(clean.bytes);
  for (const word of IDENTIFYING) t.notMatch(after, word, `nothing in the clean copy names ${word}`);
  const served = await PDFDocument.load(clean.bytes, { updateMetadata: false });
  t.equal(served.getPageCount(), 1, 'the content is intact');
  t.match(readableText(clean.bytes), 'The invention, described without names.');
  t.equal(served.getAuthor(), undefined);
  t.equal(served.catalog.get(PDFName.of('StructTreeRoot')), undefined, 'the structure tree and its alternate texts are gone');
  t.equal(served.catalog.get(PDFName.of('Collection')), undefined);
});

t.test('an uploaded PDF is cleaned once; the blind judge gets the stored clean copy, the organiser the original', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ipcoop-anonymise-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const { app, db } = await build(t, { env: { DATA_DIR: dataDir } });
  const original = await identifyingPdf();
  const { contest, response } = await upload(new Agent(app), db, { filename: 'cv.pdf', content: original });
  t.equal(response.statusCode, 303);
  const stored = await db.selectFrom('entry_attachments as a').innerJoin('entries as e', 'e.id', 'a.entry_id')
    .where('e.contest_id', '=', contest.id).where('a.filename', '=', 'cv.pdf').select(['a.id', 'a.entry_id', 'a.storage_key', 'a.clean_storage_key'])
    .executeTakeFirstOrThrow();
  if (!stored.clean_storage_key) throw new Error('no clean copy was stored');
  const cleanBytes = await readFile(join(dataDir, 'attachments', stored.clean_storage_key));
  const text = readableText(cleanBytes);
  for (const word of IDENTIFYING) t.notMatch(text, word, `the stored clean copy does not name ${word}`);
  t.same(await readFile(join(dataDir, 'attachments', stored.storage_key)), original, 'the original is kept as sent');
  t.equal(await filesIn(join(dataDir, 'incoming')), 0, 'nothing is left waiting');

  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const asSent = await organiser.get(`/manage/contests/${contest.slug}/entries/${stored.entry_id}/attachments/${stored.id}`);
  t.equal(asSent.statusCode, 200);
  t.ok(asSent.rawPayload.equals(original), 'organisers (not blind) get the file as it was sent');

  // The demo's blind contest: its judge opens a file whose clean copy was stored at upload.
  const blind = await db.selectFrom('contests').select('id').where('slug', 'like', 'gd-youth-invention-%').where('status', '=', 'judging')
    .executeTakeFirstOrThrow();
  const judge = await db.selectFrom('users').select('id').where('email', '=', 'judge1@ipcoop.test').executeTakeFirstOrThrow();
  const opened = await db.selectFrom('assignments as a').innerJoin('contest_rounds as r', 'r.id', 'a.round_id')
    .where('r.contest_id', '=', blind.id).where('a.judge_id', '=', judge.id).where('a.status', 'in', ['draft', 'submitted'])
    .select(['a.id', 'a.entry_id']).executeTakeFirstOrThrow();
  const key = await saveAttachmentFile(dataDir, original);
  const cleanKey = await saveAttachmentFile(dataDir, cleanBytes);
  const attachment = await db.insertInto('entry_attachments').values({
    entry_id: opened.entry_id, filename: 'Alice Entrant.pdf', content_type: 'application/pdf', size_bytes: original.length,
    storage_key: key, clean_storage_key: cleanKey,
  }).returning('id').executeTakeFirstOrThrow();
  const blindJudge = await signedIn(app, 'judge1@ipcoop.test');
  const download = await blindJudge.get(`/judging/assignments/${opened.id}/attachments/${attachment.id}`);
  t.equal(download.statusCode, 200);
  t.equal(download.headers['content-type'], 'application/pdf');
  t.notMatch(download.headers['content-disposition'], 'Alice');
  t.ok(download.rawPayload.equals(cleanBytes), 'the blind judge gets the stored clean copy, byte for byte');
});

t.test('a PDF bomb is refused beside the file field, nothing is stored, and the app keeps answering', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ipcoop-bomb-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const { app, db } = await build(t, { env: { DATA_DIR: dataDir } });
  const bomb = await pdfBomb(300);
  t.ok(bomb.length < 1024 * 1024, `the bomb is small (${bomb.length} bytes) and inflates to 300 MiB`);

  const direct = await cleanPdf(bomb);
  t.same(direct, { ok: false, reason: 'bomb' }, 'the worker refuses it before parsing');

  const entriesBefore = (await db.selectFrom('entries').select('id').execute()).length;
  let uploaded = false;
  const sending = upload(new Agent(app), db, { filename: 'Acme bomb.pdf', content: bomb }).then((result) => {
    uploaded = true;
    return result;
  });
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(health.statusCode, 200);
  t.notOk(uploaded, 'the app answers while the upload is being checked');
  const { response } = await sending;
  t.equal(response.statusCode, 400);
  t.match(response.body, /id="f-attachments"[\s\S]*class="field__error">Acme bomb\.pdf could not be checked safely/);
  t.equal((await db.selectFrom('entries').select('id').execute()).length, entriesBefore, 'no entry is made');
  t.equal(await filesIn(join(dataDir, 'attachments')), 0, 'no file is stored');
  t.equal(await filesIn(join(dataDir, 'incoming')), 0, 'nothing received is kept');
});
