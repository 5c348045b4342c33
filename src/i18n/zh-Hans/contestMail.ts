import type { contestMail as en } from '../en/contestMail.ts';

/* Simplified Chinese where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const contestMail: Partial<Record<keyof typeof en, string>> = {
  'contestMail.judge.opened.body': '{contest}{round}现已开始评审。参赛作品分配给你时，我们会以电子邮件通知你。',
  'contestMail.entrant.certificate': '你的获奖证书记录于以下网址，任何人都可在此核实；证书本身可在作品页面下载，该页面的私人链接载于确认收到作品的电子邮件：',
};
