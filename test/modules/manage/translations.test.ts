import t from 'tap';
import { signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

t.test('organisers write an item in Chinese, see what is missing or derived, and readers get it', async (t) => {
  const { app, db } = await build(t);
  const item = await db.selectFrom('items as i').innerJoin('periods as p', 'p.id', 'i.period_id')
    .where('p.slug', '=', '2018-19').where('i.number', '=', 3).select(['i.id', 'i.translations']).executeTakeFirstOrThrow();
  const hkipd = await signedIn(app, 'organiser@hkipd.test');
  const page = await hkipd.get(`/manage/items/${item.id}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, 'Chinese versions');
  t.match(page.body, /繁體中文 · Narrative:<\/span> <span class="tag tag--warn" lang="en">missing: English is shown/);
  t.match(page.body, /简体中文 · Title:<\/span> <span class="tag tag--warn" lang="en">derived from the other script/);

  const bad = await hkipd.post(`/manage/items/${item.id}/translations`, {
    title_zh_hant: '推動品牌國際化', narrative_zh_hant: '{{attendance no-such-event | about}}人出席。', title_zh_hans: '', narrative_zh_hans: '',
  });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, 'id="f-narrative_zh_hant-error">Fix the placeholders first');
  t.same((await db.selectFrom('items').select('translations').where('id', '=', item.id).executeTakeFirstOrThrow()).translations, item.translations, 'nothing stored');

  const saved = await hkipd.post(`/manage/items/${item.id}/translations`, {
    title_zh_hant: '推動品牌國際化', narrative_zh_hant: '2019年5月，雙方在廣州舉辦品牌國際化交流活動。{{attendance branding-globalisation-exchange-2019 | about}}人出席。',
    title_zh_hans: '推动品牌走向国际', narrative_zh_hans: '',
  });
  t.equal(saved.statusCode, 200);
  t.match(saved.body, 'The Chinese versions are saved.');
  const row = await db.selectFrom('items').select('translations').where('id', '=', item.id).executeTakeFirstOrThrow();
  t.same(row.translations, {
    'zh-Hant': { title: '推動品牌國際化', narrative: '2019年5月，雙方在廣州舉辦品牌國際化交流活動。{{attendance branding-globalisation-exchange-2019 | about}}人出席。' },
    'zh-Hans': { title: '推动品牌走向国际' },
  });
  const audit = await db.selectFrom('audit_log').select(['action', 'changes']).where('entity', '=', 'item').where('entity_id', '=', String(item.id))
    .where('action', '=', 'translate').executeTakeFirstOrThrow();
  t.match(JSON.stringify(audit.changes), 'narrative (zh-Hant)');

  const hans = await app.inject({ method: 'GET', url: '/periods/2018-19/summary.txt?lang=zh-Hans' });
  t.match(hans.body, '3. 推动品牌走向国际', 'a written Simplified title wins over the derived one');
  t.match(hans.body, /2019年5月，双方在广州举办品牌国际化交流活动。约\d+人出席。/, 'the narrative is derived, its figure live and in Chinese');
  const hant = await app.inject({ method: 'GET', url: '/periods/2018-19/summary.txt?lang=zh-Hant' });
  t.match(hant.body, /3\. 推動品牌國際化\n\n2019年5月，雙方在廣州舉辦品牌國際化交流活動。約\d+人出席。/);

  const customs = await signedIn(app, 'organiser@customs.test');
  t.equal((await customs.post(`/manage/items/${item.id}/translations`, { title_zh_hant: 'x' })).statusCode, 404, 'scoped to the organiser\'s items');
});
