import t from 'tap';
import { signedIn } from '../helpers/agent.ts';
import { build } from '../helpers/app.ts';

/*
 * The organisers' contest and exchange-programme pages in Traditional (zh-HK) and Simplified
 * (zh-CN) Chinese, validation messages included, with English unchanged when no language is asked for.
 */

const HK = { 'accept-language': 'zh-HK,zh;q=0.9,en;q=0.8' };
const CN = { 'accept-language': 'zh-CN,zh;q=0.9' };
const CONTEST = '/manage/contests/hvpp-contest-2019';

/** Which of these English interface words are still on the page (none should be). */
const englishLeft = (body: string, words: string[]) => words.filter((w) => body.includes(w));

const { app, db } = await build(t);
const organiser = await signedIn(app, 'organiser@hkipd.test');
const programme = await db.selectFrom('programmes').select('id').where('slug', '=', 'copyright-students-exchange-2019').executeTakeFirstOrThrow();

t.test('the list of contests and a contest', async (t) => {
  const LIST_WORDS = ['<h1>Contests', '>Year<', '>Contest<', '>Entries<', 'results published', 'No contests in your items.'];
  const hk = await organiser.get('/manage/contests', HK);
  t.equal(hk.statusCode, 200);
  t.match(hk.body, '<title>比賽 · ipcoop');
  t.match(hk.body, '<h1>比賽</h1>');
  t.match(hk.body, '>年度</th>');
  t.match(hk.body, '已截止，已公佈結果');
  t.same(englishLeft(hk.body, LIST_WORDS), [], 'zh-HK contests: no English left');

  const cn = await organiser.get('/manage/contests', CN);
  t.match(cn.body, '<h1>比赛</h1>');
  t.match(cn.body, '已截止，已公布结果');
  t.same(englishLeft(cn.body, LIST_WORDS), [], 'zh-CN contests: no English left');

  const en = await organiser.get('/manage/contests');
  t.match(en.body, '<h1>Contests</h1>');
  t.match(en.body, 'Closed, results published');

  const SHOW_WORDS = ['Public page', '>Rounds<', '>Judges<', '>Settings<', 'Save settings', 'Open for entries', 'submitted of', '>Entrant<', 'Add judge', 'judged blind'];
  const show = await organiser.get(CONTEST, HK);
  t.equal(show.statusCode, 200);
  t.match(show.body, '專利組合比賽');
  t.match(show.body, '>公開網頁</a>');
  t.match(show.body, '<h2>評審</h2>');
  t.match(show.body, '>儲存設定</button>');
  t.match(show.body, '開始接受報名（香港時間）');
  t.match(show.body, 'Guangdong-Hong Kong-Macao Greater Bay Area High Value Patent Portfolio Contest 2019', 'the contest title is stored content');
  t.same(englishLeft(show.body, SHOW_WORDS), [], 'zh-HK contest: no English left');

  const showCn = await organiser.get(CONTEST, CN);
  t.match(showCn.body, '>公开网页</a>');
  t.match(showCn.body, '>储存设定</button>');
  t.same(englishLeft(showCn.body, SHOW_WORDS), [], 'zh-CN contest: no English left');

  const showEn = await organiser.get(CONTEST);
  t.match(showEn.body, 'Patent portfolio contest');
  t.match(showEn.body, '<h2>Judges</h2>');
  t.match(showEn.body, '>Save settings</button>');
});

t.test('the setup page refuses bad input in the reader\'s language and stores nothing', async (t) => {
  const contest = await db.selectFrom('contests').select('id').where('slug', '=', 'hvpp-contest-2019').executeTakeFirstOrThrow();
  const categories = () => db.selectFrom('contest_categories').select(['id', 'code', 'name']).where('contest_id', '=', contest.id).orderBy('id').execute();
  const before = await categories();
  const bad = {
    category_0_id: '', category_0_code: 'Bad Code', category_0_name: '',
    category_1_id: '', category_1_code: 'same', category_1_name: 'A',
    category_2_id: '', category_2_code: 'same', category_2_name: 'B',
  };
  const SETUP_WORDS = ['Set up the contest', 'Nothing was saved', 'Save the categories', 'Rounds and criteria', 'Award tiers', 'Guidance for judges',
    'There is a problem', 'Use lower-case letters', 'Enter the name of the category.', 'is used twice', '>Code<', 'Maximum score'];

  const hk = await organiser.post(`${CONTEST}/categories`, bad, HK);
  t.equal(hk.statusCode, 400);
  t.match(hk.body, '<title>設定 · Guangdong-Hong Kong-Macao Greater Bay Area High Value Patent Portfolio Contest 2019 · ipcoop');
  t.match(hk.body, '<h1>設定比賽</h1>');
  t.match(hk.body, '沒有儲存任何資料：請參閱下列訊息。');
  t.match(hk.body, '<h2>出現問題</h2>');
  t.match(hk.body, 'id="f-category_0_code-error">請使用小寫英文字母、數字及連字號，最多 40 個字元。');
  t.match(hk.body, 'id="f-category_0_name-error">請輸入組別名稱。');
  t.match(hk.body, 'id="f-category_2_code-error">代碼「same」重複使用。', 'a message with a value in it is rebuilt');
  t.match(hk.body, '第 1 輪：Preliminary', 'the round name is stored content');
  t.same(englishLeft(hk.body, SETUP_WORDS), [], 'zh-HK setup with errors: no English left');

  const cn = await organiser.post(`${CONTEST}/categories`, bad, CN);
  t.equal(cn.statusCode, 400);
  t.match(cn.body, '<h1>设定比赛</h1>');
  t.match(cn.body, '请使用小写英文字母、数字及连字号，最多 40 个字符。', 'Guangdong says 字符');
  t.match(cn.body, '代码“same”重复使用。');
  t.same(englishLeft(cn.body, SETUP_WORDS), [], 'zh-CN setup with errors: no English left');

  const en = await organiser.post(`${CONTEST}/categories`, bad);
  t.equal(en.statusCode, 400);
  t.match(en.body, '<h1>Set up the contest</h1>');
  t.match(en.body, 'id="f-category_2_code-error">The code &quot;same&quot; is used twice.');
  t.match(en.body, 'Use lower-case letters, digits and hyphens. At most 40 characters.');

  t.same(await categories(), before, 'nothing stored');
});

t.test('a round\'s ranking', async (t) => {
  const RANKING_WORDS = ['<h1>Ranking', 'A judge&#39;s total', 'normalised score does the same', 'Ties are broken', 'Download CSV', '>Criteria<',
    '>Criterion<', '>Weight<', 'How this score is made', 'How each judge scored', '>Sheets<', 'sheets per band'];
  const hk = await organiser.get(`${CONTEST}/rounds/1/ranking`, HK);
  t.equal(hk.statusCode, 200);
  t.match(hk.body, '<title>排名：Preliminary · ipcoop');
  t.match(hk.body, '<h1>排名：Preliminary</h1>');
  t.match(hk.body, '參賽項目的得分為各評審總分的平均數。');
  t.match(hk.body, '本輪按原始排名決定。');
  t.match(hk.body, '>下載 CSV</a>');
  t.match(hk.body, '<h2>各評審的評分情況</h2>');
  t.same(englishLeft(hk.body, RANKING_WORDS), [], 'zh-HK ranking: no English left');

  const cn = await organiser.get(`${CONTEST}/rounds/1/ranking`, CN);
  t.match(cn.body, '<h1>排名：Preliminary</h1>');
  t.match(cn.body, '本轮按原始排名决定。');
  t.match(cn.body, '>下载 CSV</a>');
  t.same(englishLeft(cn.body, RANKING_WORDS), [], 'zh-CN ranking: no English left');

  const en = await organiser.get(`${CONTEST}/rounds/1/ranking`);
  t.match(en.body, '<h1>Ranking: Preliminary</h1>');
  t.match(en.body, 'A judge\'s total is 100 × Σ(weight × score ÷ maximum) ÷ Σ weight. An entry\'s score is the mean of its judges\' totals.\nThe normalised score');
  t.match(en.body, 'This round is decided by the raw ranking.Ties are broken by the criteria in order.\nJudges whose totals');

  const csv = await organiser.get(`${CONTEST}/rounds/1/ranking.csv`, HK);
  t.equal(csv.statusCode, 200);
  t.match(csv.body, /^\uFEFF?Rank,Normalised rank,/, 'exports stay in English');
});

t.test('exchange programmes and a programme', async (t) => {
  const LIST_WORDS = ['<h1>Exchange programmes', 'New programme', '>Programme<', '>Dates<', '>Delegations<', '>Members<'];
  const hk = await organiser.get('/manage/programmes', HK);
  t.equal(hk.statusCode, 200);
  t.match(hk.body, '<title>交流計劃 · ipcoop');
  t.match(hk.body, '<h1>交流計劃</h1>');
  t.match(hk.body, '>新增交流計劃</a>');
  t.same(englishLeft(hk.body, LIST_WORDS), [], 'zh-HK programmes: no English left');
  const cn = await organiser.get('/manage/programmes', CN);
  t.match(cn.body, '<h1>交流计划</h1>');
  t.same(englishLeft(cn.body, LIST_WORDS), [], 'zh-CN programmes: no English left');
  t.match((await organiser.get('/manage/programmes')).body, '<h1>Exchange programmes</h1>');

  const url = `/manage/programmes/${programme.id}`;
  const SHOW_WORDS = ['Places taken', 'Edit the programme', 'Itinerary by day', 'Delegation list', 'The exports withhold', 'Invite a delegation leader',
    'Leader&#39;s email address', 'Send the invitation', '>Travelling<', 'Consents missing', 'Back to closed'];
  const page = await organiser.get(url, HK);
  t.equal(page.statusCode, 200);
  t.match(page.body, '<dt>已佔名額</dt>');
  t.match(page.body, '>修改交流計劃</a>');
  t.match(page.body, '>代表團名單（CSV）</a>');
  t.match(page.body, '<h2 id="invite-heading">邀請代表團團長</h2>');
  t.match(page.body, '>團長的電郵地址</label>');
  t.same(englishLeft(page.body, SHOW_WORDS), [], 'zh-HK programme: no English left');

  const pageCn = await organiser.get(url, CN);
  t.match(pageCn.body, '>团长的电子邮箱</label>', 'Guangdong says 电子邮箱');
  t.match(pageCn.body, '>每日行程（可打印）</a>', 'Guangdong says 打印');
  t.same(englishLeft(pageCn.body, SHOW_WORDS), [], 'zh-CN programme: no English left');

  // A refusal from the invitation form, in Chinese; no invitation is stored.
  const invitations = async () => (await db.selectFrom('delegation_invitations').select('id').execute()).length;
  const before = await invitations();
  const refused = await organiser.post(`${url}/invitations`, { email: 'leader@example.org' }, HK);
  t.equal(refused.statusCode, 400, 'the programme is completed');
  t.match(refused.body, 'id="f-email-error">請先開放交流計劃，再邀請代表團。');
  t.equal(await invitations(), before, 'nothing stored');

  const en = await organiser.get(url);
  t.match(en.body, '<dt>Places taken</dt>');
  t.match(en.body, '<label for="f-email">Leader&#39;s email address</label>');
  t.match(en.body, 'When you need them, use the <a href=');
});
