import t from 'tap';
import { signedIn } from '../helpers/agent.ts';
import { build } from '../helpers/app.ts';

/* The organisers' pages in Traditional (Hong Kong) and Simplified (Guangdong) Chinese; English unchanged. */

const HK = { 'accept-language': 'zh-HK,zh;q=0.9,en;q=0.8' };
const CN = { 'accept-language': 'zh-CN,zh;q=0.9' };

/** The English interface words of a page that must not be left in a translated one. */
const leftovers = (body: string, words: string[]) => words.filter((w) => body.includes(w));

t.test('the items list and the sub-navigation', async (t) => {
  const { app } = await build(t);
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const english = ['>Items of', 'The items your organisation is a party to.', '>Outbox<', '>Audit log<', '>Judges<', '>Year<', '>Status<', 'No items yet'];

  const hk = await organiser.get('/manage', HK);
  t.equal(hk.statusCode, 200);
  t.match(hk.body, '<html lang="zh-Hant">');
  t.match(hk.body, '<h1>HKIPD 的合作項目</h1>');
  t.match(hk.body, '你所屬機構參與的合作項目。');
  t.match(hk.body, '>寄件匣</a>');
  t.match(hk.body, '>審計記錄</a>');
  t.match(hk.body, '<th scope="col">年度</th>');
  t.same(leftovers(hk.body, english), [], 'no English interface words left');

  const cn = await organiser.get('/manage', CN);
  t.equal(cn.statusCode, 200);
  t.match(cn.body, '<h1>HKIPD 的合作项目</h1>');
  t.match(cn.body, '>发件箱</a>', 'Guangdong says 发件箱');
  t.match(cn.body, '>审计记录</a>');
  t.same(leftovers(cn.body, english), []);

  const en = await organiser.get('/manage');
  t.match(en.body, '<h1>Items of HKIPD</h1>');
  t.match(en.body, 'The items your organisation is a party to.');
  t.match(en.body, '>Audit log</a>');
  t.notMatch(en.body, '合作項目');

  const audit = await organiser.get('/manage/audit', HK);
  t.match(audit.body, '<title>審計記錄 · ipcoop</title>', 'the page title too');
  const outbox = await organiser.get('/manage/outbox', CN);
  t.match(outbox.body, '<title>发件箱 · ipcoop</title>');
  t.match(outbox.body, '本平台就你的合作项目发出的每封电子邮件');
});

t.test('an item whose narrative has broken placeholders, refused in Chinese', async (t) => {
  const { app, db } = await build(t);
  const item = await db.selectFrom('items as i').innerJoin('item_parties as ip', 'ip.item_id', 'i.id')
    .innerJoin('organisations as o', 'o.id', 'ip.organisation_id').innerJoin('periods as p', 'p.id', 'i.period_id')
    .where('o.code', '=', 'HKIPD').where('p.slug', '=', '2018-19').select(['i.id', 'i.number', 'i.title', 'i.status']).executeTakeFirstOrThrow();
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const english = ['Fix the placeholders', 'no event', 'unknown figure', 'There is a problem'];

  const hk = await organiser.post(`/manage/items/${item.id}`, { title: item.title, status: item.status, narrative: '{{attendance no-such-event}} {{colour}}' }, HK);
  t.equal(hk.statusCode, 400);
  t.match(hk.body, 'id="f-narrative-error">請先修正以下佔位符：{{attendance no-such-event}} — 找不到活動「no-such-event」；{{colour}} — 沒有「colour」這種數字');
  t.same(leftovers(hk.body, english), [], 'no English interface words left');

  const cn = await organiser.post(`/manage/items/${item.id}/preview`, { narrative: '{{figure nope}}' }, CN);
  t.match(cn.body, `<code>{{figure nope}}</code>: 第 ${item.number} 项没有已记录的数字「nope」`);

  const figure = await organiser.post(`/manage/items/${item.id}/figures`, { key: 'k'.repeat(61), label: '', value: 'lots', unit: 'count' }, HK);
  t.equal(figure.statusCode, 400);
  t.match(figure.body, 'id="f-key-error">不可超過 60 個字元。<', 'the limit comes from the form');
  t.match(figure.body, 'id="f-label-error">請輸入名稱。<');
});

t.test("an event's page and the rows behind its figures", async (t) => {
  const { app } = await build(t);
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const english = ['Check-in desk', 'Email registrants', 'Attendance list', 'Printable sign-in sheet', 'Without emails', 'waiting list',
    'of 250 taken', '>When<', '>Places<', 'Reopen', 'Cancel the event', ' registered<', 'public page'];

  const hk = await organiser.get('/manage/events/sme-seminar-2019', HK);
  t.equal(hk.statusCode, 200);
  t.match(hk.body, '>報到處</a>');
  t.match(hk.body, '<h2>出席名單</h2>');
  t.match(hk.body, '已佔 232 個，共 250 個');
  t.match(hk.body, '2018-2019 第 17 項');
  t.match(hk.body, '由 2019年8月5日');
  t.match(hk.body, '重新開放登記');
  t.match(hk.body, '(香港時間)');
  t.same(leftovers(hk.body, english), [], 'no English interface words left');
  t.match(hk.body, 'Guangdong/Hong Kong Seminar on IP and the Development of SMEs (Guangzhou)', 'the stored title is left as it is');

  const cn = await organiser.get('/manage/events/sme-seminar-2019', CN);
  t.match(cn.body, '>报到处</a>');
  t.match(cn.body, '可打印的签到表', 'Guangdong says 打印');
  t.match(cn.body, '发送电子邮件给登记者');
  t.same(leftovers(cn.body, english), []);

  const en = await organiser.get('/manage/events/sme-seminar-2019');
  t.match(en.body, 'Check-in desk');
  t.match(en.body, '232 of 250 taken · waiting list off');
  t.match(en.body, '2018-2019 item 17');

  const rows = await organiser.get('/manage/figures/attendance/sme-seminar-2019?side=HK', HK);
  t.equal(rows.statusCode, 200);
  t.match(rows.body, /<h1>已報到：Guangdong\/Hong Kong Seminar on IP and the Development of SMEs \(Guangzhou\)（香港）<\/h1>/);
  t.match(rows.body, /此數字來自 \d+ 行資料。/);
  t.match(rows.body, '<th scope="col">報到時間</th>');
  t.same(leftovers(rows.body, ['Checked in at', 'behind this figure', '>Name<', '>Side<', '>Hong Kong<']), []);
  const rowsEn = await organiser.get('/manage/figures/attendance/sme-seminar-2019?side=HK');
  t.match(rowsEn.body, '<h1>Checked in at Guangdong/Hong Kong Seminar on IP and the Development of SMEs (Guangzhou) (Hong Kong)</h1>');
  t.match(rowsEn.body, /\d+ rows behind this figure\./);

  const print = await app.inject({ method: 'GET', url: '/periods/2018-19/print', headers: HK });
  t.match(print.body, '<html lang="zh-Hant">');
  t.match(print.body, '<p class="print-title">粵港保護知識產權合作專責小組</p>');
  t.match(print.body, '<title>合作項目摘要（2018-2019）</title>');
});

t.test('the event form with errors', async (t) => {
  const { app, db } = await build(t);
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const event = await db.selectFrom('events').select(['item_id', 'capacity']).where('slug', '=', 'sme-seminar-2019').executeTakeFirstOrThrow();
  const bad = {
    item_id: String(event.item_id), kind: 'seminar', title: '', timezone: 'Asia/Hong_Kong', starts_at: '2031-03-01T09:30',
    ends_at: '2031-03-01T08:00', capacity: '-3', question_label_0: 'Pick one', question_kind_0: 'choice', question_options_0: 'Only',
  };
  const english = ['There is a problem', 'Enter a title.', 'A choice needs at least two options', 'Create the event', 'Extra questions',
    'Time zone', '(optional)', 'Leave empty for no limit.', 'Asia/Hong Kong', 'Short text', '>New event<'];

  const hk = await organiser.post('/manage/events/new', bad, HK);
  t.equal(hk.statusCode, 400);
  t.match(hk.body, '<title>新增活動 · ipcoop</title>');
  t.match(hk.body, /id="f-title-error">請(?:輸入|填寫).+。</);
  t.match(hk.body, 'id="f-question_label_0-error">選擇題最少須有兩個選項，每行一個。<');
  t.match(hk.body, /id="f-capacity-error">[^<]*名額/);
  t.match(hk.body, '>建立活動</button>');
  t.match(hk.body, '>香港時間</option>');
  t.same(leftovers(hk.body, english), [], 'no English interface words left');

  const cn = await organiser.post('/manage/events/new', bad, CN);
  t.equal(cn.statusCode, 400);
  t.match(cn.body, 'id="f-question_label_0-error">选择题最少须有两个选项，每行一个。<');
  t.match(cn.body, '>创建活动</button>', 'Guangdong says 创建');
  t.same(leftovers(cn.body, english), []);

  const en = await organiser.post('/manage/events/new', bad);
  t.equal(en.statusCode, 400);
  t.match(en.body, 'id="f-title-error">Enter a title.<');
  t.match(en.body, '>Create the event</button>');
  t.equal(await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('title', '=', '').executeTakeFirstOrThrow().then((r) => Number(r.n)), 0);

  // A refusal with a number in it is translated too, and nothing is saved.
  const lower = {
    item_id: String(event.item_id), kind: 'seminar', title: 'Lower', timezone: 'Asia/Hong_Kong', starts_at: '2019-09-06T09:30',
    ends_at: '2019-09-06T12:30', capacity: '10', slug: 'sme-seminar-2019',
  };
  const refused = await organiser.post('/manage/events/sme-seminar-2019/edit', lower, HK);
  t.equal(refused.statusCode, 400);
  t.match(refused.body, /id="f-capacity-error">已有 \d+ 個名額獲確認，名額不可低於此數。</);
  t.match(refused.body, /<title>編輯：Guangdong\/Hong Kong Seminar/);
  const refusedEn = await organiser.post('/manage/events/sme-seminar-2019/edit', lower);
  t.match(refusedEn.body, /id="f-capacity-error">\d+ places are already confirmed; the capacity cannot be lower.</);
  t.equal((await db.selectFrom('events').select('capacity').where('slug', '=', 'sme-seminar-2019').executeTakeFirstOrThrow()).capacity, event.capacity);
});

t.test('the check-in desk', async (t) => {
  const { app, db } = await build(t);
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const desk = '/manage/events/sme-seminar-2019/checkin';
  const english = ['Scan a ticket', 'Scan the QR code', 'Find by name', '>Search<', '>Check in<', '>Undo<', 'Walk-in', 'Registers someone',
    'Full name', 'Where from', 'Register and check in', ' registered<', ' waiting<', 'Live counts'];

  const hk = await organiser.get(desk, HK);
  t.equal(hk.statusCode, 200);
  t.match(hk.body, /<title>報到：Guangdong\/Hong Kong Seminar/);
  t.match(hk.body, '<label for="f-code">掃描入場券</label>');
  t.match(hk.body, 'placeholder="掃描二維碼或貼上連結"');
  t.match(hk.body, '>登記並報到</button>');
  t.match(hk.body, '>撤銷</button>');
  t.match(hk.body, 'aria-label="即時人數"');
  t.same(leftovers(hk.body, english), [], 'no English interface words left');
  // The live counts are numbers only: the desk's script builds no text.
  t.match(hk.body, /<strong data-count="confirmed">\d+<\/strong> 已登記/);

  const cn = await organiser.get(desk, CN);
  t.match(cn.body, '<label for="f-code">扫描门票</label>');
  t.match(cn.body, '>搜索</button>', 'Guangdong says 搜索');
  t.same(leftovers(cn.body, english), []);

  const scan = await organiser.post(desk, { code: 'not a ticket' }, HK);
  t.equal(scan.statusCode, 400);
  t.match(scan.body, '這不是本平台的入場券。');

  const empty = await organiser.post('/manage/events/sme-seminar-2019/walk-in', { name: '', email: 'nope', side: '' }, CN);
  t.equal(empty.statusCode, 400);
  t.match(empty.body, /id="f-name-error">请(?:输入|填写)[^<]*。</);
  t.match(empty.body, /id="f-side-error">[^<A-Za-z]+</);
  t.notMatch(empty.body, 'Enter your name.');

  const walkIn = await organiser.post('/manage/events/sme-seminar-2019/walk-in', { name: '陳大文', email: 'chan.taiman@example.hk', side: 'HK' }, HK);
  t.equal(walkIn.statusCode, 200);
  t.match(walkIn.body, '陳大文 已報到。');
  const row = await db.selectFrom('registrations as r').innerJoin('events as e', 'e.id', 'r.event_id').where('e.slug', '=', 'sme-seminar-2019')
    .where('r.email', '=', 'chan.taiman@example.hk').select(['r.status', 'r.checked_in_at']).executeTakeFirstOrThrow();
  t.equal(row.status, 'confirmed');
  t.ok(row.checked_in_at, 'checked in at the door');

  const en = await organiser.get(desk);
  t.match(en.body, '<label for="f-code">Scan a ticket</label>');
  t.match(en.body, '>Register and check in</button>');
});
