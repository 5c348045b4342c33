import { inflateSync } from 'node:zlib';
import t from 'tap';
import { hashToken, newToken } from '../../../src/lib/tokens.ts';
import { romanised, systemCjkFont } from '../../../src/lib/pdf-document.ts';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

/** The text a PDF draws with the built-in fonts: the hex strings of its TJ operators, compressed streams inflated. */
function pdfText(pdf: Buffer) {
  const raw = pdf.toString('latin1');
  const streams = [...raw.matchAll(/stream\r?\n/g)].map((m) => {
    const start = m.index + m[0].length;
    const body = pdf.subarray(start, raw.indexOf('endstream', start));
    try {
      return inflateSync(body).toString('latin1');
    } catch {
      return body.toString('latin1');
    }
  });
  return streams.flatMap((s) => [...s.matchAll(/\[([^\]]*)\] TJ/g)].map((tj) =>
    [...tj[1]!.matchAll(/<([0-9a-f]*)>/g)].map((h) => Buffer.from(h[1]!, 'hex').toString('latin1')).join(''))).join('\n');
}

t.test('romanised keeps what the built-in fonts can draw', async (t) => {
  t.equal(romanised('Chan Tai Man', 'x'), 'Chan Tai Man');
  t.equal(romanised('陳大文 (Chan Tai Man)', 'x'), 'Chan Tai Man');
  t.equal(romanised('李嘉欣 (GDAMR(GDIPA))', 'x'), 'GDAMR(GDIPA)');
  t.equal(romanised('陳大文', 'the entrant of HVPP-1'), 'the entrant of HVPP-1');
});

t.test('award certificates for organisers and, once results are published, for the entrant', async (t) => {
  const { app, db } = await build(t);
  const contest = await db.selectFrom('contests').selectAll().where('slug', '=', 'hvpp-contest-2019').executeTakeFirstOrThrow();
  const base = `/manage/contests/${contest.slug}`;
  const grant = await db.selectFrom('award_grants as g').innerJoin('award_tiers as t', 't.id', 'g.tier_id')
    .innerJoin('entries as e', 'e.id', 'g.entry_id').where('t.contest_id', '=', contest.id)
    .select(['g.id', 'e.id as entry_id', 'e.title', 't.name as tier']).orderBy('t.rank').orderBy('e.reference').executeTakeFirstOrThrow();
  const otherGrant = await db.selectFrom('award_grants as g').innerJoin('award_tiers as t', 't.id', 'g.tier_id')
    .where('t.contest_id', '<>', contest.id).select('g.id').executeTakeFirstOrThrow();

  const organiser = await signedIn(app, 'organiser@gdipa.test');
  const awards = await organiser.get(`${base}/awards`);
  t.equal(awards.statusCode, 200);
  t.match(awards.body, `href="${base}/certificates/${grant.id}.pdf"`, 'a certificate link per award');

  const started = performance.now();
  const certificate = await organiser.get(`${base}/certificates/${grant.id}.pdf`);
  t.comment(`certificate rendered in ${Math.round(performance.now() - started)} ms, ${certificate.rawPayload.length} bytes`);
  t.equal(certificate.statusCode, 200);
  t.match(certificate.headers['content-type'], 'application/pdf');
  t.equal(certificate.rawPayload.subarray(0, 5).toString(), '%PDF-');
  t.equal(certificate.rawPayload.toString('latin1').match(/\/Type \/Page\b/g)?.length, 1, 'one page');
  const text = pdfText(certificate.rawPayload);
  t.match(text, grant.tier);
  t.match(text, grant.title.slice(0, 40));
  t.match(text, 'Results published 28 June 2019');
  t.match(text, 'Organised by Guangdong Administration for Market Regulation');
  t.match(text, 'Hong Kong Special Administrative Region');

  t.equal((await organiser.get(`${base}/certificates/${otherGrant.id}.pdf`)).statusCode, 404, 'a grant of another contest');
  t.equal((await organiser.get(`${base}/certificates/999999.pdf`)).statusCode, 404);
  t.equal((await organiser.get(`${base}/certificates/abc.pdf`)).statusCode, 404);
  const outsider = await signedIn(app, 'organiser@customs.test');
  t.equal((await outsider.get(`${base}/certificates/${grant.id}.pdf`)).statusCode, 404, 'another organisation is not in scope');
  t.equal((await new Agent(app).get(`${base}/certificates/${grant.id}.pdf`)).statusCode !== 200, true, 'signed-out visitors get nothing');

  // The entrant's manage link: nothing before the results are published.
  const token = newToken();
  await db.updateTable('entries').set({ token_hash: hashToken(token), applicant_name: '陳大文科技有限公司 (Chan Tai Man Technology Ltd)' })
    .where('id', '=', grant.entry_id).execute();
  await db.updateTable('contests').set({ results_published_at: null }).where('id', '=', contest.id).execute();
  const entrant = new Agent(app);
  const before = await entrant.get(`/entries/${token}`);
  t.equal(before.statusCode, 200);
  t.notMatch(before.body, 'certificate.pdf');
  t.equal((await entrant.get(`/entries/${token}/certificate.pdf`)).statusCode, 404, 'not before publication');

  t.equal((await organiser.post(`${base}/publish`)).statusCode, 303);
  const after = await entrant.get(`/entries/${token}`);
  t.match(after.body, `href="/entries/${token}/certificate.pdf"`);
  t.match(after.body, `This entry won the ${grant.tier}`);
  const mine = await entrant.get(`/entries/${token}/certificate.pdf`);
  t.equal(mine.statusCode, 200);
  t.equal(mine.rawPayload.subarray(0, 5).toString(), '%PDF-');
  t.match(pdfText(mine.rawPayload), grant.tier);
  t.equal(mine.rawPayload.toString('latin1').match(/\/Type \/Page\b/g)?.length, 1, 'one page');
  if (systemCjkFont()) {
    t.match(mine.rawPayload.toString('latin1'), /\/FontFile2|\/Type \/Font[\s\S]*CJK/, 'the Chinese name is drawn with an embedded font');
  } else {
    t.notMatch(mine.rawPayload.toString('latin1'), /\/FontFile2/, 'no CJK font on this machine: the built-in fonts draw what they can');
  }

  const unawarded = await db.selectFrom('entries as e').where('e.contest_id', '=', contest.id)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('award_grants as g').whereRef('g.entry_id', '=', 'e.id').select('g.id'))))
    .select('e.id').executeTakeFirstOrThrow();
  const otherToken = newToken();
  await db.updateTable('entries').set({ token_hash: hashToken(otherToken) }).where('id', '=', unawarded.id).execute();
  t.equal((await entrant.get(`/entries/${otherToken}/certificate.pdf`)).statusCode, 404, 'an entry without an award');
});
