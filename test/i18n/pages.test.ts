import t from 'tap';
import { Agent, signedIn } from '../helpers/agent.ts';
import { build } from '../helpers/app.ts';

/*
 * The public pages in the three languages: the words around the stored content (headings,
 * labels, states, counts, page titles, refusals) follow the visitor's language; English is unchanged.
 */

const { app, db } = await build(t);

const HK = { 'accept-language': 'zh-HK' };
const CN = { 'accept-language': 'zh-CN' };
const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });
const titleOf = (body: string) => /<title>([^<]*)<\/title>/.exec(body)?.[1] ?? '';

/** Interface words that must not be left in English on a page read in Chinese. */
function noEnglish(t: { notOk: (value: unknown, message: string) => unknown }, body: string, words: string[]) {
  for (const w of words) t.notOk(body.includes(w), `no English "${w}"`);
}

t.test('the summary of a programme year', async (t) => {
  const english = [
    'Summary of Co-operation Items', 'Print version (A4)', '>Plain text<', '>Items</h2>', 'aria-label="Items"',
    'The year in figures', 'Guangdong/Hong Kong Expert Group on the Protection of Intellectual Property Rights (IPRs)</p>',
  ];
  const hk = await get('/periods/2018-19', HK);
  t.equal(hk.statusCode, 200);
  t.equal(titleOf(hk.body), '合作項目摘要（2018-2019） · ipcoop', 'the page title too');
  t.match(hk.body, '<h1>合作項目摘要<span class="summary__years">（2018-2019）</span></h1>');
  t.match(hk.body, '>列印版（A4）</a>');
  t.match(hk.body, '>純文字</a>');
  t.match(hk.body, '<span class="tag">新項目</span>');
  t.match(hk.body, '<h2 id="charts-heading">年度數字一覽</h2>');
  noEnglish(t, hk.body, english);

  const cn = await get('/periods/2018-19', CN);
  t.equal(titleOf(cn.body), '合作项目摘要（2018-2019） · ipcoop');
  t.match(cn.body, '>打印版（A4）</a>', 'Guangdong prints (打印) where Hong Kong says 列印');
  t.match(cn.body, '>纯文本</a>');
  t.match(cn.body, '>Word 文件</a>');
  noEnglish(t, cn.body, english);

  const en = await get('/periods/2018-19');
  t.equal(titleOf(en.body), 'Summary of Co-operation Items (2018-2019) · ipcoop');
  t.match(en.body, '<h1>Summary of Co-operation Items <span class="summary__years">(2018-2019)</span></h1>');
  t.match(en.body, '>Print version (A4)</a>');
  t.match(en.body, '<h2>Items</h2>');

  const list = await get('/periods', HK);
  t.equal(titleOf(list.body), '年度計劃 · ipcoop');
  t.match(list.body, '27 個項目');
  t.match(list.body, '>合作項目摘要（2018-2019）</a>');
  t.match((await get('/periods')).body, '27 items');

  const item = await get('/periods/2018-19/items/17', HK);
  t.equal(item.statusCode, 200);
  t.match(item.body, '第 17 項 · 延續項目 · 已完成');
  t.match(item.body, '<th scope="col" class="num">已出席</th>');
  t.match(item.body, '› 第 17 項');
  noEnglish(t, item.body, ['Continuing item', '>Attended<', '>Registered<', 'aria-label="Breadcrumb"', '>Summary 2018-2019<']);
  t.match((await get('/periods/2018-19/items/17')).body, 'Item 17 · Continuing item · Completed');
});

t.test('publishing, read in Chinese: the notice, the changes and the published edition', async (t) => {
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const page = await organiser.get('/periods/2018-19', HK);
  t.match(page.body, '>發佈此摘要</button>');
  const editions = async () => Number((await db.selectFrom('summary_editions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const before = await editions();
  const published = await organiser.post('/manage/periods/2018-19/publish', {}, HK);
  t.equal(published.statusCode, 303);
  t.equal(await editions(), before + 1, 'an edition is stored');

  const after = await organiser.get('/periods/2018-19?published=1', HK);
  t.match(after.body, '已發佈。今天的版本已經定稿');
  t.match(after.body, '發佈後沒有任何更改。');
  t.match(after.body, '>發佈新版本</button>');
  noEnglish(t, after.body, ['Published. The edition', 'Nothing has changed', 'Publish a new edition', 'This is the live summary']);

  await db.updateTable('items').set({ narrative: 'A changed narrative.' })
    .where('number', 'in', [2, 5])
    .where('period_id', '=', db.selectFrom('periods').select('id').where('slug', '=', '2018-19'))
    .execute();
  const changed = await get('/periods/2018-19', CN);
  t.match(changed.body, '<strong>发布后有 2 个部分曾经更改</strong>：第 2 项、第 5 项。');
  t.match(changed.body, '<p class="changed-note no-print">发布后曾经更改</p>');
  const changedEn = await get('/periods/2018-19');
  t.match(changedEn.body, '<strong>2 parts have changed since publication</strong>: item 2, item 5.');

  const edition = await get('/periods/2018-19/published', HK);
  t.equal(edition.statusCode, 200);
  t.equal(titleOf(edition.body), '合作項目摘要（2018-2019）發佈版本 · ipcoop');
  t.match(edition.body, '>查看即時版本</a>');
  noEnglish(t, edition.body, ['As published on', 'See the live version', '>Plain text<']);
  t.match((await get('/periods/2018-19/published')).body, 'See the live version');
});

t.test('events: the list and an event page', async (t) => {
  const list = await get('/events', HK);
  t.equal(list.statusCode, 200);
  t.equal(titleOf(list.body), '即將舉行的活動 · ipcoop');
  t.match(list.body, '<h1>即將舉行的活動</h1>');
  t.match(list.body, '<span class="status status--open">接受登記</span>');
  t.match(list.body, /尚餘 \d+ 個名額/);
  noEnglish(t, list.body, ['Upcoming events', 'Registration open', 'places left']);
  t.match((await get('/events', CN)).body, '<span class="status status--open">接受登记</span>');
  const en = await get('/events');
  t.match(en.body, '<h1>Upcoming events</h1>');
  t.match(en.body, /\d+ places left/);

  const past = await get('/events/sme-seminar-2019', HK);
  t.equal(past.statusCode, 200);
  t.match(past.body, '<dt>日期及時間</dt>');
  t.match(past.body, '<p>本活動已截止登記。</p>');
  t.match(past.body, /\d+ 名參加者出席。/);
  t.match(past.body, '第 17 項：');
  noEnglish(t, past.body, ['<dt>When</dt>', '<dt>Where</dt>', 'Registration for this event is closed.', 'participants attended']);
  const pastCn = await get('/events/sme-seminar-2019', CN);
  t.match(pastCn.body, '<p>本活动已截止登记。</p>');
  const pastEn = await get('/events/sme-seminar-2019');
  t.match(pastEn.body, '<p>Registration for this event is closed.</p>');
  t.match(pastEn.body, /\d+ participants attended\./);

  const missing = await get('/events/no-such-event', HK);
  t.equal(missing.statusCode, 404);
  t.match(missing.body, '找不到該活動。');
});

t.test('a contest, its results and an exchange programme', async (t) => {
  const contest = await get('/contests/hvpp-contest-2019', HK);
  t.equal(contest.statusCode, 200);
  t.match(contest.body, '專利組合比賽 · 已截止');
  t.match(contest.body, '（廣東 48、香港 9、澳門 3）');
  t.match(contest.body, 'Gold Award（主要獎項）', 'the stored award name stays as written');
  t.match(contest.body, '>查看結果</a>');
  noEnglish(t, contest.body, ['Entries close', '(major award)', 'See the results', 'Entries are closed.', 'aria-label="Breadcrumb"']);
  t.match((await get('/contests/hvpp-contest-2019')).body, 'Gold Award (major award)');

  const results = await get('/contests/hvpp-contest-2019/results', CN);
  t.equal(results.statusCode, 200);
  t.match(titleOf(results.body), /^比赛结果：Guangdong-Hong Kong-Macao/);
  t.match(results.body, '<h1>比赛结果</h1>');
  t.match(results.body, '<th scope="col">参赛者</th>');
  noEnglish(t, results.body, ['<h1>Results</h1>', '>Entrant<', 'published 28']);
  const resultsEn = await get('/contests/hvpp-contest-2019/results');
  t.match(titleOf(resultsEn.body), /^Results: Guangdong-Hong Kong-Macao/);
  t.match(resultsEn.body, ' · published 28 June 2019');

  const programme = await get('/programmes/copyright-students-exchange-2019', HK);
  t.equal(programme.statusCode, 200);
  t.match(programme.body, '<h2>代表團</h2>');
  t.match(programme.body, /\d+ 名成員/);
  noEnglish(t, programme.body, ['<h2>Delegations</h2>', 'Exchange programme ·', ' members ·', 'led by']);

  const home = await new Agent(app).get('/?lang=zh-Hant');
  t.equal(titleOf(home.body), '粵港知識產權合作 · ipcoop');
  t.match(home.body, '<h1>知識產權合作，逐項呈現</h1>');
  noEnglish(t, home.body, ['Upcoming events', 'Summaries of co-operation items', 'Exchange programmes', 'Open contests']);
  t.match((await get('/')).body, '<h1>Intellectual property co-operation, item by item</h1>');
});
