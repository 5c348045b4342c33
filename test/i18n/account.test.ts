import t from 'tap';
import type { Database } from '../../src/db/index.ts';
import { Agent, signedIn } from '../helpers/agent.ts';
import { build } from '../helpers/app.ts';

/*
 * Signing in, the account page and judging in Traditional (zh-HK) and Simplified (zh-CN)
 * Chinese, with English unchanged when no language is asked for.
 */

const HK = { 'accept-language': 'zh-HK,zh;q=0.9,en;q=0.8' };
const CN = { 'accept-language': 'zh-CN,zh;q=0.9' };

/** The English interface words among these still on the page (none, once translated). */
const englishLeft = (body: string, words: string[]) => words.filter((w) => body.includes(w));

const LOGIN_WORDS = ['For organisers, judges', '>Email address', '>Password', 'Forgotten your password?', '>Sign in<', 'type="submit">Sign in'];

/** judge1's assignments in the demo contest being judged. */
async function assignmentsOf(db: Database, email: string) {
  const contest = await db.selectFrom('contests').select('id').where('slug', 'like', 'gd-youth-invention-%')
    .where('status', '=', 'judging').executeTakeFirstOrThrow();
  return db.selectFrom('assignments as a').innerJoin('contest_rounds as r', 'r.id', 'a.round_id')
    .innerJoin('users as u', 'u.id', 'a.judge_id')
    .where('r.contest_id', '=', contest.id).where('u.email', '=', email)
    .select(['a.id', 'a.status', 'a.round_id']).orderBy('a.id').execute();
}

t.test('the sign-in page and a failed sign-in in both Chinese scripts', async (t) => {
  const { app, db } = await build(t);

  const hk = await app.inject({ method: 'GET', url: '/login', headers: HK });
  t.equal(hk.statusCode, 200);
  t.match(hk.body, '<title>登入');
  t.match(hk.body, '<h1>登入</h1>');
  t.match(hk.body, '供主辦人員、評審及管理員使用。');
  t.match(hk.body, '>電郵地址</label>');
  t.match(hk.body, '>密碼</label>');
  t.match(hk.body, '忘記密碼？');
  t.same(englishLeft(hk.body, LOGIN_WORDS), [], 'zh-HK sign-in page');

  const cn = await app.inject({ method: 'GET', url: '/login', headers: CN });
  t.equal(cn.statusCode, 200);
  t.match(cn.body, '<h1>登录</h1>');
  t.match(cn.body, '>电子邮箱地址</label>');
  t.match(cn.body, '忘记密码？');
  t.notMatch(cn.body, '登入', 'Guangdong says 登录');
  t.same(englishLeft(cn.body, LOGIN_WORDS), [], 'zh-CN sign-in page');

  const en = await app.inject({ method: 'GET', url: '/login' });
  t.match(en.body, '<h1>Sign in</h1>');
  t.match(en.body, 'For organisers, judges and administrators. Participants do not need an account: the link in your confirmation email manages your registration.');
  t.match(en.body, '>Email address</label>');
  t.match(en.body, 'Forgotten your password?');

  const visitor = new Agent(app);
  await visitor.get('/login', HK);
  const wrong = await visitor.post('/login', { email: 'judge1@ipcoop.test', password: 'not-the-password' }, HK);
  t.equal(wrong.statusCode, 400);
  t.match(wrong.body, '出現問題');
  t.match(wrong.body, '電郵地址或密碼不正確。');
  t.match(wrong.body, 'value="judge1@ipcoop.test"', 'the address typed is kept');
  t.same(englishLeft(wrong.body, [...LOGIN_WORDS, 'There is a problem', 'is not right']), [], 'zh-HK failed sign-in');
  t.ok(await db.selectFrom('login_throttle').select('failures').where('key', '=', 'email:judge1@ipcoop.test').executeTakeFirst(),
    'the failure is counted');
  t.notOk(visitor.cookies.has('ipcoop_session'), 'not signed in');

  const empty = await visitor.post('/login', { email: '', password: '' }, CN);
  t.equal(empty.statusCode, 400);
  t.match(empty.body, '出现问题');
  // The shared field messages are translated (their wording may come from any area that lists them).
  t.match(empty.body, /id="f-email-error">[^<]*[\u4e00-\u9fff][^<]*</);
  t.match(empty.body, /id="f-password-error">[^<]*[\u4e00-\u9fff][^<]*</);
  t.same(englishLeft(empty.body, [...LOGIN_WORDS, 'Enter your email address.', 'Enter your password.']), [], 'zh-CN empty sign-in');

  const badShape = await visitor.post('/login', { email: 'nobody', password: 'x' }, CN);
  t.equal(badShape.statusCode, 400);
  t.match(badShape.body, /id="f-email-error">[^<]*[\u4e00-\u9fff][^<]*name@example.org[^<]*</);
  t.notMatch(badShape.body, 'Enter an email address like');

  const wrongCn = await visitor.post('/login', { email: 'judge2@ipcoop.test', password: 'not-the-password' }, CN);
  t.equal(wrongCn.statusCode, 400);
  t.match(wrongCn.body, '邮箱地址或密码不正确。');

  const wrongEn = await visitor.post('/login', { email: 'judge2@ipcoop.test', password: 'not-the-password' });
  t.equal(wrongEn.statusCode, 400);
  t.match(wrongEn.body, 'The email address or password is not right.');
});

t.test('too many failures: the wait is told in the visitor\'s language', async (t) => {
  const { app } = await build(t);
  const visitor = new Agent(app);
  let last = await visitor.post('/login', { email: 'judge4@ipcoop.test', password: 'wrong-password-0' }, HK);
  for (let i = 1; i < 6 && last.statusCode !== 429; i++) {
    last = await visitor.post('/login', { email: 'judge4@ipcoop.test', password: `wrong-password-${i}` }, HK);
  }
  t.equal(last.statusCode, 429);
  t.match(last.body, '登入失敗次數過多，請於 1 分鐘後再試。');
  t.notMatch(last.body, 'Too many failed attempts');
  const en = await visitor.post('/login', { email: 'judge4@ipcoop.test', password: 'demo-password-2019' });
  t.equal(en.statusCode, 429);
  t.match(en.body, 'Too many failed attempts. Try again in 1 minute.');
});

t.test('the account page and its password rules in Chinese', async (t) => {
  const { app } = await build(t);
  const user = await signedIn(app, 'organiser@hkipd.test');
  const page = await user.get('/account', HK);
  t.equal(page.statusCode, 200);
  t.match(page.body, '<h1>你的帳戶</h1>');
  t.match(page.body, '（本次登入）');
  t.match(page.body, '主辦人員，');
  t.same(englishLeft(page.body, ['Your account', 'Change your password', 'Where you are signed in', '(this session)', '>Current password', 'Sign out everywhere else']), [], 'zh-HK account page');

  const short = await user.post('/account/password', { current: 'demo-password-2019', password: 'short', confirm: 'short' }, HK);
  t.equal(short.statusCode, 400);
  t.match(short.body, '請使用最少 12 個字元。');
  const mismatch = await user.post('/account/password', { current: 'demo-password-2019', password: 'orchid lantern harbour', confirm: 'orchid lantern' }, CN);
  t.equal(mismatch.statusCode, 400);
  t.match(mismatch.body, '两次输入的密码不一致。');
  t.match(mismatch.body, '<h1>你的账户</h1>');
  const wrongCurrent = await user.post('/account/password', { current: 'not-it-at-all', password: 'orchid lantern harbour', confirm: 'orchid lantern harbour' }, HK);
  t.equal(wrongCurrent.statusCode, 400);
  t.match(wrongCurrent.body, '現時密碼不正確。');
  const en = await user.post('/account/password', { current: 'demo-password-2019', password: 'short', confirm: 'short' });
  t.match(en.body, 'Use at least 12 characters.');
  t.match(en.body, '(this session)');
});

t.test('a judge\'s assignments and an assignment page in Chinese', async (t) => {
  const { app, db } = await build(t);
  const assignments = await assignmentsOf(db, 'judge1@ipcoop.test');
  const fresh = assignments.find((a) => a.status === 'assigned');
  if (!fresh) throw new Error('the demo gives judge1 an unopened assignment');
  const criteria = await db.selectFrom('criteria').selectAll().where('round_id', '=', fresh.round_id).orderBy('position').execute();
  const first = criteria[0];
  if (!first) throw new Error('the round has criteria');
  const judge = await signedIn(app, 'judge1@ipcoop.test');

  const LIST_WORDS = ['Your assignments', '>To open<', ' submitted', 'scored)', '>Contest</th>', '>Round</th>', '>Entry</th>', '>Status</th>'];
  const list = await judge.get('/judging', HK);
  t.equal(list.statusCode, 200);
  t.match(list.body, '<h1>你的評審任務</h1>');
  t.match(list.body, '>參賽項目</th>');
  t.match(list.body, '待開啟');
  t.match(list.body, /已提交 \d+ 份，共 \d+ 份/);
  t.same(englishLeft(list.body, LIST_WORDS), [], 'zh-HK assignments');
  const listCn = await judge.get('/judging', CN);
  t.match(listCn.body, '<h1>你的评审任务</h1>');
  t.match(listCn.body, '>参赛项目</th>');
  t.same(englishLeft(listCn.body, LIST_WORDS), [], 'zh-CN assignments');
  const listEn = await judge.get('/judging');
  t.match(listEn.body, '<h1>Your assignments</h1>');
  t.match(listEn.body, /\d+ of \d+ submitted/);
  t.match(listEn.body, '>To open<');

  const DECLARE_WORDS = ['Conflict of interest', 'Before the entry opens', 'I have no conflict', 'I have a conflict', 'If you have a conflict', '>Declare<', 'Breadcrumb'];
  const closed = await judge.get(`/judging/assignments/${fresh.id}`, HK);
  t.equal(closed.statusCode, 200);
  t.match(closed.body, '<h2 id="declare-heading">利益衝突</h2>');
  t.match(closed.body, '我與此參賽項目沒有利益衝突');
  t.same(englishLeft(closed.body, DECLARE_WORDS), [], 'zh-HK declaration');

  const noChoice = await judge.post(`/judging/assignments/${fresh.id}/declaration`, {}, HK);
  t.equal(noChoice.statusCode, 400);
  t.match(noChoice.body, '請選擇你是否有利益衝突。');
  t.notMatch(noChoice.body, 'Choose whether you have a conflict of interest.');
  t.equal((await db.selectFrom('assignments').select('status').where('id', '=', fresh.id).executeTakeFirstOrThrow()).status, 'assigned');

  const declared = await judge.post(`/judging/assignments/${fresh.id}/declaration`, { conflict: 'none' }, CN);
  t.equal(declared.statusCode, 303);
  t.equal((await db.selectFrom('assignments').select('status').where('id', '=', fresh.id).executeTakeFirstOrThrow()).status, 'draft');
  const opened = await judge.get(`/judging/assignments/${fresh.id}?saved=declared`, CN);
  t.equal(opened.statusCode, 200);
  t.match(opened.body, '你已申报没有利益冲突。此参赛项目现已向你开放。');
  t.match(opened.body, '<h2>你的评分</h2>');
  t.match(opened.body, '保存草稿');
  t.match(opened.body, '提交评分');
  t.match(opened.body, `（权重 ${first.weight}，0–${first.max_score} 分，以 ${first.step} 分为一级）`);
  t.match(opened.body, first.name, 'criteria names are shown as entered');
  t.same(englishLeft(opened.body, ['Your scores', 'Save draft', 'Submit scores', 'in steps of', 'Submitting locks', '>Score</label>', 'Comment <span', 'You declared no conflict']), [], 'zh-CN scoring');

  const tooHigh = await judge.post(`/judging/assignments/${fresh.id}`, { action: 'draft', [`score-${first.id}`]: String(first.max_score + 1) }, HK);
  t.equal(tooHigh.statusCode, 400);
  t.match(tooHigh.body, `id="f-score-${first.id}-error">${first.name}：請給予 0 至 ${first.max_score} 的分數。`);
  const missing = await judge.post(`/judging/assignments/${fresh.id}`, { action: 'submit' }, HK);
  t.equal(missing.statusCode, 400);
  t.match(missing.body, `提交前請為「${first.name}」評分。`);
  t.notMatch(missing.body, 'before submitting');
  const count = await db.selectFrom('scores').select((eb) => eb.fn.countAll<number>().as('n')).where('assignment_id', '=', fresh.id)
    .where('score', 'is not', null).executeTakeFirstOrThrow();
  t.equal(Number(count.n), 0, 'nothing stored for refused scores');

  const enHigh = await judge.post(`/judging/assignments/${fresh.id}`, { action: 'draft', [`score-${first.id}`]: String(first.max_score + 1) });
  t.match(enHigh.body, `${first.name}: Give a score from 0 to ${first.max_score}.`);
  t.match(enHigh.body, 'Save draft');

  const refused = await judge.get('/judging/assignments/999999', HK);
  t.equal(refused.statusCode, 404);
  t.match(refused.body, /<p class="lead">找不到[^<]+。<\/p>/, 'refused in Chinese');
  t.notMatch(refused.body, 'We could not find');
});
