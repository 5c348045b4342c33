import type { scheduled as en } from '../en/scheduled.ts';

/* Simplified Chinese where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const scheduled: Partial<Record<keyof typeof en, string>> = {
  'scheduled.intro': '网站会为你的项目自动发出的信息，例如活动前的提醒。未能准备的信息会显示为失败：排除原因后请重试。',
  'scheduled.introAdmin': '网站会为所有项目自动发出的信息，例如活动前的提醒。未能准备的信息会显示为失败：排除原因后请重试。',
  'scheduled.title': '预定信息',
  'scheduled.none': '没有预定的信息。',
  'scheduled.retried': '信息将于稍后再次尝试。',
  'scheduled.notFound': '找不到该预定信息。',
  'scheduled.eventSection': '预定信息',
  'scheduled.eventSectionIntro': '提醒会以各人登记时的语言，连同入场券发给所有名额已确认的人士。可在活动设置中更改提醒时间。',
  'scheduled.form.reminderHint': '在活动开始前这么多小时，以电子邮件向已确认的登记者发出提醒及入场券。0：不发提醒。',
  'scheduled.reminder.ticket': '附上你的二维码入场券：请在入口出示，以便快速签到。',
  'scheduled.reminder.manage': '如要查看、打印或取消登记，请使用登记时我们发给你的电子邮件中的私人链接。如找不到该邮件，活动网页在此：',
};
