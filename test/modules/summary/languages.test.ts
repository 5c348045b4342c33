import t from 'tap';
import { localText, missingTranslations } from '../../../src/lib/content.ts';
import { formatHkd, formatItemList, formatNameList, formatValue } from '../../../src/modules/summary/placeholders.ts';
import { build } from '../../helpers/app.ts';

t.test('figure phrases read naturally in each language', async (t) => {
  t.equal(formatValue(198, ['about']), 'about 200');
  t.equal(formatValue(198, ['about'], 'zh-Hant'), '約200');
  t.equal(formatValue(198, ['about'], 'zh-Hans'), '约200');
  t.equal(formatValue(126, ['over'], 'zh-Hant'), '超過120');
  t.equal(formatValue(5, ['words'], 'zh-Hant'), '5');
  t.equal(formatValue(112_000, [], 'zh-Hant'), '112000');
  t.equal(formatHkd(8_300_000, 'zh-Hant'), '港幣830萬元');
  t.equal(formatHkd(250_000_000, 'zh-Hans'), '港币2.5亿元');
  t.equal(formatItemList([1, 2, 4], 'zh-Hant'), '(1)、(2)及(4)');
  t.equal(formatNameList(['甲', '乙'], ['the'], 'zh-Hans'), '甲及乙');
});

t.test('content falls back: written, then derived from the other script, then English', async (t) => {
  const translations = { 'zh-Hant': { title: '推動品牌國際化' } };
  t.same(localText('Promoting branding globalisation', translations, 'title', 'zh-Hant'), { text: '推動品牌國際化', source: 'written' });
  t.same(localText('Promoting branding globalisation', translations, 'title', 'zh-Hans'), { text: '推动品牌国际化', source: 'derived' });
  t.same(localText('Promoting branding globalisation', {}, 'title', 'zh-Hans'), { text: 'Promoting branding globalisation', source: 'english' });
  t.same(localText('X', { 'zh-Hans': { title: '知识产权' } }, 'title', 'zh-Hant'), { text: '知識產權', source: 'derived' });
  t.same(missingTranslations(translations, ['title', 'narrative']), { 'zh-Hant': ['narrative'], 'zh-Hans': ['title', 'narrative'] });
});

t.test('the 2018-19 summary in Traditional and Simplified Chinese, figures live', async (t) => {
  const { app } = await build(t);
  const text = async (lang: string) => (await app.inject({ method: 'GET', url: `/periods/2018-19/summary.txt?lang=${lang}` })).body;
  const hant = await text('zh-Hant');
  t.match(hant, /^粵港保護知識產權合作專責小組\n\n合作項目摘要\n\n\(2018-2019\)\n\n/);
  t.match(hant, '完成了27個合作項目');
  t.match(hant, '其中8個為新項目，即第(1)、(2)、(4)、(5)、(6)、(13)、(23)及(24)項。');
  t.match(hant, '17. 舉辦「粵港知識產權與中小企業發展研討會」');
  t.match(hant, '約200人出席研討會。');
  t.match(hant, '共頒發28個主要獎項');
  t.match(hant, '共有15項來自香港的發明參賽，合共獲得15個獎項');
  t.match(hant, /\n3\. 推動品牌國際化\n\nIn May 2019, the HKIPD/, 'an item without a Chinese narrative keeps its English one');
  t.match(hant, 'The Conference, with over 120 participants,', 'and its figures read in English');

  const hans = await text('zh-Hans');
  t.match(hans, /^粤港保护知识产权合作专责小组\n\n合作项目摘要/);
  t.match(hans, '约200人出席研讨会。', 'Simplified is derived, figures included');
  t.match(hans, '17. 举办「粤港知识产权与中小企业发展研讨会」');

  const english = await text('en');
  t.match(english, /^Guangdong\/Hong Kong Expert Group on the Protection of Intellectual Property Rights \(IPRs\)\n\nSummary of Co-operation Items/);
  t.match(english, 'About 200 participants attended the seminar.');

  const page = await app.inject({ method: 'GET', url: '/periods/2018-19', headers: { 'accept-language': 'zh-HK' } });
  t.equal(page.statusCode, 200);
  t.match(page.body, '推動品牌國際化');
  const item = await app.inject({ method: 'GET', url: '/periods/2018-19/items/17', headers: { 'accept-language': 'zh-CN' } });
  t.equal(item.statusCode, 200);
  t.match(item.body, '>约200</span>人出席研讨会。');
});
