import type { ParsedMail } from 'mailparser';
import t from 'tap';
import { jobHandlers } from '../../../src/app.ts';
import { runDueJobs } from '../../../src/modules/jobs/jobs.ts';
import { deliverDueMail } from '../../../src/modules/mail/worker.ts';
import { type Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { startSmtp } from '../../helpers/mail.ts';

/*
 * Judges and entrants kept informed as a contest moves on: one assignment mail per judge and
 * round however the entries are assigned, reminders to those with unfinished sheets, word when a
 * round closes or opens, whether an entry goes on, and the results, each in its reader's language.
 * One app for the whole story; each step reads the mail that the real SMTP server received.
 */

const inbox = await startSmtp(t);
const { app, db } = await build(t, { mailTransport: inbox.transport });
const site = { baseUrl: 'http://ipcoop.test', domain: 'ipcoop.test' };

const contest = await db.selectFrom('contests').selectAll().where('slug', 'like', 'hvpp-contest-20__-__').where('status', '=', 'open')
  .executeTakeFirstOrThrow();
const base = `/manage/contests/${contest.slug}`;
const [preliminary, final] = await db.selectFrom('contest_rounds').selectAll().where('contest_id', '=', contest.id).orderBy('position')
  .execute();
if (!preliminary || !final) throw new Error('two rounds');
const entries = await db.selectFrom('entries').select(['id', 'reference', 'contact_email', 'title']).where('contest_id', '=', contest.id)
  .where('status', '=', 'submitted').where('confirm_by', 'is', null).orderBy('reference').execute();
const panel = await db.selectFrom('contest_judges as cj').innerJoin('users as u', 'u.id', 'cj.user_id').where('cj.contest_id', '=', contest.id)
  .select(['u.id', 'u.email']).orderBy('u.id').execute();
const judgeOf = (email: string) => panel.find((j) => j.email === email)!;

// Every entrant has an address of their own, so that each mail is known by its recipient; the
// first entry (the best, as judged below) and one judge read Traditional Chinese.
for (const [i, e] of entries.entries()) {
  e.contact_email = `entrant${i}@example.test`;
  await db.updateTable('entries').set({ contact_email: e.contact_email, language: i === 0 ? 'zh-Hant' : 'en' }).where('id', '=', e.id)
    .execute();
}
await db.updateTable('users').set({ language: 'zh-Hant' }).where('email', '=', 'judge1@ipcoop.test').execute();
await db.updateTable('users').set({ language: 'en' }).where('email', '<>', 'judge1@ipcoop.test').where('role', '=', 'judge').execute();
await db.updateTable('mail_outbox').set({ status: 'sent' }).execute();

const organiser = await signedIn(app, 'organiser@gdipa.test');
const judges = new Map<string, Agent>();
for (const j of panel) judges.set(j.email, await signedIn(app, j.email));

/** What was queued since the last call, delivered through SMTP and parsed. */
async function delivered(): Promise<ParsedMail[]> {
  inbox.messages.length = 0;
  await deliverDueMail(db, inbox.transport);
  return [...inbox.messages];
}
const to = (m: ParsedMail) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address ?? '';
const mailsTo = (mails: ParsedMail[], address: string) => mails.filter((m) => to(m) === address);

/** The judge declares no conflict and submits every sheet they have in the round. */
async function judgeAll(email: string, roundId: number, score = 0.8) {
  const rows = await db.selectFrom('assignments').select(['id']).where('round_id', '=', roundId).where('judge_id', '=', judgeOf(email).id)
    .where('status', '<>', 'submitted').execute();
  const criteria = await db.selectFrom('criteria').select(['id', 'max_score']).where('round_id', '=', roundId).execute();
  for (const a of rows) {
    const agent = judges.get(email)!;
    await agent.post(`/judging/assignments/${a.id}/declaration`, { conflict: 'none' });
    const res = await agent.post(`/judging/assignments/${a.id}`, {
      action: 'submit', ...Object.fromEntries(criteria.map((c) => [`score-${c.id}`, String(Math.round(score * c.max_score))])),
    });
    if (res.statusCode !== 303) throw new Error(`scoring ${a.id} answered ${res.statusCode}`);
  }
}

/** Saves the organisers' English wording of a kind; the Chinese keeps the default. */
async function reword(kind: string, subject: string, body: string) {
  const res = await organiser.post(`${base}/emails/templates/${kind}`, {
    subject_en: subject, body_en: body, subject_zh_hant: '', body_zh_hant: '', subject_zh_hans: '', body_zh_hans: '', preview_language: 'en',
  });
  if (res.statusCode !== 303) throw new Error(`saving ${kind} answered ${res.statusCode}`);
}
const htmlOf = (m: ParsedMail) => (typeof m.html === 'string' ? m.html : '');

const closesAt = new Date(Date.now() + 3 * 86_400_000 + 5 * 3_600_000);
const hk = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 16);

t.test('judges hear of their entries once per round, however they were assigned', async (t) => {
  const settings = await organiser.post(`${base}/rounds/1/settings`, {
    aggregation: 'mean', tie_break: 'criteria', closes_at: hk(closesAt), reminder_hours: '24',
  });
  t.equal(settings.statusCode, 303);
  const saved = await db.selectFrom('contest_rounds').select(['closes_at', 'reminder_hours']).where('id', '=', preliminary.id)
    .executeTakeFirstOrThrow();
  t.equal(saved.closes_at?.getTime(), Math.floor(closesAt.getTime() / 60_000) * 60_000, 'the closing time, to the minute');
  t.equal(saved.reminder_hours, 24);
  const badHours = await organiser.post(`${base}/rounds/1/settings`, { aggregation: 'mean', tie_break: 'criteria', reminder_hours: '-3' });
  t.equal(badHours.statusCode, 400);
  t.match(badHours.body, 'Enter a whole number of hours from 0 to 720.');
  t.notOk(await db.selectFrom('jobs').select('id').where('key', '=', `judge-reminder:${preliminary.id}`).where('status', '=', 'pending')
    .executeTakeFirst(), 'no reminder for a round not yet open');

  t.equal((await organiser.post(`${base}/rounds/1/open`)).statusCode, 303);
  let mails = await delivered();
  t.equal(mails.length, panel.length, 'the panel is told the round is open, before any entry is theirs');
  t.match(mailsTo(mails, 'judge3@ipcoop.test')[0]!.subject, `${preliminary.name} of ${contest.title} is open`);
  t.match(mailsTo(mails, 'judge1@ipcoop.test')[0]!.subject, '已開始', 'in the judge\'s language');

  await reword('judgeAssigned', 'Score {{count}} in {{round}}', 'Judge {{name}}: {{count}} to score in {{round}} of {{title}} by {{closes}}.');

  // One entry by hand: the judge hears of it at once.
  const judge1 = judgeOf('judge1@ipcoop.test');
  t.equal((await organiser.post(`${base}/rounds/1/assign`, { entry_id: String(entries[1]!.id), judge_id: String(judge1.id) })).statusCode,
    303);
  mails = await delivered();
  t.equal(mails.length, 1);
  t.equal(to(mails[0]!), judge1.email);
  t.match(mails[0]!.subject, `待評作品：${contest.title}`, 'in the judge\'s language, in the default wording');
  t.match(mails[0]!.text, '有 1 件作品待你評分');
  t.match(mails[0]!.text, 'http://ipcoop.test/judging');
  t.match(htmlOf(mails[0]!), '>我的評審頁面</a>', 'the judging page as a button');
  const job = await db.selectFrom('jobs').selectAll().where('key', '=', `judge-reminder:${preliminary.id}`).executeTakeFirstOrThrow();
  t.equal(job.status, 'pending');
  t.equal(job.kind, 'judge-reminder');
  t.equal(job.run_at.getTime(), saved.closes_at!.getTime() - 24 * 3_600_000, 'the reminder is due 24 hours before the round closes');

  // Many entries at once: one mail per judge, not one per entry.
  t.equal((await organiser.post(`${base}/rounds/1/auto-assign`, { per_entry: '3' })).statusCode, 303);
  const counts = await db.selectFrom('assignments').select(['judge_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('round_id', '=', preliminary.id).groupBy('judge_id').execute();
  mails = await delivered();
  t.equal(mails.length, counts.length, `one mail for each of ${counts.length} judges, for ${entries.length * 3} assignments`);
  for (const c of counts) {
    const judge = panel.find((j) => j.id === c.judge_id)!;
    const [mail, ...more] = mailsTo(mails, judge.email);
    t.equal(more.length, 0);
    if (judge.id === judge1.id) {
      t.match(mail!.subject, `待評作品：${contest.title}`);
      t.match(mail!.text, `有 ${Number(c.n)} 件作品待你評分`, 'the entries in all');
      t.match(mail!.text, `新增作品：${Number(c.n) - 1} 份；分配給你的作品合共：${Number(c.n)} 份`, 'and, in a note, those added');
    } else {
      t.equal(mail!.subject, `Score ${Number(c.n)} in ${preliminary.name}`, 'the organisers\' wording');
      t.match(mail!.text, new RegExp(`^Judge [^:]+: ${Number(c.n)} to score in ${preliminary.name} of ${contest.title} by \\w{3}, \\d`));
      t.match(mail!.text, 'The round closes on', 'the closing time among the facts');
      t.match(htmlOf(mail!), new RegExp(`>Judge [^<:]+: ${Number(c.n)} to score in `), 'as HTML too');
      t.match(htmlOf(mail!), 'href="http://ipcoop.test/judging"');
    }
  }
  const notices = await db.selectFrom('round_judge_notices').select(['judge_id', 'assignments_mailed']).where('round_id', '=', preliminary.id)
    .execute();
  t.same(new Map(notices.map((n) => [n.judge_id, n.assignments_mailed])), new Map(counts.map((c) => [c.judge_id, Number(c.n)])),
    'each judge\'s mail is recorded with the entries it covered');

  t.equal((await organiser.post(`${base}/rounds/1/auto-assign`, { per_entry: '3' })).statusCode, 303);
  t.same(await delivered(), [], 'assigning again mails nobody');
});

t.test('a judge\'s page shows each round\'s closing time, the time left and the sheets to finish', async (t) => {
  const res = await judges.get('judge3@ipcoop.test')!.get('/judging');
  t.equal(res.statusCode, 200);
  t.match(res.body, 'Deadlines');
  t.match(res.body, /<td>3 d (4|5) h<\/td>/, 'about three days and five hours left');
  const mine = await db.selectFrom('assignments').select('id').where('round_id', '=', preliminary.id)
    .where('judge_id', '=', judgeOf('judge3@ipcoop.test').id).execute();
  t.match(res.body, `<td class="num">${mine.length}</td>`, 'every sheet still to finish');
  const chinese = await judges.get('judge1@ipcoop.test')!.get('/judging?lang=zh-Hant');
  t.match(chinese.body, '截止時間');
});

t.test('reminders go to the judges with unfinished sheets only, from the button and from the schedule', async (t) => {
  await judgeAll('judge2@ipcoop.test', preliminary.id);
  const done = judgeOf('judge2@ipcoop.test');
  const res = await organiser.post(`${base}/rounds/1/remind`);
  t.equal(res.statusCode, 303);
  const unfinished = await db.selectFrom('assignments').select('judge_id').distinct().where('round_id', '=', preliminary.id)
    .where('status', 'in', ['assigned', 'draft']).execute();
  t.notOk(unfinished.some((u) => u.judge_id === done.id));
  let mails = await delivered();
  t.equal(mails.length, unfinished.length, 'one reminder for each judge with sheets to finish');
  t.same(mailsTo(mails, done.email), [], 'not the judge who has submitted everything');
  const english = mails.find((m) => to(m) === 'judge3@ipcoop.test')!;
  t.equal(english.subject, `Reminder: entries to score in ${contest.title}`);
  t.match(english.text, new RegExp(`\\d+ of your entries in ${preliminary.name} of the ${contest.title} are still waiting`));
  t.match(english.text, /Sheets still to finish: \d+ of \d+\./);
  t.match(mails.find((m) => to(m) === 'judge1@ipcoop.test')!.subject, '有作品待你評分');
  const audit = await db.selectFrom('audit_log').select(['changes', 'item_id']).where('action', '=', 'remind_judges').execute();
  t.equal(audit.length, 1, 'the reminder is audited');
  t.same(audit[0]!.changes, { reminded: { from: null, to: unfinished.length } });
  t.equal(audit[0]!.item_id, contest.item_id);
  const reminded = await db.selectFrom('round_judge_notices').select('judge_id').where('round_id', '=', preliminary.id)
    .where('reminded_at', 'is not', null).execute();
  t.equal(reminded.length, unfinished.length);

  // The scheduled reminder, once due, does the same in the job's own transaction, once.
  await db.updateTable('jobs').set({ run_at: new Date(Date.now() - 1000) }).where('key', '=', `judge-reminder:${preliminary.id}`).execute();
  t.same(await runDueJobs(db, jobHandlers(site)), { done: 1, failed: 0 });
  mails = await delivered();
  t.equal(mails.length, unfinished.length, 'the scheduled reminder');
  t.same(await runDueJobs(db, jobHandlers(site)), { done: 0, failed: 0 });
  t.same(await delivered(), [], 'sent once');

  const pending = await organiser.post(`${base}/rounds/2/remind`);
  t.equal(pending.statusCode, 409, 'a round not open has nobody to remind');
  t.same(await delivered(), []);
});

t.test('a round closing and the next opening: judges told, entrants told whether they go on', async (t) => {
  for (const j of panel) await judgeAll(j.email, preliminary.id, 0.9);
  // Merit falls with the reference: the first entry is the best.
  const sheets = await db.selectFrom('assignments').select(['id', 'entry_id']).where('round_id', '=', preliminary.id).execute();
  for (const s of sheets) {
    const i = entries.findIndex((e) => e.id === s.entry_id);
    await db.updateTable('scores').set({ score: Math.max(0, 9 - i) }).where('assignment_id', '=', s.id).execute();
  }
  const later = new Date(closesAt.getTime() + 86_400_000);
  t.equal((await organiser.post(`${base}/rounds/1/settings`, {
    aggregation: 'mean', tie_break: 'criteria', closes_at: hk(later), reminder_hours: '48',
  })).statusCode, 303);
  const moved = await db.selectFrom('jobs').select(['status', 'run_at']).where('key', '=', `judge-reminder:${preliminary.id}`)
    .executeTakeFirstOrThrow();
  t.equal(moved.status, 'pending', 'a later closing time brings a new reminder');
  t.equal(moved.run_at.getTime(), Math.floor(later.getTime() / 60_000) * 60_000 - 48 * 3_600_000);
  t.equal((await organiser.post(`${base}/rounds/1/close`)).statusCode, 303);
  let mails = await delivered();
  const assigned = await db.selectFrom('assignments').select('judge_id').distinct().where('round_id', '=', preliminary.id)
    .where('status', '<>', 'conflicted').execute();
  t.equal(mails.length, assigned.length, 'each judge of the round is told it closed');
  const closed = mails.find((m) => to(m) === 'judge3@ipcoop.test')!;
  t.match(closed.subject, `${preliminary.name} of ${contest.title} has closed`);
  t.match(closed.text, `The next round, ${final.name}, follows`);
  t.match(mails.find((m) => to(m) === 'judge1@ipcoop.test')!.subject, '已結束');
  t.equal((await db.selectFrom('jobs').select('status').where('key', '=', `judge-reminder:${preliminary.id}`).executeTakeFirstOrThrow())
    .status, 'cancelled', 'no reminder for a closed round');

  t.equal((await organiser.post(`${base}/rounds/1/advance`, { mode: 'top', count: '4' })).statusCode, 303);
  const finalists = new Set((await db.selectFrom('round_entries').select('entry_id').where('round_id', '=', final.id).execute())
    .map((r) => r.entry_id));
  t.equal(finalists.size, 4);
  t.ok(finalists.has(entries[0]!.id), 'the best entry goes on');
  mails = await delivered();
  for (const e of entries) {
    const mine = mailsTo(mails, e.contact_email);
    t.equal(mine.length, 1, `one mail for ${e.reference}`);
    if (e === entries[0]) {
      t.match(mine[0]!.subject, `你的參賽作品 ${e.reference} 晉級${final.name}`, 'in the entry\'s language');
    } else if (finalists.has(e.id)) {
      t.match(mine[0]!.subject, `Your entry ${e.reference} goes on to ${final.name}`);
      t.match(mine[0]!.text, `has been chosen in ${preliminary.name}`);
    } else {
      t.match(mine[0]!.subject, `Your entry ${e.reference} to ${contest.title}`);
      t.match(mine[0]!.text, 'is not among the entries going on to the next round');
    }
  }
  for (const j of panel) {
    const opened = mailsTo(mails, j.email);
    t.equal(opened.length, 1, `${j.email} is told the final round is open`);
  }
  t.match(mailsTo(mails, 'judge3@ipcoop.test')[0]!.subject, `${final.name} of ${contest.title} is open`);
  t.equal(mails.length, entries.length + panel.length, 'nobody else');
});

t.test('results: winners hear of their award with their certificate, everyone else is thanked', async (t) => {
  t.equal((await organiser.post(`${base}/rounds/2/auto-assign`, { per_entry: '3' })).statusCode, 303);
  await delivered();
  for (const j of panel) await judgeAll(j.email, final.id);
  t.equal((await organiser.post(`${base}/rounds/2/close`)).statusCode, 303);
  t.equal((await organiser.post(`${base}/awards/allocate`)).statusCode, 303);
  await delivered();
  await reword('results', '{{reference}}: {{award}}', 'Dear {{name}},\n\nResults at {{results_link}}; certificate: {{certificate_link}}');
  t.equal((await organiser.post(`${base}/publish`)).statusCode, 303);
  const mails = await delivered();
  const grants = await db.selectFrom('award_grants as g').innerJoin('award_tiers as t', 't.id', 'g.tier_id')
    .innerJoin('certificates as c', 'c.award_grant_id', 'g.id').where('t.contest_id', '=', contest.id)
    .select(['g.entry_id', 't.name', 't.translations', 'c.code']).execute();
  t.equal(grants.length, 4);
  t.equal(mails.length, entries.length, 'one mail for each entrant');
  for (const e of entries) {
    const [mail, ...more] = mailsTo(mails, e.contact_email);
    t.equal(more.length, 0);
    const grant = grants.find((g) => g.entry_id === e.id);
    if (!grant) {
      t.equal(mail!.subject, `${e.reference}:`, 'the organisers\' wording, with no award');
      t.match(mail!.text, 'has not won an award this time. Thank you for taking part.');
      t.match(mail!.text, `http://ipcoop.test/contests/${contest.slug}/results`);
      continue;
    }
    t.match(mail!.text, `http://ipcoop.test/certificates/${grant.code}`, `${e.reference}: its certificate's page`);
    if (e === entries[0]) {
      t.match(mail!.subject, /結果$/, 'the default wording in Chinese');
      t.match(mail!.text, `恭喜！你的作品獲得：${grant.translations['zh-Hant']?.name ?? grant.name}`, 'the award named in the entry\'s language');
    } else {
      t.equal(mail!.subject, `${e.reference}: ${grant.name}`, 'the award as a merge field');
      t.match(mail!.text, `certificate: http://ipcoop.test/certificates/${grant.code}`, 'the certificate as a merge field');
      t.match(mail!.text, `Congratulations! Your entry has won: ${grant.name}.`);
      t.match(htmlOf(mail!), '>Check the certificate</a>');
    }
  }
  t.equal((await organiser.post(`${base}/publish`)).statusCode, 409);
  t.same(await delivered(), [], 'published, and told, once');
});
