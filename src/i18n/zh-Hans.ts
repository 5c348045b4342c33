import type { Catalogue } from '../lib/i18n.ts';

/*
 * Simplified Chinese is derived from zh-Hant.ts character by character; only the words that
 * Guangdong says differently from Hong Kong are written here.
 */
export const overrides: Partial<Catalogue> = {
  'layout.nav.account': '账户',
  'layout.nav.signIn': '登录',
  'layout.nav.signOut': '退出登录',
  'layout.nav.main': '主菜单',
  'error.home': '返回首页',
  'error.401': '请先登录',
};
