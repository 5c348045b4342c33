import type { mailings as en } from '../en/mailings.ts';

/* Simplified Chinese where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const mailings: Partial<Record<keyof typeof en, string>> = {
  'mailings.programme.pageTitle': '电邮代表团：{title}',
  'mailings.programme.heading': '电邮代表团',
  'mailings.contest.pageTitle': '电邮参赛者或评审：{title}',
  'mailings.contest.heading': '电邮参赛者或评审',
  'mailings.notice.queued': '已排队发送 {n} 封邮件。',
  'mailings.notice.queuedSkipped': '已排队发送 {n} 封邮件；{skipped} 个地址因已退订而略过。',
  'mailings.history.skipped': '略过（已退订）',
  'mailings.unsubscribe.title': '退订',
  'mailings.unsubscribe.from': '退订',
  'mailings.unsubscribe.confirm': '退订',
  'mailings.errors.scope': '请选择要退订的内容。',
};
