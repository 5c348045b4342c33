import t, { type Test } from 'tap';
import { translator } from '../../src/lib/i18n.ts';
import { hashToken } from '../../src/lib/tokens.ts';
import { deliverDueMail } from '../../src/modules/mail/worker.ts';
import { Agent, signedIn } from '../helpers/agent.ts';
import { build } from '../helpers/app.ts';
import { startSmtp } from '../helpers/mail.ts';

/*
 * Registering, delegations and contest entries in the three languages: the forms, their
 * messages and the private pages follow the visitor's language; each registration, delegation
 * and entry remembers the language it was made in, and its emails are written in it.
 */

const inbox = await startSmtp(t);
const { app, db } = await build(t, { mailTransport: inbox.transport });

const HK = { 'accept-language': 'zh-HK' };
const CN = { 'accept-language': 'zh-CN' };
// Messages are asked of the catalogue by key, in each language.
const inEN = translator('en');
const inHK = translator('zh-Hant');
const inCN = translator('zh-Hans');
const titleOf = (body: string) => /<title>([^<]*)<\/title>/.exec(body)?.[1] ?? '';

/** Interface words that must not be left in English on a page read in Chinese. */
function noEnglish(t: Test, body: string, words: string[]) {
  for (const w of words) t.ok(!body.includes(w), `no English "${w}"`);
}

async function openSeminar() {
  return db.selectFrom('events').selectAll().where('slug', 'like', 'sme-seminar-20__-__').where('status', '=', 'published')
    .where('starts_at', '>', new Date()).executeTakeFirstOrThrow();
}

const person = (email: string, extra: Record<string, string> = {}) => ({
  name: '陳大文', email, organisation: '香港生產力促進局', side: 'GD', consent: 'on', ...extra,
});
const tokenOf = (location: unknown) => /^\/registrations\/([A-Za-z0-9_-]{43})$/.exec(typeof location === 'string' ? location : '')?.[1] ?? '';

/** Delivers what is queued and returns the messages the SMTP server received for an address. */
async function mailsTo(address: string) {
  await deliverDueMail(db, inbox.transport);
  return inbox.messages.filter((m) => (m.to && 'text' in m.to ? m.to.text : '') === address);
}

t.test('registering in Simplified Chinese: the form, the confirmation email and the private page', async (t) => {
  const event = await openSeminar();
  const agent = new Agent(app);

  const form = await agent.get(`/events/${event.slug}`, CN);
  t.equal(form.statusCode, 200);
  t.match(form.body, '<label for="f-name">姓名</label>');
  t.match(form.body, '<label for="f-email">电子邮箱</label>', 'Guangdong says 电子邮箱');
  t.match(form.body, '我们会把确认通知和你的私人登记链接发送到这个地址。');
  t.match(form.body, '<h3>我们如何使用你的信息</h3>');
  t.match(form.body, '<span>我同意按上述方式使用我的信息。</span>');
  t.match(form.body, '<option value="HK">香港</option>');
  t.match(form.body, '<button class="button" type="submit">登记</button>');
  noEnglish(t, form.body, ['Full name', 'Email address', 'How we use your details', 'I agree to my details', 'Choose…', '>Register<', 'Where you come from']);

  const res = await agent.post(`/events/${event.slug}/register`, person('chan.cn@participant.test'), CN);
  t.equal(res.statusCode, 303);
  const token = tokenOf(res.headers.location);
  t.ok(token);
  const row = await db.selectFrom('registrations').select(['language', 'status']).where('token_hash', '=', hashToken(token))
    .executeTakeFirstOrThrow();
  t.same(row, { language: 'zh-Hans', status: 'confirmed' }, 'the registration remembers its language');

  const [mail] = await mailsTo('chan.cn@participant.test');
  t.ok(mail, 'the confirmation arrives over SMTP');
  t.equal(mail?.subject, `你的名额已确认：${event.title}`);
  t.match(mail?.text, /^陳大文您好：\n\n感谢你登记参加。你的名额已确认。\n/);
  t.match(mail?.text, /时间：.+（香港时间）/);
  t.match(mail?.text, /\d{4}年\d{1,2}月\d{1,2}日/, 'the date is written the Chinese way');
  t.match(mail?.text, `你可在此查看、打印或取消你的登记（请勿公开此链接）：\nhttp://ipcoop.test/registrations/${token}`);
  t.match(mail?.text, '随邮附上日历文件及你的二维码入场券。');
  t.match(mail?.text, 'ipcoop — 粤港保护知识产权合作专责小组的合作计划');
  noEnglish(t, mail?.text ?? '', ['Dear', 'When:', 'Thank you', 'keep this link private', 'attached']);
  t.ok(mail?.attachments.some((a) => a.filename === 'ticket.png'), 'the ticket is attached');

  const hk = await agent.get(`/registrations/${token}`, HK);
  t.equal(hk.statusCode, 200);
  t.equal(titleOf(hk.body), `你的登記：${event.title} · ipcoop`);
  t.match(hk.body, '<p class="eyebrow">你的登記</p>');
  t.match(hk.body, '<strong>你的名額已確認。</strong>我們已把本頁連結、日曆檔案及你的入場券以電郵發送給你。');
  t.match(hk.body, '<dt>來自</dt><dd>廣東</dd>');
  t.match(hk.body, '<h2 id="ticket-heading">你的入場券</h2>');
  t.match(hk.body, 'alt="你的入場券二維碼"');
  t.match(hk.body, '>取消我的登記</a>');
  noEnglish(t, hk.body, ['Your place is confirmed', 'Your ticket', 'Cancel my registration', 'Download your data', '<dt>When</dt>', 'Keep this page']);

  const cn = await agent.get(`/registrations/${token}`, CN);
  t.match(cn.body, '<strong>你的名额已确认。</strong>');
  t.match(cn.body, '>下载你的信息（JSON）</a>');

  const english = await agent.get(`/registrations/${token}`);
  t.match(english.body, '<strong>Your place is confirmed.</strong> We have emailed you this page\'s link', 'English is unchanged, byte for byte');
  t.match(english.body, '<dt>From</dt><dd>Guangdong</dd>');

  const cancel = await agent.get(`/registrations/${token}/cancel`, HK);
  t.match(cancel.body, '<h1>要取消你的登記嗎？</h1>');
  t.match(cancel.body, '>是，取消我的登記</button>');
  t.equal((await agent.post(`/registrations/${token}/cancel`, {}, { 'accept-language': 'en' })).statusCode, 303);
  const [, cancelled] = await mailsTo('chan.cn@participant.test');
  t.equal(cancelled?.subject, `你的登记已取消：${event.title}`, 'the cancellation is in the language registered in, whatever the page');
});

t.test('a validation error is shown in Chinese beside its field and in the summary', async (t) => {
  const event = await openSeminar();
  const agent = new Agent(app);
  await agent.get(`/events/${event.slug}`, HK);
  const before = await db.selectFrom('registrations').select('id').where('event_id', '=', event.id).execute();

  const hk = await agent.post(`/events/${event.slug}/register`, { name: '', email: 'not-an-email', side: 'MARS' }, HK);
  t.equal(hk.statusCode, 400);
  t.match(hk.body, '<h2>出現問題</h2>');
  for (const [field, key, english] of [
    ['name', 'participant.errors.name', 'Enter your name.'],
    ['email', 'participant.errors.emailFormat', 'Enter an email address like name@example.org.'],
    ['side', 'participant.errors.side', 'Choose where you come from.'],
  ] as const) {
    t.equal(inEN(key), english);
    t.not(inHK(key), english, `"${english}" is translated`);
    t.match(hk.body, `id="f-${field}-error">${inHK(key)}<`, `beside the ${field} field`);
    t.match(hk.body, `>${inHK(key)}</a></li>`, 'and in the summary');
  }
  t.match(hk.body, 'id="f-consent-error">請剔選方格，表示同意我們按上述方式使用你的資料，否則我們無法為你登記。<');
  noEnglish(t, hk.body, ['Enter your name.', 'Enter an email address like', 'Choose where you come from.', 'There is a problem', 'Tick the box']);

  const cn = await agent.post(`/events/${event.slug}/register`, { name: '', email: 'x@example.org', side: 'HK' }, CN);
  t.equal(cn.statusCode, 400);
  t.match(cn.body, `id="f-name-error">${inCN('participant.errors.name')}<`);
  t.match(cn.body, 'id="f-consent-error">请勾选复选框，', 'Guangdong ticks with 勾选');

  const en = await agent.post(`/events/${event.slug}/register`, { name: '', email: 'x@example.org', side: 'HK' });
  t.match(en.body, 'id="f-name-error">Enter your name.<', 'English is unchanged');
  const after = await db.selectFrom('registrations').select('id').where('event_id', '=', event.id).execute();
  t.equal(after.length, before.length, 'nothing was written');
});

t.test('a delegation registered in Traditional Chinese: the form, its row messages and the emails', async (t) => {
  const programme = await db.selectFrom('programmes').selectAll().where('slug', 'like', 'copyright-students-exchange-%')
    .where('status', '=', 'open').executeTakeFirstOrThrow();
  const leader = new Agent(app);
  const url = `/programmes/${programme.slug}/register`;

  const form = await leader.get(url, HK);
  t.equal(form.statusCode, 200);
  t.equal(titleOf(form.body), `登記代表團 · ${programme.title} · ipcoop`);
  t.match(form.body, '<h1>登記代表團</h1>');
  t.match(form.body, '<legend>成員 1</legend>');
  t.match(form.body, 'data-legend="成員 {n}" data-remove="刪除成員 {n}"', 'the script numbers new rows with the page\'s words');
  t.match(form.body, '>新增成員</button>');
  t.match(form.body, '<option value="head">團長</option>');
  t.match(form.body, '>登記此代表團</button>');
  noEnglish(t, form.body, ['Add a member', 'Remove member', 'Name of the delegation', 'Itinerary', 'Register the delegation', '>Member 1<']);

  const base = {
    name: '大埔中學代表團', leading_organisation_id: '', from_side: 'HK', to_side: 'GD', contact_name: '梁偉文', contact_email: 'leader.hk@school.example',
    member_0_id: '', member_0_name: '梁偉文', member_0_title: '', member_0_organisation: '大埔中學', member_0_role: 'head',
    member_1_id: '', member_1_name: '陳小明', member_1_title: '', member_1_organisation: '大埔中學', member_1_role: 'student', member_1_minor: 'on',
  };
  const bad = await leader.post(url, { ...base, visit_0_on: '2001-01-01', visit_0_at: '', visit_0_host: 'x', visit_0_place: '', visit_0_purpose: '', save: '1' }, HK);
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /id="f-visit_0_on-error">訪問 1：計劃期間為 \d{4}-\d{2}-\d{2} 至 \d{4}-\d{2}-\d{2}，請選擇此期間內的日期。</);
  const noName = await leader.post(url, { ...base, member_1_name: '', member_1_title: 'Form 3', save: '1' }, HK);
  t.match(noName.body, 'id="f-member_1_name-error">成員 2：請填寫成員姓名。<');

  const saved = await leader.post(url, { ...base, save: '1' }, HK);
  t.equal(saved.statusCode, 303);
  const token = /^\/delegations\/([A-Za-z0-9_-]{43})\?registered=1$/.exec(String(saved.headers.location))?.[1] ?? '';
  const row = await db.selectFrom('delegations').select(['id', 'language']).where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
  t.equal(row.language, 'zh-Hant');

  const page = await leader.get(`/delegations/${token}?registered=1`, HK);
  t.match(page.body, '你的代表團已登記。');
  t.match(page.body, '尚有 1 名未滿 18 歲的成員須取得監護人同意，代表團方可獲確認。');
  t.match(page.body, '<h2 id="withdraw-heading">撤回代表團</h2>');
  noEnglish(t, page.body, ['Withdraw the delegation', 'Your data', 'Change the delegation', 'still needs']);

  const [confirmation] = await mailsTo('leader.hk@school.example');
  t.equal(confirmation?.subject, '代表團已登記：大埔中學代表團');
  t.match(confirmation?.text, `梁偉文您好：\n\n你的代表團「大埔中學代表團」已登記參加${programme.title}：共 2 名成員，行程包括 0 項訪問。`);
  t.match(confirmation?.text, '有 1 名成員未滿 18 歲。');

  // Withdrawn from an English page: the email is still in the language the delegation was made in.
  t.equal((await leader.post(`/delegations/${token}/withdraw`, {})).statusCode, 303);
  const [, withdrawn] = await mailsTo('leader.hk@school.example');
  t.equal(withdrawn?.subject, '代表團已撤回：大埔中學代表團');
  t.match(withdrawn?.text, '已按你的要求從');
  t.match(withdrawn?.text, '其 2 個名額已交還計劃。');
});

t.test('the English delegation form is unchanged and says "Member 1"', async (t) => {
  const programme = await db.selectFrom('programmes').select('slug').where('slug', 'like', 'copyright-students-exchange-%')
    .where('status', '=', 'open').executeTakeFirstOrThrow();
  const form = await new Agent(app).get(`/programmes/${programme.slug}/register`);
  t.match(form.body, '<legend>Member 1</legend>');
  t.match(form.body, 'data-legend="Member {n}" data-remove="Remove member {n}"');
  t.match(form.body, '>Add a member</button>');
});

t.test('a contest entry made in Traditional Chinese: the form, the confirmation email and the private page', async (t) => {
  const contest = await db.selectFrom('contests').selectAll().where('slug', 'like', 'hvpp-contest-20__-__').where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  const entrant = new Agent(app);
  const page = await entrant.get(`/contests/${contest.slug}`, HK);
  t.match(page.body, '<label for="f-applicant_name">申請機構</label>');
  t.match(page.body, '<option value="higher_education">高等院校</option>');
  t.match(page.body, '>提交參賽作品</button>');
  noEnglish(t, page.body, ['Applicant organisation', 'Type of applicant', 'Patent numbers', 'Submit entry', 'PDF only']);

  const boundary = '----ipcoopParticipant';
  const fields: Record<string, string> = {
    _csrf: entrant.csrf, applicant_name: '獅子山機械人有限公司', applicant_type: 'enterprise', side: 'HK', title: '倉庫機械人專利組合',
    patent_numbers: 'HK1234567', contact_person: '黃美玲', category: 'manufacturing', summary: '八項發明專利。', email: 'ip@lionrock-hk.example',
  };
  const post = (values: Record<string, string>) => app.inject({
    method: 'POST', url: `/contests/${contest.slug}/entries`,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: entrant.cookieHeader, ...HK },
    payload: `${Object.entries(values).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('')}--${boundary}--\r\n`,
  });
  const missing = await post({ ...fields, title: '', summary: '' });
  t.equal(missing.statusCode, 400);
  t.match(missing.body, `id="f-title-error">${inHK('participant.entry.errors.title')}<`);
  t.match(missing.body, 'id="f-summary-error">請填寫摘要。<');
  t.match(missing.body, '更正表格後，請重新選擇檔案。');

  const res = await post(fields);
  t.equal(res.statusCode, 303);
  const token = /^\/entries\/([A-Za-z0-9_-]{43})$/.exec(String(res.headers.location))?.[1] ?? '';
  const row = await db.selectFrom('entries').select(['reference', 'language']).where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
  t.equal(row.language, 'zh-Hant', 'the entry remembers its language');

  const [mail] = await mailsTo('ip@lionrock-hk.example');
  t.equal(mail?.subject, `已收到參賽作品 ${row.reference}：${contest.title}`);
  t.match(mail?.text, `多謝參加。我們已收到你參加${contest.title}的作品「倉庫機械人專利組合」，編號為 ${row.reference}。`);
  t.match(mail?.text, `你可透過以下私人連結查看你的作品，並在截止提交前作出修改：\nhttp://ipcoop.test/entries/${token}`);

  const show = await entrant.get(`/entries/${token}`, HK);
  t.equal(titleOf(show.body), `參賽作品 ${row.reference} · ipcoop`);
  t.match(show.body, `<p class="eyebrow">你的參賽作品 · ${row.reference}</p>`);
  t.match(show.body, '<dt>專利號</dt>');
  t.match(show.body, '<h2>修改你的參賽作品</h2>');
  t.match(show.body, '>儲存更改</button>');
  noEnglish(t, show.body, ['Your entry', 'Change your entry', 'Save changes', '<dt>Entrant</dt>', '<dt>Patent numbers</dt>']);
});

t.test('an event cancelled by the organisers is announced to each person in their own language', async (t) => {
  const { app, db } = await build(t);
  const event = await db.selectFrom('events as e').innerJoin('item_parties as ip', 'ip.item_id', 'e.item_id')
    .innerJoin('organisations as o', 'o.id', 'ip.organisation_id').where('o.code', '=', 'HKIPD')
    .where('e.status', '=', 'published').where('e.starts_at', '>', new Date())
    .where((eb) => eb.exists(eb.selectFrom('registrations as r').select('r.id').whereRef('r.event_id', '=', 'e.id').where('r.status', '<>', 'cancelled')))
    .selectAll('e').orderBy('e.starts_at').executeTakeFirstOrThrow();
  const registrations = await db.selectFrom('registrations').select(['id', 'email']).where('event_id', '=', event.id)
    .where('status', '<>', 'cancelled').orderBy('id').limit(2).execute();
  if (registrations.length < 2) throw new Error('the demo event has registrations');
  const [first, second] = registrations as [{ id: number; email: string }, { id: number; email: string }];
  await db.updateTable('registrations').set({ language: 'zh-Hans' }).where('id', '=', first.id).execute();
  await db.updateTable('registrations').set({ language: 'en' }).where('id', '=', second.id).execute();
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  t.equal((await organiser.get(`/manage/events/${event.slug}`)).statusCode, 200);
  t.equal((await organiser.post(`/manage/events/${event.slug}/status`, { status: 'cancelled' })).statusCode, 303);
  const mail = async (to: string) => db.selectFrom('mail_outbox').select(['subject', 'text_body']).where('to_address', '=', to)
    .where('subject', 'like', '%' + event.title).orderBy('id', 'desc').executeTakeFirstOrThrow();
  const zh = await mail(first.email);
  t.equal(zh.subject, `已取消：${event.title}`);
  t.match(zh.text_body, '很抱歉通知你，以下活动已经取消：');
  const en = await mail(second.email);
  t.equal(en.subject, `Cancelled: ${event.title}`);
  t.match(en.text_body, 'We are sorry to tell you that this event has been cancelled:');
});
