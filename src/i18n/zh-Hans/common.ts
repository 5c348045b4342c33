import type { common as en } from '../en/common.ts';

/* Only where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const common: Partial<Record<keyof typeof en, string>> = {
  'layout.nav.account': '账户',
  'layout.nav.signIn': '登录',
  'layout.nav.signOut': '退出登录',
  'layout.nav.main': '主菜单',
  'error.home': '返回首页',
  'error.401': '请先登录',
};
