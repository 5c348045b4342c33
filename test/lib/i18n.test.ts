import t from 'tap';
import { messages as en } from '../../src/i18n/en/index.ts';
import { messages as overrides } from '../../src/i18n/zh-Hans/index.ts';
import { messages as zhHant } from '../../src/i18n/zh-Hant/index.ts';
import {
  catalogue, isMessageKey, LOCALES, message, negotiate, nested, toSimplified, toTraditional, translator, verbatim,
} from '../../src/lib/i18n.ts';

/** `{value}` placeholders, and `{{field}}` merge fields of the mail templates kept apart from them. */
const placeholders = (s: string) => [...s.matchAll(/\{\{\w+\}\}|\{(\w+)\}/g)].map((m) => m[1] ?? m[0]).sort();

t.test('every message key is in all three catalogues, with the same placeholders', async (t) => {
  const keys = Object.keys(en).sort();
  for (const locale of LOCALES) {
    const messages = catalogue(locale);
    t.same(Object.keys(messages).sort(), keys, `${locale} has exactly the English keys`);
    for (const key of keys) {
      const text = messages[key as keyof typeof en];
      t.ok(text && text.trim(), `${locale} ${key} is written`);
      t.same(placeholders(text), placeholders(en[key as keyof typeof en]), `${locale} ${key} fills the same values`);
    }
  }
  t.same(Object.keys(overrides).filter((k) => !(k in en)), [], 'Simplified overrides name real keys');
  t.same(Object.keys(zhHant).filter((k) => !(k in en)), [], 'no stray Traditional keys');
});

t.test('no key is written in two areas', async (t) => {
  const areas = await Promise.all(['common', 'pages', 'participant', 'account', 'manage', 'contests', 'surveys', 'certificates', 'webhooks', 'registrants', 'api', 'scan', 'contestMail', 'scheduled',
    'mailTemplates', 'mailings', 'modes', 'archive']
    .map(async (area) => Object.keys(((await import(`../../src/i18n/en/${area}.ts`)) as Record<string, unknown>)[area] as object)));
  const all = areas.flat();
  t.same(all.filter((k, i) => all.indexOf(k) !== i), [], 'each key belongs to one area');
  t.equal(all.length, Object.keys(en).length);
});

t.test('Simplified Chinese is derived from Traditional, with local words by hand', async (t) => {
  t.equal(catalogue('zh-Hans')['layout.group'], '粤港保护知识产权合作专责小组');
  t.equal(catalogue('zh-Hans')['layout.nav.signIn'], '登录', 'Guangdong says 登录 where Hong Kong says 登入');
  t.equal(toSimplified('知識產權'), '知识产权');
  t.equal(toTraditional('知识产权'), '知識產權');
});

t.test('translate fills in values and falls back to the key only for an unknown one', async (t) => {
  t.equal(translator('en')('error.label', { status: 404 }), 'Error 404');
  t.equal(translator('zh-Hant')('error.label', { status: 404 }), '錯誤 404');
  t.equal(translator('zh-Hans')('error.label', { status: 404 }), '错误 404');
  t.equal(translator('en')('error.label'), 'Error {status}', 'a missing value is left visible');
});

t.test('the language is the visitor\'s choice, else the best match in Accept-Language', async (t) => {
  const cases: [string | undefined, string | undefined, string][] = [
    ['zh-Hans', 'en', 'zh-Hans'],
    ['klingon', 'zh-HK', 'zh-Hant'],
    [undefined, undefined, 'en'],
    [undefined, '', 'en'],
    [undefined, 'zh-HK,zh;q=0.9,en;q=0.8', 'zh-Hant'],
    [undefined, 'zh-TW', 'zh-Hant'],
    [undefined, 'zh-MO', 'zh-Hant'],
    [undefined, 'zh-Hant-HK', 'zh-Hant'],
    [undefined, 'zh-CN,zh;q=0.9', 'zh-Hans'],
    [undefined, 'zh', 'zh-Hans'],
    [undefined, 'zh-Hans-CN', 'zh-Hans'],
    [undefined, 'fr-FR,en;q=0.5,zh-HK;q=0.4', 'en'],
    [undefined, 'fr-FR,en;q=0.3,zh-HK;q=0.4', 'zh-Hant'],
    [undefined, 'de, fr', 'en'],
    [undefined, 'zh-HK;q=0, en', 'en'],
    [undefined, ';;,q=,zh-CN;q=abc', 'en'],
  ];
  for (const [choice, header, expected] of cases) t.equal(negotiate(choice, header), expected, `${choice ?? '-'} / ${header ?? '-'}`);
});

t.test('a message is a key, a key with values, or text already in the reader\'s language', async (t) => {
  const hk = translator('zh-Hant');
  t.equal(hk('layout.nav.signIn'), '登入', 'a key');
  t.equal(hk({ key: 'error.label', params: { status: 404 } }), '錯誤 404', 'a key with its values');
  t.equal(translator('zh-Hans')({ key: 'error.label' }, { status: 500 }), '错误 500', 'values given beside a message');
  t.equal(hk({ key: 'error.label', params: { status: 404 } }, { status: 409 }), '錯誤 409', 'values beside it win');
  t.equal(hk(verbatim('知識產權 Week')), '知識產權 Week', 'verbatim text is shown as it is');
  t.equal(translator('en')(verbatim('error.label')), 'error.label', 'verbatim text is never looked up, even when it looks like a key');
});

t.test('a value may itself be a message, rendered in the same language', async (t) => {
  const roleAt = message('account.show.roleAt', { role: { key: 'layout.nav.signIn' }, organisation: verbatim('HKIPD') });
  t.equal(translator('en')(roleAt), 'Sign in, HKIPD');
  t.equal(translator('zh-Hant')(roleAt), '登入，HKIPD');
  t.equal(translator('zh-Hans')(roleAt), '登录，HKIPD');
  const nested = message('account.show.roleAt', { role: message('error.label', { status: 404 }), organisation: 'GDIPA' });
  t.equal(translator('zh-Hant')(nested), '錯誤 404，GDIPA', 'a nested message keeps its own values');
  t.equal(translator('en')('account.show.roleAt', { role: 'layout.nav.signIn', organisation: 'x' }), 'layout.nav.signIn, x',
    'a plain string value is filled in as it is, never looked up');
});

t.test('message() builds a key with its values, always as an object so that it can be nested', async (t) => {
  t.same(message('layout.nav.signIn'), { key: 'layout.nav.signIn' });
  t.equal(translator('zh-Hant')(message('account.show.roleAt', { role: message('layout.nav.signIn'), organisation: 'x' })),
    `${translator('zh-Hant')('layout.nav.signIn')}，x`, 'a nested message without values is rendered, not printed as its key');
  t.same(nested('layout.nav.signIn'), { key: 'layout.nav.signIn' });
  t.same(nested(verbatim('x')), { text: 'x' });
  t.same(message('error.label', { status: 404 }), { key: 'error.label', params: { status: 404 } });
  t.same(verbatim('陳大文'), { text: '陳大文' });
  t.ok(isMessageKey('error.label'));
  t.notOk(isMessageKey('We could not find that page.'), 'an English sentence is not a key');
  t.notOk(isMessageKey('toString'), 'nor is anything inherited');
});
