import type { Tx } from './load.ts';

/*
 * The 2018-19 record in Traditional Chinese, as the Hong Kong side publishes it: the title of
 * every item, the introduction, and the narratives whose figures are live (with the same
 * placeholders as the English). Simplified Chinese is derived from these by OpenCC.
 */

export const INTRO_ZH_HANT = '粵港保護知識產權合作專責小組於2018-19年度完成了{{items status=completed}}個合作項目，以促進區內知識產權合作的發展。'
  + '其中{{items new=yes}}個為新項目，即第{{item-list new=yes}}項。各合作項目的進展如下：';

export const ITEM_TITLES_ZH_HANT: Record<number, string> = {
  1: '探索粵港澳大灣區（大灣區）知識產權合作新機制',
  2: '在大灣區舉辦高端知識產權研討會',
  3: '推動品牌國際化',
  4: '開展粵港澳知識產權人才聯合培養',
  5: '舉辦「2019粵港澳大灣區高價值專利培育布局大賽」',
  6: '聯合舉辦粵港澳大灣區知識產權交易博覽會',
  7: '加強粵港海關保護知識產權侵權資訊交流協作機制',
  8: '繼續在主要陸路口岸重點地區開展聯合執法行動',
  9: '完善粵港商標執法協作機制',
  10: '加強粵港版權執法協作機制',
  11: '加強粵港知識產權刑事執法合作',
  12: '推進建立粵港執法工作交流機制',
  13: '開展知識產權保護援助及多元化糾紛解決的交流合作',
  14: '推動粵港知識產權交易發展',
  15: '支持「廣東知識產權交易博覽會暨珠江知識產權論壇」',
  16: '參與第十屆中國國際動漫版權保護和貿易博覽會',
  17: '舉辦「粵港知識產權與中小企業發展研討會」',
  18: '舉辦粵港商標交流活動',
  19: '組織粵港版權產業企業交流活動',
  20: '開展粵港中學生版權知識及版權保護交流活動',
  21: '協助香港居民參加專利代理師資格考試',
  22: '鼓勵企業實施《企業知識產權管理規範》國家標準及參與「知識產權管理人員計劃」',
  23: '觀摩首屆「廣東省大學生版權知識演講比賽」',
  24: '開展知識產權宣傳',
  25: '繼續推廣「正版正貨承諾」計劃',
  26: '支持香港社區組織參與廣東省少年兒童發明獎',
  27: '繼續更新「粵港澳知識產權資料庫」及「粵港知識產權合作專欄」',
};

export const ITEM_NARRATIVES_ZH_HANT: Record<number, string> = {
  5: '廣東省市場監督管理局（知識產權局）、香港特別行政區政府知識產權署、澳門特別行政區政府經濟局及珠海市人民政府聯合舉辦首屆'
    + '「2019粵港澳大灣區高價值專利培育布局大賽」（大賽）。參賽者包括科技創新企業、高等院校及研發中心等。大賽決賽於6月在珠海橫琴舉行，'
    + '共頒發{{awards hvpp-contest-2019 major=yes}}個主要獎項。大賽發掘了一批高價值專利創新項目，有助促進大灣區的技術轉移及經濟高質量發展。',
  17: '2019年9月，雙方以「中小企業知識產權戰略：把握粵港澳大灣區創新發展機遇」為主題，在廣州聯合舉辦「粵港知識產權與中小企業發展研討會（廣州）」。'
    + '研討會旨在協助企業保護和運用其知識產權，把握大灣區發展帶來的機遇。{{attendance sme-seminar-2019 | about}}人出席研討會。',
  26: '在廣東省市場監督管理局（知識產權局）的支持下，香港特別行政區政府知識產權署鼓勵並資助香港發明協會推薦香港學生參加第十七屆廣東省少年兒童發明獎。'
    + '在2019年6月舉行的活動中，共有{{entries gd-youth-invention-2019 side=HK}}項來自香港的發明參賽，合共獲得{{awards gd-youth-invention-2019 side=HK}}個獎項。',
};

export async function insertTranslations(tx: Tx, periodId: number): Promise<void> {
  await tx.updateTable('periods').set({ translations: JSON.stringify({ 'zh-Hant': { intro: INTRO_ZH_HANT } }) })
    .where('id', '=', periodId).execute();
  for (const [number, title] of Object.entries(ITEM_TITLES_ZH_HANT)) {
    const narrative = ITEM_NARRATIVES_ZH_HANT[Number(number)];
    const zh: Record<string, string> = narrative ? { title, narrative } : { title };
    await tx.updateTable('items').set({ translations: JSON.stringify({ 'zh-Hant': zh }) })
      .where('period_id', '=', periodId).where('number', '=', Number(number)).execute();
  }
}
