import t from 'tap';
import { Agent } from './helpers/agent.ts';
import { build } from './helpers/app.ts';

const { app } = await build(t);

t.test('the language follows Accept-Language, marks the page and links the other languages', async (t) => {
  const hk = await app.inject({ method: 'GET', url: '/events', headers: { 'accept-language': 'zh-HK,zh;q=0.9,en;q=0.8' } });
  t.equal(hk.statusCode, 200);
  t.match(hk.body, '<html lang="zh-Hant">');
  t.equal(hk.headers['content-language'], 'zh-Hant');
  t.match(hk.headers.vary, /Accept-Language/);
  t.match(hk.body, '>登入</a>');
  t.match(hk.body, '粵港保護知識產權合作專責小組');
  t.match(hk.body, '<link rel="alternate" hreflang="zh-Hans" href="/events?lang=zh-Hans">');
  t.match(hk.body, '<link rel="alternate" hreflang="en" href="/events?lang=en">');
  t.match(hk.body, /<a href="\/events\?lang=zh-Hant" lang="zh-Hant" hreflang="zh-Hant" aria-current="true">繁體中文<\/a>/);

  const cn = await app.inject({ method: 'GET', url: '/events', headers: { 'accept-language': 'zh-CN' } });
  t.match(cn.body, '<html lang="zh-Hans">');
  t.match(cn.body, '>登录</a>');
  t.match(cn.body, '粤港保护知识产权合作专责小组');

  const plain = await app.inject({ method: 'GET', url: '/events' });
  t.match(plain.body, '<html lang="en">');
  t.match(plain.body, '>Sign in</a>');
});

t.test('a choice made with the switcher is remembered over Accept-Language', async (t) => {
  const visitor = new Agent(app);
  const chosen = await visitor.get('/periods?lang=zh-Hans', { 'accept-language': 'en' });
  t.match(chosen.body, '<html lang="zh-Hans">');
  t.equal(visitor.cookies.get('lang'), 'zh-Hans');
  const later = await visitor.get('/events', { 'accept-language': 'en' });
  t.match(later.body, '<html lang="zh-Hans">', 'the cookie wins over the header');
  const back = await visitor.get('/events?lang=en');
  t.match(back.body, '<html lang="en">');
  t.equal(visitor.cookies.get('lang'), 'en');
  const bogus = await visitor.get('/events?lang=xx', { 'accept-language': 'zh-HK' });
  t.equal(bogus.statusCode, 200);
  t.match(bogus.body, '<html lang="en">', 'an unknown language is ignored; the remembered one stays');
  t.match((await visitor.get('/events?lang=en&q=<b>&lang=x')).body, 'href="/events?lang=zh-Hant&amp;q=%3Cb%3E"', 'other parameters are kept, escaped');
});

t.test('error pages speak the visitor\'s language', async (t) => {
  const missing = await app.inject({ method: 'GET', url: '/no/such/page', headers: { 'accept-language': 'zh-HK' } });
  t.equal(missing.statusCode, 404);
  t.match(missing.body, '找不到頁面');
  t.match(missing.body, '錯誤 404');
  const json = await app.inject({ method: 'GET', url: '/no/such/page', headers: { 'accept-language': 'zh-CN', accept: 'application/json' } });
  t.same(JSON.parse(json.body), { statusCode: 404, error: '找不到页面', message: '找不到该页面。' });
});

t.test('dates and sides read in the visitor\'s language', async (t) => {
  const zh = await app.inject({ method: 'GET', url: '/programmes/copyright-students-exchange-2019', headers: { 'accept-language': 'zh-HK' } });
  t.equal(zh.statusCode, 200);
  t.match(zh.body, '2019年4月12日');
  t.match(zh.body, '香港 → 廣東');
  const en = await app.inject({ method: 'GET', url: '/programmes/copyright-students-exchange-2019' });
  t.match(en.body, '12 April 2019');
  t.match(en.body, 'Hong Kong → Guangdong');
});
