import type { surveys as en } from '../en/surveys.ts';

/* Simplified Chinese where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const surveys: Partial<Record<keyof typeof en, string>> = {
  'surveys.builder.saved': '问卷已保存。',
  'surveys.errors.introLength': '简介不可超过 {max} 个字符。',
  'surveys.errors.promptLength': '问题不可超过 {max} 个字符。',
  'surveys.errors.optionsLength': '最多 {options} 个选项，每个不超过 {max} 个字符。',
  'surveys.errors.answerLength': '答案不可超过 {max} 个字符。',
  'surveys.errors.linkGone': '此问卷链接无效。请使用最近收到的电子邮件中的链接。',
  'surveys.builder.intro': '开放的问卷会在活动结束后，以电子邮件发给所有已签到的人士，并使用其登记时的语言。每人通过私人链接作答一次，并可在问卷截止前修改答案。',
  'surveys.builder.sendNow': '立即发给已签到人士',
};
